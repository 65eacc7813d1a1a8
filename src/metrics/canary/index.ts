// Canary analysis over Prometheus: the window, the step's four queries, and the samples they give
// (the judge is src/canary, rendering src/report).
export { CANARY_TEMPLATE_NAMES, canaryCatalog, canaryTemplates } from './catalog.ts';
export type { CanaryTemplateName } from './catalog.ts';
export { MissingCredential, prometheusOptions } from './client-options.ts';
export {
  DEFAULT_SCRAPE_INTERVAL_MS,
  canaryServices,
  gatherCanaryInputs,
  longestScrapeInterval,
  unseenOf,
} from './inputs.ts';
export type { CanaryInputs, GatherOptions } from './inputs.ts';
export { Recorder } from './recorder.ts';
export type { RawSample, TraceEntry } from './recorder.ts';
export { LAST_SHIFT_ANNOTATION, WindowError, parseEnd, parseSpanMs, resolveWindow } from './window.ts';
export type { AnalysisWindow, WindowQuestion, WindowSource } from './window.ts';
