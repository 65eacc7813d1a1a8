import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { parseDuration } from '../../core/index.ts';
import { labelsOf, num, rec, recs, str, type Rec } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { findByName, livePods, serviceFqdn } from './k8s.ts';
import { resolveHost } from './virtual-service.ts';

/** A traffic policy and where it sits: the DestinationRule, a port, a subset, or a subset's port. */
interface PolicyLevel {
  where: string;
  policy: Rec;
}

/** Every level that can carry a traffic policy; a lower level replaces the block it sets (subset > port > rule). */
export function policyLevels(dr: KubeObject): PolicyLevel[] {
  const spec = rec(dr.spec);
  const top = rec(spec.trafficPolicy);
  const out: PolicyLevel[] = [{ where: 'trafficPolicy', policy: top }];
  const ports = (tp: Rec, prefix: string): PolicyLevel[] =>
    recs(tp.portLevelSettings).map((p) => ({
      where: `${prefix}.portLevelSettings[port ${num(rec(p.port).number) ?? '?'}]`,
      policy: p,
    }));
  out.push(...ports(top, 'trafficPolicy'));
  for (const s of recs(spec.subsets)) {
    const tp = rec(s.trafficPolicy);
    const where = `subsets[${str(s.name) ?? '?'}].trafficPolicy`;
    out.push({ where, policy: tp }, ...ports(tp, where));
  }
  return out;
}

type Kind = 'count' | 'duration';

interface Setting {
  path: string[];
  kind: Kind;
  expected: string | number;
  /** What Istio/Envoy use when the field is unset in a block that is set. */
  fallback: string | number;
}

function same(kind: Kind, a: string | number, b: string | number): boolean {
  if (kind === 'duration') {
    const x = parseDuration(String(a));
    return x !== undefined && x === parseDuration(String(b));
  }
  return Number(a) === Number(b);
}

function readAt(obj: Rec, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) cur = rec(cur)[p];
  return cur;
}

function compareBlock(
  dr: KubeObject,
  block: 'outlierDetection' | 'connectionPool',
  settings: Setting[],
  profile: Profile,
): { findings: Finding[]; levels: number } {
  const obj = objectName('DestinationRule', dr.metadata.name, dr.metadata.namespace);
  const findings: Finding[] = [];
  let levels = 0;
  for (const { where, policy } of policyLevels(dr)) {
    const isTop = where === 'trafficPolicy';
    if (policy[block] === undefined) {
      if (isTop) {
        findings.push({
          object: obj,
          message: `${obj} sets no ${block}: ${block === 'outlierDetection' ? 'no circuit breaking (outlier ejection)' : 'Envoy default connection limits'} for ${str(rec(dr.spec).host) ?? '?'}`,
          hint: `add trafficPolicy.${block} with the guide's values (${settings.map((s) => `${s.path.join('.')}: ${s.expected}`).join(', ')})`,
          field: `spec.trafficPolicy.${block}`,
          expected: 'set',
          actual: 'unset',
        });
      }
      continue;
    }
    levels++;
    const b = rec(policy[block]);
    for (const s of settings) {
      const raw = readAt(b, s.path);
      const value = typeof raw === 'number' || typeof raw === 'string' ? raw : undefined;
      const effective = value ?? s.fallback;
      if (same(s.kind, effective, s.expected)) continue;
      const field = `${where}.${block}.${s.path.join('.')}`;
      findings.push({
        object: obj,
        message:
          `${obj} sets ${field} to ${value ?? `<unset> (default ${s.fallback})`}, the profile expects ${s.expected}` +
          (isTop
            ? ''
            : ` (this ${where.includes('subsets') ? 'subset' : 'port'}-level block replaces the rule's ${block})`),
        hint: `kubectl -n ${dr.metadata.namespace ?? ''} edit destinationrule ${dr.metadata.name}: set ${field}: ${s.expected}`,
        field: `spec.${field}`,
        expected: String(s.expected),
        actual: value === undefined ? '<unset>' : String(value),
      });
    }
    if (block === 'outlierDetection') {
      const gw = num(b.consecutiveGatewayErrors) ?? 0;
      const five = num(b.consecutive5xxErrors) ?? 5;
      const profileHasIt =
        gw === profile.circuitBreaker.consecutiveGatewayErrors &&
        five === profile.circuitBreaker.consecutive5xxErrors;
      if (gw > 0 && five > 0 && gw >= five && !profileHasIt) {
        findings.push({
          object: obj,
          message: `${obj} ${where}.outlierDetection sets consecutiveGatewayErrors ${gw} >= consecutive5xxErrors ${five}: gateway errors (502/503/504) are 5xx too, so the 5xx rule always ejects first and consecutiveGatewayErrors has no effect`,
          hint: `set consecutiveGatewayErrors below consecutive5xxErrors, or drop it`,
          field: `spec.${where}.outlierDetection.consecutiveGatewayErrors`,
          expected: `< ${five}`,
          actual: String(gw),
        });
      }
    }
  }
  return { findings, levels };
}

