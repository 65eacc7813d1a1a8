import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/index.ts';
import {
  RunDirectory,
  RunNotFound,
  latestRunDir,
  listRuns,
  resolveRun,
  writeLatestFile,
  type CheckRecord,
  type RunOutcome,
} from '../../src/report/index.ts';
import { validateJunit } from './support.ts';

/** A clock that moves only when told: run ids and times are then exact. */
function fakeClock(iso: string): Clock & { advance(ms: number): void } {
  let now = Date.parse(iso);
  return { now: () => now, sleep: async () => undefined, advance: (ms) => (now += ms) };
}

const checks: CheckRecord[] = [
  {
    id: 'mesh.app.sidecars',
    title: 'Every mesh pod has a sidecar',
    suite: 'mesh',
    status: 'failed',
    details: [],
    findings: [
      {
        object: 'Pod/zamaz-mesh/api-1',
        message: 'no istio-proxy sidecar',
        hint: 'kubectl rollout restart deployment/zamaz-api -n zamaz-mesh',
      },
    ],
  },
  {
    id: 'mesh.istio.namespace',
    title: 'The Istio namespace exists',
    suite: 'mesh',
    status: 'passed',
    details: ['istio-system: Active'],
    findings: [],
  },
];

const outcome = (over: Partial<RunOutcome> = {}): RunOutcome => ({
  verdict: 'FAIL',
  exitCode: 1,
  checks,
  errors: [],
  document: { schema: 'meshgate.dev/gate-report/v1', verdict: 'FAIL', checks },
  environment: {
    meshgateVersion: '0.1.0',
    profileFile: '/work/meshgate.config.ts',
    cluster: { server: 'https://127.0.0.1:6443', context: 'prod-eu' },
    kubernetesVersion: 'v1.28.3',
    istioVersion: '1.20.1',
    prometheusUrl: 'https://reader:s3cret@prom.example/?token=abc',
  },
  ...over,
});

const fresh = () => mkdtempSync(path.join(os.tmpdir(), 'meshgate-runs-'));

