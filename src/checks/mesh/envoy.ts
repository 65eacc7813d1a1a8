import { noPodsToCheck } from '../common/no-pods.ts';
import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { rec, str } from '../common/narrow.ts';
import { failed, inconclusive, objectName, type CheckResult, type Finding } from '../types.ts';
import { findByName, serviceFqdn, workloadOf } from './k8s.ts';
import { outboundClusters, parseClusterName, type ClusterStats } from './envoy-stats.ts';
import { resolveHost } from './virtual-service.ts';

export const STATS_MATCHER_ANNOTATION = 'proxy.istio.io/config';
export const STATS_MATCHER_VALUE = '{"proxyStatsMatcher":{"inclusionPrefixes":["cluster.outbound"]}}';

export interface PodStats {
  pod: KubeObject;
  /** Parsed stats and where they came from, or why none could be read. */
  stats?: ClusterStats;
  source?: string;
  error?: string;
}

const podObj = (p: KubeObject): string => objectName('Pod', p.metadata.name, p.metadata.namespace);

function breakerStatsHint(pod: KubeObject): string {
  const w = workloadOf(pod);
  const target = w ? `${w.kind.toLowerCase()}/${w.name}` : `pod ${pod.metadata.name}`;
  return (
    `the proxy's stats matcher keeps cluster.outbound stats but not circuit_breakers (Istio's documented proxyStatsMatcher example omits them): ` +
    `add '${BREAKER_STATS_REGEXP}' to proxyStatsMatcher.inclusionRegexps (meshConfig.defaultConfig or the pod's ${STATS_MATCHER_ANNOTATION} annotation), ` +
    `or annotate the pod template of ${target} in ${pod.metadata.namespace ?? ''} with ${STATS_MATCHER_ANNOTATION}: '${STATS_MATCHER_VALUE}', and restart it`
  );
}

/** `circuit_breakers_default_{cx_open,rq_open}` from the missing stat names. */
function statList(stats: string[]): string {
  const prefix = 'circuit_breakers_default_';
  return stats.every((s) => s.startsWith(prefix))
    ? `${prefix}{${stats.map((s) => s.slice(prefix.length)).join(',')}}`
    : stats.join(', ');
}

function statsMatcherHint(pod: KubeObject): string {
  const w = workloadOf(pod);
  const target = w ? `${w.kind.toLowerCase()}/${w.name}` : `pod ${pod.metadata.name}`;
  return (
    `add the pod-template annotation ${STATS_MATCHER_ANNOTATION}: '${STATS_MATCHER_VALUE}' to ${target} in ${pod.metadata.namespace ?? ''} ` +
    `(or meshConfig.defaultConfig.proxyStatsMatcher mesh-wide) and restart it`
  );
}

const OPEN_GAUGES = ['cx_open', 'cx_pool_open', 'rq_pending_open', 'rq_open', 'rq_retry_open'];
/**
 * The gauges whose absence makes "no breaker open" unknowable: Envoy exports all five open gauges of
 * the default priority for every cluster once `circuit_breakers` stats are kept. Istio's documented
 * proxyStatsMatcher example (istio.io "Envoy Statistics": `.*outlier_detection.*`,
 * `.*upstream_rq_retry.*`, `.*upstream_cx_.*`) keeps outlier and overflow stats but none of these.
 */
export const REQUIRED_BREAKER_GAUGES = OPEN_GAUGES.map((g) => `circuit_breakers_default_${g}`);
/** What to add to a regexp-based stats matcher so the breaker gauges are kept. */
export const BREAKER_STATS_REGEXP = '.*circuit_breakers.*';
const OVERFLOWS = ['upstream_cx_overflow', 'upstream_rq_pending_overflow', 'upstream_rq_retry_overflow'];

/**
 * No circuit breaker is open and no host is ejected, as the proxies see it now. Istio's default stats
 * matcher drops `cluster.outbound` stats: absent stats are "could not see" (with the annotation that
 * exports them), never a pass.
 */
