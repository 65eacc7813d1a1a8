import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { labelsOf, num, rec, recs, str, strs } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
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

/** Host of a Gateway server entry: `ns/host` → host. */
function bareHost(h: string): string {
  const i = h.indexOf('/');
  return i >= 0 ? h.slice(i + 1) : h;
}

export function hostMatches(pattern: string, host: string): boolean {
  const p = bareHost(pattern);
  if (p === '*' || p === host) return true;
  return p.startsWith('*.') && host.endsWith(p.slice(1));
}

/**
 * The migration Gateway selects real gateway pods (IST0101 when nothing matches), its ports are on
 * the gateway Service (IST0162), no other Gateway claims the same selector, port and host (IST0145).
 */
export function checkGateway(
  gateways: KubeObject[],
  pods: KubeObject[],
  services: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.mesh;
  const name = profile.traffic.gateway;
  const obj = objectName('Gateway', name, ns);
  const gw = findByName(gateways, name, ns);
  if (!gw) {
    return failed([
      {
        object: obj,
        message: `${obj} does not exist: the ingress gateway serves no route to the application`,
        hint: `apply the Gateway (guide step 4: ./scripts/istio-migration.sh deploy-infrastructure)`,
      },
    ]);
  }
  const findings: Finding[] = [];
  const sel = gatewaySelector(gw);
  const selText = Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const wantSel = Object.entries(profile.istio.ingressGateway.selector)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  // Istio applies a Gateway to matching pods in every namespace unless PILOT_SCOPE_GATEWAY_TO_NAMESPACE is set.
  const gwPods = livePods(pods).filter((p) => selects(sel, p));
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
  for (const host of profile.traffic.hosts) {
    if (!servers.some((s) => s.hosts.some((h) => hostMatches(h, host)))) {
      findings.push({
        object: obj,
        message: `${obj} has no server for host ${host}`,
        hint: `add ${host} to spec.servers[].hosts`,
      });
    }
  }
  for (const other of gateways) {
    if (other === gw || Object.keys(gatewaySelector(other)).length === 0) continue;
    const sameSel =
      JSON.stringify(Object.entries(gatewaySelector(other)).sort()) ===
      JSON.stringify(Object.entries(sel).sort());
    if (!sameSel) continue;
    for (const srv of servers) {
      const clash = gatewayServers(other).find(
        (o) =>
          o.port === srv.port &&
          o.hosts.some((h) =>
            srv.hosts.some((mine) => hostMatches(h, bareHost(mine)) || hostMatches(mine, bareHost(h))),
          ),
      );
      if (clash) {
        findings.push({
          object: objectName('Gateway', other.metadata.name, other.metadata.namespace),
          message: `Gateway ${other.metadata.namespace ?? ''}/${other.metadata.name} also claims port ${srv.port} for ${clash.hosts.join(', ')} on the same gateway pods as ${obj}: only one wins (istioctl analyze: IST0145)`,
          hint: `remove the duplicate server or merge the two Gateways`,
        });
      }
    }
  }
  return failed(
    findings,
    `${name}: selector ${selText}, ${gwPods.length} gateway pod(s), ports ${servers.map((s) => `${s.port}/${s.protocol}`).join(', ')}`,
  );
}
