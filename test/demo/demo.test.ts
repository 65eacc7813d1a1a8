// `npm run demo` with a fault: the whole chain (load → router → stand-in metrics → Prometheus scrape →
// PromQL → verdict → rollback → the router follows) must stop the migration where the fault starts.
// And the demo leaves nothing running, however it ends. The healthy run is in test/readme, which
// also checks it against the README.
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAST, runDemo, survivors, type DemoRun } from './support.ts';

const MINUTES = 60_000;

/** Run directories of passing tests are removed; a failing test leaves its own for a look. */
const cleanup = (run: DemoRun) => rmSync(run.reportDir, { recursive: true, force: true });

describe('npm run demo -- --inject mesh-5xx', () => {
  it(
    "fails the step where the fault starts as the app's, rolls back to 0 % with the mesh scaled to 0, exit 1",
    async ({ signal }) => {
      const run = await runDemo([...FAST, '--traffic-only', '--no-verify', '--inject', 'mesh-5xx'], {
        signal,
      });
      const why = `${run.stdout}\n${run.stderr}`;
      expect(run.code, why).toBe(1);
      const s = run.summary!;
      expect(s.outcome).toBe('rolled-back');
      expect(s.options).toMatchObject({ inject: 'mesh-5xx', at: 25 });

      // Every gate before the fault passed; the first FAIL came at 25 %, and the rollback after it.
      const verdicts = s.stages.map((st) => `${st.name}: ${st.verdict}`);
      const firstFail = s.stages.findIndex((st) => st.verdict === 'FAIL');
      expect(firstFail, verdicts.join('\n')).toBeGreaterThan(0);
      expect(
        s.stages.slice(0, firstFail).every((st) => st.verdict === 'PASS' || st.verdict === 'INCONCLUSIVE'),
      ).toBe(true);
      expect(s.stages.slice(0, firstFail).map((st) => st.name)).toEqual(
        expect.arrayContaining(['shift 10', 'monitor 10 %', 'shift 25']),
      );
      expect(s.stages[firstFail]!.meshWeightAfter).toBe(25);
      expect(s.stages.at(-1)!.meshWeightAfter).toBe(0);

      // meshgate's verdict table names the failing metric and whose regression it is.
      const failing = run.stdout.split('\n').filter((l) => /│ FAIL +error-ratio\/zamaz-api \*/.test(l));
      expect(failing.length, run.stdout).toBeGreaterThan(0);
      expect(failing.some((l) => l.includes("the app's"))).toBe(true);

      // The cluster as meshgate left it, read back from the simulator.
      expect(s.final).toMatchObject({
        meshWeight: 0,
        replicas: { 'zamaz-api': 0, 'zamaz-frontend': 0 },
      });
      // ...and the router followed it.
      expect(s.weightChanges.map((c) => c.meshWeight)).toEqual([0, 10, 25, 0]);

      // Which gate at 25 % says FAIL first is statistics: the monitor's short window (some 150 mesh
      // requests, 5 % of them 500s for zamaz-api) usually holds the evidence; when it does not reach
      // significance, the gate for 50 % — the same step judged over a longer window — refuses the
      // move. Either way the fault is caught at 25 % and nothing moves past it.
      const caughtBy = s.stages[firstFail]!.name;
      expect(['monitor 25 %', 'shift 50'], verdicts.join('\n')).toContain(caughtBy);
      // The audit trail: two gated shifts, the refused one if the gate for 50 % caught it, then the
      // emergency rollback with the scale-down.
      expect(run.audit.map((a) => `${a.action} ${a.outcome} ${a.from}→${a.to}`)).toEqual([
        'shift applied 0→10',
        'shift applied 10→25',
        ...(caughtBy === 'shift 50' ? ['shift refused 25→50'] : []),
        'rollback applied 25→0',
      ]);
      expect(run.audit.slice(0, 2).every((a) => a.verdict === 'PASS' && a.by === 'meshgate demo')).toBe(true);
      if (caughtBy === 'shift 50') expect(run.audit[2]).toMatchObject({ verdict: 'FAIL' });
      expect(run.audit.at(-1)!.scaled).toEqual({
        'zamaz-api': { from: 2, to: 0 },
        'zamaz-frontend': { from: 2, to: 0 },
      });

      expect(run.started.map((p) => p.what)).toContain('prometheus');
      expect(survivors(run)).toEqual([]);
      cleanup(run);
    },
    8 * MINUTES,
  );
});

describe('the demo stops what it started', () => {
  it(
    'on Ctrl-C in the middle of a meshgate command: exit 130, no process left',
    async ({ signal }) => {
      const run = await runDemo([...FAST, '--traffic-only'], {
        signal,
        interrupt: { when: /━━ \[1\/\d+\] shift 10/, signal: 'SIGINT' },
      });
      expect(run.code, run.stdout + run.stderr).toBe(130);
      expect(run.summary!.outcome).toBe('interrupted');
      expect(run.started.map((p) => p.what)).toEqual([
        'prometheus',
        expect.stringMatching(/^meshgate shift 10 /),
      ]);
      expect(survivors(run)).toEqual([]);
      expect(run.stdout).toMatch(/result: INTERRUPTED/);
      // The shift was stopped before its write, or its write is in the audit: never a silent move.
      expect(run.summary!.final?.meshWeight).toBe(run.audit.length === 0 ? 0 : 10);
      cleanup(run);
    },
    4 * MINUTES,
  );

  it(
    'says how to install Prometheus when it is missing, and starts nothing: exit 3',
    async () => {
      const run = await runDemo(FAST, { env: { PROMETHEUS_BIN: '/nonexistent/prometheus' } });
      expect(run.code).toBe(3);
      expect(run.stdout).toContain('scripts/install-prometheus.sh');
      expect(run.stdout).toContain('PROMETHEUS_BIN=/nonexistent/prometheus');
      expect(run.started).toEqual([]);
      cleanup(run);
    },
    2 * MINUTES,
  );

  it(
    'refuses a step it cannot inject a fault at: exit 3',
    async () => {
      const run = await runDemo(['--inject', 'mesh-5xx', '--at', '100']);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('one of the steps 10, 25, 50, 75');
      expect(run.started).toEqual([]);
      cleanup(run);
    },
    2 * MINUTES,
  );
});
