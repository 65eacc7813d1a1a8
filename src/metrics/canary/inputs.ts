// The I/O half of the canary analysis: four queries per step over every service and both sides
// (catalog.ts), split here by service and side into the samples the judge (src/canary) reads. Every
// rendered query is kept with its raw answer (the decision trace). One query that cannot be seen
// leaves the metrics that do not need it judged.

import { parse as parseYaml } from 'yaml';
import type {
  CircuitBreakers,
  Fetched,
  MeshDestination,
  SeriesFreshness,
  ServiceSamples,
  SideCounts,
  SideHistogram,
  StepSamples,
  Unseen,
} from '../../canary/samples.ts';
import { Interrupted, parseDuration, throwIfInterrupted } from '../../core/index.ts';
import type { Profile } from '../../profile/index.ts';
import {
  BadQuery,
  MetricsError,
  MultipleSeries,
  NoData,
  PrometheusUnreachable,
  TemplateError,
  formatLabels,
} from '../errors.ts';
import { promDuration } from '../template.ts';
import type { Labels, Matrix, MetricsSource } from '../types.ts';
import { canaryCatalog } from './catalog.ts';
import { Recorder, type TraceEntry } from './recorder.ts';
import { parseSpanMs, type AnalysisWindow } from './window.ts';

/**
 * Prometheus' own default `scrape_interval`, assumed when the configuration cannot be read (Thanos,
 * Mimir and most proxies do not serve /api/v1/status/config). Set `canary.maxStaleness` to be exact.
 */
export const DEFAULT_SCRAPE_INTERVAL_MS = 60_000;

/** The samples of one step with the decision trace: what `judgeCanary` reads. */
export interface CanaryInputs extends StepSamples {
  readonly window: AnalysisWindow;
  /** Every query in a stable order, with its raw answer or its error. */
  readonly trace: TraceEntry[];
}

export interface GatherOptions {
  readonly source: MetricsSource;
  readonly profile: Profile;
  readonly window: AnalysisWindow;
  /** Default: `canary.services`, else every `app.workloads[].service`. */
  readonly services?: readonly string[];
  /**
   * Stops the gathering: no query starts after the abort and the call rejects with the signal's
   * Interrupted. Give the Prometheus client the same signal so a query in flight stops too.
   */
  readonly signal?: AbortSignal;
}

/** A source that can also say how often Prometheus scrapes (the Prometheus client can). */
interface ConfigSource {
  configYaml(): Promise<string>;
}

/** The services compared: the profile's list, else the app workloads' services (deduplicated). */
export function canaryServices(profile: Profile): string[] {
  return profile.canary.services ?? [...new Set(profile.app.workloads.map((w) => w.service))];
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** A fetch error as the judge's data: what could not be seen, in one line, and what to do. */
export function unseenOf(error: unknown): Unseen {
  if (error instanceof Interrupted) {
    return {
      kind: 'Interrupted',
      message: error.message,
      summary: error.message,
      hint: null,
      cause: 'interrupted',
    };
  }
  const err = error instanceof Error ? error : new Error(String(error));
  const kind = err instanceof MetricsError ? err.kind : err.name;
  if (err instanceof MultipleSeries) {
    return {
      kind,
      message: err.message,
      summary: `several series where one was expected: ${err.series.map(formatLabels).sort().join(', ')}`,
      hint: 'set canary.gatewayNamespace to the gateway the migration routes through, or override the template to aggregate the extra labels',
      cause: 'data',
    };
  }
  if (err instanceof NoData) {
    return {
      kind,
      message: err.message,
      summary: err.reason === 'empty' ? 'no samples: nothing was scraped in the window' : 'no data: NaN',
      hint: 'check the namespaces, service names and canary.gatewayWorkload in the profile, and that Prometheus scrapes the Istio proxies',
      cause: 'data',
    };
  }
  if (err instanceof PrometheusUnreachable) {
    return {
      kind,
      message: err.message,
      summary: `Prometheus unreachable at ${err.url}`,
      hint: null,
      cause: 'backend',
    };
  }
  if (err instanceof BadQuery || err instanceof TemplateError) {
    return {
      kind,
      message: err.message,
      summary:
        err instanceof BadQuery
          ? `Prometheus rejected a query: ${firstLine(err.prometheusError)}`
          : firstLine(err.message),
      hint: 'fix the template in canary.metrics of the profile (or report a meshgate bug if it is a default template)',
      cause: 'configuration',
    };
  }
  if (err instanceof MetricsError) {
    return { kind, message: err.message, summary: firstLine(err.message), hint: null, cause: 'backend' };
  }
  return {
    kind,
    message: err.message,
    summary: `could not be evaluated: ${firstLine(err.message)}`,
    hint: null,
    cause: 'backend',
  };
}

async function fetched<T>(fn: () => Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof Interrupted) throw err;
    return { ok: false, error: unseenOf(err) };
  }
}

