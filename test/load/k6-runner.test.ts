// The k6 runner's contract with the k6 binary, tested with a fake executable standing in for k6: the
// arguments and environment meshgate passes, the summary it reads back, and the exit-code mapping.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { K6Runner, LoadRunnerUnavailable, findK6, selectRunner } from '../../src/load/index.ts';
import { BuiltinRunner } from '../../src/load/builtin-runner.ts';
import { defaultProfile, type Profile } from '../../src/profile/index.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/k6-summary-thresholds-failed.json', import.meta.url));

// Records argv and the environment it was given, prints progress lines as k6 does, writes the fixture
// to the summary path from `--env MESHGATE_SUMMARY=…` and exits with FAKE_K6_EXIT.
const FAKE_K6 = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
const env = {};
for (let i = 0; i < args.length; i++) if (args[i] === '--env') { const [k, ...v] = args[i + 1].split('='); env[k] = v.join('='); }
fs.writeFileSync(process.env.FAKE_K6_RECORD, JSON.stringify({ args, env, processEnv: {
  K6_PROMETHEUS_RW_SERVER_URL: process.env.K6_PROMETHEUS_RW_SERVER_URL,
  K6_PROMETHEUS_RW_TREND_STATS: process.env.K6_PROMETHEUS_RW_TREND_STATS,
} }));
console.log('running (0m01.0s), 05/20 VUs, 50 complete and 0 interrupted iterations');
console.error('canary [  50% ] 05/20 VUs  0m01.0s/0m02.0s  50.00 iters/s');
if (process.env.FAKE_K6_FIXTURE) fs.copyFileSync(process.env.FAKE_K6_FIXTURE, env.MESHGATE_SUMMARY);
process.exit(Number(process.env.FAKE_K6_EXIT ?? 0));
`;

describe('k6 runner with a fake k6', () => {
  let dir: string;
  let passing: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'meshgate-fake-k6-'));
    await writeFile(path.join(dir, 'k6'), FAKE_K6);
    await chmod(path.join(dir, 'k6'), 0o755);
    const summary = JSON.parse(await readFile(FIXTURE, 'utf8')) as {
      metrics: Record<string, { thresholds?: Record<string, { ok: boolean }> }>;
    };
    for (const m of Object.values(summary.metrics))
      for (const t of Object.values(m.thresholds ?? {})) t.ok = true;
    passing = path.join(dir, 'passing.json');
    await writeFile(passing, JSON.stringify(summary));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const profileWith = (rw: boolean): Profile => ({
    ...defaultProfile,
    load: {
      ...defaultProfile.load,
      k6: rw ? { remoteWrite: { url: 'http://prom.monitoring:9090/api/v1/write' } } : {},
    },
  });

  async function runFake(opts: { exit: number; fixture?: string; remoteWrite?: boolean }) {
    const work = await mkdtemp(path.join(dir, 'run-'));
    const record = path.join(work, 'record.json');
    const lines: string[] = [];
    const result = await new K6Runner({ bundleDir: path.join(dir, 'bundle') }).run(
      { step: 25, runId: 'run-42', rate: 50, duration: '5m' },
      {
        profile: profileWith(opts.remoteWrite ?? false),
        workDir: work,
        onProgress: (l) => lines.push(l),
        env: {
          PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
          FAKE_K6_RECORD: record,
          FAKE_K6_EXIT: String(opts.exit),
          ...(opts.fixture ? { FAKE_K6_FIXTURE: opts.fixture } : {}),
        },
      },
    );
    const seen = JSON.parse(await readFile(record, 'utf8')) as {
      args: string[];
      env: Record<string, string>;
      processEnv: Record<string, string | undefined>;
    };
    return { result, seen, lines };
  }

  it('passes the profile, step and run id as --env and --tag, and the bundled script last', async () => {
    const { result, seen, lines } = await runFake({ exit: 0, fixture: passing, remoteWrite: true });
    expect(seen.args.slice(0, 2)).toEqual(['run', '--no-color']);
    expect(seen.args).toEqual(expect.arrayContaining(['--tag', 'step=25', '--tag', 'run_id=run-42']));
    expect(seen.args.join(' ')).toContain('--out experimental-prometheus-rw');
    expect(seen.args.at(-1)).toMatch(/bundle[/\\]canary\.js$/);
    expect(seen.env.MESHGATE_STEP).toBe('25');
    expect(seen.env.MESHGATE_RUN_ID).toBe('run-42');
    expect(seen.env.MESHGATE_SUMMARY).toBe(result.summaryPath);
    const profile = JSON.parse(seen.env.MESHGATE_LOAD_PROFILE ?? '{}') as Record<string, unknown>;
    expect(profile).toMatchObject({
      targetUrl: 'http://istio-ingressgateway.istio-system',
      host: 'zamaz.example.com',
      rate: 50,
      duration: '5m',
      thresholds: { maxErrorRate: 0.01, p95Ms: 500, p99Ms: 1000 },
    });
    expect(seen.processEnv.K6_PROMETHEUS_RW_SERVER_URL).toBe('http://prom.monitoring:9090/api/v1/write');
    expect(seen.processEnv.K6_PROMETHEUS_RW_TREND_STATS).toBe('p(50),p(95),p(99),max');
    expect(lines).toEqual(expect.arrayContaining([expect.stringContaining('running (0m01.0s)')]));
    expect(result).toMatchObject({
      runner: 'k6',
      ok: true,
      verdict: 'PASS',
      exit: { code: 0 },
      requested: { rate: 50, duration: '5m' },
      achieved: { requests: 14998, rate: 49.98968, dropped: 2 },
      errorRate: 0.01693559141218829,
      latencyMs: { p50: 31.877, p95: 187.402, p99: 1204.771, max: 2210.551 },
    });
    expect(result.thresholds).toHaveLength(3);
  });

  it('maps 99 to failed thresholds and names them', async () => {
    const { result, seen } = await runFake({ exit: 99, fixture: FIXTURE });
    expect(seen.args).not.toContain('--out');
    expect(result.ok).toBe(false);
    expect(result.verdict).toBe('FAIL');
    expect(result.exit).toEqual({ code: 99, meaning: 'thresholds failed' });
    expect(result.thresholds).toEqual(
      expect.arrayContaining([
        { metric: 'http_req_failed', expression: 'rate<0.01', ok: false },
        { metric: 'http_req_duration', expression: 'p(95)<500', ok: true },
        { metric: 'http_req_duration', expression: 'p(99)<1000', ok: false },
      ]),
    );
    expect(result.notes).toContain(
      'failed thresholds: http_req_duration p(99)<1000, http_req_failed rate<0.01',
    );
  });

  it.each([
    [107, 'script error (an exception in the script)'],
    [108, 'script aborted (test.abort() or a threshold with abortOnFail)'],
    [104, 'invalid configuration'],
    [42, 'unexpected exit code 42'],
  ])('maps exit %i without a summary to an inconclusive result: %s', async (code, meaning) => {
    const { result } = await runFake({ exit: code });
    expect(result.ok).toBe(false);
    expect(result.verdict).toBe('INCONCLUSIVE');
    expect(result.reason).toBe('k6 wrote no summary');
    expect(result.exit).toEqual({ code, meaning });
    expect(result.summaryPath).toBeUndefined();
    expect(result.notes).toEqual(
      expect.arrayContaining([
        expect.stringContaining('k6 wrote no summary'),
        `k6 exited ${code}: ${meaning}`,
      ]),
    );
  });

  it('does not pass on exit 0 without a summary', async () => {
    const { result } = await runFake({ exit: 0 });
    expect(result.ok).toBe(false);
    expect(result.verdict).toBe('INCONCLUSIVE');
  });

  it('finds k6 through K6_BIN or PATH, and auto falls back to builtin without it', async () => {
    expect(await findK6(undefined, { PATH: dir })).toBe(path.join(dir, 'k6'));
    expect(await findK6(undefined, { K6_BIN: path.join(dir, 'k6'), PATH: '' })).toBe(path.join(dir, 'k6'));
    expect(await findK6(undefined, { PATH: '/nonexistent' })).toBeUndefined();
    expect((await selectRunner('auto', { env: { PATH: dir } })).name).toBe('k6');
    expect(await selectRunner('auto', { env: { PATH: '/nonexistent' } })).toBeInstanceOf(BuiltinRunner);
    await expect(selectRunner('wrk')).rejects.toThrow(
      /unknown load runner; use auto, k6, k6-operator, builtin, none/,
    );
    await expect(
      new K6Runner().run(
        { step: 10, runId: 'r' },
        { profile: defaultProfile, env: { PATH: '/nonexistent' } },
      ),
    ).rejects.toThrow(LoadRunnerUnavailable);
  });
});
