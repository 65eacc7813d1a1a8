import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hodgesLehmann, mannWhitneyGreater } from '../../src/canary/index.ts';

// Hollander & Wolfe (1973), Nonparametric Statistical Methods, pp. 69f., the example in R's
// ?wilcox.test: permeability constants of the human chorioamnion at term (x) and at 12–26 weeks (y);
// alternative "x is greater". R prints W = 35 with exact p-value = 0.1272 (wilcox.test(x, y,
// alternative = "g")) and p-value = 0.1103 for the large-sample normal approximation without continuity
// correction (exact = FALSE, correct = FALSE).
const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const y = [1.15, 0.88, 0.9, 0.74, 1.21];

// Exact one-sided p by enumerating all C(m + n, m) assignments of the pooled values.
function bruteForceP(baseline: number[], canary: number[]): number {
  const pooled = [...canary, ...baseline];
  const m = canary.length;
  const uOf = (c: number[], b: number[]) => {
    let u = 0;
    for (const ci of c) for (const bi of b) u += ci > bi ? 1 : ci === bi ? 0.5 : 0;
    return u;
  };
  const observed = uOf(canary, baseline);
  let total = 0;
  let atLeast = 0;
  const choose = (start: number, picked: number[]) => {
    if (picked.length === m) {
      const c = picked.map((i) => pooled[i]!);
      const b = pooled.filter((_, i) => !picked.includes(i));
      total++;
      if (uOf(c, b) >= observed - 1e-9) atLeast++;
      return;
    }
    for (let i = start; i < pooled.length; i++) choose(i + 1, [...picked, i]);
  };
  choose(0, []);
  return atLeast / total;
}

describe('Mann-Whitney U', () => {
  it('reproduces R / Hollander & Wolfe: W = 35, exact p = 0.1272', () => {
    const r = mannWhitneyGreater(y, x);
    expect(r.u).toBe(35);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo(0.1272, 4);
  });

  it('reproduces the normal approximation without continuity correction: p = 0.1103', () => {
    const r = mannWhitneyGreater(y, x, { forceNormal: true, continuityCorrection: false });
    expect(r.pValue).toBeCloseTo(0.1103, 4);
    // z = (35 − 25) / √(10·5·16/12) = 10 / 8.1650 = 1.2247
    expect(r.z!).toBeCloseTo(1.2247, 4);
    // With the continuity correction (R's default): z = 9.5 / 8.1650 = 1.1635.
    expect(mannWhitneyGreater(y, x, { forceNormal: true }).z!).toBeCloseTo(1.1635, 4);
  });

  it('tie correction: hand-computed variance', () => {
    // canary [3, 4, 4, 5], baseline [1, 2, 3, 4]: pooled ranks 1, 2, 3.5, 3.5, 6, 6, 6, 8.
    // Canary ranks 3.5 + 6 + 6 + 8 = 23.5 → U = 23.5 − 10 = 13.5; ties: a pair (3) and a triple (4),
    // Σ(t³ − t) = 6 + 24 = 30; σ² = (16/12)·(9 − 30/56) = 11.2857; z = (13.5 − 8 − 0.5)/3.3594 = 1.4884.
    const r = mannWhitneyGreater([1, 2, 3, 4], [3, 4, 4, 5]);
    expect(r.method).toBe('normal');
    expect(r.u).toBe(13.5);
    expect(r.z!).toBeCloseTo(1.4884, 4);
    expect(r.tieGroups).toBe(2);
  });

  it('exact p equals full enumeration for small samples without ties', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 11 }),
        fc.integer({ min: 1, max: 5 }),
        (values, split) => {
          const m = Math.min(split, values.length - 1);
          const canary = values.slice(0, m);
          const baseline = values.slice(m);
          expect(mannWhitneyGreater(baseline, canary).pValue).toBeCloseTo(bruteForceP(baseline, canary), 12);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('every value tied: no evidence (p = 1), never NaN', () => {
    const r = mannWhitneyGreater(Array(60).fill(7), Array(60).fill(7));
    expect(r.pValue).toBe(1);
    expect(r.z).toBeNull();
  });
});

describe('Hodges-Lehmann shift', () => {
  it('hand-computed: median of the pairwise differences', () => {
    // canary [2, 4, 6] − baseline [1, 2, 3]: differences −1, 0, 1, 1, 2, 3, 3, 4, 5 → median 2.
    expect(hodgesLehmann([1, 2, 3], [2, 4, 6], 0.9).estimate).toBe(2);
    // Even count: canary [10, 20] − baseline [1, 2]: 8, 9, 18, 19 → (9 + 18) / 2 = 13.5.
    expect(hodgesLehmann([1, 2], [10, 20], 0.9).estimate).toBe(13.5);
  });

  it('exact interval from the U distribution (H&W data, 95 %)', () => {
    // The 50 differences x − y sorted; k = smallest u with P(U ≤ u) ≥ 0.025 for m = 10, n = 5.
    const hl = hodgesLehmann(y, x, 0.95);
    const diffs = x.flatMap((xi) => y.map((yi) => xi - yi)).sort((a, b) => a - b);
    expect(hl.estimate).toBeCloseTo((diffs[24]! + diffs[25]!) / 2, 12);
    expect(hl.estimate).toBeCloseTo(0.305, 12);
    expect(hl.method).toBe('exact');
    expect(hl.achievedConfidence!).toBeGreaterThanOrEqual(0.95);
    expect(hl.lower).toBeLessThan(hl.estimate);
    expect(hl.upper).toBeGreaterThan(hl.estimate);
    // Interval endpoints are order statistics of the differences, symmetric in rank.
    const k = diffs.indexOf(hl.lower);
    expect(diffs[diffs.length - 1 - k]).toBeCloseTo(hl.upper, 12);
  });

  it('normal-approximation interval uses the tie-corrected σ (hand-computed)', () => {
    // baseline [0, 0, 0, 0, 42, 79], canary [0, 0, 0, 14, 53, 88]: seven tied zeros, Σ(t³ − t) = 336.
    // σ² = (36/12)·(13 − 336/132) = 31.3636, σ = 5.6003; for 90 %: k = ⌊18 + ½ − 1.644854·5.6003⌋ = 9
    // (without the tie correction σ = √39 and k would be 8). The 36 sorted differences are
    // −79 −79 −79 −65 −42 −42 −42 −28 −26 0 (×12) 9 11 14 14 14 14 46 53 53 53 53 88 88 88 88,
    // so the interval is [D₍₉₎, D₍₂₈₎] = [−26, 46] and the median is 0.
    const hl = hodgesLehmann([0, 0, 0, 0, 42, 79], [0, 0, 0, 14, 53, 88], 0.9);
    expect(hl).toMatchObject({ method: 'normal', estimate: 0, lower: -26, upper: 46 });
  });

  it('a constant shift is recovered exactly, and the interval contains it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 5, maxLength: 30 }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        (baseline, shift) => {
          const canary = baseline.map((v) => v + shift);
          const hl = hodgesLehmann(baseline, canary, 0.98);
          expect(hl.estimate).toBeCloseTo(shift, 6);
          expect(hl.lower).toBeLessThanOrEqual(hl.estimate + 1e-9);
          expect(hl.upper).toBeGreaterThanOrEqual(hl.estimate - 1e-9);
        },
      ),
    );
  });
});
