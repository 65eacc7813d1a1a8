import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { num, rec, recs, str } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';

const BAD_MODES = new Set(['DISABLE', 'SIMPLE']);

/**
 * Whether a DestinationRule host names a Service of the mesh namespace. Short names resolve in the
 * rule's own namespace; `*` and `*.<mesh>.svc...` wildcards cover mesh Services too.
 */
export function targetsMeshHost(
  host: string,
  ruleNamespace: string,
  meshNamespace: string,
  meshServices: Set<string>,
): boolean {
  if (host === '*') return true;
  const parts = host.split('.');
  if (parts[0] === '*') return parts[1] === meshNamespace && (parts[2] === undefined || parts[2] === 'svc');
  const [svc = '', ns = ruleNamespace, third] = parts;
  if (third !== undefined && third !== 'svc') return false;
  return ns === meshNamespace && meshServices.has(svc);
}

interface TlsSetting {
  field: string;
  mode: string;
}

function tlsSettings(spec: Record<string, unknown>): TlsSetting[] {
  const out: TlsSetting[] = [];
  const fromPolicy = (policy: unknown, prefix: string) => {
    const p = rec(policy);
    const mode = str(rec(p.tls).mode);
    if (mode) out.push({ field: `${prefix}.tls.mode`, mode });
    recs(p.portLevelSettings).forEach((pl, i) => {
      const m = str(rec(pl.tls).mode);
      const port = num(rec(pl.port).number);
      if (m) out.push({ field: `${prefix}.portLevelSettings[${port ?? i}].tls.mode`, mode: m });
    });
  };
  fromPolicy(spec.trafficPolicy, 'spec.trafficPolicy');
  recs(spec.subsets).forEach((s, i) =>
    fromPolicy(s.trafficPolicy, `spec.subsets[${str(s.name) ?? i}].trafficPolicy`),
  );
  return out;
}

/**
 * DestinationRules that send plaintext (DISABLE) or one-way TLS (SIMPLE) to a mesh Service: under
 * STRICT these calls fail, and they bypass Istio's mutual TLS even where they do not. istioctl 1.20
 * reports no such conflict (IST0113 is never emitted).
 */
export function checkDestinationRuleTls(
  rules: KubeObject[],
  services: KubeObject[],
  profile: Profile,
): CheckResult {
  const mesh = profile.namespaces.mesh;
  const meshServices = new Set(
    services.filter((s) => s.metadata.namespace === mesh).map((s) => s.metadata.name),
  );
  const findings: Finding[] = [];
  const details: string[] = [];
  for (const dr of rules) {
    const spec = rec(dr.spec);
    const host = str(spec.host) ?? '';
    const ns = dr.metadata.namespace ?? '';
    if (!targetsMeshHost(host, ns, mesh, meshServices)) continue;
    const name = objectName('DestinationRule', dr.metadata.name, ns);
    const settings = tlsSettings(spec);
    details.push(
      `${name} → ${host}: ${settings.map((s) => `${s.field.replace('spec.', '')}=${s.mode}`).join(', ') || 'no tls (auto mTLS)'}`,
    );
    for (const s of settings.filter((x) => BAD_MODES.has(x.mode))) {
      findings.push({
        object: name,
        message: `${name} sets ${s.field} to ${s.mode} for the mesh host ${host}: ${s.mode === 'DISABLE' ? 'plaintext' : 'one-way TLS'} to a STRICT workload is rejected, or bypasses Istio's mTLS`,
        hint: `set ${s.field} to ISTIO_MUTUAL (or remove it and let auto mTLS choose): kubectl -n ${ns} edit destinationrule ${dr.metadata.name}`,
        field: s.field,
        expected: 'ISTIO_MUTUAL',
        actual: s.mode,
      });
    }
  }
  if (details.length === 0) details.push(`no DestinationRule targets a Service of ${mesh}`);
  return failed(findings, ...details);
}
