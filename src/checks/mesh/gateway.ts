import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { findMalformed, judged, splitMalformed, type Malformed } from '../common/malformed.ts';
import { labelsOf, num, rec, recs, str, strs } from '../common/narrow.ts';
import { objectName, type CheckResult, type Finding } from '../types.ts';
import { hostsOverlap, parseGatewayHost } from './hosts.ts';
import { findByName, livePods } from './k8s.ts';

export interface GatewayServer {
  port: number;
  name: string;
  protocol: string;
  hosts: string[];
}

export function gatewaySelector(gw: KubeObject): Record<string, string> {
  return labelsOf(rec(gw.spec).selector);
}

export function gatewayServers(gw: KubeObject): GatewayServer[] {
  return recs(rec(gw.spec).servers).map((s) => {
    const port = rec(s.port);
    return {
      port: num(port.number) ?? 0,
      name: str(port.name) ?? '',
      protocol: str(port.protocol) ?? '',
      hosts: strs(s.hosts),
    };
  });
}

function selects(sel: Record<string, string>, obj: KubeObject): boolean {
  const l = obj.metadata.labels ?? {};
  return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => l[k] === v);
}

/** Live pods a Gateway's selector picks, in every namespace (Istio's default, without PILOT_SCOPE_GATEWAY_TO_NAMESPACE). */
export function gatewayPodsOf(gw: KubeObject, pods: KubeObject[]): KubeObject[] {
  const sel = gatewaySelector(gw);
  return livePods(pods).filter((p) => selects(sel, p));
}

const podKey = (p: KubeObject): string => `${p.metadata.namespace ?? ''}/${p.metadata.name}`;

/**
 * Other Gateways that configure the same gateway pods (whatever their selectors: what counts is the
 * pods they pick), on the same port, for an overlapping host: istioctl analyze IST0145
 * ConflictingGateways. Only one server wins per port and host.
 */
function conflicts(gw: KubeObject, gateways: KubeObject[], pods: KubeObject[]): Finding[] {
  const mine = new Set(gatewayPodsOf(gw, pods).map(podKey));
  const findings: Finding[] = [];
  if (mine.size === 0) return findings;
  const obj = objectName('Gateway', gw.metadata.name, gw.metadata.namespace);
  for (const other of gateways) {
    if (other === gw) continue;
    const shared = gatewayPodsOf(other, pods).filter((p) => mine.has(podKey(p)));
    if (shared.length === 0) continue;
    const otherObj = objectName('Gateway', other.metadata.name, other.metadata.namespace);
    for (const srv of gatewayServers(gw)) {
      const clash = gatewayServers(other).find(
        (o) =>
          o.port === srv.port &&
          o.hosts.some((h) =>
            srv.hosts.some((m) => hostsOverlap(parseGatewayHost(h, '').host, parseGatewayHost(m, '').host)),
          ),
      );
      if (!clash) continue;
      const sel = (g: KubeObject) =>
        Object.entries(gatewaySelector(g))
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
      findings.push({
        object: otherObj,
        message: `${otherObj} (selector ${sel(other)}) also claims port ${srv.port} for ${clash.hosts.join(', ')} on ${shared.length} of the gateway pods ${obj} (selector ${sel(gw)}) configures, e.g. ${podKey(shared[0] as KubeObject)}: only one server wins (istioctl analyze: IST0145)`,
        hint: `remove the duplicate server or merge the two Gateways; kubectl -n ${other.metadata.namespace ?? ''} get gateway ${other.metadata.name} -o yaml`,
        field: 'spec.servers[].port.number',
        actual: String(srv.port),
      });
    }
  }
  return findings;
}

/**
 * The migration Gateway selects real gateway pods (IST0101 when nothing matches), its ports are on
 * the gateway Service (IST0162), it offers the profile's hosts to the VirtualService's namespace
 * (`ns/host` entries bind only VirtualServices of ns), and no other Gateway claims the same pods,
 * port and host (IST0145, whatever selector picks those pods). Malformed Gateways are reported on
 * their own object; the others are still checked.
 */
