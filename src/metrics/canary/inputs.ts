// The I/O half of the canary analysis: asks Prometheus for what the judge (src/canary) compares, over
// one window, and keeps every rendered query with its raw answer. Each metric is fetched on its own,
// so one that cannot be seen (no data, several series, a rejected template) leaves the others judged.

import { histogramQuantile, type HistogramBucket, type QuantileEstimate } from '../../canary/index.ts';
import type { Profile } from '../../profile/index.ts';
import { MultipleSeries, NoData } from '../errors.ts';
import { promDuration } from '../template.ts';
import type { InstantResult, Matrix, MetricsSource } from '../types.ts';
import { requireSingleValue, requireVector, valuesByLabel } from '../values.ts';
import { canaryCatalog } from './catalog.ts';
import { Recorder, type TraceEntry } from './recorder.ts';
import { parseSpanMs, type AnalysisWindow } from './window.ts';

/** A fetched value, or why it could not be fetched (a MetricsError, usually). */
export type Fetched<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error };

export interface ErrorRatioInputs {
  readonly baseline: { requests: number; errors: number };
  readonly canary: { requests: number; errors: number };
  /** 5xx by response_flags as the gateway saw them, per side. */
  readonly baselineResponseFlags: Record<string, number>;
  readonly canaryResponseFlags: Record<string, number>;
  /** 5xx by response_flags as the mesh workload's own sidecar saw them (reporter="destination"). */
  readonly meshDestinationFlags: Record<string, number> | null;
}

export interface LatencyInputs {
  /** One value per interval (NaN: no requests in it), oldest first. */
  readonly baseline: number[];
  readonly canary: number[];
  /** p50 / p95 / configured quantile over the whole window from the buckets; null when unreadable. */
  readonly windowQuantiles: { baseline: QuantileEstimate[] | null; canary: QuantileEstimate[] | null };
}

export interface MtlsInputs {
  readonly mtls: number;
  readonly total: number;
  readonly bySecurityPolicy: Record<string, number>;
  /** Non-mTLS requests by `namespace/workload` of the source. */
  readonly plaintextBySource: Record<string, number>;
}

export interface OverflowInputs {
  /** Overflow per interval, by "counter cluster". */
  readonly series: Record<string, number[]>;
  /** Most hosts ejected at once during the window, by cluster. */
  readonly ejections: Record<string, number>;
}

export interface ServiceInputs {
  readonly service: string;
  readonly errorRatio: Fetched<ErrorRatioInputs>;
  readonly latency: Fetched<LatencyInputs>;
  readonly mtls: Fetched<MtlsInputs>;
  readonly overflow: Fetched<OverflowInputs>;
}

export interface CanaryInputs {
  readonly window: AnalysisWindow;
  readonly intervalSeconds: number;
  readonly services: ServiceInputs[];
  /** Every query in a stable order (by purpose, then template). */
  readonly trace: TraceEntry[];
}

export interface GatherOptions {
  readonly source: MetricsSource;
  readonly profile: Profile;
  readonly window: AnalysisWindow;
  /** Default: `canary.services`, else every `app.workloads[].service`. */
  readonly services?: readonly string[];
}

/** The services compared: the profile's list, else the app workloads' services (deduplicated). */
export function canaryServices(profile: Profile): string[] {
  return profile.canary.services ?? [...new Set(profile.app.workloads.map((w) => w.service))];
}

