import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeMtls, judgeOverflow } from '../../src/canary/index.ts';
import { nonFiniteNumbers } from './helpers.ts';

describe('judgeMtls', () => {
  it('100 % mTLS PASSes', () => {
    const r = judgeMtls({ mtls: 1000, total: 1000 });
    expect(r).toMatchObject({ verdict: 'PASS', share: 1, plaintext: 0, critical: true });
  });

  it('any plaintext request FAILs, naming the source workloads', () => {
    const r = judgeMtls({
      mtls: 990,
      total: 1000,
      plaintextBySource: { 'legacy-batch': 8, 'curl-debug': 2 },
    });
    expect(r.verdict).toBe('FAIL');
    expect(r.plaintext).toBe(10);
    expect(r.plaintextSources.map((s) => s.source)).toEqual(['legacy-batch', 'curl-debug']);
    expect(r.reason).toContain('legacy-batch (8), curl-debug (2)');
    // A single plaintext request out of a million still fails.
    expect(judgeMtls({ mtls: 999_999, total: 1_000_000 }).verdict).toBe('FAIL');
    // A plaintext series with a fractional increase() still names its source.
    expect(judgeMtls({ mtls: 500, total: 500, plaintextBySource: { probe: 0.3 } }).verdict).toBe('FAIL');
  });

  it('no requests is INCONCLUSIVE; fractional rounding noise is not plaintext', () => {
    expect(judgeMtls({ mtls: 0, total: 0 }).verdict).toBe('INCONCLUSIVE');
    expect(judgeMtls({ mtls: 1000.1, total: 1000.3 }).verdict).toBe('PASS');
    expect(judgeMtls({ mtls: Number.NaN, total: 10 }).verdict).toBe('INCONCLUSIVE');
    expect(judgeMtls({ mtls: 20, total: 10 }).verdict).toBe('INCONCLUSIVE');
  });

  it('results are JSON-safe for any input', () => {
    const n = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -0, 1e308));
    fc.assert(
      fc.property(
        n,
        n,
        fc.dictionary(fc.string({ maxLength: 5 }), n, { maxKeys: 4 }),
        (mtls, total, bySource) => {
          const r = judgeMtls({ mtls, total, plaintextBySource: bySource });
          expect(nonFiniteNumbers(r)).toEqual([]);
          expect(JSON.parse(JSON.stringify(r))).toEqual(r);
        },
      ),
    );
  });
});

describe('judgeOverflow', () => {
  it('FAILs on overflow in 3 consecutive intervals', () => {
    const r = judgeOverflow({
      series: { 'outbound|8080||reviews': [0, 3, 5, 8, 0], other: [0, 1, 0, 0, 0] },
    });
    expect(r.verdict).toBe('FAIL');
    expect(r.series[0]).toMatchObject({ name: 'outbound|8080||reviews', longestRun: 3, total: 16 });
    expect(r.reason).toContain('3 consecutive intervals');
  });

  it('isolated overflow is reported but PASSes; the run length is configurable', () => {
    const input = { series: { reviews: [0, 3, 0, 8, 8, 0] } };
    const r = judgeOverflow(input);
    expect(r.verdict).toBe('PASS');
    expect(r.reason).toContain('not sustained');
    expect(r.hint).not.toBeNull();
    expect(judgeOverflow(input, { minConsecutive: 2 }).verdict).toBe('FAIL');
  });

  it('a missing interval breaks a run', () => {
    expect(judgeOverflow({ series: { s: [1, 1, Number.NaN, 1, 1] } }).verdict).toBe('PASS');
    expect(judgeOverflow({ series: { s: [1, 1, 1, Number.NaN] } }).verdict).toBe('FAIL');
  });

  it('no counters or no usable interval is INCONCLUSIVE', () => {
    expect(judgeOverflow({ series: {} }).verdict).toBe('INCONCLUSIVE');
    expect(judgeOverflow({ series: { s: [Number.NaN, -1] } }).verdict).toBe('INCONCLUSIVE');
    expect(judgeOverflow({ series: { s: [0, 0, 0] } }).verdict).toBe('PASS');
  });

  it('the verdict is FAIL exactly when some run of positive deltas reaches minConsecutive', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 3 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        (deltas, k) => {
          const text = deltas.map((d) => (d > 0 ? '1' : '0')).join('');
          const expected = text.includes('1'.repeat(k));
          const r = judgeOverflow({ series: { s: deltas } }, { minConsecutive: k });
          expect(r.verdict === 'FAIL').toBe(expected);
          expect(nonFiniteNumbers(r)).toEqual([]);
        },
      ),
    );
  });
});
