// Load for canary steps: the k6 scripts in load/ and the runners that execute them. Every runner
// returns the same LoadResult.
export { LOAD_SCRIPTS, bundleLoadScripts, packageRoot } from './bundle.ts';
export type { LoadBundles, LoadScriptName } from './bundle.ts';
export { BuiltinRunner, DEFAULT_REQUEST_TIMEOUT_MS } from './builtin-runner.ts';
export type { BuiltinRunnerOptions } from './builtin-runner.ts';
export { K6_EXIT_CODES, k6ExitMeaning, k6Outcome } from './k6-exit.ts';
export type { K6Outcome } from './k6-exit.ts';
export {
  K6OperatorRunner,
  LoadRunNotJudged,
  TestRunTimeout,
  TestRunWatchLost,
  labelValue,
  testRunName,
  testRunObject,
  waitForTestRun,
} from './k6-operator-runner.ts';
export { aggregateK6Run, k6RunTemplates } from './k6-remote-write.ts';
export type { RunAggregate } from './k6-remote-write.ts';
export { K6Runner, LoadRunnerUnavailable, findK6, k6Args, k6ProcessEnv } from './k6-runner.ts';
export { parseK6Summary, readK6Summary } from './k6-summary.ts';
export type { SummaryFigures } from './k6-summary.ts';
export { NoneRunner } from './none-runner.ts';
export { KEEP_UP_RATIO } from './result.ts';
export { defaultSmokeTargets, resolveScriptProfile } from './script-profile.ts';
export { selectRunner } from './select.ts';
export type { SelectRunnerOptions } from './select.ts';
export { evaluateThresholds } from './thresholds.ts';
export { LOAD_RUNNER_NAMES } from './types.ts';
export type {
  LoadContext,
  LoadRequest,
  LoadResult,
  LoadRunner,
  LoadRunnerName,
  ThresholdResult,
} from './types.ts';
export type { ScriptProfile, SmokeTarget } from '../../load/lib/script-profile.ts';
