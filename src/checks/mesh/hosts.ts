import type { KubeObject } from '../../cluster/types.ts';
import { num, rec, recs, str, strs } from '../common/narrow.ts';

// Istio's host and visibility rules, as pilot applies them (pkg/config/host, exportTo), so that the
// traffic checks reject what Istio rejects and accept what it accepts.

/**
 * Whether two hosts overlap, wildcards on either side (Istio's `host.Name.Matches`): `*` matches
 * everything, `*.example.com` matches `api.example.com` and `*.eu.example.com`.
 */
export function hostsOverlap(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw)
    return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** A Gateway server host: `ns/host` binds only VirtualServices of ns, `./host` those of the Gateway's namespace, a `*` namespace any. */
export interface GatewayHost {
  host: string;
  /** undefined: any namespace. */
  namespace: string | undefined;
  /** As written. */
  raw: string;
}

export function parseGatewayHost(raw: string, gatewayNamespace: string): GatewayHost {
  const slash = raw.indexOf('/');
  if (slash < 0) return { host: raw, namespace: undefined, raw };
  const ns = raw.slice(0, slash);
  const host = raw.slice(slash + 1);
  return { host, namespace: ns === '*' ? undefined : ns === '.' ? gatewayNamespace : ns, raw };
}

/** The hosts a Gateway offers to VirtualServices of `vsNamespace` (Istio's `host.NamesForNamespace`). */
export function gatewayHostsFor(gateway: KubeObject, vsNamespace: string): string[] {
  const gwNs = gateway.metadata.namespace ?? '';
  return recs(rec(gateway.spec).servers)
    .flatMap((s) => strs(s.hosts))
    .map((h) => parseGatewayHost(h, gwNs))
    .filter((h) => h.namespace === undefined || h.namespace === vsNamespace)
    .map((h) => h.host);
}

/**
 * Whether an object exported with `exportTo` is visible from namespace `from`: absent or empty means
 * everywhere (Istio's default `*`), `.` its own namespace, `~` nowhere, otherwise the namespaces
 * listed.
 */
export function exportedTo(exportTo: string[] | undefined, ownNamespace: string, from: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || (e === '.' ? ownNamespace === from : e !== '~' && e === from));
}

/** `spec.exportTo` of an Istio object, or the `networking.istio.io/exportTo` annotation of a Service. */
export function exportToOf(obj: KubeObject): string[] | undefined {
  const spec = strs(rec(obj.spec).exportTo);
  if (spec.length) return spec;
  const ann = obj.metadata.annotations?.['networking.istio.io/exportTo'];
  return ann
    ? ann
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

/** `name.ns.svc.cluster.local` for a Kubernetes Service host (short names resolve in `namespace`). */
export function serviceHost(
  host: string,
  namespace: string,
): { name: string; namespace: string } | undefined {
  const m = /^([a-z0-9-]+)(?:\.([a-z0-9-]+)(?:\.svc(?:\.cluster\.local)?)?)?$/.exec(host);
  if (!m?.[1]) return undefined;
  return { name: m[1], namespace: m[2] ?? namespace };
}

export type ResolvedHost =
  | { kind: 'Service'; object: KubeObject; fqdn: string; ports: number[] }
  | { kind: 'ServiceEntry'; object: KubeObject; fqdn: string; ports: number[] }
  /** It exists, but its exportTo hides it from the namespace asking. */
  | { kind: 'hidden'; object: KubeObject; fqdn: string; exportTo: string[] };

const fqdnOf = (name: string, ns: string): string => `${name}.${ns}.svc.cluster.local`;

/**
 * What a destination host refers to, seen from namespace `from`, as Istio's service registry
 * resolves it: a Kubernetes Service (short names in `from`) or a ServiceEntry host (wildcards
 * included), each only where its exportTo lets `from` see it.
 */
export function resolveDestinationHost(
  host: string,
  from: string,
  services: KubeObject[],
  serviceEntries: KubeObject[],
): ResolvedHost | undefined {
  let hidden: ResolvedHost | undefined;
  const svcRef = serviceHost(host, from);
  if (svcRef) {
    const svc = services.find(
      (s) => s.metadata.name === svcRef.name && s.metadata.namespace === svcRef.namespace,
    );
    if (svc) {
      const fqdn = fqdnOf(svcRef.name, svcRef.namespace);
      const exportTo = exportToOf(svc);
      if (exportedTo(exportTo, svcRef.namespace, from)) {
        const ports = recs(rec(svc.spec).ports).flatMap((p) =>
          num(p.port) !== undefined ? [num(p.port) ?? 0] : [],
        );
        return { kind: 'Service', object: svc, fqdn, ports };
      }
      hidden = { kind: 'hidden', object: svc, fqdn, exportTo: exportTo ?? [] };
    }
  }
  const wanted = svcRef && !host.includes('.') ? fqdnOf(svcRef.name, svcRef.namespace) : host;
  for (const se of serviceEntries) {
    const seNs = se.metadata.namespace ?? '';
    const match = strs(rec(se.spec).hosts).find((h) => hostsOverlap(h, wanted) || hostsOverlap(h, host));
    if (!match) continue;
    const exportTo = exportToOf(se);
    if (!exportedTo(exportTo, seNs, from)) {
      hidden ??= { kind: 'hidden', object: se, fqdn: match, exportTo: exportTo ?? [] };
      continue;
    }
    const ports = recs(rec(se.spec).ports).flatMap((p) =>
      num(p.number) !== undefined ? [num(p.number) ?? 0] : [],
    );
    return { kind: 'ServiceEntry', object: se, fqdn: match, ports };
  }
  return hidden;
}

/** Whether a DestinationRule's host names `fqdn` (short names resolve in the rule's namespace). */
export function ruleTargets(dr: KubeObject, fqdn: string): boolean {
  const h = str(rec(dr.spec).host) ?? '';
  const ref = serviceHost(h, dr.metadata.namespace ?? '');
  return (ref !== undefined && fqdnOf(ref.name, ref.namespace) === fqdn) || h === fqdn;
}
