import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeErrorRatio, sampleSizeTwoProportions } from '../../src/canary/index.ts';
import { binomial, nonFiniteNumbers, seededRandom } from './helpers.ts';

// Minimum requests per side with the defaults when the baseline is at or below the 0.1 % floor:
// p1 = 0.001, p2 = 0.011, one-sided α = 0.05, power 0.8, continuity-corrected → ⌈925.6⌉ = 926.
const MIN_AT_FLOOR = 926;

describe('judgeErrorRatio — examples', () => {
  it('minimum count at the floor follows from the sample-size formula', () => {
    const n = sampleSizeTwoProportions({
      p1: 0.001,
      p2: 0.011,
      alpha: 0.05,
      power: 0.8,
      continuityCorrection: true,
    });
    expect(Math.ceil(n)).toBe(MIN_AT_FLOOR);
    const r = judgeErrorRatio({
      baseline: { requests: 50_000, errors: 0 },
      canary: { requests: 5000, errors: 0 },
    });
    expect(r.details.minimumRequests).toMatchObject({ perSide: MIN_AT_FLOOR, p1: 0.001, p1Source: 'floor' });
  });

  it('too little canary traffic is INCONCLUSIVE and says how many more requests are needed', () => {
    const r = judgeErrorRatio({
      baseline: { requests: 3600, errors: 4 },
      canary: { requests: 412, errors: 1 },
    });
    expect(r.verdict).toBe('INCONCLUSIVE');
    // The baseline ratio 4/3600 = 0.111 % is above the floor, so p1 = 0.00111, p2 = 0.01111.
    const perSide = Math.ceil(
      sampleSizeTwoProportions({
        p1: 4 / 3600,
        p2: 4 / 3600 + 0.01,
        alpha: 0.05,
        power: 0.8,
        continuityCorrection: true,
      }),
    );
    expect(r.details.minimumRequests.perSide).toBe(perSide);
    expect(r.details.minimumRequests.missing).toEqual({ baseline: 0, canary: perSide - 412 });
    expect(r.reason).toContain(
      `canary saw 412 requests in the window; ${(perSide - 412).toLocaleString('en-US')} more canary requests are needed ` +
        'to detect a +1.0 pp regression at 95 % confidence with 80 % power',
    );
  });

  it('a clear regression FAILs with the numbers behind it and the mesh blamed', () => {
    const r = judgeErrorRatio({
      baseline: { requests: 18_000, errors: 54 },
      canary: { requests: 2000, errors: 42 },
      canaryResponseFlags: { UO: 38, '-': 4 },
    });
    expect(r.verdict).toBe('FAIL');
    expect(r.critical).toBe(true);
    expect(r.statistic).toMatchObject({ test: 'two-proportion z-test', significant: true });
    expect(r.canary.ratio).toBeCloseTo(0.021, 12);
    expect(r.baseline.ratio).toBeCloseTo(0.003, 12);
    expect(r.details.difference).toBeCloseTo(0.018, 12);
    expect(r.details.attribution?.owner).toBe('mesh');
    expect(r.reason).toContain('38 of 42 canary 5xx carry UO (upstream overflow: circuit breaker)');
    expect(r.reason).toContain("the regression is the mesh's");
    expect(r.hint).toContain('DestinationRule');
  });

  it('the sequential rule stops a clear regression before the minimum count, even at an interim look', () => {
    const r = judgeErrorRatio({
      baseline: { requests: 3600, errors: 4 },
      canary: { requests: 400, errors: 12 },
      look: 'interim',
    });
    expect(r.verdict).toBe('FAIL');
    expect(r.details.stoppedEarly).toBe(true);
    expect(r.details.sequential.rejected).toBe(true);
    expect(r.details.sequential.alwaysValidP!).toBeLessThan(0.01);
    expect(r.reason).toContain('anytime-valid sequential test');
  });

  it('an interim look without a clear regression stays INCONCLUSIVE even with enough traffic', () => {
    const input = { baseline: { requests: 20_000, errors: 20 }, canary: { requests: 5000, errors: 6 } };
    expect(judgeErrorRatio({ ...input, look: 'interim' }).verdict).toBe('INCONCLUSIVE');
    expect(judgeErrorRatio(input).verdict).toBe('PASS');
  });

  it('zero-error baseline with canary errors FAILs (no NaN→0 accident)', () => {
    const r = judgeErrorRatio({
      baseline: { requests: 10_000, errors: 0 },
      canary: { requests: 1000, errors: 3 },
    });
    expect(r.verdict).toBe('FAIL');
    expect(r.baseline.ratio).toBe(0);
    // Fisher: all 3 errors on the 1,000 canary requests out of 11,000: C(1000,3)/C(11000,3) ≈ 7.5e-4.
    expect(r.statistic!.test).toBe("Fisher's exact test");
    expect(r.statistic!.pValue).toBeCloseTo((1000 * 999 * 998) / (11000 * 10999 * 10998), 10);
  });

  it('0/0 is no data: INCONCLUSIVE, ratio null', () => {
    const r = judgeErrorRatio({ baseline: { requests: 0, errors: 0 }, canary: { requests: 0, errors: 0 } });
    expect(r.verdict).toBe('INCONCLUSIVE');
    expect(r.canary.ratio).toBeNull();
    expect(r.reason).toContain('0/0 is not a ratio');
  });

  it('NaN, negative and inconsistent counts are INCONCLUSIVE with a note', () => {
    const nan = judgeErrorRatio({
      baseline: { requests: Number.NaN, errors: 0 },
      canary: { requests: 5000, errors: 1 },
    });
    expect(nan.verdict).toBe('INCONCLUSIVE');
    expect(nan.details.inputNotes[0]).toContain('not finite');
    const worse = judgeErrorRatio({
      baseline: { requests: 5000, errors: 5 },
      canary: { requests: 100, errors: 130 },
    });
    expect(worse.verdict).toBe('INCONCLUSIVE');
    expect(worse.reason).toContain('more errors');
  });

  it('absolute SLO: observed breach FAILs at the final look with enough requests', () => {
    // 1.2 % on both sides: no regression, but above a 1 % SLO.
    const input = { baseline: { requests: 40_000, errors: 480 }, canary: { requests: 20_000, errors: 240 } };
    expect(judgeErrorRatio(input).verdict).toBe('PASS');
    const r = judgeErrorRatio(input, { maxErrorRatio: 0.01 });
    expect(r.verdict).toBe('FAIL');
    expect(r.details.slo).toMatchObject({ observedAbove: true });
    expect(r.reason).toContain('observed ratio is above the 1.00 % SLO');
  });

  it('absolute SLO: a clear breach FAILs at any look and even without a baseline', () => {
    const r = judgeErrorRatio(
      { baseline: { requests: 0, errors: 0 }, canary: { requests: 300, errors: 30 }, look: 'interim' },
      { maxErrorRatio: 0.01 },
    );
    expect(r.verdict).toBe('FAIL');
    expect(r.details.slo?.clearlyAbove).toBe(true);
  });

  it('rejects invalid parameters', () => {
    const input = { baseline: { requests: 1, errors: 0 }, canary: { requests: 1, errors: 0 } };
    expect(() => judgeErrorRatio(input, { confidence: 1.2 })).toThrow(RangeError);
    expect(() => judgeErrorRatio(input, { minDetectableIncrease: 0 })).toThrow(RangeError);
  });
});

