import { describe, expect, it } from 'vitest';
import { combine, judgeErrorRatio, judgeLatency, judgeMtls, judgeOverflow } from '../../src/canary/index.ts';
import type { MetricVerdict, Verdict } from '../../src/canary/index.ts';

const metric = (name: string, verdict: Verdict, role: Partial<MetricVerdict> = {}): MetricVerdict => ({
  name,
  verdict,
  critical: false,
  required: false,
  weight: 1,
  summary: `${name} ${verdict.toLowerCase()}`,
  reason: '',
  hint: null,
  ...role,
});

describe('combine', () => {
  it('a critical FAIL fails the step, names it and zeroes the score', () => {
    const d = combine([
      metric('error-ratio', 'FAIL', { critical: true }),
      metric('latency-p99', 'PASS', { required: true }),
      metric('mtls-share', 'INCONCLUSIVE', { critical: true }),
    ]);
    expect(d.verdict).toBe('FAIL');
    expect(d.score).toBe(0);
    expect(d.decisive).toEqual(['error-ratio']);
    expect(d.reason).toBe('FAIL — error-ratio (critical): error-ratio fail (score 0)');
  });

  it('a required non-critical FAIL fails the step; an optional one only lowers the score', () => {
    expect(combine([metric('latency-p99', 'FAIL', { required: true }), metric('a', 'PASS')]).verdict).toBe(
      'FAIL',
    );
    const d = combine([
      metric('error-ratio', 'PASS', { critical: true }),
      metric('latency-p50', 'FAIL'),
      metric('latency-p99', 'PASS', { required: true }),
    ]);
    expect(d.verdict).toBe('PASS');
    expect(d.score).toBe(50);
    expect(d.reason).toContain('optional latency-p50 failed');
  });

  it('a required INCONCLUSIVE makes the step INCONCLUSIVE, naming what is missing', () => {
    const d = combine([
      metric('error-ratio', 'INCONCLUSIVE', { critical: true }),
      metric('latency-p99', 'PASS'),
    ]);
    expect(d.verdict).toBe('INCONCLUSIVE');
    expect(d.decisive).toEqual(['error-ratio']);
    expect(d.reason).toContain('error-ratio (critical): error-ratio inconclusive');
  });

  it('an optional INCONCLUSIVE does not block a PASS', () => {
    const d = combine([metric('error-ratio', 'PASS', { critical: true }), metric('extra', 'INCONCLUSIVE')]);
    expect(d.verdict).toBe('PASS');
    expect(d.score).toBeNull();
  });

  it('weighted Kayenta-style score, and minScore turns a low score into FAIL', () => {
    const results = [
      metric('a', 'PASS', { weight: 3 }),
      metric('b', 'FAIL', { weight: 1 }),
      metric('c', 'INCONCLUSIVE', { weight: 5 }),
    ];
    expect(combine(results).score).toBe(75);
    expect(combine(results).verdict).toBe('PASS');
    expect(combine(results, { minScore: 80 }).verdict).toBe('FAIL');
    expect(combine(results, { minScore: 80 }).reason).toContain('score 75 below 80');
  });

  it('no metrics is INCONCLUSIVE, never PASS', () => {
    expect(combine([]).verdict).toBe('INCONCLUSIVE');
  });

  it('end to end: a mesh circuit-breaker regression fails the step', () => {
    const baseline = [250, 260, 245, 255, 270, 262, 248, 251, 266, 259];
    const d = combine([
      judgeErrorRatio({
        baseline: { requests: 18_000, errors: 54 },
        canary: { requests: 2000, errors: 42 },
        canaryResponseFlags: { UO: 38, '-': 4 },
      }),
      judgeLatency({ baseline, canary: baseline }),
      judgeMtls({ mtls: 2000, total: 2000 }),
      judgeOverflow({ series: { 'outbound|8080||reviews': [0, 2, 9, 12, 7] } }),
    ]);
    expect(d.verdict).toBe('FAIL');
    expect(d.decisive).toEqual(['error-ratio', 'circuit-breaker-overflow']);
    expect(d.reason.startsWith('FAIL — error-ratio (critical): canary 2.10 % vs baseline 0.30 % 5xx')).toBe(
      true,
    );
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});
