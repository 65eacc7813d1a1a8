import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lnGamma, regularizedBeta, logRegularizedBetaUpper } from '../../src/canary/math/special.ts';
import { averageRanks, median } from '../../src/canary/index.ts';

describe('special functions', () => {
  it('ln Γ matches log-factorials and Γ(½) = √π', () => {
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    for (const n of [1, 2, 5, 10, 20, 100, 1000]) {
      let logFactorial = 0;
      for (let k = 2; k < n; k++) logFactorial += Math.log(k);
      // Γ(n) = (n − 1)!
      expect(lnGamma(n)).toBeCloseTo(logFactorial, 9);
    }
  });

  it('the regularized incomplete beta is the binomial upper tail: P(X ≥ k) = I_p(k, n − k + 1)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.nat(),
        (n, p, kSeed) => {
          const k = 1 + (kSeed % n);
          let tail = 0;
          let coefficient = 1; // C(n, j), built up incrementally
          for (let j = 0; j <= n; j++) {
            if (j > 0) coefficient = (coefficient * (n - j + 1)) / j;
            if (j >= k) tail += coefficient * p ** j * (1 - p) ** (n - j);
          }
          expect(regularizedBeta(p, k, n - k + 1)).toBeCloseTo(tail, 10);
        },
      ),
    );
  });

  it('upper tail stays accurate when it is tiny', () => {
    // 1 − I_x(1, b) = (1 − x)^b exactly.
    expect(Math.exp(logRegularizedBetaUpper(0.5, 1, 60))).toBeCloseTo(0.5 ** 60, 30);
    expect(logRegularizedBetaUpper(0.5, 1, 2000)).toBeCloseTo(2000 * Math.log(0.5), 8);
  });
});

describe('ranks with ties', () => {
  it('gives tied values their average rank', () => {
    expect(averageRanks([10, 20, 20, 30])).toEqual({ ranks: [1, 2.5, 2.5, 4], tieSizes: [2] });
    expect(averageRanks([3, 1, 3, 3, 2])).toEqual({ ranks: [4, 1, 4, 4, 2], tieSizes: [3] });
  });

  it('ranks always sum to n(n + 1)/2', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 40 }), (xs) => {
        const { ranks } = averageRanks(xs);
        expect(ranks.reduce((s, r) => s + r, 0)).toBeCloseTo((xs.length * (xs.length + 1)) / 2, 9);
      }),
    );
  });

  it('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