export function checkCircuitBreakerStats(pods: PodStats[], profile: Profile): CheckResult {
  if (pods.length === 0) return noPodsToCheck(profile.namespaces.mesh, 'injected pods');
  const broken: Finding[] = [];
  const blind: Finding[] = [];
  const overflowNotes: string[] = [];
  let clusters = 0;
  for (const { pod, stats, error, source } of pods) {
    if (!stats) {
      blind.push({
        object: podObj(pod),
        message: `the proxy's Envoy stats could not be read: ${error ?? 'no answer'}`,
        hint: `kubectl -n ${pod.metadata.namespace ?? ''} exec ${pod.metadata.name} -c istio-proxy -- pilot-agent request GET stats; a default-deny NetworkPolicy blocks the pod proxy on 15020 but not exec`,
      });
      continue;
    }
    const outbound = outboundClusters(stats);
    if (outbound.length === 0) {
      blind.push({
        object: podObj(pod),
        message: `the proxy does not export cluster.outbound stats (Istio's default stats matcher drops them): circuit breakers and ejections cannot be verified`,
        hint: statsMatcherHint(pod),
        field: `metadata.annotations[${STATS_MATCHER_ANNOTATION}]`,
        expected: STATS_MATCHER_VALUE,
        actual: pod.metadata.annotations?.[STATS_MATCHER_ANNOTATION] ?? '<unset>',
      });
      continue;
    }
    // A gauge that is absent is not a gauge at 0: without it an open breaker looks closed.
    const missing = new Set<string>();
    const lacking = outbound.filter((c) => {
      const gone = REQUIRED_BREAKER_GAUGES.filter((g) => !stats.get(c)?.has(g));
      gone.forEach((g) => missing.add(g));
      return gone.length > 0;
    });
    if (lacking.length) {
      const shown =
        lacking.slice(0, 3).join(', ') + (lacking.length > 3 ? `, … (${lacking.length - 3} more)` : '');
      blind.push({
        object: podObj(pod),
        message:
          `the proxy's Envoy stats${source ? ` (${source})` : ''} have no ${statList([...missing])} for ${lacking.length} of ${outbound.length} outbound clusters (${shown}): ` +
          `whether a circuit breaker is open cannot be seen, and absent gauges are not read as 0`,
        hint: breakerStatsHint(pod),
        field: 'circuit_breakers.default',
        expected: REQUIRED_BREAKER_GAUGES.join(', '),
        actual: `missing ${[...missing].join(', ')}`,
      });
    }
    for (const cluster of outbound) {
      clusters++;
      const s = stats.get(cluster) ?? new Map<string, number>();
      const open = ['default', 'high'].flatMap((prio) =>
        OPEN_GAUGES.filter((g) => (s.get(`circuit_breakers_${prio}_${g}`) ?? 0) >= 1).map(
          (g) => `${prio}.${g}`,
        ),
      );
      const ejected = s.get('outlier_detection_ejections_active') ?? 0;
      const overflow = OVERFLOWS.filter((o) => (s.get(o) ?? 0) > 0).map((o) => `${o}=${s.get(o) ?? 0}`);
      if (overflow.length) overflowNotes.push(`${pod.metadata.name} ${cluster}: ${overflow.join(', ')}`);
      if (open.length === 0 && ejected === 0) continue;
      const host = parseClusterName(cluster)?.host ?? cluster;
      broken.push({
        object: podObj(pod),
        message:
          `Envoy reports ${open.length ? `circuit breaker open (${open.join(', ')})` : ''}${open.length && ejected ? ' and ' : ''}${ejected ? `${ejected} host(s) ejected` : ''} for ${cluster}` +
          `${overflow.length ? `; overflows: ${overflow.join(', ')}` : ''}: requests to ${host} are being rejected`,
        hint:
          `inspect ${host}: kubectl -n ${pod.metadata.namespace ?? ''} exec ${pod.metadata.name} -c istio-proxy -- pilot-agent request GET clusters | grep '${host}'; ` +
          `if the upstream is healthy, raise the DestinationRule's connectionPool limits (profile: maxConnections ${profile.connectionPool.maxConnections}, http1MaxPendingRequests ${profile.connectionPool.http1MaxPendingRequests})`,
        field: `cluster.${cluster}.circuit_breakers`,
        expected: '0 open, 0 ejected',
        actual: `${open.join(', ') || '0 open'}, ${ejected} ejected`,
      });
    }
  }
  const unseen = new Set(blind.map((f) => f.object)).size;
  const details = [
    `${pods.length - unseen}/${pods.length} proxies read, ${clusters} outbound clusters`,
    ...overflowNotes.map((n) => `overflow since proxy start: ${n}`),
  ];
  if (broken.length) return failed([...broken, ...blind], ...details);
  return inconclusive(blind, ...details);
}

