// Judge for circuit-breaker overflow counters (e.g. envoy_cluster_upstream_rq_pending_overflow) on
// the canary's sidecars: a short burst is reported, sustained overflow fails.

import { fmtCount, plural } from './format.ts';
import { roleOf, type MetricVerdict, type SampleCounts, type Verdict } from './types.ts';

/** Overflow increments per interval, per counter series (key: cluster or counter name). */
export interface OverflowInput {
  series: Readonly<Record<string, readonly number[]>>;
}

/** Parameters of {@link judgeOverflow}. */
export interface OverflowParams {
  name: string;
  critical: boolean;
  required: boolean;
  weight: number;
  /** Overflow in at least this many consecutive intervals is sustained → FAIL. */
  minConsecutive: number;
}

/** Defaults: 3 consecutive intervals with overflow fail the step. */
export const DEFAULT_OVERFLOW_PARAMS: Readonly<OverflowParams> = Object.freeze({
  name: 'circuit-breaker-overflow',
  critical: false,
  required: true,
  weight: 1,
  minConsecutive: 3,
});

/** What one series showed. */
export interface OverflowSeries {
  name: string;
  intervals: number;
  /** Intervals with overflow > 0. */
  intervalsWithOverflow: number;
  /** Longest run of consecutive intervals with overflow. */
  longestRun: number;
  /** Overflowed requests over the window. */
  total: number;
  /** Intervals without a usable value (NaN, negative: a counter reset, implausibly large). They break runs. */
  missing: number;
}

/** Result of {@link judgeOverflow}. */
export interface OverflowResult extends MetricVerdict {
  kind: 'overflow';
  samples: SampleCounts;
  minConsecutive: number;
  series: OverflowSeries[];
}

function analyse(name: string, deltas: readonly number[]): OverflowSeries {
  let run = 0;
  let longestRun = 0;
  let intervalsWithOverflow = 0;
  let total = 0;
  let missing = 0;
  for (const d of deltas) {
    if (!(d >= 0 && d <= Number.MAX_SAFE_INTEGER)) {
      missing++;
      run = 0;
      continue;
    }
    if (d > 0) {
      intervalsWithOverflow++;
      total += d;
      run++;
      longestRun = Math.max(longestRun, run);
    } else {
      run = 0;
    }
  }
  return {
    name,
    intervals: deltas.length,
    intervalsWithOverflow,
    longestRun,
    total: Math.round(total),
    missing,
  };
}

/**
 * FAIL when any series overflows in `minConsecutive` or more consecutive intervals; PASS (reporting
 * any isolated overflow) otherwise; INCONCLUSIVE without any usable interval. Missing intervals
 * break a run and are reported.
 */
export function judgeOverflow(input: OverflowInput, params: Partial<OverflowParams> = {}): OverflowResult {
  const p: OverflowParams = { ...DEFAULT_OVERFLOW_PARAMS, ...params };
  if (!(Number.isInteger(p.minConsecutive) && p.minConsecutive >= 1)) {
    throw new RangeError(`minConsecutive must be an integer ≥ 1, got ${p.minConsecutive}`);
  }
  const role = roleOf(p);
  const series = Object.entries(input.series)
    .map(([name, deltas]) => analyse(name, deltas))
    .sort((a, b) => b.longestRun - a.longestRun || b.total - a.total || a.name.localeCompare(b.name));
  const usable = series.reduce((s, x) => s + x.intervals - x.missing, 0);
  const intervals = series.reduce((m, x) => Math.max(m, x.intervals), 0);
  const sustained = series.filter((s) => s.longestRun >= p.minConsecutive);
  const bursty = series.filter((s) => s.intervalsWithOverflow > 0);
  const missingNote = series.some((s) => s.missing > 0)
    ? ` ${fmtCount(series.reduce((s, x) => s + x.missing, 0))} intervals had no usable value.`
    : '';

  let verdict: Verdict;
  let reason: string;
  let summary: string;
  if (sustained.length > 0) {
    verdict = 'FAIL';
    const worst = sustained[0]!;
    reason = `Sustained circuit-breaker overflow: ${sustained
      .map(
        (s) =>
          `${s.name} overflowed in ${plural(s.longestRun, 'consecutive interval')} ` +
          `(${fmtCount(s.total)} requests rejected, ${s.intervalsWithOverflow} of ${s.intervals} intervals)`,
      )
      .join('; ')} — ${p.minConsecutive} or more consecutive intervals count as sustained.${missingNote}`;
    summary = `sustained overflow on ${worst.name} (${worst.longestRun} intervals in a row)`;
  } else if (usable === 0) {
    verdict = 'INCONCLUSIVE';
    reason =
      series.length === 0
        ? 'No data: no circuit-breaker counters in the window (are the Envoy cluster stats exported? see proxyStatsMatcher).'
        : `No data: none of the ${series.length} counter series has a usable interval.`;
    summary = 'no circuit-breaker counters';
  } else if (bursty.length > 0) {
    verdict = 'PASS';
    reason = `Overflow seen but not sustained: ${bursty
      .map(
        (s) =>
          `${s.name} in ${s.intervalsWithOverflow} of ${plural(s.intervals, 'interval')} ` +
          `(longest run ${s.longestRun}, ${fmtCount(s.total)} requests rejected)`,
      )
      .join('; ')}; FAIL needs ${p.minConsecutive} consecutive intervals.${missingNote}`;
    summary = `isolated overflow (longest run ${bursty[0]!.longestRun})`;
  } else {
    verdict = 'PASS';
    reason = `No circuit-breaker overflow in ${plural(intervals, 'interval')} across ${plural(series.length, 'series', 'series')}.${missingNote}`;
    summary = 'no overflow';
  }
  return {
    kind: 'overflow',
    ...role,
    verdict,
    summary,
    reason,
    hint:
      bursty.length > 0
        ? "compare the DestinationRule connectionPool limits (maxConnections, http1MaxPendingRequests, http2MaxRequests) with the canary's concurrency"
        : null,
    samples: { baseline: 0, canary: intervals },
    minConsecutive: p.minConsecutive,
    series,
  };
}
