import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { findMalformed, judged, splitMalformed, type Malformed } from '../common/malformed.ts';
import { isRec, num, rec, recs, str, strs } from '../common/narrow.ts';
import { objectName, type CheckResult, type Finding } from '../types.ts';
import {
  exportedTo,
  exportToOf,
  gatewayHostsFor,
  hostsOverlap,
  resolveDestinationHost,
  ruleTargets,
  serviceHost,
} from './hosts.ts';
import { gatewayPodsOf } from './gateway.ts';
import { findByName, serviceFqdn } from './k8s.ts';

export interface RouteDestination {
  host: string;
  subset?: string;
  port?: number;
  weight?: number;
}

export interface HttpRoute {
  name: string;
  destinations: RouteDestination[];
}

function destination(d: unknown): RouteDestination {
  const dest = rec(d);
  const subset = str(dest.subset);
  const port = num(rec(dest.port).number);
  return {
    host: str(dest.host) ?? '',
    ...(subset !== undefined ? { subset } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}

/** The weighted destinations of each `http` route (what the migration split lives in). */
export function httpRoutes(vs: KubeObject): HttpRoute[] {
  return recs(rec(vs.spec).http).map((r, i) => ({
    name: str(r.name) ?? `http[${i}]`,
    destinations: recs(r.route).map((d) => {
      const weight = num(d.weight);
      return { ...destination(d.destination), ...(weight !== undefined ? { weight } : {}) };
    }),
  }));
}

/** A place a VirtualService sends traffic to: route destinations of http, tcp and tls routes, and http mirrors. */
interface DestinationRef {
  /** Where it sits, as a field path: `spec.http[api].route[1].destination`. */
  field: string;
  /** The route's name for messages: `http route api`, `tcp route tcp[0]`. */
  route: string;
  /** `route` or `mirror`. */
  role: 'route' | 'mirror';
  dest: RouteDestination;
  /** The element had no destination object at all. */
  missing: boolean;
}

function destinationRefs(vs: KubeObject): DestinationRef[] {
  const spec = rec(vs.spec);
  const out: DestinationRef[] = [];
  for (const proto of ['http', 'tcp', 'tls'] as const) {
    recs(spec[proto]).forEach((r, i) => {
      const name = str(r.name) ?? `${proto}[${i}]`;
      const base = `spec.${proto}[${str(r.name) ?? i}]`;
      const route = `${proto} route ${name}`;
      (Array.isArray(r.route) ? r.route : []).forEach((el, j) => {
        const d = rec(el).destination;
        out.push({
          field: `${base}.route[${j}].destination`,
          route,
          role: 'route',
          dest: destination(d),
          missing: !isRec(d),
        });
      });
      if (proto !== 'http') return;
      if (r.mirror !== undefined)
        out.push({
          field: `${base}.mirror`,
          route,
          role: 'mirror',
          dest: destination(r.mirror),
          missing: !isRec(r.mirror),
        });
      recs(r.mirrors).forEach((m, j) =>
        out.push({
          field: `${base}.mirrors[${j}].destination`,
          route,
          role: 'mirror',
          dest: destination(m.destination),
          missing: !isRec(m.destination),
        }),
      );
    });
  }
  return out;
}

/** Resolves a destination host as Istio does: short names in the VirtualService's namespace. */
export function resolveHost(
  host: string,
  vsNamespace: string,
): { name: string; namespace: string } | undefined {
  return serviceHost(host, vsNamespace);
}

export function hostNamespace(host: string, vsNamespace: string): string | undefined {
  return resolveHost(host, vsNamespace)?.namespace;
}

/** Everything the VirtualService checks read. */
export interface TrafficObjects {
  virtualServices: KubeObject[];
  gateways: KubeObject[];
  services: KubeObject[];
  destinationRules: KubeObject[];
  /** ServiceEntries: their hosts are valid destinations. */
  serviceEntries: KubeObject[];
  /** Pods, to find the namespaces of the gateway proxies a VirtualService must be exported to. */
  pods: KubeObject[];
  /** Istio objects the cluster layer could not read (Gateway, VirtualService, DestinationRule, ServiceEntry). */
  malformed: Malformed[];
}

/** Subsets the DestinationRules visible from `from` define for `fqdn`. */
function subsetsFor(
  drs: KubeObject[],
  fqdn: string,
  from: string,
): { visible: string[]; hidden: KubeObject[] } {
  const visible: string[] = [];
  const hidden: KubeObject[] = [];
  for (const d of drs.filter((x) => ruleTargets(x, fqdn))) {
    const names = recs(rec(d.spec).subsets).map((s) => str(s.name) ?? '');
    if (exportedTo(exportToOf(d), d.metadata.namespace ?? '', from)) visible.push(...names);
    else if (names.length) hidden.push(d);
  }
  return { visible, hidden };
}

function checkDestinations(vs: KubeObject, objs: TrafficObjects, profile: Profile): Finding[] {
  const ns = vs.metadata.namespace ?? '';
  const obj = objectName('VirtualService', vs.metadata.name, ns);
  const findings: Finding[] = [];
  const edit = `kubectl -n ${ns} edit virtualservice ${vs.metadata.name}`;
  for (const ref of destinationRefs(vs)) {
    const what = `${ref.route} ${ref.role === 'mirror' ? 'mirrors traffic' : 'sends traffic'} to`;
    if (ref.missing || ref.dest.host === '') {
      findings.push({
        object: obj,
        message: `${obj} ${ref.route} has a ${ref.role} element without a destination host (${ref.field}): Istio rejects the VirtualService`,
        hint: `give it destination.host, or remove the element: ${edit}`,
        field: `${ref.field}.host`,
        expected: 'a Service or ServiceEntry host',
        actual: '(none)',
      });
      continue;
    }
    const d = ref.dest;
    const target = resolveDestinationHost(d.host, ns, objs.services, objs.serviceEntries);
    if (!target) {
      findings.push({
        object: obj,
        message: `${obj} ${what} ${d.host}, which is neither a Service nor a ServiceEntry host in this cluster (istioctl analyze: IST0101)`,
        hint: `use the Service FQDN, e.g. ${serviceFqdn(profile.app.workloads[0]?.service ?? 'svc', profile.namespaces.mesh)}, or declare the external host in a ServiceEntry`,
        field: `${ref.field}.host`,
        actual: d.host,
      });
      continue;
    }
    if (target.kind === 'hidden') {
      const t = objectName(
        target.object.kind ?? 'Service',
        target.object.metadata.name,
        target.object.metadata.namespace,
      );
      findings.push({
        object: obj,
        message: `${obj} ${what} ${d.host}, but ${t} is exported only to ${target.exportTo.join(', ')}: it is not visible from ${ns}, so Istio treats the host as unknown (istioctl analyze: IST0101)`,
        hint: `add ${ns} to exportTo of ${t}, or route from a namespace it is exported to`,
        field: `${ref.field}.host`,
        actual: d.host,
      });
      continue;
    }
    if (d.port !== undefined && target.ports.length > 0 && !target.ports.includes(d.port)) {
      findings.push({
        object: obj,
        message: `${obj} ${what} ${d.host} port ${d.port}, the ${target.kind} exposes ${target.ports.join(', ')} (istioctl analyze: IST0101)`,
        hint: `set destination.port.number to one of ${target.ports.join(', ')}: ${edit}`,
        field: `${ref.field}.port.number`,
        expected: target.ports.join(' | '),
        actual: String(d.port),
      });
    }
    if (d.subset !== undefined) {
      const { visible, hidden } = subsetsFor(objs.destinationRules, target.fqdn, ns);
      if (!visible.includes(d.subset)) {
        const hiddenText = hidden.length
          ? ` (${hidden.map((h) => objectName('DestinationRule', h.metadata.name, h.metadata.namespace)).join(', ')} is not exported to ${ns})`
          : '';
        findings.push({
          object: obj,
          message: `${obj} ${what} subset ${d.subset} of ${d.host}, which no DestinationRule visible from ${ns} defines${hiddenText}: requests fail with 503 (istioctl analyze: IST0101)`,
          hint: `define subset ${d.subset} in the DestinationRule for ${d.host}, or drop the subset`,
          field: `${ref.field}.subset`,
          actual: d.subset,
        });
      }
    }
  }
  return findings;
}

function checkBindings(vs: KubeObject, objs: TrafficObjects, profile: Profile): Finding[] {
  const ns = vs.metadata.namespace ?? '';
  const obj = objectName('VirtualService', vs.metadata.name, ns);
  const hosts = strs(rec(vs.spec).hosts);
  const findings: Finding[] = [];
  const exportTo = exportToOf(vs);
  for (const ref of strs(rec(vs.spec).gateways)) {
    if (ref === 'mesh') continue;
    const [gwNs, gwName] = ref.includes('/') ? (ref.split('/', 2) as [string, string]) : [ns, ref];
    const gw = findByName(objs.gateways, gwName, gwNs);
    if (!gw) {
      if (findMalformed(objs.malformed, 'Gateway', gwName, gwNs)) continue;
      findings.push({
        object: obj,
        message: `${obj} binds to Gateway ${gwNs}/${gwName}, which does not exist (istioctl analyze: IST0101)`,
        hint: `create the Gateway or fix spec.gateways (expected ${profile.traffic.gateway})`,
        field: 'spec.gateways',
        actual: ref,
      });
      continue;
    }
    // IST0132: at least one host must be one the Gateway offers to this namespace.
    const offered = gatewayHostsFor(gw, ns);
    if (!hosts.some((h) => offered.some((o) => hostsOverlap(o, h)))) {
      findings.push({
        object: obj,
        message: `none of the hosts ${hosts.join(', ') || '(none)'} of ${obj} is among the hosts Gateway ${gwNs}/${gwName} offers to namespace ${ns} (${offered.join(', ') || 'none'}): the route is ignored there (istioctl analyze: IST0132)`,
        hint: `add one of the VirtualService's hosts to the Gateway's servers[].hosts (as host or ${ns}/host), or correct spec.hosts`,
        field: 'spec.hosts',
        expected: offered.join(' | ') || '(a host of the Gateway)',
        actual: hosts.join(', '),
      });
    }
    // A gateway proxy applies only VirtualServices exported to its own namespace.
    const proxyNamespaces = [...new Set(gatewayPodsOf(gw, objs.pods).map((p) => p.metadata.namespace ?? ''))];
    const blind = proxyNamespaces.filter((pns) => !exportedTo(exportTo, ns, pns));
    if (blind.length) {
      findings.push({
        object: obj,
        message: `${obj} is exported only to ${(exportTo ?? []).join(', ')}, so the gateway proxies of ${gwNs}/${gwName} in ${blind.join(', ')} never see it: its routes are not applied at the gateway`,
        hint: `add ${blind.join(', ')} to spec.exportTo (or remove exportTo): kubectl -n ${ns} edit virtualservice ${vs.metadata.name}`,
        field: 'spec.exportTo',
        expected: `includes ${blind.join(', ')}`,
        actual: (exportTo ?? []).join(', '),
      });
    }
  }
  return findings;
}

/** VirtualServices this check answers for: every one in the mesh namespace and any bound to the migration Gateway. */
function inScope(vss: KubeObject[], profile: Profile): KubeObject[] {
  const mesh = profile.namespaces.mesh;
  const gw = `${mesh}/${profile.traffic.gateway}`;
  return vss.filter(
    (vs) =>
      vs.metadata.namespace === mesh ||
      strs(rec(vs.spec).gateways).some(
        (g) => (g.includes('/') ? g : `${vs.metadata.namespace ?? ''}/${g}`) === gw,
      ),
  );
}

/**
 * The migration VirtualService exists with the profile's hosts, and every VirtualService of the mesh
 * namespace (or bound to the migration Gateway) behaves as Istio needs: bound Gateways exist and
 * offer one of its hosts to its namespace (IST0132, `ns/host` entries honoured), it is exported to
 * the gateway proxies' namespace, and every route, tcp/tls route and mirror destination is a Service
 * or ServiceEntry host visible from its namespace (exportTo), with an existing port and subset
 * (IST0101). A malformed object is a finding on that object; the others are still checked.
 */
export function checkVirtualService(objs: TrafficObjects, profile: Profile): CheckResult {
  const ns = profile.namespaces.mesh;
  const name = profile.traffic.virtualService;
  const obj = objectName('VirtualService', name, ns);
  const bad = splitMalformed(objs.malformed, ['VirtualService'], profile);
  const failures: Finding[] = [];
  const vs = findByName(objs.virtualServices, name, ns);
  if (!vs && !findMalformed(objs.malformed, 'VirtualService', name, ns)) {
    failures.push({
      object: obj,
      message: `${obj} does not exist: no traffic is routed through the gateway`,
      hint: 'apply the VirtualService (guide step 4) with the current split',
    });
  }
  if (vs) {
    const hosts = strs(rec(vs.spec).hosts);
    for (const h of profile.traffic.hosts) {
      if (!hosts.includes(h)) {
        failures.push({
          object: obj,
          message: `${obj} does not list host ${h}`,
          hint: `add ${h} to spec.hosts`,
          field: 'spec.hosts',
          expected: h,
          actual: hosts.join(', '),
        });
      }
    }
  }
  const checked = inScope(objs.virtualServices, profile);
  for (const v of checked)
    failures.push(...checkBindings(v, objs, profile), ...checkDestinations(v, objs, profile));
  const routes = checked.reduce((a, v) => a + destinationRefs(v).length, 0);
  return judged(
    failures,
    bad.findings,
    `${checked.length} VirtualService(s) checked (${checked.map((v) => `${v.metadata.namespace ?? ''}/${v.metadata.name}`).join(', ') || 'none'}), ${routes} destination(s)`,
    ...(vs
      ? [`${name}: hosts ${strs(rec(vs.spec).hosts).join(', ')}; ${httpRoutes(vs).length} http route(s)`]
      : []),
    ...bad.notes,
  );
}

/**
 * Every route carries the migration split: weights summing to 100 (Istio only rejects 0 and treats
 * weights as relative, so 90 gives the mesh 10/90), the same mesh weight on each route, and a mesh
 * weight that is one of the planned steps (or 0 after a rollback). A malformed VirtualService
 * (a weight written as a string) is inconclusive: meshgate does not guess.
 */
export function checkWeights(vss: KubeObject[], profile: Profile, malformed: Malformed[] = []): CheckResult {
  const ns = profile.namespaces.mesh;
  const name = profile.traffic.virtualService;
  const obj = objectName('VirtualService', name, ns);
  const vs = findByName(vss, name, ns);
  const unreadable = findMalformed(malformed, 'VirtualService', name, ns);
  const bad = splitMalformed(
    malformed.filter((m) => m === unreadable),
    ['VirtualService'],
    profile,
  );
  if (!vs) {
    if (unreadable) return judged([], bad.findings);
    return judged(
      [{ object: obj, message: `${obj} does not exist`, hint: 'apply the VirtualService (guide step 4)' }],
      [],
    );
  }
  const findings: Finding[] = [];
  const meshWeights = new Map<string, number>();
  for (const route of httpRoutes(vs)) {
    const ds = route.destinations;
    const weights = ds.map((d) => d.weight ?? (ds.length === 1 ? 100 : 0));
    const sum = weights.reduce((a, b) => a + b, 0);
    const mesh = ds.reduce((a, d, i) => a + (hostNamespace(d.host, ns) === ns ? (weights[i] ?? 0) : 0), 0);
    if (sum !== 100) {
      const share = sum > 0 ? ((100 * mesh) / sum).toFixed(1) : '0';
      findings.push({
        object: obj,
        message: `route ${route.name} weights sum to ${sum}, not 100 (${ds.map((d, i) => `${d.host} ${weights[i] ?? 0}`).join(', ')}): Istio treats them as relative, so the mesh gets ${share}% instead of ${mesh}%`,
        hint: `set the weights to ${100 - mesh}/${mesh}: ./scripts/istio-migration.sh shift-traffic ${mesh}`,
        field: `spec.http[${route.name}].route[].weight`,
        expected: '100',
        actual: String(sum),
      });
    }
    // The raw mesh weight: a sum other than 100 is reported above, not again as a split mismatch.
    meshWeights.set(route.name, mesh);
  }
  const distinct = [...new Set(meshWeights.values())];
  if (distinct.length > 1) {
    findings.push({
      object: obj,
      message: `routes carry different mesh weights (${[...meshWeights].map(([r, w]) => `${r} ${w}%`).join(', ')}): every route must carry the same split`,
      hint: `./scripts/istio-migration.sh shift-traffic <step> sets all routes at once`,
    });
  }
  const allowed = [0, ...profile.traffic.steps];
  for (const w of distinct) {
    if (!allowed.includes(w)) {
      findings.push({
        object: obj,
        message: `the mesh weight is ${w}%, not one of the planned steps ${allowed.join(', ')}`,
        hint: `shift to a planned step: ./scripts/istio-migration.sh shift-traffic ${allowed.find((s) => s > w) ?? 100}`,
        field: 'spec.http[].route[].weight',
        expected: allowed.join('|'),
        actual: String(w),
      });
    }
  }
  return judged(findings, [], `mesh weight ${[...meshWeights].map(([r, w]) => `${r}: ${w}%`).join(', ')}`);
}