describe('judgeErrorRatio — properties', () => {
  const counts = (maxRequests: number) =>
    fc
      .integer({ min: 0, max: maxRequests })
      .chain((requests) =>
        fc.record({ requests: fc.constant(requests), errors: fc.integer({ min: 0, max: requests }) }),
      );

  it('identical counts on both sides never FAIL', () => {
    fc.assert(
      fc.property(counts(2_000_000), (c) => {
        expect(judgeErrorRatio({ baseline: c, canary: c }).verdict).not.toBe('FAIL');
      }),
    );
  });

  it('a doubled error rate with enough traffic FAILs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200_000, max: 1_000_000 }),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0.001, max: 0.2, noNaN: true }),
        (requests, ratio, p) => {
          const baseline = { requests: requests * ratio, errors: Math.round(requests * ratio * p) };
          const canary = { requests, errors: Math.round(requests * 2 * p) };
          const r = judgeErrorRatio({ baseline, canary });
          expect(r.verdict).toBe('FAIL');
        },
      ),
    );
  });

  it('no requests on either side is INCONCLUSIVE, never PASS', () => {
    fc.assert(
      fc.property(
        counts(1_000_000),
        fc.boolean(),
        fc.constantFrom<'interim' | 'final'>('interim', 'final'),
        (other, emptyCanary, look) => {
          const empty = { requests: 0, errors: 0 };
          const input = emptyCanary
            ? { baseline: other, canary: empty, look }
            : { baseline: empty, canary: other, look };
          expect(judgeErrorRatio(input).verdict).toBe('INCONCLUSIVE');
        },
      ),
    );
  });

  it('a zero-error baseline with canary errors ≥ the detectable increase and enough traffic FAILs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_AT_FLOOR, max: 2_000_000 }),
        fc.integer({ min: MIN_AT_FLOOR, max: 200_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (baselineRequests, canaryRequests, u) => {
          const minErrors = Math.ceil(0.01 * canaryRequests);
          const errors = minErrors + Math.floor(u * (canaryRequests - minErrors));
          const r = judgeErrorRatio({
            baseline: { requests: baselineRequests, errors: 0 },
            canary: { requests: canaryRequests, errors },
          });
          expect(r.verdict).toBe('FAIL');
        },
      ),
    );
  });

  it('a zero-error baseline with canary errors ≥ the detectable increase never PASSes, at any traffic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.integer({ min: 1, max: 200_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (baselineRequests, canaryRequests, u) => {
          const minErrors = Math.ceil(0.01 * canaryRequests);
          const errors = minErrors + Math.floor(u * (canaryRequests - minErrors));
          const r = judgeErrorRatio({
            baseline: { requests: baselineRequests, errors: 0 },
            canary: { requests: canaryRequests, errors },
          });
          expect(r.verdict).not.toBe('PASS');
        },
      ),
    );
  });

  it('results are JSON-safe for any input, including NaN, Infinity, negatives and fractions', () => {
    const anyNumber = fc.oneof(
      fc.double({ noDefaultInfinity: false }),
      fc.integer({ min: -10, max: 5_000_000 }),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, 0.4, 1e300),
    );
    const side = fc.record({ requests: anyNumber, errors: anyNumber });
    fc.assert(
      fc.property(
        side,
        side,
        fc.option(fc.dictionary(fc.constantFrom('-', 'UO', 'UF,URX', '', 'XX'), anyNumber), {
          nil: undefined,
        }),
        fc.option(fc.double({ min: 0, max: 0.5, noNaN: true }), { nil: null }),
        (baseline, canary, flags, maxErrorRatio) => {
          const r = judgeErrorRatio({ baseline, canary, canaryResponseFlags: flags }, { maxErrorRatio });
          expect(nonFiniteNumbers(r)).toEqual([]);
          expect(JSON.parse(JSON.stringify(r))).toEqual(r);
          expect(['PASS', 'FAIL', 'INCONCLUSIVE']).toContain(r.verdict);
        },
      ),
    );
  });
});

