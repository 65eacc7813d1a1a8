// What the commands say and where their files go, in process through main() with an injected Io
// against the simulator: a run directory per gate command run with the paths really used, one
// verdict line from `test` with the URLs it aimed at and how to reach them, serve-webhook saying it
// is starting and where it listens, and no directory for a run that never judged.
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { ExitCode } from '../../src/report/types.ts';
import { runMain } from '../faults/support.ts';
import { validateJunit } from '../report/support.ts';

const fresh = (): string => mkdtempSync(path.join(os.tmpdir(), 'meshgate-cli-'));
const runLine = (stderr: string): string | undefined =>
  /^run: (.+) \(result\.json, junit\.xml, summary\.md\)$/m.exec(stderr)?.[1];

describe('rollback with --report-dir elsewhere', () => {
  it('writes its run directory there and prints the audit file and run directory really used', async () => {
    const reportDir = path.join(fresh(), 'elsewhere');
    const res = await runMain(['rollback', '--scenario', 'scenarios/healthy', '--report-dir', reportDir]);
    expect(res.code, res.stderr).toBe(ExitCode.Pass);
    expect(res.stdout).toContain(`(${path.join(reportDir, 'audit.jsonl')})`);
    const dir = runLine(res.stderr);
    expect(dir).toMatch(new RegExp(`^${path.join(reportDir, 'runs')}/\\d{8}T\\d{6}\\.\\d{3}Z-rollback$`));
    expect(path.resolve(reportDir, readlinkSync(path.join(reportDir, 'latest')))).toBe(dir);
    // The run's own audit line, beside the cumulative log (which keeps every run's).
    const own = readFileSync(path.join(dir ?? '', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(own).toHaveLength(1);
    expect(JSON.parse(own[0] ?? '{}')).toMatchObject({ action: 'rollback', outcome: 'applied', to: 0 });
    expect(readFileSync(path.join(reportDir, 'audit.jsonl'), 'utf8')).toContain(own[0]);
  }, 120_000);

  it('result.json is exactly the -o json document, and junit.xml validates', async () => {
    const reportDir = fresh();
    const res = await runMain([
      'rollback',
      '--planned',
      '--scenario',
      'scenarios/healthy',
      '-o',
      'json',
      '--report-dir',
      reportDir,
    ]);
    const dir = runLine(res.stderr) ?? '';
    expect(readFileSync(path.join(dir, 'result.json'), 'utf8')).toBe(res.stdout);
    const junit = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expect(validateJunit(junit).ok).toBe(true);
    // A rollback has no checks: its verdict is the one testcase, so a JUnit reader sees what it did.
    expect(junit).toContain('<testcase name="rollback.verdict: meshgate rollback step 0: gate verdict"');
    expect(junit).toMatch(/tests="1" failures="0" errors="0"/);
    expect(JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'))).toMatchObject({
      command: 'rollback',
      exitCode: res.code,
      argv: expect.arrayContaining(['--planned']) as unknown,
    });
  }, 120_000);
});

describe('a run that never judged', () => {
  it('leaves no run directory behind (a usage error is one line, exit 3)', async () => {
    const reportDir = fresh();
    const res = await runMain([
      'verify',
      'nosuchsuite',
      '--scenario',
      'scenarios/healthy',
      '--report-dir',
      reportDir,
    ]);
    expect(res.code).toBe(ExitCode.Usage);
    expect(res.stderr).toContain('unknown suite "nosuchsuite"');
    expect(readdirSync(path.join(reportDir, 'runs'))).toEqual([]);
    expect(existsSync(path.join(reportDir, 'latest'))).toBe(false);
  });
});

describe('meshgate test from outside the cluster', () => {
  it('says which URLs it aims at and how to reach them, and ends with exactly one verdict line', async () => {
    const reportDir = fresh();
    const res = await runMain([
      'test',
      '--scenario',
      'scenarios/healthy',
      '--load',
      'builtin',
      '--report-dir',
      reportDir,
    ]);
    // Nothing answered: that says nothing about the mesh, so never a FAIL.
    expect(res.code).toBe(ExitCode.Inconclusive);
    expect(res.stderr).toContain(
      'smoke run: GET http://zamaz-api.zamaz-mesh:8080/health, http://zamaz-frontend.zamaz-mesh:80/healthz',
    );
    const smoke = /^Step 7 smoke run: .*$/m.exec(res.stdout)?.[0] ?? '';
    expect(smoke).toContain(
      'Step 7 smoke run: INCONCLUSIVE — none of the smoke targets answered from this machine',
    );
    expect(smoke).toContain('zamaz-api.zamaz-mesh:8080 resolve only inside the cluster');
    expect(smoke).toContain('kubectl -n zamaz-mesh port-forward svc/zamaz-api 8080:8080');
    expect(smoke).toContain('load.smokeTargets');
    expect(smoke).toContain('load.targetUrl');
    // One line per problem, not one per request.
    expect(res.stdout.match(/answered nothing/g) ?? []).toEqual([]);
    const verdicts = res.stdout.match(/^verdict: .*$/gm) ?? [];
    expect(verdicts).toEqual([
      'verdict: INCONCLUSIVE  (Step 7 initial testing: smoke run INCONCLUSIVE, security suite PASS)',
    ]);
    expect(res.stdout.trimEnd().endsWith(verdicts[0] ?? '(none)')).toBe(true);
    expect(res.stdout).toMatch(/^security suite: PASS {2}\(\d+ passed, 0 failed/m);
    const dir = runLine(res.stderr) ?? '';
    expect(dir).toMatch(/-test$/);
    // The smoke run is not a check: without the gate's verdict as a testcase, junit.xml would show only
    // the passing security suite, and a CI job reading JUnit alone would see green.
    const junit = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expect(validateJunit(junit).ok).toBe(true);
    expect(junit).toContain('<testcase name="test.verdict: meshgate test: gate verdict"');
    expect(junit).toContain(
      'message="meshgate test: the gate ended INCONCLUSIVE: Step 7 smoke run INCONCLUSIVE: none of the smoke targets answered',
    );
  }, 180_000);
});

describe('serve-webhook', () => {
  it('says it is starting and where it listens, and keeps no run directory (its verdicts are its record)', async () => {
    const reportDir = fresh();
    const stop = new AbortController();
    let stderr = '';
    let stdout = '';
    const io = {
      out: (t: string) => {
        stdout += t;
        if (t.includes('serving canary verdicts')) stop.abort();
      },
      err: (t: string) => (stderr += t),
      errIsTTY: false,
    };
    const code = await main(
      ['serve-webhook', '--scenario', 'scenarios/healthy', '--report-dir', reportDir, '-q'],
      io,
      { signal: stop.signal, handleSignals: false },
    );
    expect(code).toBe(ExitCode.Pass);
    expect(stderr.split('\n')[0]).toBe(
      'serve-webhook: starting on 127.0.0.1:(a free port): reaching the cluster',
    );
    expect(stdout).toMatch(
      /^serving canary verdicts for Flagger webhooks at http:\/\/127\.0\.0\.1:\d+ \(200 PASS, 412 FAIL, 503 INCONCLUSIVE\); POST the webhook payload there, GET http:\/\/127\.0\.0\.1:\d+\/healthz; stop with Ctrl-C or SIGTERM$/m,
    );
    expect(existsSync(path.join(reportDir, 'runs'))).toBe(false);
  }, 120_000);
});
