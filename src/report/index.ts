export { renderChecksText, renderFinding, renderFindings, renderGateText } from './render-text.ts';
export { ExitCode, VERIFY_SUITES, exitCodeOf, summarise, verdictOf } from './types.ts';
export type { CheckRecord, ExitCodeValue, GateReport, SuiteName, Verdict } from './types.ts';
