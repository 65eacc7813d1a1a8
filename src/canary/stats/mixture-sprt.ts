// An anytime-valid test for "the probability of a Bernoulli stream is above p₀".
//
// Method: a mixture sequential probability ratio test (Robbins 1970; Wald 1947) with a Beta prior
// truncated to the alternative. For x successes in n trials,
//
//   E_n = ∫_{p₀}^1 (θ/p₀)^x ((1−θ)/(1−p₀))^{n−x} π(θ) dθ,   π = Beta(a, b) restricted to (p₀, 1),
//
//       = B(x+a, n−x+b)·[1 − I_{p₀}(x+a, n−x+b)] / ( B(a, b)·[1 − I_{p₀}(a, b)]·p₀^x (1−p₀)^{n−x} ).
//
// Under θ = p₀ each likelihood ratio is a martingale with mean 1, so E_n is one; under θ < p₀ every
// ratio with θ′ > p₀ has E[ratio] = θθ′/p₀ + (1−θ)(1−θ′)/(1−p₀) < 1, so E_n is a non-negative
// supermartingale for the whole composite null θ ≤ p₀. Ville's inequality then gives
// P(∃n: E_n ≥ 1/α) ≤ α: the rule "reject once E_n ≥ 1/α" may be checked after every request, every
// scrape or whenever the caller likes, without inflating the error rate (Ramdas, Grünwald, Vovk &
// Shafer, "Game-theoretic statistics and safe anytime-valid inference", Statistical Science 38, 2023).
// min(1, 1/E_n) is an always-valid p-value at that look; the running minimum over looks is one too.
//
// The judge applies it to the canary's share of the 5xx, conditioned on the traffic split, as in
// Lindon, Sanden & Shirikian, "Rapid Regression Detection in Software Deployments through Sequential
// Testing" (KDD 2022, arXiv:2205.14762), the sequential canary test Netflix runs on count metrics; we use
// a one-sided truncated Beta mixture instead of their two-sided Dirichlet mixture, since only "worse"
// matters for a gate.

import { lnBeta, logRegularizedBetaUpper } from '../math/special.ts';

/** Beta prior parameters of the mixture (before truncation to the alternative). */
export interface BetaPrior {
  a: number;
  b: number;
}

/** Uniform on (p₀, 1): no tuning, and it keeps power for large regressions, the ones worth stopping on. */
export const UNIFORM_PRIOR: BetaPrior = { a: 1, b: 1 };

/**
 * ln E for x successes in n Bernoulli trials against H₀: θ ≤ p₀ (see the module comment).
 * Returns +Infinity when p₀ = 0 and x > 0 (H₀ is impossible) and 0 when n = 0.
 */
export function logMixtureEValue(x: number, n: number, p0: number, prior: BetaPrior = UNIFORM_PRIOR): number {
  if (!(x >= 0 && n >= x)) throw new RangeError(`logMixtureEValue needs 0 ≤ x ≤ n, got x=${x}, n=${n}`);
  if (!(p0 >= 0 && p0 < 1)) throw new RangeError(`logMixtureEValue needs 0 ≤ p0 < 1, got ${p0}`);
  if (n === 0) return 0;
  if (p0 === 0) return x > 0 ? Infinity : 0;
  const { a, b } = prior;
  const numerator = lnBeta(x + a, n - x + b) + logRegularizedBetaUpper(p0, x + a, n - x + b);
  const priorMass = lnBeta(a, b) + logRegularizedBetaUpper(p0, a, b);
  const nullLikelihood = x * Math.log(p0) + (n - x) * Math.log1p(-p0);
  return numerator - priorMass - nullLikelihood;
}

/** min(1, 1/E) from ln E. */
export function alwaysValidP(logE: number): number {
  return logE <= 0 ? 1 : Math.exp(-logE);
}