describe('run directories', () => {
  it('names a run by UTC time, command and step, and holds what the run wrote', () => {
    const reportDir = fresh();
    const clock = fakeClock('2026-12-01T10:30:00.250Z');
    const run = RunDirectory.start({
      reportDir,
      command: 'canary',
      step: 25,
      argv: ['canary', '--step', '25', '--prometheus', 'https://u:pw@prom.example:9090'],
      clock,
    });
    expect(run.id).toBe('20261201T103000.250Z-canary-step-25');
    expect(run.dir).toBe(path.join(reportDir, 'runs', run.id));
    expect(existsSync(run.allureResults)).toBe(true);
    expect(JSON.parse(readFileSync(run.paths.meta, 'utf8'))).toMatchObject({
      command: 'canary',
      step: 25,
      argv: ['canary', '--step', '25', '--prometheus', 'https://prom.example:9090'],
      startedAt: '2026-12-01T10:30:00.250Z',
    });
    // No latest while the run is going: latest is the last finished run.
    expect(latestRunDir(reportDir)).toBeUndefined();

    run.audit({ action: 'shift', from: 10, to: 25, by: 'ci' });
    const trace = run.trace('step-25 verdict', { verdict: 'FAIL', reason: 'error-ratio' });
    clock.advance(42_000);
    run.finish(outcome(), {}, clock);

    expect(readdirSync(run.dir).sort()).toEqual(
      [
        'allure-results',
        'audit.jsonl',
        'junit.xml',
        'result.json',
        'run.json',
        'summary.md',
        'traces',
      ].sort(),
    );
    expect(trace).toBe(path.join(run.dir, 'traces', 'step-25-verdict.json'));
    expect(JSON.parse(readFileSync(run.paths.result, 'utf8'))).toEqual(outcome().document);
    const meta = JSON.parse(readFileSync(run.paths.meta, 'utf8'));
    expect(meta).toMatchObject({
      verdict: 'FAIL',
      exitCode: 1,
      finishedAt: '2026-12-01T10:30:42.250Z',
      title: 'meshgate canary step 25 % — FAIL — prod-eu (https://127.0.0.1:6443) — 2026-12-01 10:30:00 UTC',
    });
    expect(meta.environment.prometheusUrl).toBe('https://prom.example/?token=<redacted>');
    expect(JSON.stringify(meta)).not.toContain('s3cret');

    const junit = readFileSync(run.paths.junit, 'utf8');
    expect(validateJunit(junit).ok).toBe(true);
    expect(junit).toContain('time="42.000"');

    const summary = readFileSync(run.paths.summary, 'utf8');
    expect(summary).toContain('# meshgate canary step 25 % — FAIL — prod-eu');
    expect(summary).toContain('**Fix:** kubectl rollout restart deployment/zamaz-api -n zamaz-mesh');
    expect(summary).toContain('| Istio | 1.20.1 |');
    expect(summary).not.toContain('s3cret');
    // The whole checklist, with the gate item of this step judged by this run's verdict.
    expect(summary).toContain(
      '| FAIL | 25% traffic migrated | gate verdict of meshgate canary (step 25 %): FAIL',
    );
    expect(summary).toContain('| MANUAL | Team trained |');
    expect(summary).toContain('- [traces/step-25-verdict.json](traces/step-25-verdict.json)');

    const results = readdirSync(run.allureResults);
    expect(results).toContain('environment.properties');
    expect(results.some((f) => f.endsWith('-globals.json'))).toBe(true);
    expect(readFileSync(path.join(run.allureResults, 'environment.properties'), 'utf8')).toContain(
      'cluster\\ context=prod-eu',
    );

    expect(latestRunDir(reportDir)).toBe(run.dir);
    expect(lstatSync(path.join(reportDir, 'latest')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(reportDir, 'latest'))).toBe(path.join('runs', run.id));
    expect(() => run.finish(outcome(), {}, clock)).toThrow(/already finished/);
  });

  it('writes an Allure result for each check no suite wrote, INCONCLUSIVE as broken, with its trace', () => {
    const reportDir = fresh();
    const run = RunDirectory.start({ reportDir, command: 'canary', step: 25 });
    // What the suites' reporter wrote for one check: left as it is, not written twice.
    writeFileSync(
      path.join(run.allureResults, 'from-vitest-result.json'),
      JSON.stringify({
        name: 'mesh.istio.namespace: …',
        labels: [{ name: 'check', value: 'mesh.istio.namespace' }],
      }),
    );
    run.trace('canary-verdict-step-25', {
      verdict: 'INCONCLUSIVE',
      token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    });
    const canary: CheckRecord = {
      id: 'canary.error-ratio',
      title: 'Mesh 5xx ratio is not above legacy',
      suite: 'canary',
      status: 'inconclusive',
      details: ['INCONCLUSIVE zamaz-api: no data'],
      findings: [{ object: 'canary/error-ratio/zamaz-api', message: 'no data', hint: 'check the scrape' }],
    };
    run.finish(outcome({ verdict: 'INCONCLUSIVE', exitCode: 2, checks: [...checks, canary] }));
    const results = readdirSync(run.allureResults)
      .filter((f) => f.endsWith('-result.json'))
      .map(
        (f) =>
          JSON.parse(readFileSync(path.join(run.allureResults, f), 'utf8')) as {
            name: string;
            status?: string;
            description?: string;
            labels: { name: string; value: string }[];
            attachments?: { name: string; source: string }[];
          },
      );
    expect(results.map((r) => r.name).sort()).toEqual([
      'canary.error-ratio: Mesh 5xx ratio is not above legacy',
      'mesh.app.sidecars: Every mesh pod has a sidecar',
      'mesh.istio.namespace: …',
    ]);
    const written = results.find((r) => r.name.startsWith('canary.error-ratio'));
    expect(written?.status).toBe('broken');
    expect(written?.description).toContain('**Fix:** check the scrape');
    expect(written?.labels).toContainEqual({ name: 'severity', value: 'blocker' });
    expect(written?.labels).toContainEqual({ name: 'story', value: '10% traffic migrated' });
    const trace = written?.attachments?.find((a) => a.name === 'canary-verdict-step-25.json');
    expect(trace).toBeDefined();
    const body = readFileSync(path.join(run.allureResults, trace?.source ?? ''), 'utf8');
    expect(body).toContain('INCONCLUSIVE');
    expect(body).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    const sidecars = results.find((r) => r.name.startsWith('mesh.app.sidecars'));
    expect(sidecars?.status).toBe('failed');
  });

  it('a run that never judged (a usage error) leaves no directory and moves no latest', () => {
    const reportDir = fresh();
    const run = RunDirectory.start({ reportDir, command: 'verify' });
    run.discard();
    expect(existsSync(run.dir)).toBe(false);
    expect(latestRunDir(reportDir)).toBeUndefined();
  });

  it('never shares a directory between runs started in the same millisecond', () => {
    const reportDir = fresh();
    const clock = fakeClock('2026-12-01T10:30:00.000Z');
    const a = RunDirectory.start({ reportDir, command: 'verify', clock });
    const b = RunDirectory.start({ reportDir, command: 'verify', clock });
    expect([a.id, b.id]).toEqual(['20261201T103000.000Z-verify', '20261201T103000.000Z-verify-2']);
  });

  it('latest follows the last finished run, also through the fallback file', () => {
    const reportDir = fresh();
    const clock = fakeClock('2026-12-01T10:00:00.000Z');
    const first = RunDirectory.start({ reportDir, command: 'verify', clock });
    first.finish(outcome(), {}, clock);
    clock.advance(1000);
    const second = RunDirectory.start({ reportDir, command: 'verify', clock });
    second.finish(outcome({ verdict: 'PASS', exitCode: 0 }), {}, clock);
    expect(resolveRun(reportDir).meta.id).toBe(second.id);
    expect(resolveRun(reportDir, first.id).meta.verdict).toBe('FAIL');
    expect(resolveRun(reportDir, first.dir).meta.id).toBe(first.id);

    // Where symlinks cannot be made, latest is a file naming the run directory.
    writeLatestFile(path.join(reportDir, 'latest'), path.join('runs', first.id));
    expect(lstatSync(path.join(reportDir, 'latest')).isFile()).toBe(true);
    expect(latestRunDir(reportDir)).toBe(first.dir);
  });

  it('prunes past keepRuns per command, never another command’s runs nor foreign folders', () => {
    const reportDir = fresh();
    const clock = fakeClock('2026-12-01T10:00:00.000Z');
    mkdirSync(path.join(reportDir, 'runs', 'my-notes'), { recursive: true });
    writeFileSync(path.join(reportDir, 'runs', 'my-notes', 'x.txt'), 'keep me');
    const canary = RunDirectory.start({ reportDir, command: 'canary', step: 10, clock });
    canary.finish(outcome(), {}, clock);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advance(1000);
      const r = RunDirectory.start({ reportDir, command: 'verify', clock });
      r.finish(outcome(), { keepRuns: 2 }, clock);
      ids.push(r.id);
    }
    expect(listRuns(reportDir).map((r) => r.meta.id)).toEqual([canary.id, ids[2], ids[3]]);
    expect(existsSync(path.join(reportDir, 'runs', 'my-notes', 'x.txt'))).toBe(true);
  });

  it('a run still going is never pruned', () => {
    const reportDir = fresh();
    const clock = fakeClock('2026-12-01T10:00:00.000Z');
    const going = RunDirectory.start({ reportDir, command: 'monitor', clock });
    for (let i = 0; i < 2; i++) {
      clock.advance(1000);
      RunDirectory.start({ reportDir, command: 'monitor', clock }).finish(outcome(), { keepRuns: 1 }, clock);
    }
    expect(existsSync(going.dir)).toBe(true);
  });

  it('says which runs exist when asked for one that does not', () => {
    const reportDir = fresh();
    expect(() => resolveRun(reportDir)).toThrow(RunNotFound);
    const clock = fakeClock('2026-12-01T10:00:00.000Z');
    const r = RunDirectory.start({ reportDir, command: 'verify', clock });
    r.finish(outcome(), {}, clock);
    expect(() => resolveRun(reportDir, 'nope')).toThrow(
      `no run "nope" in ${path.join(reportDir, 'runs')}; recent runs: ${r.id}`,
    );
  });
});
