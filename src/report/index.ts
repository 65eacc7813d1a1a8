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
