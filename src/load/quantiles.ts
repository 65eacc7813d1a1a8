/**
 * Quantile `q` (0..1) of ascending `sorted` values, linearly interpolated between the closest ranks
 * (the estimator k6 uses for its p(N) trend stats). null for no values.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const pos = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** p50/p95/p99/max of unsorted samples (sorted in place). Exact: fine at the sample counts of a step. */
export function latencySummary(samples: Float64Array): {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
} {
  samples.sort();
  return {
    p50: quantile(samples, 0.5),
    p95: quantile(samples, 0.95),
    p99: quantile(samples, 0.99),
    max: samples.length ? (samples[samples.length - 1] as number) : null,
  };
}
