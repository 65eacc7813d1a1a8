// Quantiles from Prometheus-style cumulative histogram buckets, computed the way PromQL's
// histogram_quantile does (prometheus/prometheus promql/quantile.go, bucketQuantile), but saying how
// much of the answer is interpolation: Envoy's duration buckets are coarse (…, 250, 500, 1000, … ms),
// so "p99 = 312 ms" is really "somewhere in 250–500 ms, assumed uniform".

import { fmtValue } from './format.ts';

/** One cumulative bucket: `count` observations were ≤ `le`. `le` may be Infinity or "+Inf". */
export interface HistogramBucket {
  le: number | string;
  count: number;
}

/** Options of {@link histogramQuantile}. */
export interface HistogramQuantileOptions {
  /** Unit for the note, default "ms". */
  unit?: string;
  /**
   * Buckets at most this wide count as exact enough: a quantile inside them is not flagged as
   * interpolated. Default 0: every interpolation is flagged.
   */
  maxExactBucketWidth?: number;
}

/** A quantile estimate and how it was obtained. */
export interface QuantileEstimate {
  /** The quantile asked for, e.g. 0.99. */
  quantile: number;
  /** The estimate; null when the histogram has no data or is malformed (see `note`). */
  value: number | null;
  /** The bucket the quantile fell into; `upper` null for the +Inf bucket, `lower` null when unbounded. */
  bucket: { lower: number | null; upper: number | null } | null;
  /** Linearly interpolated inside a bucket wider than `maxExactBucketWidth`. */
  interpolated: boolean;
  /**
   * The quantile fell into the +Inf bucket: `value` is the highest finite bound, only a lower bound of
   * the true quantile.
   */
  inInfBucket: boolean;
  /** Observations in the histogram (the +Inf bucket's count). */
  observations: number;
  /** Bucket counts had to be made monotonic (inconsistent scrape or aggregation). */
  forcedMonotonic: boolean;
  /** For reports: "p99 ≈ 312 ms, interpolated inside the 250–500 ms bucket". */
  note: string;
}

function parseLe(le: number | string): number {
  if (typeof le === 'number') return le;
  const t = le.trim();
  if (t === '+Inf' || t === 'Inf' || t === 'inf' || t === '+inf') return Infinity;
  return t === '' ? NaN : Number(t);
}

/** "p99", "p50", "p99.9". */
export function quantileLabel(q: number): string {
  return `p${Number((q * 100).toPrecision(6))}`;
}

/**
 * Estimates quantile `q` (0 ≤ q ≤ 1) from cumulative buckets, as histogram_quantile does: buckets with
 * the same bound are merged, counts are made monotonic, a lower bound of 0 is assumed for the first
 * bucket when its upper bound is positive, and a quantile in the +Inf bucket returns the highest finite
 * bound (flagged). Empty or malformed histograms (no +Inf bucket, fewer than two buckets, non-finite
 * counts) give `value: null` with the reason in `note` — never NaN.
 */
export function histogramQuantile(
  q: number,
  buckets: readonly HistogramBucket[],
  options: HistogramQuantileOptions = {},
): QuantileEstimate {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  const unit = options.unit ?? 'ms';
  const maxExact = options.maxExactBucketWidth ?? 0;
  const label = quantileLabel(q);
  const empty = (note: string, observations = 0): QuantileEstimate => ({
    quantile: q,
    value: null,
    bucket: null,
    interpolated: false,
    inInfBucket: false,
    observations,
    forcedMonotonic: false,
    note: `${label}: ${note}`,
  });

  const parsed = buckets.map((b) => ({ upper: parseLe(b.le), count: b.count }));
  if (parsed.some((b) => Number.isNaN(b.upper) || b.upper === -Infinity)) {
    return empty('a bucket has an unusable le label');
  }
  if (parsed.some((b) => !Number.isFinite(b.count) || b.count < 0)) {
    return empty('a bucket count is missing, negative or not finite (no data)');
  }
  parsed.sort((a, b) => a.upper - b.upper);
  if (parsed.length === 0) return empty('no buckets (no data)');
  if (parsed[parsed.length - 1]!.upper !== Infinity) return empty('no +Inf bucket, so the total is unknown');
  // Merge equal bounds (as PromQL does when several series share an le), then force monotonic counts.
  const merged: { upper: number; count: number }[] = [];
  for (const b of parsed) {
    const last = merged[merged.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else merged.push({ ...b });
  }
  let forcedMonotonic = false;
  for (let i = 1; i < merged.length; i++) {
    if (merged[i]!.count < merged[i - 1]!.count) {
      merged[i]!.count = merged[i - 1]!.count;
      forcedMonotonic = true;
    }
  }
  if (merged.length < 2) return empty('fewer than two buckets');
  const observations = merged[merged.length - 1]!.count;
  if (observations === 0) return empty('empty histogram (no observations in the window)');

  const rank = q * observations;
  let b = merged.findIndex((x) => x.count >= rank);
  if (b < 0) b = merged.length - 1;
  const highestFinite = merged[merged.length - 2]!.upper;
  if (b === merged.length - 1) {
    return {
      quantile: q,
      value: highestFinite,
      bucket: { lower: highestFinite, upper: null },
      interpolated: false,
      inInfBucket: true,
      observations,
      forcedMonotonic,
      note:
        `${label} ≥ ${fmtValue(highestFinite, unit)}: it falls in the +Inf bucket, ` +
        `so only the highest finite bound (${fmtValue(highestFinite, unit)}) is known`,
    };
  }
  const bucket = merged[b]!;
  if (b === 0 && bucket.upper <= 0) {
    return {
      quantile: q,
      value: bucket.upper,
      bucket: { lower: null, upper: bucket.upper },
      interpolated: false,
      inInfBucket: false,
      observations,
      forcedMonotonic,
      note: `${label} ≤ ${fmtValue(bucket.upper, unit)} (lowest bucket)`,
    };
  }
  const lower = b === 0 ? 0 : merged[b - 1]!.upper;
  const below = b === 0 ? 0 : merged[b - 1]!.count;
  const inBucket = bucket.count - below;
  // inBucket is 0 only for q = 0 with an empty first bucket; PromQL would return NaN there.
  const value = lower + (bucket.upper - lower) * (inBucket > 0 ? (rank - below) / inBucket : 0);
  const width = bucket.upper - lower;
  const interpolated = width > maxExact;
  const range = `${fmtValue(lower, '')}–${fmtValue(bucket.upper, unit)}`;
  return {
    quantile: q,
    value,
    bucket: { lower, upper: bucket.upper },
    interpolated,
    inInfBucket: false,
    observations,
    forcedMonotonic,
    note: interpolated
      ? `${label} ≈ ${fmtValue(value, unit)}, interpolated inside the ${range} bucket`
      : `${label} ≈ ${fmtValue(value, unit)} (bucket ${range})`,
  };
}
