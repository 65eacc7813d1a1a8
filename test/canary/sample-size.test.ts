import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleSizeTwoProportions } from '../../src/canary/index.ts';

describe('sample size for two proportions', () => {
  it('matches the published example with continuity correction (Zar, Biostatistical Analysis, Example 24.26)', () => {
    // p1 = 0.45, p2 = 0.25, two-sided α = 0.05, power 0.90, equal groups. UNISTAT's manual (§6.7.6.1)
    // reproduces Zar's example and reports n = 127.2343 per group (Fleiss-Tytun-Ury formula);
    // without the correction the same inputs give 117.43.
    const q = { p1: 0.45, p2: 0.25, alpha: 0.025, power: 0.9 };
    expect(sampleSizeTwoProportions({ ...q, continuityCorrection: true })).toBeCloseTo(127.2343, 3);
    expect(sampleSizeTwoProportions({ ...q, continuityCorrection: false })).toBeCloseTo(117.43, 2);
  });

  it('p1 = 0.01, p2 = 0.02, one-sided α = 0.05, power 0.8 (derived by hand)', () => {
    // Fleiss, Levin & Paik (2003) eq. 4.14:
    //   z(0.95) = 1.644854, z(0.80) = 0.841621, p̄ = 0.015,
    //   √(2·p̄·q̄) = √0.02955 = 0.171901,  √(p1q1 + p2q2) = √(0.0099 + 0.0196) = 0.171756,
    //   n = (1.644854·0.171901 + 0.841621·0.171756)² / 0.01² = 0.427307² / 0.0001 = 1825.9 → 1,826.
    // With the continuity correction (eq. 4.15):
    //   n′ = 1825.9/4 · (1 + √(1 + 4/(1825.9·0.01)))² = 456.47 · 2.104115² = 2020.95 → 2,021.
    const q = { p1: 0.01, p2: 0.02, alpha: 0.05, power: 0.8 };
    expect(sampleSizeTwoProportions({ ...q, continuityCorrection: false })).toBeCloseTo(1825.9, 1);
    expect(sampleSizeTwoProportions({ ...q, continuityCorrection: true })).toBeCloseTo(2020.95, 1);
  });

  it('needs more requests for smaller effects, more power or more confidence', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.0001, max: 0.5, noNaN: true }),
        fc.double({ min: 0.001, max: 0.2, noNaN: true }),
        fc.boolean(),
        (p1, delta, cc) => {
          const base = { p1, p2: p1 + delta, alpha: 0.05, power: 0.8, continuityCorrection: cc };
          const n = sampleSizeTwoProportions(base);
          expect(n).toBeGreaterThan(0);
          expect(sampleSizeTwoProportions({ ...base, p2: p1 + delta / 2 })).toBeGreaterThan(n);
          expect(sampleSizeTwoProportions({ ...base, power: 0.9 })).toBeGreaterThan(n);
          expect(sampleSizeTwoProportions({ ...base, alpha: 0.01 })).toBeGreaterThan(n);
        },
      ),
    );
  });
});