export function checkGateway(
  gateways: KubeObject[],
  pods: KubeObject[],
  services: KubeObject[],
  profile: Profile,
  malformed: Malformed[] = [],
): CheckResult {
  const ns = profile.namespaces.mesh;
  const name = profile.traffic.gateway;
  const obj = objectName('Gateway', name, ns);
  const bad = splitMalformed(malformed, ['Gateway'], profile);
  const gw = findByName(gateways, name, ns);
  if (!gw) {
    const unreadable = findMalformed(malformed, 'Gateway', name, ns);
    if (unreadable) return judged([], bad.findings, ...bad.notes);
    return judged(
      [
        {
          object: obj,
          message: `${obj} does not exist: the ingress gateway serves no route to the application`,
          hint: `apply the Gateway (guide step 4: ./scripts/istio-migration.sh deploy-infrastructure)`,
        },
      ],
      bad.findings,
      ...bad.notes,
    );
  }
  const findings: Finding[] = [];
  const sel = gatewaySelector(gw);
  const selText = Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const wantSel = Object.entries(profile.istio.ingressGateway.selector)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const gwPods = gatewayPodsOf(gw, pods);
  if (gwPods.length === 0) {
    findings.push({
      object: obj,
      message: `${obj} selector ${selText || '(empty)'} matches no gateway pod: its servers are not configured anywhere and ${profile.traffic.hosts.join(', ')} is not served (istioctl analyze: IST0101)`,
      hint: `set spec.selector to the ingress gateway's labels {${wantSel}}: kubectl -n ${ns} patch gateway ${name} --type merge -p '{"spec":{"selector":{${Object.entries(
        profile.istio.ingressGateway.selector,
      )
        .map(([k, v]) => `"${k}":"${v}"`)
        .join(',')}}}}'`,
      field: 'spec.selector',
      expected: wantSel,
      actual: selText || '(empty)',
    });
  }
  const servers = gatewayServers(gw);
  const gwServices = services.filter((s) => {
    const svcSel = labelsOf(rec(s.spec).selector);
    return gwPods.some((p) => p.metadata.namespace === s.metadata.namespace && selects(svcSel, p));
  });
  if (gwPods.length) {
    for (const srv of servers) {
      const onService = gwServices.some((s) =>
        recs(rec(s.spec).ports).some((p) => p.port === srv.port || p.targetPort === srv.port),
      );
      if (!onService) {
        findings.push({
          object: obj,
          message: `server port ${srv.port} (${srv.name}) is not a port of the gateway Service(s) ${gwServices.map((s) => s.metadata.name).join(', ') || '(none)'}: clients cannot reach it (istioctl analyze: IST0162)`,
          hint: `use a port the gateway Service exposes (kubectl -n ${profile.namespaces.istio} get svc ${profile.istio.ingressGateway.name} -o jsonpath='{.spec.ports}') or add it to the Service`,
          field: 'spec.servers[].port.number',
          actual: String(srv.port),
        });
      }
    }
  }
  // The profile's VirtualService lives in the mesh namespace: a host offered only to another
  // namespace (`istio-system/zamaz.example.com`) cannot be bound by it.
  const offered = servers.flatMap((s) => s.hosts.map((h) => parseGatewayHost(h, ns)));
  for (const host of profile.traffic.hosts) {
    const any = offered.filter((h) => hostsOverlap(h.host, host));
    if (any.some((h) => h.namespace === undefined || h.namespace === ns)) continue;
    findings.push({
      object: obj,
      message: any.length
        ? `${obj} offers ${host} only to VirtualServices in ${[...new Set(any.map((h) => h.namespace))].join(', ')} (${any.map((h) => h.raw).join(', ')}): VirtualService ${ns}/${profile.traffic.virtualService} cannot bind it`
        : `${obj} has no server for host ${host}`,
      hint: any.length
        ? `write the host as ${host} or ./${host} (the Gateway's namespace) or ${ns}/${host} in spec.servers[].hosts`
        : `add ${host} to spec.servers[].hosts`,
      field: 'spec.servers[].hosts',
      expected: `${host} for namespace ${ns}`,
      actual: any.map((h) => h.raw).join(', ') || '(none)',
    });
  }
  findings.push(...conflicts(gw, gateways, pods));
  return judged(
    findings,
    bad.findings,
    `${name}: selector ${selText}, ${gwPods.length} gateway pod(s), ports ${servers.map((s) => `${s.port}/${s.protocol}`).join(', ')}`,
    ...bad.notes,
  );
}
