/**
 * One problem a check found. Data first: renderers for the terminal, JSON, Allure and vitest
 * messages are separate. `object` is `kind/namespace/name` (or `kind/name` when cluster-scoped).
 */
export interface Finding {
  object: string;
  /** What is wrong, in the words of an on-call note. */
  message: string;
  /** What to do about it: a command or the change to make. */
  hint: string;
  field?: string;
  expected?: string;
  actual?: string;
}

export type CheckStatus = 'passed' | 'failed' | 'inconclusive' | 'skipped';

/** What a pure check returns: it ran, and either found nothing wrong or found findings. */
export interface CheckResult {
  status: 'passed' | 'failed' | 'skipped';
  findings: Finding[];
  /** What was seen, for the report ("Kubernetes v1.28.3 (minimum 1.25)"). */
  details: string[];
}

export function passed(...details: string[]): CheckResult {
  return { status: 'passed', findings: [], details };
}

export function failed(findings: Finding[], ...details: string[]): CheckResult {
  return { status: findings.length ? 'failed' : 'passed', findings, details };
}

export function skipped(...details: string[]): CheckResult {
  return { status: 'skipped', findings: [], details };
}

/** `kind/namespace/name`, the way findings name objects. */
export function objectName(kind: string, name: string, namespace?: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}
