import { describe, expect, it } from 'vitest';
import { alwaysValidP, logMixtureEValue, normalSf } from '../../src/canary/index.ts';
import { seededRandom } from './helpers.ts';

// E = ∫_{p0}^1 (θ/p0)^x ((1−θ)/(1−p0))^(n−x) dθ / (1 − p0) by the midpoint rule: an independent
// computation of the uniform-prior mixture the closed form implements.
function integrate(x: number, n: number, p0: number): number {
  const steps = 200_000;
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    const t = p0 + ((1 - p0) * (i + 0.5)) / steps;
    sum += Math.exp(x * Math.log(t / p0) + (n - x) * Math.log((1 - t) / (1 - p0)));
  }
  return sum / steps;
}

describe('mixture SPRT e-value', () => {
  it('closed form equals numeric integration of the mixture', () => {
    for (const [x, n, p0] of [
      [3, 3, 0.1],
      [12, 16, 0.1],
      [5, 40, 0.1],
      [30, 100, 0.2],
      [0, 10, 0.5],
    ] as const) {
      const closed = Math.exp(logMixtureEValue(x, n, p0));
      expect(closed / integrate(x, n, p0)).toBeCloseTo(1, 8);
    }
  });

  it('hand-computed: all 3 errors on a 10 % canary', () => {
    // E = ∫_{0.1}^1 θ³/0.1³ dθ / 0.9 = (1 − 0.1⁴) / (4 · 0.9 · 0.001) = 277.75.
    expect(Math.exp(logMixtureEValue(3, 3, 0.1))).toBeCloseTo(277.75, 8);
    expect(alwaysValidP(logMixtureEValue(3, 3, 0.1))).toBeCloseTo(1 / 277.75, 12);
  });

  it('stays below 1/α under H0 at every look (Ville), within Monte Carlo error', () => {
    // 2,000 streams of 300 errors, each on the canary with probability 0.1 = its traffic share;
    // check after every error. Ville's inequality bounds the crossing rate by α = 0.05.
    // As a control, the same streams judged by a fixed-sample z-test at every look ("peeking") cross
    // far more often, so this check does catch rules that are not anytime-valid.
    const random = seededRandom(20240601);
    const threshold = Math.log(1 / 0.05);
    let crossed = 0;
    let peeking = 0;
    const streams = 2000;
    for (let s = 0; s < streams; s++) {
      let x = 0;
      let sprt = false;
      let naive = false;
      for (let n = 1; n <= 300; n++) {
        if (random() < 0.1) x++;
        sprt ||= logMixtureEValue(x, n, 0.1) >= threshold;
        naive ||= n >= 10 && normalSf((x - 0.1 * n) / Math.sqrt(0.09 * n)) < 0.05;
      }
      if (sprt) crossed++;
      if (naive) peeking++;
    }
    // Binomial(2000, 0.05) has sd ≈ 0.0049; allow 3 sd above α.
    expect(crossed / streams).toBeLessThan(0.05 + 3 * 0.0049);
    expect(peeking / streams).toBeGreaterThan(0.2);
  });

  it('stops quickly on a clear regression', () => {
    // Canary at 10 % of the traffic with 10× the baseline error rate: each error is on the canary with
    // probability 1/1.9 ≈ 0.53. Almost every stream must cross 1/0.01 within 40 errors.
    const random = seededRandom(7);
    const threshold = Math.log(100);
    let stopped = 0;
    for (let s = 0; s < 500; s++) {
      let x = 0;
      for (let n = 1; n <= 40; n++) {
        if (random() < 1 / 1.9) x++;
        if (logMixtureEValue(x, n, 0.1) >= threshold) {
          stopped++;
          break;
        }
      }
    }
    expect(stopped / 500).toBeGreaterThan(0.95);
  });

  it('edge cases', () => {
    expect(logMixtureEValue(0, 0, 0.3)).toBe(0);
    expect(logMixtureEValue(2, 5, 0)).toBe(Infinity);
    expect(() => logMixtureEValue(6, 5, 0.2)).toThrow(RangeError);
    expect(alwaysValidP(-3)).toBe(1);
  });
});
