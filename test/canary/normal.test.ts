import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile, normalSf } from '../../src/canary/index.ts';

// Reference values: Abramowitz & Stegun, Handbook of Mathematical Functions, Table 26.1 (Φ) and
// Table 26.5 (percentage points), and any standard normal table; the long forms agree with R's
// pnorm/qnorm to the digits shown.
describe('standard normal distribution', () => {
  it('Φ matches tabulated values', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.975002, 6);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 13);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 13);
    expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 13);
    expect(normalCdf(0)).toBe(0.5);
  });

  it('keeps relative precision far in the upper tail', () => {
    // P(Z > 8) = 6.220960574271784e-16 (R: pnorm(8, lower.tail = FALSE)).
    expect(normalSf(8) / 6.220960574271784e-16).toBeCloseTo(1, 10);
    expect(normalSf(40)).toBeGreaterThanOrEqual(0);
  });

  it('quantiles match tabulated percentage points', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 6);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 6);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326348, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959964, 6);
  });

  it('quantile inverts Φ across the range, including the tails', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1 - 1e-12, noNaN: true }), (p) => {
        const x = normalQuantile(p);
        // Compare in the tail that carries the precision (1 − p is exact for p ≥ ½).
        const back = p < 0.5 ? normalCdf(x) : normalSf(x);
        const target = p < 0.5 ? p : 1 - p;
        expect(Math.abs(back - target) / target).toBeLessThan(1e-9);
      }),
    );
  });

  it('rejects probabilities outside [0, 1]', () => {
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(() => normalQuantile(Number.NaN)).toThrow(RangeError);
    expect(normalQuantile(0)).toBe(-Infinity);
  });
});
