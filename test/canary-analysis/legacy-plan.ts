// The query plan meshgate ran before the four-query step (issue 13.3): templates per metric, per
// service and per side, about 29 queries for two services. Kept only to show, on the same
// Prometheus data, that the new plan feeds the judge the same numbers (query-plan.test.ts) and to
// measure both plans (bench/canary-queries.ts). Not used by meshgate itself.

import {
  defaultCatalog,
  defineTemplate,
  promDuration,
  render,
  requireSingleValue,
  valuesByLabel,
  type InstantResult,
  type Matrix,
  type MetricsSource,
  type PromQLTemplate,
} from '../../src/metrics/index.ts';

const MESH_OUTBOUND = String.raw`cluster_name=~"outbound\\|[0-9]+\\|[^|]*\\|[^.|]+\\.{{namespace|regex}}\\.svc\\..+"`;

function overflowSeries(name: string, metric: string): PromQLTemplate {
  return defineTemplate({
    name,
    description: `${metric} per interval by cluster`,
    vars: { namespace: 'label', interval: 'duration' },
    promql: `sum by (cluster_name) (increase(${metric}{${MESH_OUTBOUND}}[{{interval}}]))`,
    query: 'range',
    series: 'many',
  });
}

const cbPending = overflowSeries('cb_pending_overflow_series', 'envoy_cluster_upstream_rq_pending_overflow');
const cbCx = overflowSeries('cb_cx_overflow_series', 'envoy_cluster_upstream_cx_overflow');

export interface LegacySide {
  requests: number;
  errors: number;
  flags: Record<string, number>;
  /** Per-interval quantile, NaN for intervals without requests. */
  quantiles: number[];
}

export interface LegacyService {
  service: string;
  baseline: LegacySide;
  canary: LegacySide;
  meshFlags: Record<string, number>;
  bySecurityPolicy: Record<string, number>;
  plaintextBySource: Record<string, number>;
  overflow: Record<string, number[]>;
  ejections: Record<string, number>;
}

export interface LegacyOptions {
  source: MetricsSource;
  start: Date;
  end: Date;
  intervalSeconds: number;
  gatewayWorkload: string;
  legacyNamespace: string;
  meshNamespace: string;
  services: readonly string[];
  quantile: number;
}

function record(map: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
}

/** Runs the old plan; returns the judge inputs it produced and how many queries it sent. */
export async function runLegacyPlan(
  o: LegacyOptions,
): Promise<{ services: LegacyService[]; queries: number }> {
  let queries = 0;
  const instant = (t: PromQLTemplate, vars: Record<string, string | number>): Promise<InstantResult> => {
    queries += 1;
    return o.source.query(render(t, vars as never), o.end);
  };
  const stepMs = o.intervalSeconds * 1000;
  const firstStep = Math.min(o.start.getTime() + stepMs, o.end.getTime());
  const grid: number[] = [];
  for (let t = o.end.getTime(); t >= firstStep; t -= stepMs) grid.unshift(t);
  const range = (t: PromQLTemplate, vars: Record<string, string | number>): Promise<Matrix> => {
    queries += 1;
    return o.source.queryRange(render(t, vars as never), new Date(firstStep), o.end, o.intervalSeconds);
  };
  const window = promDuration(o.end.getTime() - o.start.getTime());
  const interval = promDuration(stepMs);
  const onGrid = (m: Matrix): number[] => {
    const byTime = new Map((m.series[0]?.samples ?? []).map((s) => [s.timeMs, s.value]));
    return grid.map((t) => byTime.get(t) ?? Number.NaN);
  };
  const clusterService = (cluster: string) => cluster.split('|')[3]?.split('.')[0];

  const [pending, cx, ejections] = await Promise.all([
    range(cbPending, { namespace: o.meshNamespace, interval }),
    range(cbCx, { namespace: o.meshNamespace, interval }),
    instant(defaultCatalog.cb_ejections_active, { namespace: o.meshNamespace, window }),
  ]);
  const services = await Promise.all(
    o.services.map(async (service): Promise<LegacyService> => {
      const side = async (namespace: string): Promise<LegacySide> => {
        const vars = {
          gatewayWorkload: o.gatewayWorkload,
          namespace,
          service,
          window,
          interval,
          quantile: o.quantile,
        };
        const [req, err, flags, q] = await Promise.all([
          instant(defaultCatalog.gateway_requests, vars),
          instant(defaultCatalog.gateway_5xx, vars),
          instant(defaultCatalog.gateway_5xx_by_flags, vars),
          range(defaultCatalog.gateway_latency_quantile_series, vars),
          instant(defaultCatalog.gateway_latency_buckets, vars),
        ]);
        return {
          requests: requireSingleValue(req),
          errors: requireSingleValue(err),
          flags: record(valuesByLabel(flags, 'response_flags')),
          quantiles: onGrid(q),
        };
      };
      const vars = { namespace: o.meshNamespace, service, window };
      const [baseline, canary, meshFlags, policies, sources] = await Promise.all([
        side(o.legacyNamespace),
        side(o.meshNamespace),
        instant(defaultCatalog.mesh_5xx_by_flags, vars),
        instant(defaultCatalog.mesh_requests_by_security_policy, vars),
        instant(defaultCatalog.mesh_requests_by_source, vars),
      ]);
      const plaintextBySource: Record<string, number> = {};
      if (sources.type === 'vector') {
        for (const s of sources.series) {
          if (s.labels.connection_security_policy === 'mutual_tls' || !(s.sample.value > 0)) continue;
          const who = `${s.labels.source_workload_namespace ?? 'unknown'}/${s.labels.source_workload ?? 'unknown'}`;
          plaintextBySource[who] = (plaintextBySource[who] ?? 0) + s.sample.value;
        }
      }
      const overflow: Record<string, number[]> = {};
      for (const [m, counter] of [
        [pending, 'upstream_rq_pending_overflow'],
        [cx, 'upstream_cx_overflow'],
      ] as const) {
        for (const s of m.series) {
          const cluster = s.labels.cluster_name ?? '';
          if (clusterService(cluster) !== service) continue;
          const byTime = new Map(s.samples.map((x) => [x.timeMs, x.value]));
          overflow[`${counter} ${cluster}`] = grid.map((t) => byTime.get(t) ?? Number.NaN);
        }
      }
      const ej = Object.fromEntries(
        Object.entries(record(valuesByLabel(ejections, 'cluster_name'))).filter(
          ([cluster]) => clusterService(cluster) === service,
        ),
      );
      return {
        service,
        baseline,
        canary,
        meshFlags: record(valuesByLabel(meshFlags, 'response_flags')),
        bySecurityPolicy: record(valuesByLabel(policies, 'connection_security_policy')),
        plaintextBySource,
        overflow,
        ejections: ej,
      };
    }),
  );
  return { services, queries };
}
