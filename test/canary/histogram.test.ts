import { describe, expect, it } from 'vitest';
import { histogramQuantile } from '../../src/canary/index.ts';

// Envoy-style buckets (ms). 100 observations: 50 ≤ 100, 30 in (100, 250], 19 in (250, 500],
// 1 in (500, 1000], none above.
const envoy = [
  { le: 100, count: 50 },
  { le: 250, count: 80 },
  { le: 500, count: 99 },
  { le: 1000, count: 100 },
  { le: '+Inf', count: 100 },
];

describe('histogram quantile', () => {
  it('interpolates linearly inside the bucket and says so', () => {
    // p90: rank 90 falls in (250, 500] which holds ranks 81..99 → 250 + 250 · (90 − 80)/19 = 381.579.
    const q = histogramQuantile(0.9, envoy);
    expect(q.value).toBeCloseTo(250 + (250 * 10) / 19, 9);
    expect(q.interpolated).toBe(true);
    expect(q.bucket).toEqual({ lower: 250, upper: 500 });
    expect(q.inInfBucket).toBe(false);
    expect(q.observations).toBe(100);
    expect(q.note).toBe('p90 ≈ 382 ms, interpolated inside the 250–500 ms bucket');
  });

  it('assumes a lower bound of 0 in the first bucket', () => {
    // p25: rank 25 of 50 in (0, 100] → 50.
    expect(histogramQuantile(0.25, envoy).value).toBeCloseTo(50, 12);
    // p99: rank 99 is the last of (250, 500] → exactly 500.
    expect(histogramQuantile(0.99, envoy).value).toBeCloseTo(500, 12);
  });

  it('a quantile in the +Inf bucket returns the highest finite bound, flagged', () => {
    // 80 of 100 observations above 250 ms: p50 is somewhere above 250.
    const q = histogramQuantile(0.5, [
      { le: 100, count: 10 },
      { le: 250, count: 20 },
      { le: Infinity, count: 100 },
    ]);
    expect(q.value).toBe(250);
    expect(q.inInfBucket).toBe(true);
    expect(q.interpolated).toBe(false);
    expect(q.bucket).toEqual({ lower: 250, upper: null });
    expect(q.note).toContain('+Inf bucket');
  });

  it('narrow buckets can be declared exact enough', () => {
    const buckets = [
      { le: 10, count: 40 },
      { le: 12, count: 90 },
      { le: '+Inf', count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets, { maxExactBucketWidth: 5 }).interpolated).toBe(false);
    expect(histogramQuantile(0.5, buckets, { maxExactBucketWidth: 1 }).interpolated).toBe(true);
    // rank 50 in (10, 12] holding 50 observations → 10 + 2 · 10/50 = 10.4.
    expect(histogramQuantile(0.5, buckets).value).toBeCloseTo(10.4, 12);
  });

  it('empty and malformed histograms are no data, never NaN', () => {
    const empty = histogramQuantile(0.99, [
      { le: 100, count: 0 },
      { le: '+Inf', count: 0 },
    ]);
    expect(empty.value).toBeNull();
    expect(empty.note).toContain('empty histogram');
    expect(histogramQuantile(0.99, []).value).toBeNull();
    expect(histogramQuantile(0.99, [{ le: 100, count: 5 }]).note).toContain('no +Inf bucket');
    expect(histogramQuantile(0.99, [{ le: '+Inf', count: 5 }]).note).toContain('fewer than two buckets');
    expect(
      histogramQuantile(0.5, [
        { le: 100, count: Number.NaN },
        { le: '+Inf', count: 3 },
      ]).value,
    ).toBeNull();
    expect(() => histogramQuantile(1.5, envoy)).toThrow(RangeError);
  });

  it('merges duplicate bounds and repairs non-monotonic counts like PromQL', () => {
    // Two series summed without `by (le)` collapsing: le=100 appears twice (20 + 30 = 50).
    const merged = histogramQuantile(0.9, [
      { le: 100, count: 20 },
      { le: 100, count: 30 },
      { le: 250, count: 80 },
      { le: 500, count: 99 },
      { le: 1000, count: 100 },
      { le: '+Inf', count: 100 },
    ]);
    expect(merged.value).toBeCloseTo(250 + (250 * 10) / 19, 9);
    const repaired = histogramQuantile(0.5, [
      { le: 100, count: 60 },
      { le: 250, count: 55 },
      { le: '+Inf', count: 100 },
    ]);
    expect(repaired.forcedMonotonic).toBe(true);
    expect(repaired.value).toBeCloseTo(500 / 6, 9);
  });
});
