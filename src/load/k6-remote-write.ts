import {
  MetricsError,
  defineTemplate,
  promDuration,
  queryTemplate,
  requireSingleValue,
  type MetricsSource,
  type TracedInstant,
} from '../metrics/index.ts';
import type { LoadResult } from './types.ts';

// k6's Prometheus remote-write output (`-o experimental-prometheus-rw`) writes one series per tag
// set and load generator; counters and trend stats are cumulative since each generator started. With
// the k6-operator every runner pod judges thresholds on its own share only, so meshgate aggregates
// the whole run here, filtered by the run_id tag every request carries.
//
// Requests: the last value of each counter series (max over the window, as counters only grow),
// summed. Failed ratio: each series' final failed rate weighted by its request count. Latency: a
// quantile cannot be merged across generators; the largest per-series value is an upper bound and is
// reported as such.

const SEL = 'run_id="{{runId}}"';
const REQS = `max_over_time(k6_http_reqs_total{${SEL}}[{{window}}])`;
const vars = { runId: 'label', window: 'duration' } as const;

function latencyTemplate(stat: 'p50' | 'p95' | 'p99' | 'max') {
  return defineTemplate({
    name: `k6_run_duration_${stat}_ms`,
    description: `Largest per-series ${stat} of k6 http_req_duration for the run, in ms (an upper bound across load generators)`,
    vars,
    promql: `max(last_over_time(k6_http_req_duration_${stat}{${SEL}}[{{window}}])) * 1000`,
    query: 'instant',
    series: 'one',
    unit: 'ms',
  });
}

export const k6RunTemplates = {
  requests: defineTemplate({
    name: 'k6_run_requests',
    description: 'HTTP requests k6 made during the run, summed over every load generator',
    vars,
    promql: `sum(${REQS})`,
    query: 'instant',
    series: 'one',
    unit: 'requests',
  }),
  failedRatio: defineTemplate({
    name: 'k6_run_failed_ratio',
    description: 'Share of failed k6 requests in the run (http_req_failed weighted by requests)',
    vars,
    promql: `sum(${REQS} * last_over_time(k6_http_req_failed_rate{${SEL}}[{{window}}])) / sum(${REQS})`,
    query: 'instant',
    series: 'one',
    unit: 'ratio',
  }),
  p50: latencyTemplate('p50'),
  p95: latencyTemplate('p95'),
  p99: latencyTemplate('p99'),
  max: latencyTemplate('max'),
} as const;

export interface RunAggregate {
  requests: number | null;
  errorRate: number | null;
  latencyMs: LoadResult['latencyMs'];
  /** Rendered PromQL with raw answers: the evidence for the result. */
  trace: TracedInstant[];
  notes: string[];
}

/**
 * Reads the run's totals from Prometheus at `end`, over a window reaching back to `start`. A value
 * Prometheus does not have stays null with a note; it never becomes 0.
 */
export async function aggregateK6Run(
  source: MetricsSource,
  runId: string,
  start: Date,
  end: Date,
): Promise<RunAggregate> {
  // Whole seconds, and a minute more: the first samples may carry a timestamp before `start`.
  const window = promDuration(Math.ceil((end.getTime() - start.getTime()) / 1000) * 1000 + 60_000);
  const out: RunAggregate = {
    requests: null,
    errorRate: null,
    latencyMs: { p50: null, p95: null, p99: null, max: null },
    trace: [],
    notes: [],
  };
  const read = async (key: keyof typeof k6RunTemplates): Promise<number | null> => {
    try {
      const traced = await queryTemplate(source, k6RunTemplates[key], { runId, window }, end);
      out.trace.push(traced);
      return requireSingleValue(traced.result);
    } catch (err) {
      if (!(err instanceof MetricsError)) throw err;
      out.notes.push(`${k6RunTemplates[key].name}: ${err.message.split('\n')[0]}`);
      return null;
    }
  };
  out.requests = await read('requests');
  if (out.requests === null) {
    out.notes.push(
      `no k6 series with run_id="${runId}" in Prometheus: check that the runners remote-write to it (load.k6.remoteWrite)`,
    );
    return out;
  }
  out.errorRate = await read('failedRatio');
  out.latencyMs = {
    p50: await read('p50'),
    p95: await read('p95'),
    p99: await read('p99'),
    max: await read('max'),
  };
  out.notes.push(
    'latency quantiles are the largest per-series values across load generators (an upper bound)',
  );
  return out;
}
