// How many requests per side are needed to see a given increase of the error proportion.

import { normalQuantile } from '../math/normal.ts';

/** Inputs of {@link sampleSizeTwoProportions}. */
export interface SampleSizeQuestion {
  /** Error proportion under H₀ (the baseline's). */
  p1: number;
  /** Error proportion we must detect (p1 + the smallest regression that matters). */
  p2: number;
  /** One-sided significance level (use α/2 for a two-sided test). */
  alpha: number;
  /** Power 1 − β. */
  power: number;
  /** Apply Fleiss, Tytun & Ury's continuity correction (matches the exact test's power better). */
  continuityCorrection: boolean;
}

/**
 * Requests per side (equal sides) for a one-sided test of p1 vs p2, by the normal approximation
 * (Fleiss, Levin & Paik, *Statistical Methods for Rates and Proportions*, 3rd ed., eq. 4.14):
 *
 *   n = [z₁₋α·√(2·p̄·q̄) + z₁₋β·√(p1·q1 + p2·q2)]² / (p2 − p1)²,  p̄ = (p1 + p2)/2, q = 1 − p,
 *
 * and with the continuity correction (Fleiss, Tytun & Ury, Biometrics 36:343, 1980)
 *
 *   n′ = n/4 · [1 + √(1 + 4/(n·|p2 − p1|))]².
 *
 * Returns the unrounded value; round up for a count.
 */
export function sampleSizeTwoProportions(q: SampleSizeQuestion): number {
  const { p1, p2, alpha, power } = q;
  for (const [name, v] of [
    ['p1', p1],
    ['p2', p2],
    ['alpha', alpha],
    ['power', power],
  ] as const) {
    if (!(v > 0 && v < 1))
      throw new RangeError(`sampleSizeTwoProportions: ${name} must be in (0, 1), got ${v}`);
  }
  if (p1 === p2) throw new RangeError('sampleSizeTwoProportions: p1 and p2 must differ');
  const zAlpha = normalQuantile(1 - alpha);
  const zBeta = normalQuantile(power);
  const pBar = (p1 + p2) / 2;
  const delta = Math.abs(p2 - p1);
  const root = zAlpha * Math.sqrt(2 * pBar * (1 - pBar)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  const n = (root * root) / (delta * delta);
  if (!q.continuityCorrection) return n;
  const c = 1 + Math.sqrt(1 + 4 / (n * delta));
  return (n / 4) * c * c;
}