/** Values of one series on the grid; NaN where Prometheus had no sample. */
function onGrid(samples: readonly { timeMs: number; value: number }[], grid: readonly number[]): number[] {
  const byTime = new Map(samples.map((s) => [s.timeMs, s.value]));
  return grid.map((t) => byTime.get(t) ?? Number.NaN);
}

/** Adds per-interval values; an interval is NaN only when every addend is. */
function addInto(total: number[], values: readonly number[]): void {
  values.forEach((v, i) => {
    if (Number.isNaN(v)) return;
    total[i] = Number.isNaN(total[i] ?? Number.NaN) ? v : (total[i] as number) + v;
  });
}

function windowSum(values: readonly number[]): number {
  return values.reduce((s, v) => (Number.isNaN(v) ? s : s + v), 0);
}

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** Host of an Envoy cluster name `outbound|port|subset|host`; its first label is the service. */
function clusterService(cluster: string): string | undefined {
  return cluster.split('|')[3]?.split('.')[0];
}

/** The longest `scrape_interval` in a Prometheus configuration (global and every job), in ms. */
export function longestScrapeInterval(yamlText: string): number | undefined {
  const config = parseYaml(yamlText) as {
    global?: { scrape_interval?: unknown };
    scrape_configs?: { scrape_interval?: unknown }[] | null;
  } | null;
  const texts = [
    config?.global?.scrape_interval,
    ...(config?.scrape_configs ?? []).map((j) => j?.scrape_interval),
  ].filter((t): t is string => typeof t === 'string');
  // Prometheus' own default when the global section does not set one.
  if (typeof config?.global?.scrape_interval !== 'string') texts.push('1m');
  const ms = texts.map((t) => parseDuration(t)).filter((v): v is number => v !== undefined && v > 0);
  return ms.length > 0 ? Math.max(...ms) : undefined;
}

async function scrapeIntervalOf(
  source: MetricsSource,
): Promise<{ ms: number; source: 'prometheus' | 'default' }> {
  const s = source as Partial<ConfigSource>;
  if (typeof s.configYaml !== 'function') return { ms: DEFAULT_SCRAPE_INTERVAL_MS, source: 'default' };
  try {
    const ms = longestScrapeInterval(await s.configYaml());
    return ms === undefined
      ? { ms: DEFAULT_SCRAPE_INTERVAL_MS, source: 'default' }
      : { ms, source: 'prometheus' };
  } catch (err) {
    if (err instanceof Interrupted) throw err;
    return { ms: DEFAULT_SCRAPE_INTERVAL_MS, source: 'default' };
  }
}

/**
 * The gateway series of one side, one gateway namespace only: with `canary.gatewayNamespace` unset,
 * two gateways of the same workload name are MultipleSeries, never silently added together.
 */
