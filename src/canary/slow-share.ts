// A latency test on histogram counts: is the canary's share of slow requests higher than the
// baseline's? Per-interval quantiles give one sample per interval (30 in a 30-minute window); the
// bucket counts behind them give one per request, so a regression confined to a few minutes, or to
// the tail, still shows. No interpolation enters the test: "slow" is a bucket bound.

import { histogramQuantile, type QuantileEstimate } from './histogram.ts';
import { compareProportions } from './stats/two-proportions.ts';

/** One side: requests above the threshold, all requests, and its quantile estimate. */
export interface SlowShareSide {
  above: number;
  total: number;
  quantile: QuantileEstimate;
}

/** Result of {@link slowShareTest}. */
export interface SlowShareTest {
  /** Which part of the window, e.g. "whole window", "last 8m". */
  label: string;
  /** The bucket bound (ms) above which a request counts as slow. */
  threshold: number;
  baseline: SlowShareSide;
  canary: SlowShareSide;
  /** One-sided p for "the canary has a larger share above the threshold"; null without requests on a side. */
  pValue: number | null;
  /** canary quantile / baseline quantile − 1 (interpolated estimates); null when either is unknown. */
  relativeIncrease: number | null;
}

function bucketCount(cumulative: readonly number[], i: number): number {
  const v = cumulative[i];
  return v !== undefined && Number.isFinite(v) ? v : 0;
}

/**
 * Compares the share of requests slower than a bucket bound. The bound is the lower edge of the
 * bucket holding the pooled (both sides together) `q` quantile, so about 1 − q of all requests or
 * more lie above it; pooling keeps the choice symmetric, so under "no difference" both sides have the
 * same share above it and the two-proportion test (pooled z, or Fisher for small counts) is valid.
 *
 * `bounds` are the finite bucket bounds ascending; each cumulative array has one count per bound
 * then `+Inf`.
 */
export function slowShareTest(
  q: number,
  bounds: readonly number[],
  baseline: readonly number[],
  canary: readonly number[],
  label: string,
): SlowShareTest | null {
  const n = bounds.length;
  if (n === 0 || baseline.length !== n + 1 || canary.length !== n + 1) return null;
  const pooled = baseline.map((_, i) => bucketCount(baseline, i) + bucketCount(canary, i));
  const total = pooled[n] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let b = pooled.findIndex((c) => c >= rank);
  if (b < 0) b = n;
  // Lower edge of that bucket (its index in `bounds` is b − 1); the first bucket uses its own bound.
  const edge = Math.max(0, Math.min(n - 1, b - 1));
  const threshold = bounds[edge] as number;
  const buckets = (cum: readonly number[]) =>
    cum.map((c, i) => ({ le: i < n ? (bounds[i] as number) : '+Inf', count: bucketCount(cum, i) }));
  const side = (cum: readonly number[]): SlowShareSide => {
    const all = Math.round(bucketCount(cum, n));
    const atOrBelow = Math.round(bucketCount(cum, edge));
    return { above: Math.max(0, all - atOrBelow), total: all, quantile: histogramQuantile(q, buckets(cum)) };
  };
  const base = side(baseline);
  const can = side(canary);
  const pValue =
    base.total > 0 && can.total > 0
      ? compareProportions(
          { requests: base.total, errors: base.above },
          { requests: can.total, errors: can.above },
        ).pValue
      : null;
  const bq = base.quantile.value;
  const cq = can.quantile.value;
  return {
    label,
    threshold,
    baseline: base,
    canary: can,
    pValue,
    relativeIncrease: bq !== null && cq !== null && bq > 0 ? cq / bq - 1 : null,
  };
}
