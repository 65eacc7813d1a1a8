import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, RETRY_JITTER, retryAfterMs, retryDelayMs } from '../../src/cluster/index.ts';

describe('Retry-After and back-off arithmetic', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads Retry-After in seconds or as an HTTP date, else the Status details', () => {
    expect(retryAfterMs('3', '', now)).toBe(3_000);
    expect(retryAfterMs('0', '', now)).toBe(0);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', '', now)).toBe(30_000);
    expect(retryAfterMs(undefined, '{"kind":"Status","details":{"retryAfterSeconds":5}}', now)).toBe(5_000);
    expect(retryAfterMs(undefined, 'not json', now)).toBeUndefined();
    expect(retryAfterMs('', '{}', now)).toBeUndefined();
  });

  it('waits at least what the server asked, uncapped, plus at most 20 % jitter', () => {
    for (const r of [0, 0.5, 0.999]) {
      const d = retryDelayMs(1, DEFAULT_RETRY, 30_000, () => r);
      expect(d).toBeGreaterThanOrEqual(30_000);
      expect(d).toBeLessThanOrEqual(30_000 * (1 + RETRY_JITTER));
    }
  });

  it('backs off a little after Retry-After: 0, and exponentially (capped) without one', () => {
    expect(retryDelayMs(1, DEFAULT_RETRY, 0, () => 0)).toBe(DEFAULT_RETRY.baseDelayMs);
    expect(retryDelayMs(1, DEFAULT_RETRY, undefined, () => 0)).toBe(200);
    expect(retryDelayMs(3, DEFAULT_RETRY, undefined, () => 0)).toBe(800);
    expect(retryDelayMs(10, DEFAULT_RETRY, undefined, () => 0)).toBe(DEFAULT_RETRY.maxDelayMs);
  });
});
