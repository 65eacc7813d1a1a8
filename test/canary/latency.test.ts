import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeLatency } from '../../src/canary/index.ts';
import { nonFiniteNumbers } from './helpers.ts';

const baseline = [250, 260, 245, 255, 270, 262, 248, 251, 266, 259];

describe('judgeLatency — examples', () => {
  it('FAILs a significant shift beyond the tolerance, with the numbers behind it', () => {
    const canary = baseline.map((v) => v * 1.6);
    const r = judgeLatency({ baseline, canary });
    expect(r.verdict).toBe('FAIL');
    expect(r.statistic).toMatchObject({ test: 'Mann-Whitney U', method: 'exact', u: 100, significant: true });
    // Every canary value exceeds every baseline value: exact p = 1/C(20, 10) = 1/184756.
    expect(r.statistic!.pValue).toBeCloseTo(1 / 184756, 12);
    expect(r.details.relativeShift!).toBeGreaterThan(0.2);
    expect(r.reason).toContain('Hodges-Lehmann shift +');
    expect(r.reason).toContain('98 % CI');
  });

  it('PASSes a significant but small shift (within the 20 % tolerance)', () => {
    const canary = baseline.map((v) => v + 30); // +11.7 % of the median, clearly significant
    const r = judgeLatency({ baseline, canary });
    expect(r.statistic!.significant).toBe(true);
    expect(r.details.shift!.estimate).toBeCloseTo(30, 9);
    expect(r.verdict).toBe('PASS');
    expect(r.reason).toContain('within the 20.0 % tolerance');
    // The same data FAIL with a 10 % tolerance.
    expect(judgeLatency({ baseline, canary }, { maxRelativeIncrease: 0.1 }).verdict).toBe('FAIL');
  });

  it('a large but not significant difference does not FAIL (test AND tolerance)', () => {
    // Two noisy samples whose medians differ by 40 % but overlap heavily.
    const b = [100, 400, 120, 380, 110, 390];
    const c = [140, 420, 150, 410, 130, 405];
    const r = judgeLatency({ baseline: b, canary: c });
    expect(r.statistic!.significant).toBe(false);
    expect(r.verdict).toBe('PASS');
  });

  it('the one-sided test runs at (1 − confidence)/2, matching the two-sided 98 % interval', () => {
    // Canary above baseline in 23 of 25 pairs: U = 23, exact P(U ≥ 23) = 4/C(10, 5) = 4/252 = 0.0159,
    // significant at 0.02 but not at 0.01 — so the default (98 %) PASSes despite a +48 % shift and
    // 96 % confidence FAILs.
    const b = [100, 101, 102, 103, 104];
    const c = [102.5, 150, 151, 152, 153];
    const r = judgeLatency({ baseline: b, canary: c });
    expect(r.statistic!.u).toBe(23);
    expect(r.statistic!.pValue).toBeCloseTo(4 / 252, 12);
    expect(r.statistic!.alpha).toBeCloseTo(0.01, 12);
    expect(r.verdict).toBe('PASS');
    expect(judgeLatency({ baseline: b, canary: c }, { confidence: 0.96 }).verdict).toBe('FAIL');
  });

  it('too few samples per side is INCONCLUSIVE and says how many are missing', () => {
    const r = judgeLatency({ baseline, canary: [300, Number.NaN, 310] });
    expect(r.verdict).toBe('INCONCLUSIVE');
    expect(r.canary).toMatchObject({ samples: 2, dropped: 1 });
    expect(r.reason).toContain('at least 5 per side are needed (3 more canary)');
  });

  it('absolute SLO on the canary median FAILs even when the baseline is as slow', () => {
    const r = judgeLatency({ baseline, canary: baseline }, { maxP99Ms: 200 });
    expect(r.verdict).toBe('FAIL');
    expect(r.details.slo).toMatchObject({ above: true, intervalsAbove: 10 });
    expect(r.summary).toContain('above the 200 ms SLO');
    expect(judgeLatency({ baseline, canary: baseline }, { maxP99Ms: 300 }).verdict).toBe('PASS');
  });

  it('the SLO still FAILs when only the baseline lacks samples', () => {
    const r = judgeLatency({ baseline: [250], canary: baseline.map((v) => v + 500) }, { maxP99Ms: 500 });
    expect(r.verdict).toBe('FAIL');
    expect(r.statistic).toBeNull();
  });
});

describe('judgeLatency — properties', () => {
  const samples = fc.array(fc.double({ min: 0.5, max: 10_000, noNaN: true }), {
    minLength: 5,
    maxLength: 40,
  });

  it('identical samples never FAIL', () => {
    fc.assert(
      fc.property(samples, (xs) => {
        expect(judgeLatency({ baseline: xs, canary: [...xs] }).verdict).not.toBe('FAIL');
      }),
    );
  });

  it('permuting the samples changes neither the verdict nor the statistics', () => {
    fc.assert(
      fc.property(
        samples,
        samples,
        fc.double({ min: 0.5, max: 3, noNaN: true }),
        fc.nat(),
        (b, c0, factor, seed) => {
          const c = c0.map((v) => v * factor);
          const shuffle = (xs: number[]) =>
            xs
              .map((v, i) => ({ v, k: (Math.imul(i + 1, 2654435761) ^ seed) >>> 0 }))
              .sort((x, y) => x.k - y.k)
              .map((x) => x.v);
          const a = judgeLatency({ baseline: b, canary: c });
          const p = judgeLatency({ baseline: shuffle(b), canary: shuffle(c) });
          expect(p.verdict).toBe(a.verdict);
          expect(p.statistic?.pValue).toBe(a.statistic?.pValue);
          expect(p.details.shift?.estimate).toBe(a.details.shift?.estimate);
        },
      ),
    );
  });

  it('a large uniform slowdown with enough samples always FAILs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 50, max: 60, noNaN: true }), { minLength: 8, maxLength: 30 }),
        fc.double({ min: 1.5, max: 5, noNaN: true }),
        (b, factor) => {
          expect(judgeLatency({ baseline: b, canary: b.map((v) => v * factor) }).verdict).toBe('FAIL');
        },
      ),
    );
  });

  it('results are JSON-safe for any input', () => {
    const anyArray = fc.array(
      fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e308, -1e308)),
      { maxLength: 25 },
    );
    fc.assert(
      fc.property(
        anyArray,
        anyArray,
        fc.option(fc.double({ min: 1, max: 1e6, noNaN: true }), { nil: null }),
        (b, c, slo) => {
          const r = judgeLatency({ baseline: b, canary: c }, { maxP99Ms: slo });
          expect(nonFiniteNumbers(r)).toEqual([]);
          expect(JSON.parse(JSON.stringify(r))).toEqual(r);
        },
      ),
    );
  });
});
