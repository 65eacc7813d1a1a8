// Canary analysis over Prometheus: window, inputs (I/O), judging (pure), the verdict document.
export { CANARY_TEMPLATE_NAMES, canaryCatalog, canaryTemplates } from './catalog.ts';
export type { CanaryTemplateName } from './catalog.ts';
export { MissingCredential, prometheusOptions } from './client-options.ts';
export { CANARY_VERDICT_SCHEMA, buildDocument, spanText, verdictFileName } from './document.ts';
export type { CanaryVerdictDocument, DocumentContext, LoadSummary } from './document.ts';
export { canaryServices, gatherCanaryInputs } from './inputs.ts';
export type {
  CanaryInputs,
  ErrorRatioInputs,
  Fetched,
  GatherOptions,
  LatencyInputs,
  MtlsInputs,
  OverflowInputs,
  ServiceInputs,
} from './inputs.ts';
export { judgeCanary } from './judge.ts';
export type { CanaryAnalysis, MetricKind, MetricRecord } from './judge.ts';
export { Recorder } from './recorder.ts';
export type { RawSample, TraceEntry } from './recorder.ts';
export { renderVerdictText } from './render-text.ts';
export { LAST_SHIFT_ANNOTATION, WindowError, parseEnd, parseSpanMs, resolveWindow } from './window.ts';
export type { AnalysisWindow, WindowQuestion, WindowSource } from './window.ts';
