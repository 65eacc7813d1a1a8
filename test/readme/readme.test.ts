// The README's examples are real: its first command runs the demo, the demo migrates 0 → 100 % with a
// PASS at every gate, and the canary example prints what the README shows (the verdict lines; the
// numbers differ from run to run).
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, FAULT_NAMES } from '../../demo/faults.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { FAST, ROOT, runDemo, stageOutput, survivors, type DemoRun } from '../demo/support.ts';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The body of the first fenced block of `lang` after `marker`. */
function blockAfter(marker: string, lang: string): string {
  const at = README.indexOf(marker);
  if (at < 0) throw new Error(`README has no "${marker}"`);
  const open = README.indexOf('```' + lang + '\n', at);
  const close = README.indexOf('\n```', open + 4 + lang.length);
  return README.slice(open + 4 + lang.length, close);
}

const firstCommands = blockAfter('## The two commands', 'bash');
const canaryExample = blockAfter('A healthy step', 'text').split('\n');
const VERDICT_ROW = /^(PASS|FAIL|INCONCLUSIVE) +(\S+(?: \*)?)/;

describe('README', () => {
  it('starts with the demo', () => {
    expect(firstCommands.split('\n')[0]).toMatch(/^npm ci && npm run demo +#/);
  });

  it('lists every fault the demo knows, with the exit code the demo ends with', () => {
    for (const name of FAULT_NAMES) {
      const line = README.split('\n').find((l) => l.startsWith(`npm run demo -- --inject ${name} `));
      expect(line, `README: npm run demo -- --inject ${name}`).toBeDefined();
      expect(line).toContain(`exit ${FAULTS[name].exitCode}`);
    }
  });

  it("shows, in the canary example, the default profile's services and metrics", () => {
    const metrics = canaryExample.map((l) => VERDICT_ROW.exec(l)?.[2]).filter((m) => m !== undefined);
    const services = [...new Set(defaultProfile.app.workloads.map((w) => w.service))];
    expect(metrics).toEqual(
      services.flatMap((s) => [
        `error-ratio/${s} *`,
        `latency-p99/${s}`,
        `mtls/${s} *`,
        `circuit-breaker-overflow/${s}`,
      ]),
    );
  });
});

describe('npm ci && npm run demo (with small windows)', () => {
  let run: DemoRun;
  beforeAll(async () => {
    // The README's command, through npm, as a user types it; only the windows and rate are smaller.
    // Told to stop (and clean up) shortly before the hook's own timeout.
    run = await runDemo([...FAST, '--no-verify'], { viaNpm: true, signal: AbortSignal.timeout(9 * 60_000) });
  }, 10 * 60_000);
  afterAll(() => {
    if (run?.code === 0) rmSync(run.reportDir, { recursive: true, force: true });
  });

  it('migrates 0 → 100 % with a PASS at every stage and exits 0', () => {
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const s = run.summary!;
    expect(s.outcome).toBe('migrated');
    // Stage indexes are "4/12", or "4b/12" for a monitor's extra window.
    const main = s.stages.filter((st) => /^\d+\//.test(st.index));
    expect(main.map((st) => st.name)).toEqual([
      'verify',
      'test',
      'shift 10',
      'monitor 10 %',
      'shift 25',
      'monitor 25 %',
      'shift 50',
      'monitor 50 %',
      'shift 75',
      'monitor 75 %',
      'complete',
      'verify',
    ]);
    // A monitor may need one more window for enough data (INCONCLUSIVE first); every other stage passed.
    const last = new Map(s.stages.map((st) => [Number.parseInt(st.index, 10), st]));
    expect([...last.values()].every((st) => st.verdict === 'PASS')).toBe(true);
    expect(s.final).toMatchObject({ meshWeight: 100, replicas: { 'zamaz-api': 2, 'zamaz-frontend': 2 } });
    expect(s.weightChanges.map((c) => c.meshWeight)).toEqual([0, 10, 25, 50, 75, 100]);
    expect(run.stdout).toMatch(/result: PASS — migrated 0 → 100 %/);
  });

  it('leaves one audit line per move, each gated by a PASS', () => {
    expect(run.audit.map((a) => `${a.action} ${a.outcome} ${a.from}→${a.to} ${a.verdict}`)).toEqual([
      'shift applied 0→10 PASS',
      'shift applied 10→25 PASS',
      'shift applied 25→50 PASS',
      'shift applied 50→75 PASS',
      'complete applied 75→100 PASS',
    ]);
    // From 10 % on, each move names the canary verdict it was gated by.
    for (const a of run.audit.slice(1)) expect(a.verdictFile).toMatch(/verdicts\/step-\d+-/);
  });

  it("prints the README's canary example at the 10 % → 25 % gate (verdict lines)", () => {
    const printed = stageOutput(run.stdout, /\] shift 25 /);
    const header = canaryExample[0]!;
    expect(printed).toContain(header);
    const rows = (lines: string[]) =>
      lines.map((l) => VERDICT_ROW.exec(l)).flatMap((m) => (m ? [`${m[1]} ${m[2]}`] : []));
    expect(rows(printed)).toEqual(rows(canaryExample));
    const verdictLine = (lines: string[]) => lines.find((l) => l.startsWith('verdict: '));
    expect(verdictLine(printed)).toBe(verdictLine(canaryExample));
    expect(printed).toContain('* critical: a FAIL fails the step outright');
  });

  it('stops everything it started', () => {
    expect(run.started.length).toBeGreaterThan(10);
    expect(survivors(run)).toEqual([]);
  });
});
