// OpenMetrics for Envoy's outbound breaker stats of given pods, labelled as Prometheus' pod scrape
// labels them (`namespace`, `pod`, `cluster_name`): what a Prometheus scraping the mesh's proxies
// holds, for the bench and the tests that serve the simulator's pods from a real Prometheus.

export const ENVOY_BREAKER_STATS = [
  // All five open gauges of the default priority: Envoy exports them together, and the check takes
  // a missing one as "cannot see", never as 0.
  'circuit_breakers_default_cx_open',
  'circuit_breakers_default_cx_pool_open',
  'circuit_breakers_default_rq_pending_open',
  'circuit_breakers_default_rq_open',
  'circuit_breakers_default_rq_retry_open',
  'circuit_breakers_high_cx_open',
  'outlier_detection_ejections_active',
  'upstream_rq_pending_overflow',
] as const;

export interface PodName {
  namespace: string;
  name: string;
}

export interface EnvoySeriesOptions {
  /** Outbound clusters each pod reports; default one, to zamaz-api. */
  clusters?: readonly string[];
  /** Seconds of 15 s samples before the end; default 60. */
  spanS?: number;
  /** Unix seconds of the last sample; default now minus 5 s. */
  endS?: number;
  /** Stat values for some pods (`namespace/name` → stat → value); every other value is 0. */
  values?: ReadonlyMap<string, Readonly<Record<string, number>>>;
  /** Stats some pods do not export (`namespace/name` → stats), as a narrower stats matcher leaves them. */
  omit?: ReadonlyMap<string, readonly string[]>;
}

export const DEFAULT_CLUSTER = 'outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local';

export function envoyBreakerSeries(pods: readonly PodName[], opts: EnvoySeriesOptions = {}): string {
  const end = opts.endS ?? Math.floor(Date.now() / 1000) - 5;
  const span = opts.spanS ?? 60;
  const lines: string[] = [];
  for (const stat of ENVOY_BREAKER_STATS) {
    lines.push(`# TYPE envoy_cluster_${stat} gauge`);
    for (const p of pods) {
      if (opts.omit?.get(`${p.namespace}/${p.name}`)?.includes(stat)) continue;
      const value = opts.values?.get(`${p.namespace}/${p.name}`)?.[stat] ?? 0;
      for (const cluster of opts.clusters ?? [DEFAULT_CLUSTER]) {
        const labels = `namespace="${p.namespace}",pod="${p.name}",cluster_name="${cluster}"`;
        for (let t = end - span; t <= end; t += 15)
          lines.push(`envoy_cluster_${stat}{${labels}} ${value} ${t}`);
      }
    }
  }
  return `${lines.join('\n')}\n# EOF\n`;
}
