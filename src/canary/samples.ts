// What the judge reads for one traffic step: samples shaped by src/metrics, as plain data. The judge
// (step.ts) imports nothing that does I/O; src/metrics builds these values (it imports these types
// only, no verdict logic) from four `sum by (...)` queries over all services and both sides.

/** Labels of a series, as Prometheus gave them. */
export type SeriesLabels = Readonly<Record<string, string>>;

/**
 * Why a part of the data could not be seen: the fetch error as data (the metrics layer's error
 * classes stay in src/metrics). `cause` says who can fix it.
 */
export interface Unseen {
  /** `NoData`, `MultipleSeries`, `PrometheusUnreachable`, `BadQuery`, `PrometheusError`, `Interrupted`, … */
  readonly kind: string;
  /** The full message, with the query where there is one. */
  readonly message: string;
  /** One line for the verdict table. */
  readonly summary: string;
  /** What to do, when known. */
  readonly hint: string | null;
  /**
   * `data`: the window lacks what was asked (no samples, several series); `configuration`: a query
   * was rejected or a template is broken (waiting will not fix it); `backend`: Prometheus could not
   * be asked; `interrupted`: the run was stopped.
   */
  readonly cause: 'data' | 'configuration' | 'backend' | 'interrupted';
}

/** A fetched value, or why it could not be fetched. */
export type Fetched<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Unseen };

/** One side's request counts at the gateway, one entry per interval (NaN: no sample in it). */
export interface SideCounts {
  readonly requests: readonly number[];
  /** 5xx responses. */
  readonly errors: readonly number[];
  /** 5xx over the whole window by Envoy `response_flags` ("-": the app answered). */
  readonly errorsByFlags: Readonly<Record<string, number>>;
}

/** One side's request-duration histogram at the gateway, one cumulative bucket set per interval. */
export interface SideHistogram {
  /** Finite bucket bounds in ms, ascending; `+Inf` is implied last. */
  readonly bounds: readonly number[];
  /** Per interval: cumulative counts for each bound, then `+Inf` (NaN: no sample in the interval). */
  readonly perInterval: readonly (readonly number[])[];
}

/** What the mesh workload's own sidecars reported (`reporter="destination"`) over the window. */
export interface MeshDestination {
  readonly requests: number;
  readonly bySecurityPolicy: Readonly<Record<string, number>>;
  /** Requests not over mutual TLS by `namespace/workload` of the source. */
  readonly plaintextBySource: Readonly<Record<string, number>>;
  /** 5xx by `response_flags`. */
  readonly errorsByFlags: Readonly<Record<string, number>>;
}

/** Circuit-breaker counters of the outbound clusters to the service in the mesh namespace. */
export interface CircuitBreakers {
  /** Overflow per interval, keyed `counter cluster`. */
  readonly series: Readonly<Record<string, readonly number[]>>;
  /** Most hosts ejected at once during the window, by cluster. */
  readonly ejections: Readonly<Record<string, number>>;
}

/** The newest sample of a series the verdict uses, for the freshness rule. */
export interface SeriesFreshness {
  /** The series as a selector, e.g. `istio_requests_total{reporter="source",…}`. */
  readonly series: string;
  /** Which metrics read it. */
  readonly usedBy: readonly ('error-ratio' | 'latency' | 'mtls')[];
  /** Unix ms of the newest sample at or before the window's end; null when none in the window. */
  readonly newestSampleMs: number | null;
  /**
   * `exact`: from `timestamp()` (within Prometheus' lookback); `interval`: only the end of the last
   * interval with samples is known (older than the lookback).
   */
  readonly precision: 'exact' | 'interval';
}

/** Everything the judge reads for one service. */
export interface ServiceSamples {
  readonly service: string;
  /** Legacy (baseline) and mesh (canary) as the ingress gateway saw them. */
  readonly gateway: Fetched<{ readonly baseline: SideCounts; readonly canary: SideCounts }>;
  readonly latency: Fetched<{ readonly baseline: SideHistogram; readonly canary: SideHistogram }>;
  readonly mesh: Fetched<MeshDestination>;
  readonly overflow: Fetched<CircuitBreakers>;
  readonly freshness: readonly SeriesFreshness[];
}

/** The samples of one step's window. */
export interface StepSamples {
  readonly window: { readonly start: Date; readonly end: Date; readonly durationMs: number };
  readonly intervalSeconds: number;
  /** End of each interval (Unix ms), oldest first; every per-interval array is aligned to it. */
  readonly grid: readonly number[];
  /** The scrape interval the freshness rule assumes, and where it came from. */
  readonly scrapeInterval: { readonly ms: number; readonly source: 'prometheus' | 'default' };
  readonly services: readonly ServiceSamples[];
}
