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
  /** The istioctl code for this place without a CA: IST0128 top level, IST0129 port level. */
  code: string;
  /**
   * SIMPLE/MUTUAL with nothing to verify the server by: no `caCertificates`, no `credentialName`
   * that Istio reads (whose Secret carries the CA; only with a `workloadSelector`) and no explicit
   * `insecureSkipVerify: true`, which is a decision rather than an omission.
   */
  noCa: boolean;
  /** A credentialName Istio does not read here (no workloadSelector). */
  ignoredCredential: boolean;
}

/**
 * `credentialName` holds the CA only where Istio reads it: with a `workloadSelector` (a sidecar's
 * own TLS origination). In a rule without one Istio ignores it for sidecars, so it is no CA (IST0128).
 */
function setting(tls: unknown, field: string, code: string, selected: boolean): TlsSetting | undefined {
  const t = rec(tls);
  const mode = str(t.mode);
  if (!mode) return undefined;
  const originates = mode === 'SIMPLE' || mode === 'MUTUAL';
  const credential = str(t.credentialName) !== undefined && str(t.credentialName) !== '';
  const noCa =
    originates && !str(t.caCertificates) && !(selected && credential) && t.insecureSkipVerify !== true;
  return { field, mode, code, noCa, ignoredCredential: noCa && credential };
}

function tlsSettings(spec: Record<string, unknown>): TlsSetting[] {
  const out: TlsSetting[] = [];
  const selected = Object.keys(rec(rec(spec.workloadSelector).matchLabels)).length > 0;
  const fromPolicy = (policy: unknown, prefix: string, subset: boolean) => {
    const p = rec(policy);
    // istioctl analyze looks at the top-level policy only, not at subsets; we report subsets as IST0128.
    const top = setting(p.tls, `${prefix}.tls.mode`, 'IST0128', selected);
    if (top) out.push(top);
    recs(p.portLevelSettings).forEach((pl, i) => {
      const port = num(rec(pl.port).number);
      const s = setting(
        pl.tls,
        `${prefix}.portLevelSettings[${port ?? i}].tls.mode`,
        subset ? 'IST0128' : 'IST0129',
        selected,
      );
      if (s) out.push(s);
    });
  };
  fromPolicy(spec.trafficPolicy, 'spec.trafficPolicy', false);
  recs(spec.subsets).forEach((s, i) =>
    fromPolicy(s.trafficPolicy, `spec.subsets[${str(s.name) ?? i}].trafficPolicy`, true),
  );
  return out;
}

const NO_CA = 'without caCertificates or credentialName, so no CA of its own verifies the server certificate';
const IGNORED =
  'with a credentialName but no workloadSelector (Istio reads credentialName only in a rule with one) and no caCertificates, so no CA of its own verifies the server certificate';

/** The details line for a SIMPLE/MUTUAL setting without a CA that is not already a finding. */
function noCaWarning(name: string, ns: string, host: string, s: TlsSetting, drName: string): string {
  return (
    `warning: ${name} → ${host}: ${s.field} is ${s.mode} ${s.ignoredCredential ? IGNORED : NO_CA} (istioctl analyze: ${s.code}); ` +
    `set caCertificates${s.ignoredCredential ? ' (or a workloadSelector for the credentialName)' : ' or credentialName'}: kubectl -n ${ns} edit destinationrule ${drName}`
  );
}

/**
 * DestinationRules that send plaintext (DISABLE) or one-way TLS (SIMPLE) to a mesh Service: under
 * STRICT these calls fail, and they bypass Istio's mutual TLS even where they do not. istioctl 1.20
 * reports no such conflict (IST0113 is never emitted).
 *
 * SIMPLE/MUTUAL without a CA (istioctl IST0128/IST0129) is added to the SIMPLE finding for a mesh
 * host; anywhere else (MUTUAL to a mesh host, any host outside the mesh namespace) it is a details
 * warning, not a failure: this item is about mTLS inside the mesh, and the profile says nothing about
 * TLS origination to external hosts, so it cannot tell a missing CA from one the proxy's default
 * trust store covers.
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
  const warnings: string[] = [];
  for (const dr of rules) {
    const spec = rec(dr.spec);
    const host = str(spec.host) ?? '';
    const ns = dr.metadata.namespace ?? '';
    const name = objectName('DestinationRule', dr.metadata.name, ns);
    const settings = tlsSettings(spec);
    const toMesh = targetsMeshHost(host, ns, mesh, meshServices);
    const bad = toMesh ? settings.filter((x) => BAD_MODES.has(x.mode)) : [];
    for (const s of settings.filter((x) => x.noCa && !bad.includes(x))) {
      warnings.push(noCaWarning(name, ns, host, s, dr.metadata.name));
    }
    if (!toMesh) continue;
    details.push(
      `${name} → ${host}: ${settings.map((s) => `${s.field.replace('spec.', '')}=${s.mode}`).join(', ') || 'no tls (auto mTLS)'}`,
    );
    for (const s of bad) findings.push(downgradeFinding(name, ns, dr.metadata.name, host, s));
  }
  if (details.length === 0) details.push(`no DestinationRule targets a Service of ${mesh}`);
  return failed(findings, ...details, ...warnings);
}

function downgradeFinding(name: string, ns: string, drName: string, host: string, s: TlsSetting): Finding {
  const noCa = s.noCa
    ? `; it also sets no caCertificates or ${s.ignoredCredential ? 'workloadSelector for its credentialName' : 'credentialName'} (istioctl analyze: ${s.code})`
    : '';
  return {
    object: name,
    message: `${name} sets ${s.field} to ${s.mode} for the mesh host ${host}: ${s.mode === 'DISABLE' ? 'plaintext' : 'one-way TLS'} to a STRICT workload is rejected, or bypasses Istio's mTLS${noCa}`,
    hint: `set ${s.field} to ISTIO_MUTUAL (or remove it and let auto mTLS choose): kubectl -n ${ns} edit destinationrule ${drName}`,
    field: s.field,
    expected: 'ISTIO_MUTUAL',
    actual: s.mode,
  };
}
