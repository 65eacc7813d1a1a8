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
  /** The tolerated stretch the test is against, e.g. 0.2. */
  tolerance: number;
  /**
   * The baseline's share above threshold / (1 + tolerance): the slow share the canary would have if
   * it were exactly `tolerance` slower (interpolated between bucket bounds, see below).
   */
  nullShare: number | null;
  /**
   * One-sided p for "the canary is more than `tolerance` slower": its share above the threshold
   * against the baseline's share above threshold / (1 + tolerance) (two-proportion test). Evidence
   * and practical effect in one test; null without requests on a side or a baseline tail to compare.
   */
  pValue: number | null;
  /**
   * How much slower the canary's tail is: the threshold divided by the latency at which the
   * baseline has the canary's slow share (log-log interpolation of the baseline's survival between
   * bucket bounds), minus 1. 0.5: the canary's requests above the threshold are as many as if every
   * baseline request took 50 % longer. Unlike the ratio of interpolated quantiles, it is not inflated
   * by wide buckets (a 4 % slower canary reads about +4 %, not the +20–30 % interpolation in a
   * 100–250 ms bucket shows). null when it cannot be told (no requests, no baseline tail).
   */
  relativeIncrease: number | null;
}

/** The baseline's share above latency x, interpolated as in {@link baselineLatencyAt}. */
function baselineShareAbove(x: number, bounds: readonly number[], cum: readonly number[]): number | null {
  const total = bucketCount(cum, bounds.length);
  if (!(total > 0) || !(x > 0)) return null;
  const survival = (i: number) => 1 - bucketCount(cum, i) / total;
  if (x <= (bounds[0] as number)) return 1 - (x / (bounds[0] as number)) * (1 - survival(0));
  for (let i = 0; i + 1 < bounds.length; i++) {
    const x0 = bounds[i] as number;
    const x1 = bounds[i + 1] as number;
    if (!(x >= x0 && x <= x1)) continue;
    const s0 = survival(i);
    const s1 = survival(i + 1);
    if (s0 > 0 && s1 > 0) {
      const t = (Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0));
      return Math.exp(Math.log(s0) + t * (Math.log(s1) - Math.log(s0)));
    }
    return s0 + ((x - x0) / (x1 - x0)) * (s1 - s0);
  }
  return survival(bounds.length - 1);
}

/**
 * The latency x at which the baseline's survival S(x) = share, by linear interpolation of log S
 * over log x between bucket bounds (linear in S where S reaches 0). null when the share is outside
 * what the buckets can place.
 */
function baselineLatencyAt(share: number, bounds: readonly number[], cum: readonly number[]): number | null {
  const total = bucketCount(cum, bounds.length);
  if (!(total > 0) || !(share > 0)) return null;
  const survival = bounds.map((_, i) => 1 - bucketCount(cum, i) / total);
  // Below the first bound: S(0) = 1, interpolate linearly in x from 0.
  const first = survival[0] as number;
  if (share >= first) {
    if (first >= 1) return null;
    return ((1 - share) / (1 - first)) * (bounds[0] as number);
  }
  for (let i = 0; i + 1 < bounds.length; i++) {
    const s0 = survival[i] as number;
    const s1 = survival[i + 1] as number;
    if (!(share <= s0 && share >= s1)) continue;
    const x0 = bounds[i] as number;
    const x1 = bounds[i + 1] as number;
    if (s0 === s1) return x0;
    if (s1 > 0) {
      const t = (Math.log(s0) - Math.log(share)) / (Math.log(s0) - Math.log(s1));
      return Math.exp(Math.log(x0) + t * (Math.log(x1) - Math.log(x0)));
    }
    return x0 + ((s0 - share) / s0) * (x1 - x0);
  }
  return null; // beyond the last finite bound: the baseline has no tail to compare with
}

function bucketCount(cumulative: readonly number[], i: number): number {
  const v = cumulative[i];
  return v !== undefined && Number.isFinite(v) ? v : 0;
}

/**
 * Is the canary's tail more than `tolerance` slower than the baseline's? The threshold is the lower
 * edge of the bucket holding the pooled (both sides together) `q` quantile, so about 1 − q of all
 * requests or more lie above it. If every canary request took (1 + tolerance) × as long as a baseline
 * one, the canary's share above the threshold would be the baseline's share above
 * threshold / (1 + tolerance); the test compares the canary's share with that (pooled z, or Fisher
 * for small counts). The baseline's survival between bucket bounds is interpolated linearly in
 * log–log space, which for lognormal-like latencies slightly underestimates it: the test is a little
 * stricter than the nominal tolerance (docs/canary.md).
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
  tolerance = 0,
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
  const nullShare = baselineShareAbove(threshold / (1 + tolerance), bounds, baseline);
  const pValue =
    base.total > 0 && can.total > 0 && nullShare !== null
      ? compareProportions(
          { requests: base.total, errors: Math.round(nullShare * base.total) },
          { requests: can.total, errors: can.above },
        ).pValue
      : null;
  const canaryShare = can.total > 0 ? can.above / can.total : 0;
  const matched = baselineLatencyAt(canaryShare, bounds, baseline);
  return {
    label,
    threshold,
    baseline: base,
    canary: can,
    tolerance,
    nullShare,
    pValue,
    relativeIncrease: matched !== null && matched > 0 ? threshold / matched - 1 : null,
  };
}
