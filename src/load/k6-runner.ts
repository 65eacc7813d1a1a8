import { spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  PROFILE_ENV,
  RUN_ID_ENV,
  STEP_ENV,
  SUMMARY_ENV,
  type ScriptProfile,
} from '../../load/lib/script-profile.ts';
import type { Profile } from '../profile/index.ts';
import { bundleLoadScripts } from './bundle.ts';
import { k6ExitMeaning, k6Outcome } from './k6-exit.ts';
import { readK6Summary } from './k6-summary.ts';
import { blankResult, keepUpNote, settleVerdict } from './result.ts';
import { resolveScriptProfile } from './script-profile.ts';
import type { LoadContext, LoadRequest, LoadResult, LoadRunner } from './types.ts';

/** The trend stats k6 remote-writes: `k6_http_req_duration_p95`, `_p99`, … (see k6-operator aggregation). */
export const REMOTE_WRITE_TREND_STATS = 'p(50),p(95),p(99),max';

/** A runner that cannot start (its binary is missing): the CLI reports it instead of a verdict. */
export class LoadRunnerUnavailable extends Error {
  override readonly name: string = 'LoadRunnerUnavailable';
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The k6 executable: the profile's `load.k6.binary`, then K6_BIN, then `k6` on PATH. */
export async function findK6(
  profile: Profile | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const explicit = profile?.load.k6.binary ?? env.K6_BIN;
  if (explicit) return (await isExecutable(explicit)) ? explicit : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'k6');
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The tags and variables every k6 run gets, locally and in the cluster. */
export function k6RunEnv(req: LoadRequest, script: ScriptProfile): Record<string, string> {
  return {
    [STEP_ENV]: String(req.step),
    [RUN_ID_ENV]: req.runId,
    [PROFILE_ENV]: JSON.stringify(script),
  };
}

/**
 * `k6 run` arguments. The profile goes in as --env so the bundle never changes; step and run_id are
 * both --env (the script tags its requests) and --tag (k6 tags every metric, checks included).
 */
export function k6Args(opts: {
  req: LoadRequest;
  script: ScriptProfile;
  scriptPath: string;
  summaryPath: string;
  remoteWrite: boolean;
}): string[] {
  const env = { ...k6RunEnv(opts.req, opts.script), [SUMMARY_ENV]: opts.summaryPath };
  return [
    'run',
    '--no-color',
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    '--tag',
    `step=${opts.req.step}`,
    '--tag',
    `run_id=${opts.req.runId}`,
    ...(opts.remoteWrite ? ['--out', 'experimental-prometheus-rw'] : []),
    opts.scriptPath,
  ];
}

/** Environment for the k6 process: remote write target and the trend stats meshgate aggregates. */
export function k6ProcessEnv(profile: Profile, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rw = profile.load.k6.remoteWrite;
  return {
    ...base,
    K6_NO_USAGE_REPORT: 'true',
    ...(rw
      ? { K6_PROMETHEUS_RW_SERVER_URL: rw.url, K6_PROMETHEUS_RW_TREND_STATS: REMOTE_WRITE_TREND_STATS }
      : {}),
  };
}

interface Exit {
  code: number;
  signal: NodeJS.Signals | null;
}

function runProcess(
  binary: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
    }
    // SIGINT first: k6 stops gracefully and still runs handleSummary.
    const abort = (): void => void child.kill('SIGINT');
    signal?.addEventListener('abort', abort, { once: true });
    child.once('error', (err) => {
      signal?.removeEventListener('abort', abort);
      reject(err);
    });
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', abort);
      resolve({ code: code ?? -1, signal: sig });
    });
  });
}

/** Runs the bundled script with a local `k6 run` and reads back its summary. */
export class K6Runner implements LoadRunner {
  readonly name = 'k6' as const;

  constructor(private readonly opts: { binary?: string; bundleDir?: string } = {}) {}

  async run(req: LoadRequest, ctx: LoadContext): Promise<LoadResult> {
    const env = ctx.env ?? process.env;
    const binary = this.opts.binary ?? (await findK6(ctx.profile, env));
    if (!binary) {
      throw new LoadRunnerUnavailable(
        'k6 was not found (load.k6.binary, K6_BIN or PATH): install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or use --load builtin',
      );
    }
    const script = resolveScriptProfile(ctx.profile, req);
    const scriptName = req.script ?? 'canary';
    const workDir = ctx.workDir ?? (await mkdtemp(path.join(tmpdir(), 'meshgate-k6-')));
    const bundles = await bundleLoadScripts(this.opts.bundleDir ?? path.join(workDir, 'bundle'));
    const summaryPath = path.join(workDir, `k6-summary-step${req.step}-${req.runId}.json`);
    const remoteWrite = ctx.profile.load.k6.remoteWrite !== undefined;
    const args = k6Args({ req, script, scriptPath: bundles[scriptName], summaryPath, remoteWrite });

    const started = new Date();
    const result = blankResult('k6', req, { rate: script.rate, duration: script.duration }, started);
    const exit = await runProcess(
      binary,
      args,
      k6ProcessEnv(ctx.profile, env),
      (line) => ctx.onProgress?.(line),
      ctx.signal,
    );
    result.finishedAt = new Date().toISOString();
    result.exit = {
      code: exit.code,
      meaning: exit.signal ? `killed by ${exit.signal}` : k6ExitMeaning(exit.code),
    };

    if (existsSync(summaryPath)) {
      result.summaryPath = summaryPath;
      try {
        const s = await readK6Summary(summaryPath);
        result.achieved = { rate: s.rate, requests: s.requests, dropped: s.dropped };
        result.errorRate = s.errorRate;
        result.latencyMs = s.latencyMs;
        result.thresholds = s.thresholds;
        const note = scriptName === 'canary' ? keepUpNote(script.rate, s.rate, s.dropped) : undefined;
        if (note) result.notes.push(note);
      } catch (err) {
        result.notes.push(`the k6 summary could not be read: ${(err as Error).message}`);
      }
    } else {
      result.notes.push(`k6 wrote no summary to ${summaryPath}`);
    }

    const outcome = k6Outcome(exit.code);
    if (outcome !== 'ok') result.notes.push(`k6 exited ${exit.code}: ${result.exit.meaning}`);
    if (outcome === 'thresholds-failed') {
      const failed = result.thresholds.filter((t) => !t.ok).map((t) => `${t.metric} ${t.expression}`);
      if (failed.length > 0) result.notes.push(`failed thresholds: ${failed.join(', ')}`);
    }
    // The URL may carry credentials: the note names the output, not the target.
    if (remoteWrite) result.notes.push('k6 remote-wrote its metrics (experimental-prometheus-rw)');
    let cannotJudge: string | undefined;
    if (ctx.signal?.aborted || exit.signal) cannotJudge = `k6 was stopped (${result.exit.meaning})`;
    else if (result.summaryPath === undefined) cannotJudge = 'k6 wrote no summary';
    else if (outcome !== 'ok' && outcome !== 'thresholds-failed')
      cannotJudge = `k6 exited ${exit.code}: ${result.exit.meaning}`;
    else if (result.achieved.requests === 0 && result.thresholds.length === 0)
      cannotJudge = 'the k6 summary could not be read';
    settleVerdict(result, cannotJudge);
    if (outcome === 'thresholds-failed' && result.verdict === 'PASS') {
      // k6 says a threshold failed even if the summary did not say which: never a pass.
      result.verdict = 'FAIL';
      result.reason = `k6 exited ${exit.code}: ${result.exit.meaning}`;
      result.ok = false;
    }
    return result;
  }
}