export interface PodClusters {
  pod: KubeObject;
  limits?: Map<string, Map<string, number>>;
  error?: string;
}

/**
 * The DestinationRule's connection pool reached Envoy: `clusters` shows max_connections and
 * max_pending_requests of each mesh host as configured (unaffected by the stats matcher).
 */
export function checkEnvoyClusterLimits(
  pods: PodClusters[],
  drs: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.mesh;
  if (pods.length === 0) return noPodsToCheck(ns, 'injected pods');
  const hosts = profile.traffic.destinationRules.flatMap((name) => {
    const dr = findByName(drs, name, ns);
    const r = dr ? resolveHost(str(rec(dr.spec).host) ?? '', ns) : undefined;
    return r ? [serviceFqdn(r.name, r.namespace)] : [];
  });
  const findings: Finding[] = [];
  const blind: Finding[] = [];
  const want: [string, number][] = [
    ['default_priority.max_connections', profile.connectionPool.maxConnections],
    ['default_priority.max_pending_requests', profile.connectionPool.http1MaxPendingRequests],
  ];
  for (const { pod, limits, error } of pods) {
    if (!limits) {
      blind.push({
        object: podObj(pod),
        message: `the proxy's clusters could not be read: ${error ?? 'no answer'}`,
        hint: `kubectl -n ${pod.metadata.namespace ?? ''} exec ${pod.metadata.name} -c istio-proxy -- pilot-agent request GET clusters`,
      });
      continue;
    }
    for (const host of hosts) {
      const names = [...limits.keys()].filter(
        (c) => parseClusterName(c)?.host === host && c.startsWith('outbound|'),
      );
      if (names.length === 0) {
        findings.push({
          object: podObj(pod),
          message: `the proxy has no outbound cluster for ${host}: it cannot route there (Sidecar scoping or a missing Service?)`,
          hint: `istioctl proxy-config cluster ${pod.metadata.name}.${pod.metadata.namespace ?? ''} --fqdn ${host}`,
        });
        continue;
      }
      for (const name of names) {
        for (const [key, expected] of want) {
          const actual = limits.get(name)?.get(key);
          if (actual !== expected) {
            findings.push({
              object: podObj(pod),
              message: `Envoy cluster ${name} has ${key} ${actual ?? '<none>'}, the DestinationRule should give ${expected}: the connection pool did not reach this proxy`,
              hint: `istioctl proxy-status; istioctl proxy-config cluster ${pod.metadata.name}.${pod.metadata.namespace ?? ''} --fqdn ${host} -o json`,
              field: key,
              expected: String(expected),
              actual: actual === undefined ? '<none>' : String(actual),
            });
          }
        }
      }
    }
  }
  const details = `${pods.length - blind.length}/${pods.length} proxies read; hosts ${hosts.join(', ') || 'none'}`;
  if (findings.length) return failed([...findings, ...blind], details);
  return inconclusive(blind, details);
}
