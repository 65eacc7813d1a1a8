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

/**
 * What a pure check returns. `inconclusive` is for checks whose subject is visibility itself (the
 * permissions check): the findings then say what cannot be seen. Fetch failures do not come here;
 * they are thrown as ClusterError / Inconclusive by the fetching side.
 */
export interface CheckResult {
  status: CheckStatus;
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

/** The check ran and established that something cannot be verified. */
export function inconclusive(findings: Finding[], ...details: string[]): CheckResult {
  return { status: findings.length ? 'inconclusive' : 'passed', findings, details };
}

export function skipped(...details: string[]): CheckResult {
  return { status: 'skipped', findings: [], details };
}

/** `kind/namespace/name`, the way findings name objects. */
export function objectName(kind: string, name: string, namespace?: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}
