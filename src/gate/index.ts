// A gated run of verify / canary / shift / complete / monitor / rollback / test / serve-webhook: one
// object with a plan, an AbortSignal, a deadline, a progress sink and a result. The CLI parses flags,
// calls one of these, renders the result and exits; nothing here exits the process.
export { GateRun, raceSignal } from './run.ts';
export { recordRun, runChecks, runEnvironment } from './run-record.ts';
export type { RunFacts } from './run-record.ts';
export type { GateCommand, GatePlan, GateRunOptions, GateRunResult } from './run.ts';
export { silentProgress } from './progress.ts';
export type { ProgressSink } from './progress.ts';
export { UsageError, classifyError, describeError } from './errors.ts';
export type { ClassifiedError, ErrorClass } from './errors.ts';
export {
  END_SKEW_MS,
  MAX_WINDOW_MS,
  NAMED_SUITES,
  PROMETHEUS_MAX_POINTS,
  durationFlag,
  endFlag,
  integerFlag,
  parseSuites,
  urlFlag,
  windowFlag,
} from './inputs.ts';
export type { AnalysisInputs, TargetInputs } from './inputs.ts';
export { defaultTimeouts } from './timeouts.ts';
export { verify } from './verify.ts';
export type { VerifyRequest } from './verify.ts';
export { canaryStep } from './canary-step.ts';
export type { CanaryCommandDocument, CanaryRequest } from './canary-step.ts';
export { shift } from './shift.ts';
export type { ShiftRequest, TrafficMoveDocument } from './shift.ts';
export { rollback } from './rollback.ts';
export type { RollbackRequest } from './rollback.ts';
export { monitor } from './monitor.ts';
export type { MonitorDocument, MonitorRequest, TimelineEntry } from './monitor.ts';
export { testStep } from './test-step.ts';
export type { TestStepDocument, TestStepRequest } from './test-step.ts';
export { WEBHOOK_STATUS, serveWebhook } from './webhook.ts';
export type { WebhookDocument, WebhookRequest } from './webhook.ts';
export { renderVerdictText } from './canary.ts';
export type { CanaryVerdictDocument } from './canary.ts';
export { PACKAGE_ROOT, SUITE_ENGINES, runSuites, type SuiteEngine } from './suites.ts';
export type { SuiteRun } from './suites.ts';
