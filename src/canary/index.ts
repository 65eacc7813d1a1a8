/**
 * The canary judge: pure functions from fetched numbers to verdicts. No I/O.
 *
 * Typical use per traffic step:
 *
 * ```ts
 * const metrics = [
 *   judgeErrorRatio({ baseline, canary, canaryResponseFlags }, profile.errorRatio),
 *   judgeLatency({ baseline: p99Legacy, canary: p99Mesh }, profile.latency),
 *   judgeMtls({ mtls, total, plaintextBySource }),
 *   judgeOverflow({ series }),
 * ];
 * const decision = combine(metrics);   // decision.verdict, decision.reason, decision.score
 * ```
 *
 * Every result is JSON-serialisable (no NaN or Infinity: null with a reason instead).
 * @module
 */

import type { ErrorRatioResult } from './error-ratio.ts';
import type { LatencyResult } from './latency.ts';
import type { MtlsResult } from './mtls.ts';
import type { OverflowResult } from './overflow.ts';

export type { Verdict, MetricRole, MetricVerdict, SampleCounts } from './types.ts';

export {
  judgeErrorRatio,
  DEFAULT_ERROR_RATIO_PARAMS,
  type Counts,
  type ErrorRatioInput,
  type ErrorRatioParams,
  type ErrorRatioResult,
  type ErrorRatioDetails,
  type SideRatio,
} from './error-ratio.ts';

export {
  judgeLatency,
  DEFAULT_LATENCY_PARAMS,
  type LatencyInput,
  type LatencyParams,
  type LatencyResult,
  type LatencySide,
} from './latency.ts';

export { judgeMtls, DEFAULT_MTLS_PARAMS, type MtlsInput, type MtlsParams, type MtlsResult } from './mtls.ts';

export {
  judgeOverflow,
  DEFAULT_OVERFLOW_PARAMS,
  type OverflowInput,
  type OverflowParams,
  type OverflowResult,
  type OverflowSeries,
} from './overflow.ts';

export { combine, type CombineOptions, type Decision } from './combine.ts';

// The step: samples of one window → metric verdicts → the step verdict (what the gate calls).
export {
  judgeCanary,
  freshnessReport,
  perIntervalQuantile,
  type CanaryAnalysis,
  type FamilyReport,
  type FreshnessRecord,
  type FreshnessReport,
  type JudgeOptions,
  type MetricKind,
  type MetricRecord,
} from './step.ts';
export type {
  CircuitBreakers,
  Fetched,
  MeshDestination,
  SeriesFreshness,
  SeriesLabels,
  ServiceSamples,
  SideCounts,
  SideHistogram,
  StepSamples,
  Unseen,
} from './samples.ts';
export { holmAdjust, type FamilyMember } from './family.ts';
export { slowShareTest, type SlowShareSide, type SlowShareTest } from './slow-share.ts';
export {
  CANARY_VERDICT_SCHEMA,
  buildDocument,
  spanText,
  verdictFileName,
  type CanaryVerdictDocument,
  type DecisionTraceEntry,
  type DocumentContext,
  type LoadSummary,
  type RawSample,
  type RouteWeightRecord,
  type WindowRecordInput,
  type WindowSource,
} from './document.ts';

export {
  histogramQuantile,
  quantileLabel,
  type HistogramBucket,
  type HistogramQuantileOptions,
  type QuantileEstimate,
} from './histogram.ts';

export {
  attribute5xx,
  describeResponseFlags,
  MESH_OWNER_SHARE,
  type Attribution,
  type FlagBreakdown,
  type FlagCount,
  type FlagOrigin,
  type Owner,
  type ResponseFlagDescription,
} from './response-flags.ts';

/** Any result of the judges in this module (discriminated by `kind`). */
export type MetricResult = ErrorRatioResult | LatencyResult | MtlsResult | OverflowResult;

// Statistical building blocks, exported for reports and for tests against textbook values.
export { normalCdf, normalSf, normalQuantile } from './math/normal.ts';
export { averageRanks, median, type Ranking } from './math/ranks.ts';
export {
  compareProportions,
  fisherExactGreater,
  pooledZ,
  type ProportionComparison,
  type ProportionTestName,
} from './stats/two-proportions.ts';
export { sampleSizeTwoProportions, type SampleSizeQuestion } from './stats/sample-size.ts';
export { logMixtureEValue, alwaysValidP, UNIFORM_PRIOR, type BetaPrior } from './stats/mixture-sprt.ts';
export {
  mannWhitneyGreater,
  hodgesLehmann,
  type MannWhitneyResult,
  type HodgesLehmannResult,
  type MannWhitneyOptions,
} from './stats/mann-whitney.ts';
