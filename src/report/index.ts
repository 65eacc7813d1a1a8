export {
  renderChecksText,
  renderFinding,
  renderFindings,
  renderGateText,
  renderInterruption,
} from './render-text.ts';
export { ExitCode, VERIFY_SUITES, exitCodeOf, summarise, verdictOf, worstVerdict } from './types.ts';
export type {
  CheckRecord,
  ExitCodeValue,
  GateReport,
  InterruptionReport,
  SuiteName,
  Verdict,
} from './types.ts';
export { BLOCKER_CHECKS, checkLabels, itemsOf } from './allure-labels.ts';
export type { AllureLabel } from './allure-labels.ts';
export { canaryChecks } from './canary-checks.ts';
export type { CanaryMetricLike } from './canary-checks.ts';
export {
  REDACTED,
  auditEvidence,
  decisionTraceEvidence,
  envoyStatsEvidence,
  findingsMarkdown,
  objectEvidence,
  promqlEvidence,
  redact,
  redactText,
  referencedObjects,
  spireEntriesEvidence,
  weightsEvidence,
} from './evidence.ts';
export type { Attachment, QueryTrace, RouteWeights } from './evidence.ts';
export { renderJunit } from './junit.ts';
export type { JunitInput } from './junit.ts';
export { renderChecklistMarkdown, renderSummaryMarkdown } from './render-summary.ts';
export { ReportBuildError, buildHtmlReport, selfContained } from './report-html.ts';
export { buildReport } from './report-command.ts';
export type { ReportRequest, ReportResult } from './report-command.ts';
export {
  DEFAULT_KEEP_RUNS,
  RunDirectory,
  RunNotFound,
  latestRunDir,
  listRuns,
  pointLatest,
  pruneRuns,
  readRunMeta,
  resolveRun,
  runTitle,
  writeLatestFile,
} from './run-directory.ts';
export type { FinishOptions, RunMeta, RunOutcome, StartRunOptions } from './run-directory.ts';
export { environmentEntries, profileDigest, redactUrl } from './run-environment.ts';
export type { RunEnvironment } from './run-environment.ts';
