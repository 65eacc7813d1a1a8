import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { parseDuration } from '../../core/index.ts';
import { labelsOf, num, rec, recs, str, type Rec } from '../common/narrow.ts';
import {
  findMalformed,
  judged,
  malformedFinding,
  splitMalformed,
  type Malformed,
} from '../common/malformed.ts';
import { objectName, type CheckResult, type Finding } from '../types.ts';
import { findByName, livePods, serviceFqdn } from './k8s.ts';
import { resolveDestinationHost, ruleTargets } from './hosts.ts';

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

function profileDrs(
  drs: KubeObject[],
  profile: Profile,
  malformed: Malformed[],
): { missing: Finding[]; unreadable: Finding[]; found: KubeObject[] } {
  const ns = profile.namespaces.mesh;
  const missing: Finding[] = [];
  const unreadable: Finding[] = [];
  const found: KubeObject[] = [];
  for (const name of profile.traffic.destinationRules) {
    const dr = findByName(drs, name, ns);
    const bad = findMalformed(malformed, 'DestinationRule', name, ns);
    if (dr) found.push(dr);
    else if (bad) unreadable.push(malformedFinding(bad));
    else {
      const obj = objectName('DestinationRule', name, ns);
      missing.push({
        object: obj,
        message: `${obj} does not exist: its host has no circuit breaker or connection pool`,
        hint: 'apply the DestinationRules (guide step 4: DestinationRules with circuit breakers)',
      });
    }
  }
  return { missing, unreadable, found };
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

export function checkOutlierDetection(
  drs: KubeObject[],
  profile: Profile,
  malformed: Malformed[] = [],
): CheckResult {
  const { missing, unreadable, found } = profileDrs(drs, profile, malformed);
  const results = found.map((dr) => compareBlock(dr, 'outlierDetection', OUTLIER(profile), profile));
  const cb = profile.circuitBreaker;
  const note =
    cb.consecutiveGatewayErrors > 0 && cb.consecutiveGatewayErrors >= cb.consecutive5xxErrors
      ? `note: the profile's consecutiveGatewayErrors ${cb.consecutiveGatewayErrors} >= consecutive5xxErrors ${cb.consecutive5xxErrors}, so the gateway-error rule never fires first (gateway errors are 5xx)`
      : '';
  return judged(
    [...missing, ...results.flatMap((r) => r.findings)],
    unreadable,
    `${found.length} DestinationRule(s), ${results.reduce((a, r) => a + r.levels, 0)} outlierDetection block(s) compared`,
    ...(note ? [note] : []),
  );
}

export function checkConnectionPool(
  drs: KubeObject[],
  profile: Profile,
  malformed: Malformed[] = [],
): CheckResult {
  const { missing, unreadable, found } = profileDrs(drs, profile, malformed);
  const results = found.map((dr) => compareBlock(dr, 'connectionPool', POOL(profile), profile));
  return judged(
    [...missing, ...results.flatMap((r) => r.findings)],
    unreadable,
    `${found.length} DestinationRule(s), ${results.reduce((a, r) => a + r.levels, 0)} connectionPool block(s) compared`,
  );
}

/** Node labels Istio copies onto a pod's endpoint (locality and host), so subsets may select by them. */
const TOPOLOGY_FROM_NODE = [
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
  'kubernetes.io/hostname',
];
/** Topology labels Istio sets from its own configuration (cluster ID, network), not readable from the API. */
const TOPOLOGY_FROM_ISTIO = ['topology.istio.io/cluster', 'topology.istio.io/network'];

/** A pod's labels as Istio's registry sees its endpoint: with its node's locality labels and hostname. */
function endpointLabels(pod: KubeObject, nodes: KubeObject[]): Record<string, string> {
  const out = { ...labelsOf(pod.metadata.labels) };
  const nodeName = str(rec(pod.spec).nodeName);
  if (!nodeName) return out;
  const node = nodes.find((n) => n.metadata.name === nodeName);
  for (const key of TOPOLOGY_FROM_NODE) {
    const v = key === 'kubernetes.io/hostname' ? nodeName : node?.metadata.labels?.[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export interface DestinationRuleInputs {
  /** ServiceEntries: a DestinationRule for one of their hosts targets something real. */
  serviceEntries?: KubeObject[];
  /** Nodes, for the locality labels Istio adds to endpoints (subsets may select by them). */
  nodes?: KubeObject[];
  malformed?: Malformed[];
}

/**
 * The DestinationRules exist, target a Service or ServiceEntry host (IST0101 otherwise), their subsets
 * select pods behind a Service (labels matched as Istio's registry sees the endpoints: node locality
 * and hostname labels come from the node), and no two rules in the namespace claim the same host
 * (only one applies).
 */
export function checkDestinationRuleRefs(
  drs: KubeObject[],
  services: KubeObject[],
  pods: KubeObject[],
  profile: Profile,
  inputs: DestinationRuleInputs = {},
): CheckResult {
  const ns = profile.namespaces.mesh;
  const malformed = inputs.malformed ?? [];
  const { missing, unreadable, found } = profileDrs(drs, profile, malformed);
  const others = splitMalformed(
    malformed.filter((m) => !unreadable.some((u) => u.object === m.object)),
    ['DestinationRule'],
    profile,
  );
  const findings: Finding[] = [...missing];
  const details: string[] = [];
  const meshHosts = new Set(profile.app.workloads.map((w) => serviceFqdn(w.service, ns)));
  const covered = new Set<string>();
  for (const dr of found) {
    const obj = objectName('DestinationRule', dr.metadata.name, dr.metadata.namespace);
    const host = str(rec(dr.spec).host) ?? '';
    const drNs = dr.metadata.namespace ?? ns;
    const target = resolveDestinationHost(host, drNs, services, inputs.serviceEntries ?? []);
    if (!target || target.kind === 'hidden') {
      findings.push({
        object: obj,
        message: `${obj} targets host ${host}, which is neither a Service nor a ServiceEntry host${target ? ` visible from ${drNs}` : ''} in this cluster: the rule applies to nothing (istioctl analyze: IST0101)`,
        hint: `set spec.host to the Service FQDN, e.g. ${[...meshHosts][0] ?? ''}, or declare the host in a ServiceEntry`,
        field: 'spec.host',
        actual: host,
      });
      continue;
    }
    const fqdn = target.fqdn;
    covered.add(fqdn);
    if (target.kind === 'Service') {
      const svc = target.object;
      const svcSel = labelsOf(rec(svc.spec).selector);
      const backing = livePods(pods).filter(
        (p) =>
          p.metadata.namespace === svc.metadata.namespace &&
          Object.entries(svcSel).every(([k, v]) => p.metadata.labels?.[k] === v),
      );
      for (const s of recs(rec(dr.spec).subsets)) {
        const sl = labelsOf(s.labels);
        const unverifiable = Object.keys(sl).filter((k) => TOPOLOGY_FROM_ISTIO.includes(k));
        const checked = Object.entries(sl).filter(([k]) => !TOPOLOGY_FROM_ISTIO.includes(k));
        if (unverifiable.length)
          details.push(
            `${obj} subset ${str(s.name) ?? '?'}: ${unverifiable.join(', ')} come from Istio's cluster and network settings and are not compared`,
          );
        const selects = backing.some((p) => {
          const l = endpointLabels(p, inputs.nodes ?? []);
          return checked.every(([k, v]) => l[k] === v);
        });
        if (!selects) {
          findings.push({
            object: obj,
            message: `subset ${str(s.name) ?? '?'} (labels ${Object.entries(sl)
              .map(([k, v]) => `${k}=${v}`)
              .join(',')}) selects no pod behind ${fqdn}: routes to it fail with 503`,
            hint: 'fix the subset labels to match the pods (kubectl get pods --show-labels; locality labels come from the node: kubectl get nodes --show-labels)',
            field: `spec.subsets[${str(s.name) ?? '?'}].labels`,
          });
        }
      }
    }
    const rivals = drs.filter(
      (o) =>
        o.metadata.name > dr.metadata.name &&
        o.metadata.namespace === dr.metadata.namespace &&
        ruleTargets(o, fqdn),
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
    if (!covered.has(host) && missing.length === 0 && unreadable.length === 0) {
      findings.push({
        object: objectName('Service', host.split('.')[0] ?? host, ns),
        message: `no profile DestinationRule targets mesh host ${host}`,
        hint: `add a DestinationRule for ${host} and list it in traffic.destinationRules`,
      });
    }
  }
  return judged(
    findings,
    [...unreadable, ...others.findings],
    found.map((d) => `${d.metadata.name} → ${str(rec(d.spec).host) ?? '?'}`).join('; ') ||
      'no DestinationRules',
    ...details,
    ...others.notes,
  );
}
