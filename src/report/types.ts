import type { CheckStatus, Finding } from '../checks/types.ts';

export type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';
export type SuiteName = 'prereq' | 'mesh' | 'security' | 'canary';
export const VERIFY_SUITES: readonly SuiteName[] = ['prereq', 'mesh', 'security'];

/** One check as reported by `--output json` (schema: docs/output.md). */
export interface CheckRecord {
  id: string;
  title: string;
  suite: SuiteName;
  status: CheckStatus;
  findings: Finding[];
  details: string[];
}

/** The document `meshgate verify --output json` prints. */
export interface GateReport {
  schema: 'meshgate.dev/gate-report/v1';
  verdict: Verdict;
  suites: SuiteName[];
  summary: Record<CheckStatus, number>;
  checks: CheckRecord[];
  /** Problems that stopped checks from running at all (a suite that could not load). */
  errors: string[];
  cluster: { server: string; context?: string };
  profile: string;
  startedAt: string;
  finishedAt: string;
  /** Set when the run was stopped (signal or --timeout) before it finished. */
  interrupted?: InterruptionReport;
}

/** What a stopped run says about itself (every command's JSON document carries it when set). */
export interface InterruptionReport {
  /** SIGINT, SIGTERM, deadline (--timeout) or cancelled. */
  cause: string;
  /** e.g. "interrupted (SIGTERM)" or "the run deadline (--timeout 5m) expired". */
  message: string;
  /** What had not finished: checks, stages, and what they were waiting for. */
  pending: string[];
}

/**
 * Exit-code contract (README): 0 open, 1 closed, 2 inconclusive, 3 usage/configuration, 130 and
 * 143 stopped by SIGINT and SIGTERM (128 + the signal number, as shells report it).
 */
export const ExitCode = {
  Pass: 0,
  Fail: 1,
  Inconclusive: 2,
  Usage: 3,
  Interrupted: 130,
  Terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The worst of several verdicts: FAIL over INCONCLUSIVE over PASS (a gate with parts). */
export function worstVerdict(...verdicts: Verdict[]): Verdict {
  if (verdicts.includes('FAIL')) return 'FAIL';
  if (verdicts.includes('INCONCLUSIVE')) return 'INCONCLUSIVE';
  return 'PASS';
}

export function verdictOf(checks: CheckRecord[], errors: string[] = []): Verdict {
  if (checks.some((c) => c.status === 'failed')) return 'FAIL';
  if (errors.length > 0 || checks.length === 0 || checks.some((c) => c.status === 'inconclusive'))
    return 'INCONCLUSIVE';
  return 'PASS';
}

export function exitCodeOf(verdict: Verdict): ExitCodeValue {
  return verdict === 'PASS' ? ExitCode.Pass : verdict === 'FAIL' ? ExitCode.Fail : ExitCode.Inconclusive;
}

export function summarise(checks: CheckRecord[]): Record<CheckStatus, number> {
  const s: Record<CheckStatus, number> = { passed: 0, failed: 0, inconclusive: 0, skipped: 0 };
  for (const c of checks) s[c.status]++;
  return s;
}
