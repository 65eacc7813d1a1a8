// The verdict document (schema meshgate.dev/canary-verdict/v1): what `meshgate canary -o json`
// prints and writes to reports/verdicts/step-N-<end>.json. Schema: docs/output.md.

import type { CanaryAnalysis, FamilyReport, FreshnessReport, MetricRecord } from './step.ts';
import type { Verdict } from './types.ts';

/** Where the window's length came from (src/metrics/canary/window.ts). */
export type WindowSource = 'flag' | 'last-shift' | 'profile-default';

/** A sample as Prometheus' API writes it: `[unix seconds, "value"]`, so NaN and ±Inf survive JSON. */
export type RawSample = [number, string];

/** One rendered query with its raw answer (or its error): src/metrics records these. */
export interface DecisionTraceEntry {
  /** What asked, e.g. "requests" (one query serves every service and side). */
  readonly purpose: string;
  readonly template: string;
  readonly query: 'instant' | 'range';
  readonly promql: string;
  readonly time?: string;
  readonly start?: string;
  readonly end?: string;
  readonly stepSeconds?: number;
  readonly result?: {
    readonly resultType: 'vector' | 'scalar' | 'matrix';
    readonly series: readonly {
      labels: Readonly<Record<string, string>>;
      value?: RawSample;
      values?: RawSample[];
    }[];
    readonly warnings: readonly string[];
  };
  readonly error?: { readonly kind: string; readonly message: string };
}

/** A VirtualService route's weights (src/traffic). */
export interface RouteWeightRecord {
  readonly route: string;
  readonly mesh: number;
  readonly other: number;
}

/** The analysis window as the document records it. */
export interface WindowRecordInput {
  readonly start: Date;
  readonly end: Date;
  readonly durationMs: number;
  readonly source: WindowSource;
  readonly note?: string;
}

export const CANARY_VERDICT_SCHEMA = 'meshgate.dev/canary-verdict/v1';

/** What a load runner reported (`none`: no load was generated). */
export interface LoadSummary {
  runner: string;
  status: 'skipped' | 'completed' | 'failed' | 'inconclusive';
  summary: string;
  /** The runner's full result (src/load LoadResult). */
  details?: unknown;
}

export interface CanaryVerdictDocument {
  schema: typeof CANARY_VERDICT_SCHEMA;
  verdict: Verdict;
  /** The traffic step this verdict gates (the weight the mesh would get next). */
  step: number;
  /** The mesh weight the VirtualService had during the analysis. */
  currentWeight: number;
  reason: string;
  score: number | null;
  decisive: string[];
  window: { start: string; end: string; duration: string; source: WindowSource; note?: string };
  /** Interval of the per-interval samples, in seconds. */
  intervalSeconds: number;
  services: string[];
  metrics: MetricRecord[];
  /** Problems that hid data from the whole analysis or are configuration errors. */
  errors: string[];
  /** The profile's thresholds that applied. */
  thresholds: unknown;
  virtualService: {
    namespace: string;
    name: string;
    routes: readonly RouteWeightRecord[];
    lastShiftAt: string | null;
  };
  /** URL, auth kind and header names; never a token or a credential-like header value. */
  prometheus: {
    url: string;
    auth: 'none' | 'bearer' | 'basic';
    headers: Readonly<Record<string, string>>;
  };
  load: LoadSummary;
  /** Every series the verdict read, with the age of its newest sample at the window's end. */
  freshness: FreshnessReport;
  /** The step's statistical tests, their p-values and the family-wise (Holm) correction. */
  family: FamilyReport;
  /** Every rendered query with its raw answer (or its error). */
  trace: DecisionTraceEntry[];
  profile: string;
  analysedAt: string;
}

export interface DocumentContext {
  step: number;
  currentWeight: number;
  window: WindowRecordInput;
  intervalSeconds: number;
  services: string[];
  thresholds: unknown;
  virtualService: CanaryVerdictDocument['virtualService'];
  prometheus: CanaryVerdictDocument['prometheus'];
  load: LoadSummary;
  trace: DecisionTraceEntry[];
  profile: string;
  analysedAt: Date;
}

/** "1h30m" style text for a window length. */
export function spanText(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0s';
}

export function buildDocument(analysis: CanaryAnalysis, ctx: DocumentContext): CanaryVerdictDocument {
  const w = ctx.window;
  return {
    schema: CANARY_VERDICT_SCHEMA,
    verdict: analysis.verdict,
    step: ctx.step,
    currentWeight: ctx.currentWeight,
    reason: analysis.reason,
    score: analysis.score,
    decisive: analysis.decisive,
    window: {
      start: w.start.toISOString(),
      end: w.end.toISOString(),
      duration: spanText(w.durationMs),
      source: w.source,
      ...(w.note !== undefined ? { note: w.note } : {}),
    },
    intervalSeconds: ctx.intervalSeconds,
    services: ctx.services,
    metrics: analysis.metrics,
    errors: analysis.configurationError ? [analysis.configurationError] : [],
    thresholds: ctx.thresholds,
    virtualService: ctx.virtualService,
    prometheus: { url: ctx.prometheus.url, auth: ctx.prometheus.auth, headers: ctx.prometheus.headers },
    load: ctx.load,
    freshness: analysis.freshness,
    family: analysis.family,
    trace: ctx.trace,
    profile: ctx.profile,
    analysedAt: ctx.analysedAt.toISOString(),
  };
}

/** `step-25-20261129T103000Z.json`: named after the window's end, so re-analysing a window replaces it. */
export function verdictFileName(step: number, end: Date): string {
  return `step-${step}-${end
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '')}.json`;
}
