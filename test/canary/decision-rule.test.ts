// The step's decision rule on textbook cases: Holm's adjustment, the practical tolerance, the recent
// part, the histogram slow-share test, and the "+0.07 pp at p ≈ 0.03" false alarm.
import { describe, expect, it } from 'vitest';
import {
  compareProportions,
  holmAdjust,
  judgeCanary,
  judgeErrorRatio,
  judgeLatency,
  slowShareTest,
  type ServiceSamples,
  type StepSamples,
} from '../../src/canary/index.ts';
import { validateProfile } from '../../src/profile/index.ts';

describe('holmAdjust', () => {
  it('matches the textbook step-down adjustment', () => {
    // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.06, 0.04·1) = 0.06.
    const adj = holmAdjust([
      { id: 'a', p: 0.01 },
      { id: 'b', p: 0.04 },
      { id: 'c', p: 0.03 },
      { id: 'd', p: 0.005 },
    ]);
    expect([...['a', 'b', 'c', 'd']].map((k) => Number(adj.get(k)?.toFixed(6)))).toEqual([
      0.03, 0.06, 0.06, 0.02,
    ]);
    // At α = 0.05 Holm rejects d and a, then stops at c (0.03 > 0.05 / 2).
    expect(['a', 'b', 'c', 'd'].filter((k) => (adj.get(k) ?? 1) < 0.05)).toEqual(['a', 'd']);
  });

  it('leaves untested members out of m and caps at 1', () => {
    const adj = holmAdjust([
      { id: 'x', p: 0.02 },
      { id: 'y', p: null },
      { id: 'z', p: 0.9 },
    ]);
    expect(adj.get('x')).toBeCloseTo(0.04, 12);
    expect(adj.get('z')).toBe(0.9);
    expect(adj.has('y')).toBe(false);
  });
});

describe('error ratio: evidence and a practical effect', () => {
  // The false alarm: 0.30 % vs 0.37 %, +0.07 pp, one-sided p ≈ 0.031.
  const baseline = { requests: 90_000, errors: 270 };
  const canary = { requests: 30_000, errors: 111 };

  it('the counts are the textbook case: z ≈ 1.86, p ≈ 0.031', () => {
    const c = compareProportions(baseline, canary);
    expect(c.z).toBeCloseTo(1.865, 2);
    expect(c.pValue).toBeCloseTo(0.031, 3);
  });

  it('significant at 5 % but within the 0.2 pp tolerance: PASS, saying so', () => {
    const r = judgeErrorRatio(
      { baseline, canary },
      { significanceLevel: 0.05, absoluteTolerance: 0.002, relativeTolerance: 0.1 },
    );
    expect(r.statistic?.significant).toBe(true);
    expect(r.details.tolerance).toMatchObject({ effective: 0.002, exceeded: false });
    expect(r.verdict).toBe('PASS');
    expect(r.reason).toMatch(/within the \+0\.2 pp tolerance/);
  });

  it('without a tolerance the same counts FAIL at 5 % (the behaviour the tolerance removes)', () => {
    expect(judgeErrorRatio({ baseline, canary }, { significanceLevel: 0.05 }).verdict).toBe('FAIL');
  });

  it('+1 pp on the same traffic FAILs: significant and far above the tolerance', () => {
    const r = judgeErrorRatio(
      { baseline, canary: { requests: 30_000, errors: 390 } },
      { significanceLevel: 0.01, absoluteTolerance: 0.002, relativeTolerance: 0.1 },
    );
    expect(r.verdict).toBe('FAIL');
    expect(r.reason).toMatch(/above the \+0\.2 pp tolerance/);
  });

  it('the relative tolerance scales with the baseline: +0.4 pp over 5 % is within 10 %', () => {
    const r = judgeErrorRatio(
      { baseline: { requests: 200_000, errors: 10_000 }, canary: { requests: 100_000, errors: 5_400 } },
      { significanceLevel: 0.01, absoluteTolerance: 0.002, relativeTolerance: 0.1 },
    );
    expect(r.statistic?.significant).toBe(true);
    expect(r.details.tolerance.effective).toBeCloseTo(0.005, 12);
    expect(r.verdict).toBe('PASS');
  });

  it('a family-adjusted p decides instead of the raw one', () => {
    const counts = { baseline, canary: { requests: 30_000, errors: 170 } };
    const raw = judgeErrorRatio(counts, { significanceLevel: 0.01, absoluteTolerance: 0.002 });
    expect(raw.statistic!.pValue).toBeLessThan(0.01);
    expect(raw.verdict).toBe('FAIL');
    const adjusted = judgeErrorRatio(
      { ...counts, adjustedP: { fixed: 0.04, sequential: 0.5 } },
      { significanceLevel: 0.01, sequentialAlpha: 0.01, absoluteTolerance: 0.002 },
    );
    expect(adjusted.verdict).toBe('PASS');
    expect(adjusted.reason).toMatch(/Holm-adjusted over the step p = 0\.04/);
  });

  it('a regression confined to the recent part FAILs although the whole window dilutes it', () => {
    const r = judgeErrorRatio(
      {
        baseline: { requests: 90_000, errors: 270 },
        canary: { requests: 10_000, errors: 38 },
        recent: {
          baseline: { requests: 22_500, errors: 68 },
          canary: { requests: 2_500, errors: 30 },
          label: 'last 8m',
        },
      },
      { significanceLevel: 0.01, absoluteTolerance: 0.002, relativeTolerance: 0.1 },
    );
    expect(r.statistic?.significant).toBe(false);
    expect(r.details.recent).toMatchObject({ significant: true, exceedsTolerance: true });
    expect(r.verdict).toBe('FAIL');
    expect(r.reason).toMatch(/In the last 8m the canary failed 1\.20 % \(30 of 2,500\)/);
  });
});