async function fetched<T>(fn: () => Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

/**
 * With `gatewayNamespace` set, keeps the series of that gateway (results grouped by
 * source_workload_namespace); series without the label are kept. Unset: all, so a second gateway of
 * the same name shows up as MultipleSeries.
 */
function pickGateway<R extends InstantResult | Matrix>(result: R, ns: string | undefined): R {
  if (ns === undefined || result.type === 'scalar') return result;
  const keep = (l: Readonly<Record<string, string>>) =>
    l.source_workload_namespace === undefined || l.source_workload_namespace === ns;
  if (result.type === 'vector') return { ...result, series: result.series.filter((s) => keep(s.labels)) };
  return { ...result, series: (result as Matrix).series.filter((s) => keep(s.labels)) } as R;
}

function record(map: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
}

/** The one series of a range result with its NaN samples kept (they are intervals without requests). */
function singleSeriesValues(m: Matrix, grid: readonly number[]): number[] {
  const [first, ...rest] = m.series;
  if (!first) throw new NoData(m.query, 'empty', m.end);
  if (rest.length > 0)
    throw new MultipleSeries(
      m.query,
      m.series.map((s) => s.labels),
    );
  return alignToGrid(first.samples, grid);
}

function alignToGrid(
  samples: readonly { timeMs: number; value: number }[],
  grid: readonly number[],
): number[] {
  const byTime = new Map(samples.map((s) => [s.timeMs, s.value]));
  return grid.map((t) => byTime.get(t) ?? Number.NaN);
}

function buckets(result: InstantResult): HistogramBucket[] {
  return requireVector(result, 'buckets by le').series.map((s) => ({
    le: s.labels.le ?? '',
    count: s.sample.value,
  }));
}

/** Host of an Envoy cluster name `outbound|port|subset|host`; its first label is the service. */
function clusterService(cluster: string): string | undefined {
  return cluster.split('|')[3]?.split('.')[0];
}

/** Queries Prometheus for every service's judge inputs over the window. */
export async function gatherCanaryInputs(opts: GatherOptions): Promise<CanaryInputs> {
  const { profile, window } = opts;
  const c = profile.canary;
  const rec = new Recorder(opts.source, canaryCatalog(c.metrics));
  const intervalMs = parseSpanMs(c.interval, 'canary.interval');
  const interval = promDuration(intervalMs);
  const windowText = promDuration(window.durationMs);
  const end = window.end;
  // Range samples at start + interval, ..., end: each covers one whole interval inside the window.
  const firstStep = Math.min(window.start.getTime() + intervalMs, end.getTime());
  const rangeStart = new Date(firstStep);
  const grid: number[] = [];
  for (let t = end.getTime(); t >= firstStep; t -= intervalMs) grid.unshift(t);
  const stepSeconds = intervalMs / 1000;
  const gw = c.gatewayNamespace;
  const sides = { baseline: profile.namespaces.legacy, canary: profile.namespaces.mesh } as const;
  const services = [...(opts.services ?? canaryServices(profile))];

  const gatewayVars = (side: keyof typeof sides, service: string) => ({
    gatewayWorkload: c.gatewayWorkload,
    namespace: sides[side],
    service,
    window: windowText,
    interval,
    quantile: c.latency.quantile,
  });
  const single = async (purpose: string, name: string, vars: Record<string, string | number>) =>
    requireSingleValue(pickGateway(await rec.instant(purpose, name, vars, end), gw));
  const byLabel = async (
    purpose: string,
    name: string,
    vars: Record<string, string | number>,
    label: string,
  ) => record(valuesByLabel(await rec.instant(purpose, name, vars, end), label));

  const errorRatio = (service: string) =>
    fetched<ErrorRatioInputs>(async () => {
      const side = async (s: keyof typeof sides) => {
        const purpose = `error-ratio/${service} ${s}`;
        const vars = gatewayVars(s, service);
        const [requests, errors, flags] = await Promise.all([
          single(purpose, 'gateway_requests', vars),
          single(purpose, 'gateway_5xx', vars),
          byLabel(purpose, 'gateway_5xx_by_flags', vars, 'response_flags'),
        ]);
        return { counts: { requests, errors }, flags };
      };
      const [baseline, canary, meshFlags] = await Promise.all([
        side('baseline'),
        side('canary'),
        // Attribution evidence only: its absence must not hide the ratio.
        byLabel(
          `error-ratio/${service} canary`,
          'mesh_5xx_by_flags',
          gatewayVars('canary', service),
          'response_flags',
        ).catch(() => null),
      ]);
      return {
        baseline: baseline.counts,
        canary: canary.counts,
        baselineResponseFlags: baseline.flags,
        canaryResponseFlags: canary.flags,
        meshDestinationFlags: meshFlags,
      };
    });

  const windowQuantiles = async (s: keyof typeof sides, service: string) => {
    try {
      const result = await rec.instant(
        `latency/${service} ${s}`,
        'gateway_latency_buckets',
        gatewayVars(s, service),
        end,
      );
      const b = buckets(result);
      return [...new Set([0.5, 0.95, c.latency.quantile])].map((q) => histogramQuantile(q, b));
    } catch {
      return null; // reported through the trace; the per-interval samples decide
    }
  };

  const latency = (service: string) =>
    fetched<LatencyInputs>(async () => {
      const side = async (s: keyof typeof sides) =>
        singleSeriesValues(
          pickGateway(
            await rec.range(
              `latency/${service} ${s}`,
              'gateway_latency_quantile_series',
              gatewayVars(s, service),
              rangeStart,
              end,
              stepSeconds,
            ),
            gw,
          ),
          grid,
        );
      const [baseline, canary, qb, qc] = await Promise.all([
        side('baseline'),
        side('canary'),
        windowQuantiles('baseline', service),
        windowQuantiles('canary', service),
      ]);
      return { baseline, canary, windowQuantiles: { baseline: qb, canary: qc } };
    });

  const mtls = (service: string) =>
    fetched<MtlsInputs>(async () => {
      const purpose = `mtls/${service} canary`;
      const vars = { namespace: sides.canary, service, window: windowText };
      const [policies, sources] = await Promise.all([
        byLabel(purpose, 'mesh_requests_by_security_policy', vars, 'connection_security_policy'),
        rec.instant(purpose, 'mesh_requests_by_source', vars, end),
      ]);
      const plaintextBySource: Record<string, number> = {};
      for (const s of requireVector(sources).series) {
        if (s.labels.connection_security_policy === 'mutual_tls' || !(s.sample.value > 0)) continue;
        const who = `${s.labels.source_workload_namespace ?? 'unknown'}/${s.labels.source_workload ?? 'unknown'}`;
        plaintextBySource[who] = (plaintextBySource[who] ?? 0) + s.sample.value;
      }
      const total = Object.values(policies).reduce((a, b) => a + b, 0);
      return { mtls: policies.mutual_tls ?? 0, total, bySecurityPolicy: policies, plaintextBySource };
    });

  // The circuit-breaker counters cover the whole mesh namespace: fetched once, split by service.
  const overflowAll = fetched(async () => {
    const vars = { namespace: sides.canary, interval, window: windowText };
    const [pending, cx, ejections] = await Promise.all([
      rec.range('overflow', 'cb_pending_overflow_series', vars, rangeStart, end, stepSeconds),
      rec.range('overflow', 'cb_cx_overflow_series', vars, rangeStart, end, stepSeconds),
      rec
        .instant('overflow', 'cb_ejections_active', vars, end)
        .then((r) => record(valuesByLabel(r, 'cluster_name')))
        .catch(() => ({}) as Record<string, number>),
    ]);
    return { pending, cx, ejections };
  });
  const overflow = async (service: string): Promise<Fetched<OverflowInputs>> => {
    const all = await overflowAll;
    if (!all.ok) return all;
    const series: Record<string, number[]> = {};
    const add = (m: Matrix, counter: string) => {
      for (const s of m.series) {
        const cluster = s.labels.cluster_name ?? '';
        if (clusterService(cluster) !== service) continue;
        series[`${counter} ${cluster}`] = alignToGrid(s.samples, grid);
      }
    };
    add(all.value.pending, 'upstream_rq_pending_overflow');
    add(all.value.cx, 'upstream_cx_overflow');
    const ejections = Object.fromEntries(
      Object.entries(all.value.ejections).filter(([cluster]) => clusterService(cluster) === service),
    );
    return { ok: true, value: { series, ejections } };
  };

  const results = await Promise.all(
    services.map(async (service) => {
      const [e, l, m, o] = await Promise.all([
        errorRatio(service),
        latency(service),
        mtls(service),
        overflow(service),
      ]);
      return { service, errorRatio: e, latency: l, mtls: m, overflow: o } satisfies ServiceInputs;
    }),
  );
  const trace = [...rec.entries].sort(
    (a, b) =>
      a.purpose.localeCompare(b.purpose) ||
      a.template.localeCompare(b.template) ||
      a.query.localeCompare(b.query),
  );
  return { window, intervalSeconds: stepSeconds, services: results, trace };
}
