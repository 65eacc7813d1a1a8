// The demo driver's own decisions, without running the demo: which window a failed monitor is
// judged again on, and the durations --window gives the profile.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastFailedWindow, windowPlan } from '../../demo/driver.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-demo-driver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function monitorOutput(
  entries: Array<{ verdict: string; window?: { start: string; end: string } }>,
): string[] {
  const timeline = entries.map((e, i) => {
    const verdictFile = path.join(dir, `verdict-${i}.json`);
    if (e.window) writeFileSync(verdictFile, JSON.stringify({ window: e.window }));
    return { verdict: e.verdict, verdictFile };
  });
  const file = path.join(dir, `timeline-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ schema: 'meshgate.dev/monitor-timeline/v1', timeline }));
  return ['monitor: FAIL — stopped early: 2 FAIL verdicts in a row (budget 2)', `timeline: ${file}`];
}

describe('lastFailedWindow', () => {
  it("is the last FAIL's window, as --end and --window take them", () => {
    const out = monitorOutput([
      { verdict: 'PASS', window: { start: '2026-12-01T10:00:00.000Z', end: '2026-12-01T10:00:03.000Z' } },
      { verdict: 'FAIL', window: { start: '2026-12-01T10:00:00.000Z', end: '2026-12-01T10:00:06.000Z' } },
      { verdict: 'FAIL', window: { start: '2026-12-01T10:00:00.000Z', end: '2026-12-01T10:00:09.000Z' } },
    ]);
    expect(lastFailedWindow(out)).toEqual({ end: '2026-12-01T10:00:09.000Z', duration: '9s' });
  });

  it('is undefined when the monitor failed nothing, or its files cannot be read', () => {
    expect(
      lastFailedWindow(monitorOutput([{ verdict: 'INCONCLUSIVE', window: { start: 'x', end: 'y' } }])),
    ).toBe(undefined);
    expect(lastFailedWindow(monitorOutput([{ verdict: 'FAIL' }]))).toBe(undefined);
    expect(lastFailedWindow(['timeline: /nonexistent/timeline.json'])).toBe(undefined);
    expect(lastFailedWindow(['monitor: FAIL'])).toBe(undefined);
  });
});

describe('windowPlan', () => {
  it('keeps 1 s canary intervals and evaluates three times per window', () => {
    expect(windowPlan(30_000)).toEqual({ window: '30s', interval: '1s', monitorInterval: '10s' });
    expect(windowPlan(10_000)).toEqual({ window: '10s', interval: '1s', monitorInterval: '3s' });
  });
});
