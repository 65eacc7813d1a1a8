import { describe, expect, it } from 'vitest';
import { compareProportions, fisherExactGreater, pooledZ } from '../../src/canary/index.ts';

describe('two-proportion tests', () => {
  it('pooled z on the Physicians’ Health Study aspirin data (Agresti)', () => {
    // Agresti, An Introduction to Categorical Data Analysis (2nd ed., 2007), Table 2.3: myocardial
    // infarction in 189 of 11,034 physicians on placebo vs 104 of 11,037 on aspirin. The pooled z² is
    // Pearson's X² for the 2×2 table; R: prop.test(c(189, 104), c(11034, 11037), correct = FALSE)
    // reports X-squared = 25.014, i.e. z = √25.014 = 5.0014.
    const z = pooledZ({ requests: 11037, errors: 104 }, { requests: 11034, errors: 189 });
    expect(z).not.toBeNull();
    expect(z! * z!).toBeCloseTo(25.014, 3);
    expect(z!).toBeCloseTo(5.0014, 3);
    // The sign says which side is worse.
    expect(pooledZ({ requests: 11034, errors: 189 }, { requests: 11037, errors: 104 })!).toBeCloseTo(
      -5.0014,
      3,
    );
  });

  it("Fisher's exact test on the lady tasting tea (Fisher 1935; Agresti 2007, §2.6.2)", () => {
    // 4 cups with milk first, 4 with tea first; she names 3 of the 4 milk-first cups correctly.
    // One-sided P = [C(4,3)·C(4,1) + C(4,4)·C(4,0)] / C(8,4) = 17/70 = 0.243.
    expect(fisherExactGreater({ requests: 4, errors: 1 }, { requests: 4, errors: 3 })).toBeCloseTo(
      17 / 70,
      12,
    );
    expect(fisherExactGreater({ requests: 4, errors: 0 }, { requests: 4, errors: 4 })).toBeCloseTo(
      1 / 70,
      12,
    );
  });

  it("Fisher's tail sums the hypergeometric distribution, checked by brute force", () => {
    // 2 of 20 vs 7 of 25: P(X ≥ 7), X ~ Hypergeometric(45 requests, 9 errors, 25 canary draws).
    const choose = (n: number, k: number) => {
      let r = 1;
      for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
      return r;
    };
    let expected = 0;
    for (let k = 7; k <= 9; k++) expected += (choose(9, k) * choose(36, 25 - k)) / choose(45, 25);
    expect(fisherExactGreater({ requests: 20, errors: 2 }, { requests: 25, errors: 7 })).toBeCloseTo(
      expected,
      12,
    );
    // And the lower-tail branch (x below the mode) agrees with 1 − P(X ≤ x − 1).
    let lower = 0;
    for (let k = 0; k <= 3; k++) lower += (choose(9, k) * choose(36, 25 - k)) / choose(45, 25);
    expect(fisherExactGreater({ requests: 20, errors: 5 }, { requests: 25, errors: 4 })).toBeCloseTo(
      1 - lower,
      12,
    );
  });

  it('uses the exact test for rare errors, where the z-test would overstate significance', () => {
    // 0 of 10,000 vs 3 of 2,000: z = 3.87 claims p = 5e-5, the exact answer is (2000/12000)³ ≈ 0.0046.
    const c = compareProportions({ requests: 10000, errors: 0 }, { requests: 2000, errors: 3 });
    expect(c.test).toBe("Fisher's exact test");
    expect(c.z!).toBeCloseTo(3.873, 3);
    expect(c.pValue).toBeGreaterThan(0.004);
    expect(c.pValue).toBeLessThan(0.005);
    const big = compareProportions({ requests: 11037, errors: 104 }, { requests: 11034, errors: 189 });
    expect(big.test).toBe('two-proportion z-test');
  });
});
