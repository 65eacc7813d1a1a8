// Result types shared by every judge.

/** Three-valued outcome of a metric, a step, a gate. INCONCLUSIVE is never a pass. */
export type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

/** How a metric takes part in the step decision (see `combine`). */
export interface MetricRole {
  /** Name in reports, e.g. "error-ratio". */
  name: string;
  /** A FAIL fails the step outright (and sets the Kayenta-style score to 0). Implies `required`. */
  critical: boolean;
  /** A FAIL fails the step; INCONCLUSIVE (too little data) makes the step INCONCLUSIVE. */
  required: boolean;
  /** Weight in the score over non-critical metrics. */
  weight: number;
}

/** What `combine` needs from any metric result: the verdict, its role and its explanation. */
export interface MetricVerdict extends MetricRole {
  verdict: Verdict;
  /** One line for the step summary, e.g. "canary 2.10 % vs baseline 0.30 % 5xx (+1.8 pp, p < 0.0001)". */
  summary: string;
  /** The full explanation an on-call engineer reads in a ticket: what, by how much, how sure, why. */
  reason: string;
  /** What to check next, when the judge knows; null otherwise. */
  hint: string | null;
}

/** Sample sizes behind a verdict: requests for ratios, intervals for latency and counters. */
export interface SampleCounts {
  baseline: number;
  canary: number;
}

/** Throws a RangeError unless `v` lies strictly between 0 and 1. Parameters are configuration, not data. */
export function assertOpenUnit(name: string, v: number): void {
  if (!(v > 0 && v < 1)) throw new RangeError(`${name} must be strictly between 0 and 1, got ${v}`);
}

/** Throws a RangeError unless `v` is a finite number ≥ 0. */
export function assertNonNegative(name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name} must be a finite number ≥ 0, got ${v}`);
}

/** Resolves a role from parameters: a critical metric is always required. */
export function roleOf(p: {
  name: string;
  critical: boolean;
  required: boolean;
  weight: number;
}): MetricRole {
  assertNonNegative('weight', p.weight);
  return { name: p.name, critical: p.critical, required: p.critical || p.required, weight: p.weight };
}
