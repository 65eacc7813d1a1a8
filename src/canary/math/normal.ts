// The standard normal distribution. Φ comes from the incomplete gamma function,
// Φ(x) = 1 − ½·Q(½, x²/2) for x ≥ 0 (A&S 7.1.2, 6.5.17), which keeps full relative precision in both
// tails. The quantile is Acklam's rational approximation (P. J. Acklam, "An algorithm for computing the
// inverse normal cumulative distribution function", 2003; relative error < 1.15e-9) refined by two
// Halley steps against Φ, as Acklam recommends, which brings it to machine precision.

import { regularizedGammaQ } from './special.ts';

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Upper tail P(Z > x) of the standard normal distribution. */
export function normalSf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 0;
  if (x === -Infinity) return 1;
  const halfTwoSided = 0.5 * regularizedGammaQ(0.5, 0.5 * x * x);
  return x >= 0 ? halfTwoSided : 1 - halfTwoSided;
}

/** Φ(x) = P(Z ≤ x) of the standard normal distribution. */
export function normalCdf(x: number): number {
  return normalSf(-x);
}

const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
] as const;
const B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
] as const;
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
] as const;
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;
const P_LOW = 0.02425;

function acklam(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
    (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1)
  );
}

/**
 * The standard normal quantile z(p) = Φ⁻¹(p): z(0.975) = 1.959964, z(0.95) = 1.644854.
 * Returns −Infinity for p = 0 and +Infinity for p = 1.
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) throw new RangeError(`normalQuantile needs 0 ≤ p ≤ 1, got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // Work in the lower half, where p carries full relative precision; 1 − p is exact for p ≥ 0.5.
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = acklam(p);
  for (let i = 0; i < 2; i++) {
    const e = normalCdf(x) - p;
    const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
    x -= u / (1 + 0.5 * x * u);
  }
  return x;
}
