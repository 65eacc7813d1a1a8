export type { Clock } from '../core/index.ts';
export { systemClock } from '../core/index.ts';

/** A series' label set, `__name__` included when Prometheus returns it. */
export type Labels = Readonly<Record<string, string>>;

/**
 * One sample. `value` keeps what Prometheus said: `NaN`, `+Inf` and `-Inf` become JS `NaN`,
 * `Infinity` and `-Infinity`. Use the helpers in `values.ts` to read it: they treat NaN as no data.
 */
export interface Sample {
  /** Unix time in milliseconds. */
  readonly timeMs: number;
  readonly value: number;
}

export interface InstantSeries {
  readonly labels: Labels;
  readonly sample: Sample;
}

/** Result of an instant query whose expression is a vector. */
export interface InstantVector {
  readonly type: 'vector';
  /** The PromQL as sent. */
  readonly query: string;
  /** The evaluation time. */
  readonly time: Date;
  readonly series: readonly InstantSeries[];
  /** Warnings Prometheus (or Thanos) attached, e.g. partial responses. */
  readonly warnings: readonly string[];
}

/** Result of an instant query whose expression is a scalar. */
export interface Scalar {
  readonly type: 'scalar';
  readonly query: string;
  readonly time: Date;
  readonly sample: Sample;
  readonly warnings: readonly string[];
}

export interface RangeSeries {
  readonly labels: Labels;
  /** Ascending by time; steps without a value are absent, not zero. */
  readonly samples: readonly Sample[];
}

/** Result of a range query. */
export interface Matrix {
  readonly type: 'matrix';
  readonly query: string;
  readonly start: Date;
  readonly end: Date;
  readonly stepSeconds: number;
  readonly series: readonly RangeSeries[];
  readonly warnings: readonly string[];
}

export type InstantResult = InstantVector | Scalar;

/** `/api/v1/status/buildinfo`. */
export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
  readonly goVersion: string;
}

/**
 * The port canary analysis depends on: the only three things it may ask a metrics backend.
 * Every evaluation takes an explicit time; nothing defaults to "now".
 */
export interface MetricsSource {
  query(promql: string, time: Date): Promise<InstantResult>;
  queryRange(promql: string, start: Date, end: Date, stepSeconds: number): Promise<Matrix>;
  isOnline(): Promise<boolean>;
}