describe('judgeErrorRatio — operating characteristics (seeded simulation)', () => {
  // With equal sides of the minimum size, the fixed test should deliver about the promised power for
  // +1 pp at p1 = 1 %, and keep the false-failure rate near α when nothing changed.
  const params = { baselineFloor: 0.01 };
  const perSide = Math.ceil(
    sampleSizeTwoProportions({ p1: 0.01, p2: 0.02, alpha: 0.05, power: 0.8, continuityCorrection: true }),
  );

  it('power ≥ 80 % (within Monte Carlo error) at the minimum count for +1 pp', () => {
    const random = seededRandom(11);
    let fails = 0;
    const runs = 400;
    for (let i = 0; i < runs; i++) {
      const baseline = { requests: perSide, errors: binomial(random, perSide, 0.01) };
      const canary = { requests: perSide, errors: binomial(random, perSide, 0.02) };
      if (judgeErrorRatio({ baseline, canary }, params).verdict === 'FAIL') fails++;
    }
    // sd of a proportion near 0.8 over 400 runs ≈ 0.02.
    expect(fails / runs).toBeGreaterThan(0.8 - 3 * 0.02);
  });

  it('false failures stay near α + sequential α when canary and baseline are the same', () => {
    const random = seededRandom(12);
    let fails = 0;
    const runs = 400;
    for (let i = 0; i < runs; i++) {
      const baseline = { requests: perSide, errors: binomial(random, perSide, 0.01) };
      const canary = { requests: perSide, errors: binomial(random, perSide, 0.01) };
      if (judgeErrorRatio({ baseline, canary }, params).verdict === 'FAIL') fails++;
    }
    // Bound 0.05 + 0.01; sd ≈ 0.012.
    expect(fails / runs).toBeLessThan(0.06 + 3 * 0.012);
  });
});
