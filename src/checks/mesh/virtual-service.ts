import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { num, rec, recs, str, strs } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { findByName, serviceFqdn } from './k8s.ts';
import { gatewayServers, hostMatches } from './gateway.ts';

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

export function httpRoutes(vs: KubeObject): HttpRoute[] {
  return recs(rec(vs.spec).http).map((r, i) => ({
    name: str(r.name) ?? `http[${i}]`,
    destinations: recs(r.route).map((d) => {
      const dest = rec(d.destination);
      const subset = str(dest.subset);
      const port = num(rec(dest.port).number);
      const weight = num(d.weight);
      return {
        host: str(dest.host) ?? '',
        ...(subset !== undefined ? { subset } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(weight !== undefined ? { weight } : {}),
      };
    }),
  }));
}

/** Resolves a destination host as Istio does: short names in the VirtualService's namespace. */
export function resolveHost(
  host: string,
  vsNamespace: string,
): { name: string; namespace: string } | undefined {
  const m = /^([a-z0-9-]+)(?:\.([a-z0-9-]+)(?:\.svc(?:\.cluster\.local)?)?)?$/.exec(host);
  if (!m?.[1]) return undefined;
  return { name: m[1], namespace: m[2] ?? vsNamespace };
}

export function hostNamespace(host: string, vsNamespace: string): string | undefined {
  return resolveHost(host, vsNamespace)?.namespace;
}

function subsetsOf(drs: KubeObject[], fqdn: string, vsNamespace: string): string[] {
  return drs
    .filter((d) => {
      const h = str(rec(d.spec).host) ?? '';
      const r = resolveHost(h, d.metadata.namespace ?? vsNamespace);
      return r !== undefined && serviceFqdn(r.name, r.namespace) === fqdn;
    })
    .flatMap((d) => recs(rec(d.spec).subsets).map((s) => str(s.name) ?? ''));
}

/**
 * The migration VirtualService binds to the Gateway and hosts (IST0132), references existing Gateways,
 * Services, ports and subsets (IST0101), and splits between the legacy and mesh Services.
 */
export function checkVirtualService(
  vss: KubeObject[],
  gateways: KubeObject[],
  services: KubeObject[],
  drs: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.mesh;
  const name = profile.traffic.virtualService;
  const obj = objectName('VirtualService', name, ns);
  const vs = findByName(vss, name, ns);
  if (!vs) {
    return failed([
      {
        object: obj,
        message: `${obj} does not exist: no traffic is routed through the gateway`,
        hint: 'apply the VirtualService (guide step 4) with the current split',
      },
    ]);
  }
  const findings: Finding[] = [];
  const hosts = strs(rec(vs.spec).hosts);
  for (const h of profile.traffic.hosts) {
    if (!hosts.includes(h)) {
      findings.push({
        object: obj,
        message: `${obj} does not list host ${h}`,
        hint: `add ${h} to spec.hosts`,
        field: 'spec.hosts',
        expected: h,
        actual: hosts.join(', '),
      });
    }
  }
  for (const ref of strs(rec(vs.spec).gateways)) {
    if (ref === 'mesh') continue;
    const [gwNs, gwName] = ref.includes('/') ? (ref.split('/', 2) as [string, string]) : [ns, ref];
    const gw = findByName(gateways, gwName, gwNs);
    if (!gw) {
      findings.push({
        object: obj,
        message: `${obj} binds to Gateway ${gwNs}/${gwName}, which does not exist (istioctl analyze: IST0101)`,
        hint: `create the Gateway or fix spec.gateways (expected ${profile.traffic.gateway})`,
        field: 'spec.gateways',
        actual: ref,
      });
      continue;
    }
    const served = gatewayServers(gw).flatMap((s) => s.hosts);
    for (const h of hosts) {
      if (!served.some((pattern) => hostMatches(pattern, h))) {
        findings.push({
          object: obj,
          message: `host ${h} is not among the hosts of Gateway ${gwNs}/${gwName} (${served.join(', ')}): the route is ignored there (istioctl analyze: IST0132)`,
          hint: `add ${h} to the Gateway's servers[].hosts or remove it from the VirtualService`,
        });
      }
    }
  }
  for (const route of httpRoutes(vs)) {
    for (const d of route.destinations) {
      const r = resolveHost(d.host, ns);
      const svc = r ? findByName(services, r.name, r.namespace) : undefined;
      if (!r || !svc) {
        findings.push({
          object: obj,
          message: `route ${route.name} sends traffic to ${d.host}, which is not a Service in this cluster (istioctl analyze: IST0101)`,
          hint: `use the Service FQDN, e.g. ${serviceFqdn(profile.app.workloads[0]?.service ?? 'svc', ns)}`,
          field: `spec.http[${route.name}].route[].destination.host`,
          actual: d.host,
        });
        continue;
      }
      const ports = recs(rec(svc.spec).ports).map((p) => num(p.port));
      if (d.port !== undefined && !ports.includes(d.port)) {
        findings.push({
          object: obj,
          message: `route ${route.name} sends to ${d.host} port ${d.port}, the Service exposes ${ports.join(', ')} (istioctl analyze: IST0101)`,
          hint: `set destination.port.number to one of ${ports.join(', ')}`,
          field: 'destination.port.number',
          actual: String(d.port),
        });
      }
      if (
        d.subset !== undefined &&
        !subsetsOf(drs, serviceFqdn(r.name, r.namespace), ns).includes(d.subset)
      ) {
        findings.push({
          object: obj,
          message: `route ${route.name} uses subset ${d.subset} of ${d.host}, which no DestinationRule defines: requests fail with 503 (istioctl analyze: IST0101)`,
          hint: `define subset ${d.subset} in the DestinationRule for ${d.host}, or drop the subset`,
        });
      }
    }
  }
  return failed(findings, `${name}: hosts ${hosts.join(', ')}; ${httpRoutes(vs).length} http route(s)`);
}

/**
 * Every route carries the migration split: weights summing to 100 (Istio only rejects 0 and treats
 * weights as relative, so 90 gives the mesh 10/90), the same mesh weight on each route, and a mesh
 * weight that is one of the planned steps (or 0 after a rollback).
 */
export function checkWeights(vss: KubeObject[], profile: Profile): CheckResult {
  const ns = profile.namespaces.mesh;
  const name = profile.traffic.virtualService;
  const obj = objectName('VirtualService', name, ns);
  const vs = findByName(vss, name, ns);
  if (!vs)
    return failed([
      { object: obj, message: `${obj} does not exist`, hint: 'apply the VirtualService (guide step 4)' },
    ]);
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
  return failed(findings, `mesh weight ${[...meshWeights].map(([r, w]) => `${r}: ${w}%`).join(', ')}`);
}
