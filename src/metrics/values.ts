import { BadQuery, MultipleSeries, NoData } from './errors.ts';
import type { InstantResult, InstantVector, Labels, Matrix, Sample } from './types.ts';

// Reading query results. NaN means "no data" here, never 0: a 0/0 error ratio over a window without
// requests must not pass a canary (spinnaker #5622). Infinities are kept: histogram_quantile returns
// +Inf when the quantile falls in the +Inf bucket, and that is a real, very bad latency.

/** True for NaN, the value Prometheus gives for 0/0 and empty histograms. */
export function isNoData(value: number): boolean {
  return Number.isNaN(value);
}

/**
 * The single value of an instant result.
 * @throws NoData when the vector is empty or the value is NaN.
 * @throws MultipleSeries when the vector has more than one series.
 */
export function requireSingleValue(result: InstantResult): number {
  if (result.type === 'scalar') {
    if (isNoData(result.sample.value)) throw new NoData(result.query, 'nan', result.time);
    return result.sample.value;
  }
  const [first, ...rest] = result.series;
  if (!first) throw new NoData(result.query, 'empty', result.time);
  if (rest.length > 0)
    throw new MultipleSeries(
      result.query,
      result.series.map((s) => s.labels),
    );
  if (isNoData(first.sample.value)) throw new NoData(result.query, 'nan', result.time);
  return first.sample.value;
}

/** The single value of an instant result, or `undefined` when there is none (empty or NaN). */
export function singleValueOrUndefined(result: InstantResult): number | undefined {
  try {
    return requireSingleValue(result);
  } catch (err) {
    if (err instanceof NoData) return undefined;
    throw err;
  }
}

/**
 * The samples of the single series of a range result, NaN samples dropped.
 * @throws NoData when there is no series or every sample is NaN.
 * @throws MultipleSeries when there is more than one series.
 */
export function requireSingleSeries(result: Matrix): readonly Sample[] {
  const [first, ...rest] = result.series;
  if (!first) throw new NoData(result.query, 'empty', result.end);
  if (rest.length > 0)
    throw new MultipleSeries(
      result.query,
      result.series.map((s) => s.labels),
    );
  const samples = dropNoData(first.samples);
  if (samples.length === 0) throw new NoData(result.query, 'nan', result.end);
  return samples;
}

/** Samples without NaN values. */
export function dropNoData(samples: readonly Sample[]): Sample[] {
  return samples.filter((s) => !isNoData(s.value));
}

/**
 * An instant vector keyed by one label (e.g. `response_flags`, `connection_security_policy`, `le`),
 * NaN entries dropped. A series without the label is keyed by `""`, as PromQL treats it.
 * An empty vector gives an empty map: whether that is "zero" or "no data" is the caller's call,
 * made against a total it has fetched.
 * @throws MultipleSeries when two series share the key (the query did not aggregate by `label`).
 * @throws BadQuery when the result is a scalar.
 */
export function valuesByLabel(result: InstantResult, label: string): ReadonlyMap<string, number> {
  const vector = requireVector(result, `a vector keyed by ${label}`);
  const out = new Map<string, number>();
  const seen = new Map<string, Labels>();
  for (const s of vector.series) {
    const key = s.labels[label] ?? '';
    const previous = seen.get(key);
    if (previous) throw new MultipleSeries(vector.query, [previous, s.labels]);
    seen.set(key, s.labels);
    if (!isNoData(s.sample.value)) out.set(key, s.sample.value);
  }
  return out;
}

/** The sum of the result's values, NaN entries dropped; `undefined` when nothing is left. */
export function sumValues(result: InstantResult): number | undefined {
  const values = (result.type === 'scalar' ? [result.sample] : result.series.map((s) => s.sample))
    .map((s) => s.value)
    .filter((v) => !isNoData(v));
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

/**
 * The result as a vector.
 * @throws BadQuery when it is a scalar.
 */
export function requireVector(result: InstantResult, wanted = 'a vector'): InstantVector {
  if (result.type === 'vector') return result;
  throw new BadQuery(result.query, `expected ${wanted}, but the query evaluates to a scalar`);
}