function profileDrs(drs: KubeObject[], profile: Profile): { missing: Finding[]; found: KubeObject[] } {
  const ns = profile.namespaces.mesh;
  const missing: Finding[] = [];
  const found: KubeObject[] = [];
  for (const name of profile.traffic.destinationRules) {
    const dr = findByName(drs, name, ns);
    if (dr) found.push(dr);
    else {
      const obj = objectName('DestinationRule', name, ns);
      missing.push({
        object: obj,
        message: `${obj} does not exist: its host has no circuit breaker or connection pool`,
        hint: 'apply the DestinationRules (guide step 4: DestinationRules with circuit breakers)',
      });
    }
  }
  return { missing, found };
}

const OUTLIER = (p: Profile): Setting[] => [
  {
    path: ['consecutive5xxErrors'],
    kind: 'count',
    expected: p.circuitBreaker.consecutive5xxErrors,
    fallback: 5,
  },
  {
    path: ['consecutiveGatewayErrors'],
    kind: 'count',
    expected: p.circuitBreaker.consecutiveGatewayErrors,
    fallback: 0,
  },
  { path: ['interval'], kind: 'duration', expected: p.circuitBreaker.interval, fallback: '10s' },
  {
    path: ['baseEjectionTime'],
    kind: 'duration',
    expected: p.circuitBreaker.baseEjectionTime,
    fallback: '30s',
  },
  {
    path: ['maxEjectionPercent'],
    kind: 'count',
    expected: p.circuitBreaker.maxEjectionPercent,
    fallback: 10,
  },
];

const POOL = (p: Profile): Setting[] => [
  {
    path: ['tcp', 'maxConnections'],
    kind: 'count',
    expected: p.connectionPool.maxConnections,
    fallback: 4294967295,
  },
  {
    path: ['tcp', 'connectTimeout'],
    kind: 'duration',
    expected: p.connectionPool.connectTimeout,
    fallback: '10s',
  },
  {
    path: ['http', 'http1MaxPendingRequests'],
    kind: 'count',
    expected: p.connectionPool.http1MaxPendingRequests,
    fallback: 4294967295,
  },
  {
    path: ['http', 'maxRequestsPerConnection'],
    kind: 'count',
    expected: p.connectionPool.maxRequestsPerConnection,
    fallback: 0,
  },
];

export function checkOutlierDetection(drs: KubeObject[], profile: Profile): CheckResult {
  const { missing, found } = profileDrs(drs, profile);
  const results = found.map((dr) => compareBlock(dr, 'outlierDetection', OUTLIER(profile), profile));
  const cb = profile.circuitBreaker;
  const note =
    cb.consecutiveGatewayErrors > 0 && cb.consecutiveGatewayErrors >= cb.consecutive5xxErrors
      ? `note: the profile's consecutiveGatewayErrors ${cb.consecutiveGatewayErrors} >= consecutive5xxErrors ${cb.consecutive5xxErrors}, so the gateway-error rule never fires first (gateway errors are 5xx)`
      : '';
  return failed(
    [...missing, ...results.flatMap((r) => r.findings)],
    `${found.length} DestinationRule(s), ${results.reduce((a, r) => a + r.levels, 0)} outlierDetection block(s) compared`,
    ...(note ? [note] : []),
  );
}

