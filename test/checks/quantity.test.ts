import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../src/checks/quantity.ts';
import { compareMinor, parseVersion } from '../../src/checks/version.ts';

describe('parseQuantity', () => {
  it.each([
    ['3920m', 3.92],
    ['4', 4],
    ['16265580Ki', 16265580 * 1024],
    ['8Gi', 8 * 2 ** 30],
    ['1.5G', 1.5e9],
    ['2e3', 2000],
    ['128Mi', 128 * 2 ** 20],
  ])('%s = %d', (q, want) => expect(parseQuantity(q)).toBeCloseTo(want, 6));

  it('refuses text that is not a quantity', () => {
    expect(parseQuantity('lots')).toBeUndefined();
    expect(parseQuantity('8 GB')).toBeUndefined();
    expect(parseQuantity(undefined)).toBeUndefined();
  });
});

describe('parseVersion', () => {
  it('reads the forms clusters report', () => {
    expect(parseVersion('v1.28.3-eks-4f4795d')).toEqual({ major: 1, minor: 28, patch: 3 });
    expect(parseVersion('1.28+')).toEqual({ major: 1, minor: 28 });
    expect(compareMinor(parseVersion('v1.24.9')!, parseVersion('1.25')!)).toBeLessThan(0);
  });
});
