// Envoy cluster counters of every mesh proxy from Prometheus, in two queries for all pods, instead
// of one pod-proxy (or exec) read per pod. What Prometheus holds is what it scraped from each pod's
// merged endpoint (15020, `stats/prometheus`), the same text the pod-proxy read returns, labelled
// with the pod's `namespace` and `pod` (Istio's sample scrape config and the Prometheus Operator's
// PodMonitor both add them). A pod whose series are missing or older than the freshness limit is
// reported as such, never as healthy: the caller reads it directly.

import { defineTemplate, render } from './template.ts';
import type { MetricsSource } from './types.ts';

/**
 * The stats the circuit-breaker check reads, as Envoy names them in Prometheus: the breakers' open
 * gauges for both priorities, active ejections, and the overflow counters.
 */
const STATS =
  'envoy_cluster_(circuit_breakers_(default|high)_(cx|cx_pool|rq|rq_pending|rq_retry)_open|' +
  'outlier_detection_ejections_active|upstream_cx_overflow|upstream_rq_pending_overflow|upstream_rq_retry_overflow)';
const SELECTOR = String.raw`{__name__=~"${STATS}",namespace=~"{{namespaces}}",cluster_name=~"outbound\\|.*"}`;

// The stat name is copied into a label first: an aggregation or function drops `__name__`, and the
// series of two stats of one cluster would then collide.
const LABELLED = `label_replace(${SELECTOR}, "stat", "$1", "__name__", "envoy_cluster_(.+)")`;

/** A sample older than this at the evaluation time is stale: its pod is read directly. */
export const PROXY_STATS_MAX_AGE_MS = 120_000;

export const proxyStatsTemplates = {
  proxy_cluster_stats: defineTemplate({
    name: 'proxy_cluster_stats',
    description:
      'Envoy circuit-breaker gauges, active ejections and overflow counters of every outbound cluster, by pod ' +
      '(max, so a pod scraped by two jobs is not counted twice)',
    vars: { namespaces: 'labels' },
    promql: `max by (namespace, pod, cluster_name, stat) (${LABELLED})`,
    query: 'instant',
    series: 'many',
  }),
  proxy_stats_newest: defineTemplate({
    name: 'proxy_stats_newest',
    description:
      "The newest sample time (Unix seconds) of each pod's outbound circuit-breaker gauge (all stats of a pod are " +
      'scraped together, so one stat dates them all)',
    vars: { namespaces: 'labels' },
    // timestamp() gives a sample's own time only when applied to a plain selector of one metric
    // name (on anything else it gives the evaluation time), hence the one gauge.
    promql: String.raw`max by (namespace, pod) (timestamp(envoy_cluster_circuit_breakers_default_cx_open{namespace=~"{{namespaces}}",cluster_name=~"outbound\\|.*"}))`,
    query: 'instant',
    series: 'many',
  }),
} as const;

/** cluster name → stat (without `envoy_cluster_`) → value: the shape the checks parse pod stats into. */
export type ProxyClusterStats = Map<string, Map<string, number>>;

export interface ProxyStatsAnswer {
  /** `namespace/pod` → its outbound clusters' stats, for pods with fresh series only. */
  pods: Map<string, ProxyClusterStats>;
  /** `namespace/pod` → why its series cannot be used (stale), for pods Prometheus has old data of. */
  stale: Map<string, string>;
  /** The PromQL sent, for the report. */
  queries: string[];
  time: Date;
}

export const podKey = (namespace: string, pod: string): string => `${namespace}/${pod}`;

/**
 * Reads the breaker stats of every pod of these namespaces in two instant queries. Pods absent from
 * the answer are simply not in `pods`. Errors (unreachable, bad answer) propagate: the caller falls
 * back to per-pod reads and says why.
 */
export async function readProxyStats(
  source: MetricsSource,
  namespaces: readonly string[],
  time: Date,
  maxAgeMs = PROXY_STATS_MAX_AGE_MS,
): Promise<ProxyStatsAnswer> {
  const statsQuery = render(proxyStatsTemplates.proxy_cluster_stats, { namespaces });
  const newestQuery = render(proxyStatsTemplates.proxy_stats_newest, { namespaces });
  const [stats, newest] = await Promise.all([
    source.query(statsQuery, time),
    source.query(newestQuery, time),
  ]);
  if (stats.type !== 'vector' || newest.type !== 'vector')
    throw new TypeError('Prometheus answered a scalar to a vector query');

  const stale = new Map<string, string>();
  const fresh = new Set<string>();
  for (const s of newest.series) {
    const { namespace, pod } = s.labels;
    if (!namespace || !pod) continue;
    const ageMs = time.getTime() - s.sample.value * 1000;
    if (Number.isFinite(ageMs) && ageMs <= maxAgeMs) fresh.add(podKey(namespace, pod));
    else
      stale.set(
        podKey(namespace, pod),
        `its newest Envoy cluster sample in Prometheus is ${Math.round(ageMs / 1000)} s old (limit ${maxAgeMs / 1000} s)`,
      );
  }

  const pods = new Map<string, ProxyClusterStats>();
  for (const s of stats.series) {
    const { namespace, pod, cluster_name: cluster, stat } = s.labels;
    if (!namespace || !pod || !cluster || !stat) continue;
    const key = podKey(namespace, pod);
    if (!fresh.has(key) || !Number.isFinite(s.sample.value)) continue;
    let clusters = pods.get(key);
    if (!clusters) pods.set(key, (clusters = new Map()));
    let m = clusters.get(cluster);
    if (!m) clusters.set(cluster, (m = new Map()));
    m.set(stat, s.sample.value);
  }
  return { pods, stale, queries: [statsQuery, newestQuery], time };
}