export function checkConnectionPool(drs: KubeObject[], profile: Profile): CheckResult {
  const { missing, found } = profileDrs(drs, profile);
  const results = found.map((dr) => compareBlock(dr, 'connectionPool', POOL(profile), profile));
  return failed(
    [...missing, ...results.flatMap((r) => r.findings)],
    `${found.length} DestinationRule(s), ${results.reduce((a, r) => a + r.levels, 0)} connectionPool block(s) compared`,
  );
}

/**
 * The DestinationRules exist, target the mesh Services (IST0101 for a host that is no Service),
 * their subsets select pods, and no two rules in the namespace claim the same host (only one applies).
 */
export function checkDestinationRuleRefs(
  drs: KubeObject[],
  services: KubeObject[],
  pods: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.mesh;
  const { missing, found } = profileDrs(drs, profile);
  const findings: Finding[] = [...missing];
  const meshHosts = new Set(profile.app.workloads.map((w) => serviceFqdn(w.service, ns)));
  const covered = new Set<string>();
  for (const dr of found) {
    const obj = objectName('DestinationRule', dr.metadata.name, dr.metadata.namespace);
    const host = str(rec(dr.spec).host) ?? '';
    const r = resolveHost(host, dr.metadata.namespace ?? ns);
    const svc = r ? findByName(services, r.name, r.namespace) : undefined;
    if (!r || !svc) {
      findings.push({
        object: obj,
        message: `${obj} targets host ${host}, which is not a Service in this cluster: the rule applies to nothing (istioctl analyze: IST0101)`,
        hint: `set spec.host to the Service FQDN, e.g. ${[...meshHosts][0] ?? ''}`,
        field: 'spec.host',
        actual: host,
      });
      continue;
    }
    const fqdn = serviceFqdn(r.name, r.namespace);
    covered.add(fqdn);
    const svcSel = labelsOf(rec(svc.spec).selector);
    const backing = livePods(pods).filter(
      (p) =>
        p.metadata.namespace === r.namespace &&
        Object.entries(svcSel).every(([k, v]) => p.metadata.labels?.[k] === v),
    );
    for (const s of recs(rec(dr.spec).subsets)) {
      const sl = labelsOf(s.labels);
      if (!backing.some((p) => Object.entries(sl).every(([k, v]) => p.metadata.labels?.[k] === v))) {
        findings.push({
          object: obj,
          message: `subset ${str(s.name) ?? '?'} (labels ${Object.entries(sl)
            .map(([k, v]) => `${k}=${v}`)
            .join(',')}) selects no pod behind ${fqdn}: routes to it fail with 503`,
          hint: 'fix the subset labels to match the pods (kubectl get pods --show-labels)',
        });
      }
    }
    const rivals = drs.filter(
      (o) =>
        o.metadata.name > dr.metadata.name &&
        o.metadata.namespace === dr.metadata.namespace &&
        (() => {
          const rr = resolveHost(str(rec(o.spec).host) ?? '', o.metadata.namespace ?? ns);
          return rr !== undefined && serviceFqdn(rr.name, rr.namespace) === fqdn;
        })(),
    );
    for (const rival of rivals) {
      findings.push({
        object: obj,
        message: `DestinationRule ${rival.metadata.name} in ${dr.metadata.namespace ?? ''} also targets ${fqdn}: Istio applies only one of them`,
        hint: `merge the rules into ${dr.metadata.name} and delete ${rival.metadata.name}`,
      });
    }
  }
  for (const host of meshHosts) {
    if (!covered.has(host) && missing.length === 0) {
      findings.push({
        object: objectName('Service', host.split('.')[0] ?? host, ns),
        message: `no profile DestinationRule targets mesh host ${host}`,
        hint: `add a DestinationRule for ${host} and list it in traffic.destinationRules`,
      });
    }
  }
  return failed(
    findings,
    found.map((d) => `${d.metadata.name} → ${str(rec(d.spec).host) ?? '?'}`).join('; ') ||
      'no DestinationRules',
  );
}
