import { describe, expect, it } from 'vitest';
import { attribute5xx, describeResponseFlags } from '../../src/canary/index.ts';

describe('response flag attribution', () => {
  it('classifies Envoy flags as proxy-made and "-" as the app', () => {
    for (const flag of [
      'UH',
      'UF',
      'UO',
      'URX',
      'NR',
      'NC',
      'UT',
      'UC',
      'DC',
      'LH',
      'UMSDR',
      'RL',
      'UAEX',
      'DPE',
    ]) {
      expect(describeResponseFlags(flag).origin).toBe('proxy');
    }
    expect(describeResponseFlags('-').origin).toBe('app');
    expect(describeResponseFlags('').origin).toBe('unknown');
    // Combined flags: proxy-made if any is; a flag we do not know is still Envoy's.
    expect(describeResponseFlags('UF,URX').meaning).toBe(
      'upstream connection failure + retry limit exceeded',
    );
    expect(describeResponseFlags('ZZZ').origin).toBe('proxy');
    // Fault-injected delay alone does not make the response: the app still answered.
    expect(describeResponseFlags('DI').origin).toBe('app');
  });

  it('names the dominant flag and blames the mesh', () => {
    const a = attribute5xx({ byFlags: { UO: 62, '-': 8 } });
    expect(a).toMatchObject({ total: 70, proxy: 62, app: 8, owner: 'mesh' });
    expect(a.summary).toContain('62 of 70 canary 5xx carry UO (upstream overflow: circuit breaker)');
    expect(a.summary).toContain("the regression is the mesh's");
    expect(a.hint).toContain('DestinationRule connection pool');
  });

  it('blames the app when the 5xx carry no flag', () => {
    const a = attribute5xx({ byFlags: { '-': 40, UF: 2 } });
    expect(a.owner).toBe('app');
    expect(a.summary).toContain("the regression is the app's");
  });

  it('attributes the excess over the baseline, not the background', () => {
    // Both sides have 1 % app-made 5xx; only the canary adds 0.2 % UF. By composition alone the canary's
    // 5xx look like the app's (20 of 120 proxy-made); by excess they are all the mesh's.
    const canary = { byFlags: { '-': 100, UF: 20 }, requests: 10_000 };
    const baseline = { byFlags: { '-': 900 }, requests: 90_000 };
    expect(attribute5xx(canary).owner).toBe('app');
    expect(attribute5xx(canary, baseline).owner).toBe('mesh');
  });

  it('ignores non-finite and negative counts', () => {
    const a = attribute5xx({ byFlags: { UO: Number.NaN, '-': -3, UH: 4 } });
    expect(a.total).toBe(4);
    expect(a.byFlags.map((f) => f.flags)).toEqual(['UH']);
  });
});
