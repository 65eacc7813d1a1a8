// Tests of "is the canary's error proportion higher than the baseline's?" on counts.

import { normalSf } from '../math/normal.ts';
import { lnChoose } from '../math/special.ts';

/** Counts of one side: how many requests, and how many of them failed. */
export interface Counts {
  requests: number;
  errors: number;
}

/**
 * Pooled two-proportion z statistic (canary − baseline) / SE₀ with
 * SE₀ = √(p̄(1 − p̄)(1/n_b + 1/n_c)), p̄ the pooled proportion (Agresti, *An Introduction to Categorical
 * Data Analysis*, 2nd ed., §2.4; its square is Pearson's X² for the 2×2 table). Positive when the canary
 * fails more often. `null` when SE₀ is 0: no errors on either side, or nothing but errors.
 */
export function pooledZ(baseline: Counts, canary: Counts): number | null {
  const n = baseline.requests + canary.requests;
  if (baseline.requests <= 0 || canary.requests <= 0) return null;
  const pooled = (baseline.errors + canary.errors) / n;
  const variance = pooled * (1 - pooled) * (1 / baseline.requests + 1 / canary.requests);
  if (!(variance > 0)) return null;
  return (canary.errors / canary.requests - baseline.errors / baseline.requests) / Math.sqrt(variance);
}

/**
 * One-sided Fisher exact test: P(X ≥ canary.errors) where X is hypergeometric (all requests, all errors,
 * canary requests), i.e. the chance that the canary gets at least this many of the errors if errors fall
 * on requests regardless of the side. Counts must be integers.
 */
export function fisherExactGreater(baseline: Counts, canary: Counts): number {
  const total = baseline.requests + canary.requests;
  const errors = baseline.errors + canary.errors;
  const drawn = canary.requests;
  const x = canary.errors;
  const lo = Math.max(0, drawn + errors - total);
  const hi = Math.min(errors, drawn);
  if (x <= lo) return 1;
  if (x > hi) return 0;
  const logDenominator = lnChoose(total, drawn);
  const logPmf = (k: number) => lnChoose(errors, k) + lnChoose(total - errors, drawn - k) - logDenominator;
  // Sum the shorter tail, term by term with the ratio pmf(k+1)/pmf(k), so no term is computed from
  // scratch twice and nothing overflows.
  const mode = Math.floor(((drawn + 1) * (errors + 1)) / (total + 2));
  if (x > mode) {
    let term = Math.exp(logPmf(x));
    let sum = 0;
    for (let k = x; k <= hi && term > 0; k++) {
      sum += term;
      term *= ((errors - k) * (drawn - k)) / ((k + 1) * (total - errors - drawn + k + 1));
      if (term < sum * 1e-17) break;
    }
    return Math.min(1, sum);
  }
  // Lower tail P(X ≤ x − 1), summed downwards, then complemented.
  let term = Math.exp(logPmf(x - 1));
  let lower = 0;
  for (let k = x - 1; k >= lo && term > 0; k--) {
    lower += term;
    term *= (k * (total - errors - drawn + k)) / ((errors - k + 1) * (drawn - k + 1));
    if (term < lower * 1e-17) break;
  }
  return Math.max(0, Math.min(1, 1 - lower));
}

/** Which test gave the p-value. */
export type ProportionTestName = 'two-proportion z-test' | "Fisher's exact test";

/** The outcome of {@link compareProportions}. */
export interface ProportionComparison {
  test: ProportionTestName;
  /** Pooled z (reported even when the exact test decided); null when undefined (no variance). */
  z: number | null;
  /** One-sided p-value for "canary proportion > baseline proportion". */
  pValue: number;
  /** The smallest expected cell count under H₀, which picked the test. */
  minExpected: number;
}

/** Smallest expected 2×2 cell count for which the z-test is trusted (Cochran's rule of thumb). */
export const MIN_EXPECTED_FOR_Z = 5;

/**
 * One-sided comparison of two proportions. Uses the pooled z-test when every expected cell count under
 * H₀ is at least 5; otherwise Fisher's exact test, because for rare errors (a handful of 5xx among
 * thousands of requests) the normal approximation overstates significance.
 */
export function compareProportions(baseline: Counts, canary: Counts): ProportionComparison {
  const n = baseline.requests + canary.requests;
  const pooled = (baseline.errors + canary.errors) / n;
  const minExpected = Math.min(baseline.requests, canary.requests) * Math.min(pooled, 1 - pooled);
  const z = pooledZ(baseline, canary);
  if (minExpected >= MIN_EXPECTED_FOR_Z && z !== null) {
    return { test: 'two-proportion z-test', z, pValue: normalSf(z), minExpected };
  }
  return { test: "Fisher's exact test", z, pValue: fisherExactGreater(baseline, canary), minExpected };
}