describe('latency from histogram counts', () => {
  const bounds = [50, 100, 250, 500, 1000];
  it('the slow-share threshold is the lower edge of the pooled quantile bucket; the test is a two-proportion test', () => {
    // Baseline: 10,000 requests, 1 % above 100 ms; canary: 1,000 requests, 5 % above 100 ms.
    const base = [9_000, 9_900, 9_990, 10_000, 10_000, 10_000];
    const can = [800, 950, 990, 1_000, 1_000, 1_000];
    const t = slowShareTest(0.99, bounds, base, can, 'whole window');
    expect(t).not.toBeNull();
    expect(t!.threshold).toBe(100);
    expect(t!.baseline).toMatchObject({ above: 100, total: 10_000 });
    expect(t!.canary).toMatchObject({ above: 50, total: 1_000 });
    expect(t!.pValue).toBeCloseTo(
      compareProportions({ requests: 10_000, errors: 100 }, { requests: 1_000, errors: 50 }).pValue,
      12,
    );
    expect(t!.pValue!).toBeLessThan(1e-6);
    expect(t!.relativeIncrease!).toBeGreaterThan(0.2);
    const r = judgeLatency(
      { baseline: [50, 52, 48, 51, 49], canary: [50, 51, 49, 52, 48], slowShare: [{ test: t! }] },
      { significanceLevel: 0.01 },
    );
    expect(r.verdict).toBe('FAIL');
    expect(r.reason).toMatch(/Over the whole window the canary's p99/);
  });

  it('the same shares on both sides are no evidence', () => {
    const base = [9_000, 9_900, 9_990, 10_000, 10_000, 10_000];
    const can = [900, 990, 999, 1_000, 1_000, 1_000];
    const t = slowShareTest(0.99, bounds, base, can, 'whole window')!;
    expect(t.pValue!).toBeGreaterThan(0.4);
    const r = judgeLatency({
      baseline: [50, 52, 48, 51, 49],
      canary: [50, 51, 49, 52, 48],
      slowShare: [{ test: t }],
    });
    expect(r.verdict).toBe('PASS');
  });
});

describe('the step: one family over metrics × services', () => {
  const profile = validateProfile({ canary: { services: ['zamaz-api', 'zamaz-frontend'] } }, 'test');
  const end = Date.parse('2026-11-29T10:30:00Z');
  const grid = Array.from({ length: 30 }, (_, i) => end - (29 - i) * 60_000);
  const spread = (total: number) => grid.map((_, i) => Math.floor(total / 30) + (i < total % 30 ? 1 : 0));
  const latencyHist = (n: number) => ({
    bounds: [25, 50, 100, 250, 500],
    perInterval: grid.map(() => [n * 0.2, n * 0.7, n * 0.95, n * 0.995, n, n]),
  });
  const service = (name: string, b: [number, number], c: [number, number]): ServiceSamples => ({
    service: name,
    gateway: {
      ok: true,
      value: {
        baseline: { requests: spread(b[0]), errors: spread(b[1]), errorsByFlags: { '-': b[1] } },
        canary: { requests: spread(c[0]), errors: spread(c[1]), errorsByFlags: { '-': c[1] } },
      },
    },
    latency: { ok: true, value: { baseline: latencyHist(3000), canary: latencyHist(1000) } },
    mesh: {
      ok: true,
      value: {
        requests: c[0],
        bySecurityPolicy: { mutual_tls: c[0] },
        plaintextBySource: {},
        errorsByFlags: {},
      },
    },
    overflow: { ok: true, value: { series: { 'upstream_cx_overflow c': grid.map(() => 0) }, ejections: {} } },
    freshness: [
      {
        series: `s/${name}`,
        usedBy: ['error-ratio', 'latency', 'mtls'],
        newestSampleMs: end,
        precision: 'exact',
      },
    ],
  });
  const step = (services: ServiceSamples[]): StepSamples => ({
    window: { start: new Date(end - 30 * 60_000), end: new Date(end), durationMs: 30 * 60_000 },
    intervalSeconds: 60,
    grid,
    scrapeInterval: { ms: 15_000, source: 'prometheus' },
    services,
  });

  it('+0.07 pp at p ≈ 0.03 on one of two services is not a FAIL', () => {
    const a = judgeCanary(
      step([
        service('zamaz-api', [90_000, 270], [30_000, 90]),
        service('zamaz-frontend', [90_000, 270], [30_000, 111]),
      ]),
      profile,
    );
    const er = a.metrics.find((m) => m.name === 'error-ratio/zamaz-frontend');
    expect(er?.verdict).toBe('PASS');
    expect(a.verdict).toBe('PASS');
    const test = a.family.tests.find((t) => t.id === 'error-ratio/zamaz-frontend whole window');
    expect(test?.p).toBeCloseTo(0.031, 3);
    expect(test?.adjustedP).toBeGreaterThan(0.1);
    expect(test?.rejected).toBe(false);
  });

  it('+1 pp on one service FAILs the step through the same family', () => {
    const a = judgeCanary(
      step([
        service('zamaz-api', [90_000, 270], [30_000, 90]),
        service('zamaz-frontend', [90_000, 270], [30_000, 390]),
      ]),
      profile,
    );
    expect(a.verdict).toBe('FAIL');
    expect(a.decisive).toEqual(['error-ratio/zamaz-frontend']);
    expect(a.family.tests.filter((t) => t.rejected).map((t) => t.id)).toContain(
      'error-ratio/zamaz-frontend whole window',
    );
  });

  it('a stale series makes a passing metric INCONCLUSIVE, naming it and its newest sample', () => {
    const s = service('zamaz-api', [90_000, 270], [30_000, 90]);
    const stale: ServiceSamples = {
      ...s,
      freshness: [
        {
          series: 'istio_requests_total{x="y"}',
          usedBy: ['error-ratio'],
          newestSampleMs: end - 600_000,
          precision: 'exact',
        },
      ],
    };
    const a = judgeCanary(step([stale]), validateProfile({ canary: { services: ['zamaz-api'] } }, 't'));
    expect(a.verdict).toBe('INCONCLUSIVE');
    expect(a.reason).toBe(
      'INCONCLUSIVE — stale data: istio_requests_total{x="y"} has its newest sample at 2026-11-29T10:20:00.000Z, 10m before the window\'s end; at most 30s (two of Prometheus\' scrape intervals)',
    );
    expect(a.metrics.find((m) => m.metric === 'error-ratio')?.verdict).toBe('INCONCLUSIVE');
    expect(a.metrics.find((m) => m.metric === 'mtls')?.verdict).toBe('PASS');
  });
});