function gatewaySeries<S extends { labels: Labels }>(
  series: readonly S[],
  query: string,
  gatewayNamespace: string | undefined,
): S[] {
  const kept = series.filter(
    (s) => gatewayNamespace === undefined || s.labels.source_workload_namespace === gatewayNamespace,
  );
  const namespaces = [...new Set(kept.map((s) => s.labels.source_workload_namespace ?? ''))].sort();
  if (namespaces.length > 1) {
    throw new MultipleSeries(
      query,
      namespaces.map((ns) => ({ source_workload_namespace: ns })),
    );
  }
  return kept;
}

/** Queries Prometheus for every service's samples over the window (four queries). */
export async function gatherCanaryInputs(opts: GatherOptions): Promise<CanaryInputs> {
  const { profile, window, signal } = opts;
  throwIfInterrupted(signal);
  const c = profile.canary;
  const rec = new Recorder(opts.source, canaryCatalog(c.metrics));
  const intervalMs = parseSpanMs(c.interval, 'canary.interval');
  const interval = promDuration(intervalMs);
  const end = window.end;
  // Range samples at end − (n−1)·interval, ..., end: each covers one whole interval inside the
  // window, and the range query starts at the grid's first point, so Prometheus answers at exactly
  // the grid's times (it steps from the start it is given). When the interval does not divide the
  // window, the remainder is left out at the window's start, never at its end (the newest data).
  // A window shorter than one interval is judged on the one interval ending at its end.
  const whole = Math.max(1, Math.floor((end.getTime() - window.start.getTime()) / intervalMs));
  const firstStep = end.getTime() - (whole - 1) * intervalMs;
  const rangeStart = new Date(firstStep);
  const grid: number[] = [];
  for (let t = firstStep; t <= end.getTime(); t += intervalMs) grid.push(t);
  const stepSeconds = intervalMs / 1000;
  const gw = c.gatewayNamespace;
  const legacy = profile.namespaces.legacy;
  const meshNs = profile.namespaces.mesh;
  const services = [...(opts.services ?? canaryServices(profile))];
  const vars = {
    legacyNamespace: legacy,
    meshNamespace: meshNs,
    services,
    gatewayWorkload: c.gatewayWorkload,
    interval,
  };
  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    throwIfInterrupted(signal);
    try {
      return await fn();
    } finally {
      throwIfInterrupted(signal);
    }
  };

  const [requests, buckets, breakers, freshness, scrape] = await Promise.all([
    fetched(() =>
      guarded(() => rec.range('requests', 'canary_requests', vars, rangeStart, end, stepSeconds)),
    ),
    fetched(() =>
      guarded(() => rec.range('latency', 'canary_latency_buckets', vars, rangeStart, end, stepSeconds)),
    ),
    fetched(() =>
      guarded(() =>
        rec.range('circuit-breakers', 'canary_circuit_breakers', vars, rangeStart, end, stepSeconds),
      ),
    ),
    fetched(() => guarded(() => rec.instant('freshness', 'canary_freshness', vars, end))),
    guarded(() => scrapeIntervalOf(opts.source)),
  ]);
  throwIfInterrupted(signal);

  const gatewayCounts = (service: string): Fetched<{ baseline: SideCounts; canary: SideCounts }> => {
    if (!requests.ok) return requests;
    const m = requests.value;
    try {
      const side = (ns: string): SideCounts => {
        const mine = gatewaySeries(
          m.series.filter(
            (s) =>
              s.labels.reporter === 'source' &&
              s.labels.source_workload === c.gatewayWorkload &&
              s.labels.destination_service_namespace === ns &&
              s.labels.destination_service_name === service,
          ),
          m.query,
          gw,
        );
        if (mine.length === 0) throw new NoData(m.query, 'empty', end);
        const req = grid.map(() => Number.NaN);
        const err5 = grid.map(() => Number.NaN);
        const byFlags: Record<string, number> = {};
        for (const s of mine) {
          const values = onGrid(s.samples, grid);
          addInto(req, values);
          if (s.labels.code_class === '5xx') {
            addInto(err5, values);
            const flag = s.labels.response_flags ?? '';
            byFlags[flag] = (byFlags[flag] ?? 0) + windowSum(values);
          }
        }
        // An interval with requests but no 5xx series value has 0 errors; without requests it has none.
        const errors = req.map((r, i) =>
          Number.isNaN(r) ? Number.NaN : Number.isNaN(err5[i]!) ? 0 : err5[i]!,
        );
        return { requests: req, errors, errorsByFlags: sorted(byFlags) };
      };
      return { ok: true, value: { baseline: side(legacy), canary: side(meshNs) } };
    } catch (err) {
      return { ok: false, error: unseenOf(err) };
    }
  };

  const meshView = (service: string): Fetched<MeshDestination> => {
    if (!requests.ok) return requests;
    const m = requests.value;
    const mine = m.series.filter(
      (s) =>
        s.labels.reporter === 'destination' &&
        s.labels.destination_service_namespace === meshNs &&
        s.labels.destination_service_name === service,
    );
    if (mine.length === 0) return { ok: false, error: unseenOf(new NoData(m.query, 'empty', end)) };
    const bySecurityPolicy: Record<string, number> = {};
    const plaintextBySource: Record<string, number> = {};
    const errorsByFlags: Record<string, number> = {};
    let total = 0;
    for (const s of mine) {
      const n = windowSum(onGrid(s.samples, grid));
      total += n;
      const policy = s.labels.connection_security_policy ?? '';
      bySecurityPolicy[policy] = (bySecurityPolicy[policy] ?? 0) + n;
      if (policy !== 'mutual_tls' && n > 0) {
        const who = `${s.labels.source_workload_namespace ?? 'unknown'}/${s.labels.source_workload ?? 'unknown'}`;
        plaintextBySource[who] = (plaintextBySource[who] ?? 0) + n;
      }
      if (s.labels.code_class === '5xx') {
        const flag = s.labels.response_flags ?? '';
        errorsByFlags[flag] = (errorsByFlags[flag] ?? 0) + n;
      }
    }
    return {
      ok: true,
      value: {
        requests: total,
        bySecurityPolicy: sorted(bySecurityPolicy),
        plaintextBySource: sorted(plaintextBySource),
        errorsByFlags: sorted(errorsByFlags),
      },
    };
  };

  const histograms = (service: string): Fetched<{ baseline: SideHistogram; canary: SideHistogram }> => {
    if (!buckets.ok) return buckets;
    const m = buckets.value;
    try {
      const side = (ns: string): SideHistogram => {
        const mine = gatewaySeries(
          m.series.filter(
            (s) =>
              s.labels.destination_service_namespace === ns && s.labels.destination_service_name === service,
          ),
          m.query,
          gw,
        );
        if (mine.length === 0) throw new NoData(m.query, 'empty', end);
        const byLe = new Map<number, number[]>();
        for (const s of mine) {
          const raw = s.labels.le ?? '';
          const le = raw === '+Inf' ? Number.POSITIVE_INFINITY : Number(raw);
          if (Number.isNaN(le)) continue;
          const values = byLe.get(le) ?? grid.map(() => Number.NaN);
          addInto(values, onGrid(s.samples, grid));
          byLe.set(le, values);
        }
        if (!byLe.has(Number.POSITIVE_INFINITY)) throw new NoData(m.query, 'empty', end);
        const les = [...byLe.keys()].sort((a, b) => a - b);
        const columns = les.map((le) => byLe.get(le) as number[]);
        return {
          bounds: les.filter((le) => le !== Number.POSITIVE_INFINITY),
          perInterval: grid.map((_, i) => columns.map((col) => col[i] as number)),
        };
      };
      return { ok: true, value: { baseline: side(legacy), canary: side(meshNs) } };
    } catch (err) {
      return { ok: false, error: unseenOf(err) };
    }
  };

  const circuitBreakers = (service: string): Fetched<CircuitBreakers> => {
    if (!breakers.ok) return breakers;
    const series: Record<string, number[]> = {};
    const ejections: Record<string, number> = {};
    for (const s of breakers.value.series) {
      const cluster = s.labels.cluster_name ?? '';
      if (clusterService(cluster) !== service) continue;
      const values = onGrid(s.samples, grid);
      if (s.labels.counter === 'ejections_active') {
        const finite = values.filter((v) => Number.isFinite(v));
        if (finite.length > 0) ejections[cluster] = Math.max(...finite);
      } else {
        series[`${s.labels.counter ?? 'counter'} ${cluster}`] = values;
      }
    }
    return { ok: true, value: { series, ejections: sorted(ejections) } };
  };

  const freshnessOf = (service: string): SeriesFreshness[] => {
    const stamps = freshness.ok && freshness.value.type === 'vector' ? freshness.value.series : [];
    /** Newest sample time in ms among the freshness series matching, else the last interval with data. */
    const newest = (
      metric: string,
      match: (l: Labels) => boolean,
      ranged: Matrix | undefined,
      rangedMatch: (l: Labels) => boolean,
    ): Pick<SeriesFreshness, 'newestSampleMs' | 'precision'> => {
      const exact = stamps
        .filter((s) => s.labels.metric === metric && match(s.labels) && Number.isFinite(s.sample.value))
        .map((s) => Math.round(s.sample.value * 1000));
      if (exact.length > 0) return { newestSampleMs: Math.max(...exact), precision: 'exact' };
      let last: number | null = null;
      for (const s of ranged?.series ?? []) {
        if (!rangedMatch(s.labels)) continue;
        for (const p of s.samples)
          if (!Number.isNaN(p.value) && (last === null || p.timeMs > last)) last = p.timeMs;
      }
      return { newestSampleMs: last, precision: 'interval' };
    };
    const reqM = requests.ok ? requests.value : undefined;
    const bucketM = buckets.ok ? buckets.value : undefined;
    const gatewayMatch = (ns: string) => (l: Labels) =>
      l.reporter === 'source' &&
      l.source_workload === c.gatewayWorkload &&
      l.destination_service_namespace === ns &&
      l.destination_service_name === service;
    const histogramMatch = (ns: string) => (l: Labels) =>
      l.destination_service_namespace === ns && l.destination_service_name === service;
    const destinationMatch = (l: Labels) =>
      l.reporter === 'destination' &&
      l.destination_service_namespace === meshNs &&
      l.destination_service_name === service;
    const gatewaySelector = (metric: string, ns: string) =>
      `${metric}{reporter="source",source_workload="${c.gatewayWorkload}",destination_service_namespace="${ns}",destination_service_name="${service}"}`;
    const out: SeriesFreshness[] = [];
    for (const ns of [legacy, meshNs]) {
      out.push({
        series: gatewaySelector('istio_requests_total', ns),
        usedBy: ['error-ratio'],
        ...newest('istio_requests_total', gatewayMatch(ns), reqM, gatewayMatch(ns)),
      });
      out.push({
        series: gatewaySelector('istio_request_duration_milliseconds_bucket', ns),
        usedBy: ['latency'],
        ...newest('istio_request_duration_milliseconds', gatewayMatch(ns), bucketM, histogramMatch(ns)),
      });
    }
    out.push({
      series: `istio_requests_total{reporter="destination",destination_service_namespace="${meshNs}",destination_service_name="${service}"}`,
      usedBy: ['mtls'],
      ...newest('istio_requests_total', destinationMatch, reqM, destinationMatch),
    });
    return out;
  };

  const results: ServiceSamples[] = services.map((service) => ({
    service,
    gateway: gatewayCounts(service),
    latency: histograms(service),
    mesh: meshView(service),
    overflow: circuitBreakers(service),
    freshness: freshnessOf(service),
  }));
  const order = ['requests', 'latency', 'circuit-breakers', 'freshness'];
  const trace = [...rec.entries].sort((a, b) => order.indexOf(a.purpose) - order.indexOf(b.purpose));
  return {
    window,
    intervalSeconds: stepSeconds,
    grid,
    scrapeInterval: scrape,
    services: results,
    trace,
  };
}
