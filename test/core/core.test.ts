import { describe, expect, it } from 'vitest';
import {
  DurationError,
  Interrupted,
  RunController,
  formatDuration,
  parseDuration,
  requireDuration,
  systemClock,
  throwIfInterrupted,
} from '../../src/core/index.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    ['7d', 604_800_000],
    [' 10m ', 600_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 'ten minutes', '10x', '1h 30m', '-5s'])('"%s" is not a duration', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it('requireDuration names the source and enforces the limits', () => {
    expect(() => requireDuration('soon', '--window')).toThrow('--window: "soon" is not a duration');
    expect(() => requireDuration('0s', '--timeout')).toThrow('--timeout: "0s" must be longer than 0');
    expect(() => requireDuration('40d', '--window', { maxMs: 31 * 86_400_000 })).toThrow(
      '--window: "40d" is longer than the limit of 31d',
    );
    expect(() => requireDuration('x', 'canary.window')).toThrow(DurationError);
  });

  it('formats what it parses', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(1_500)).toBe('1.5s');
    expect(formatDuration(250)).toBe('250ms');
  });
});

describe('cancellation', () => {
  it('a RunController aborts with an Interrupted naming the signal', () => {
    const run = new RunController();
    run.interrupt('SIGTERM');
    expect(run.signal.aborted).toBe(true);
    expect(() => throwIfInterrupted(run.signal)).toThrow('interrupted (SIGTERM)');
    expect(Interrupted.from(run.signal).trigger).toBe('SIGTERM');
  });

  it('the deadline aborts the run with trigger "deadline"', async () => {
    const run = new RunController({ timeoutMs: 20 });
    await expect(systemClock.sleep(5_000, run.signal)).rejects.toMatchObject({ trigger: 'deadline' });
    run.dispose();
  });

  it('a sleep ends early on abort and otherwise resolves', async () => {
    const run = new RunController({ parent: AbortSignal.abort(new Interrupted('SIGINT')) });
    await expect(systemClock.sleep(1_000, run.signal)).rejects.toBeInstanceOf(Interrupted);
    await expect(systemClock.sleep(1)).resolves.toBeUndefined();
  });
});
