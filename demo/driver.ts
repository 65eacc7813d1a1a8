// The demo's orchestration: the guide's Phase 4 as a pipeline would run it, every gate and every
// traffic change made by meshgate's own CLI (child processes, exactly as a user types them), and
// this file deciding only what a CI pipeline decides: go on when a command exits 0, roll back when a
// gate says FAIL, stop without moving when it says INCONCLUSIVE.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Interrupted, formatDuration } from '../src/core/index.ts';
import { Display, type Verdict } from './display.ts';
import { FAULTS, type FaultName } from './faults.ts';
import { PrometheusMissing } from './prometheus.ts';
import { ProcessLedger } from './processes.ts';
import {
  auditLines,
  finalState,
  printSummary,
  shortPath,
  type DemoSummary,
  type Outcome,
  type StageRecord,
} from './summary.ts';
import { PROFILE_FILE, ROOT, startWorld, type World } from './world.ts';

export type { DemoSummary, StageRecord } from './summary.ts';

export const MESHGATE_BIN = path.join(ROOT, 'bin/meshgate.js');
/** How long a meshgate command may take to stop after SIGTERM before it is killed. */
const COMMAND_STOP_GRACE_MS = 5_000;
/** meshgate's commands run at a lower CPU priority than the simulated traffic. */
const MESHGATE_NICE = 10;

export interface DemoOptions {
  /** Monitor window per step (whole seconds). */
  windowMs: number;
  /** Requests per second through the router. */
  rate: number;
  inject: FaultName | undefined;
  /** Mesh weight at which the fault starts. */
  at: number;
  /** canary.errorRatio.minDetectableIncrease (0.05 = +5 pp). */
  minDetectableIncrease: number;
  /** Run the verification suites in each shift's gate (meshgate's default). */
  verify: boolean;
  /**
   * Only the traffic stages: no pre-migration verify, no Step 7 `test` (the first shift's gate still
   * runs the smoke run), no post-migration verify.
   */
  trafficOnly: boolean;
  /** Extra monitor windows when a step is INCONCLUSIVE for want of data. */
  patience: number;
  reportDir: string;
  write: (text: string) => void;
  color: boolean;
}

function verdictOfExit(code: number | null): Verdict {
  switch (code) {
    case 0:
      return 'PASS';
    case 1:
      return 'FAIL';
    case 2:
      return 'INCONCLUSIVE';
    default:
      return 'ERROR';
  }
}

/** Exit code of an interrupted run, as shells report a death by that signal. */
export function interruptedExitCode(signal: AbortSignal): number {
  return Interrupted.from(signal).trigger === 'SIGTERM' ? 143 : 130;
}

/**
 * The durations the demo profile gets from --window. The canary interval is 1 s whatever the window:
 * the latency and overflow judges need at least 5 intervals per side, and the demo's windows are
 * tens of seconds (any whole number of seconds: the analysis window runs from the last shift).
 */
export function windowPlan(windowMs: number): { window: string; interval: string; monitorInterval: string } {
  const w = Math.round(windowMs / 1000);
  return { window: `${w}s`, interval: '1s', monitorInterval: `${Math.max(1, Math.round(w / 3))}s` };
}

interface FailedWindow {
  end: string;
  /** Whole seconds, as --window takes it. */
  duration: string;
}

/**
 * The window of the monitor's last FAIL, from its timeline file (the `timeline:` line it prints) and
 * the verdict document that entry names; undefined when either cannot be read.
 */
export function lastFailedWindow(output: readonly string[]): FailedWindow | undefined {
  const file = output.map((l) => /^timeline: (.+)$/.exec(l.trim())?.[1]).find((f) => f !== undefined);
  try {
    if (!file) return undefined;
    const timeline = JSON.parse(readFileSync(file, 'utf8')) as {
      timeline?: Array<{ verdict?: string; verdictFile?: string }>;
    };
    const failed = (timeline.timeline ?? []).filter((e) => e.verdict === 'FAIL').at(-1);
    if (!failed?.verdictFile) return undefined;
    const doc = JSON.parse(readFileSync(failed.verdictFile, 'utf8')) as {
      window?: { start?: string; end?: string };
    };
    const start = Date.parse(doc.window?.start ?? '');
    const end = Date.parse(doc.window?.end ?? '');
    if (Number.isNaN(start) || Number.isNaN(end) || end <= start) return undefined;
    return { end: new Date(end).toISOString(), duration: `${Math.round((end - start) / 1000)}s` };
  } catch {
    return undefined;
  }
}

/** Runs the demo; never throws for what a run can end with (the summary says how it ended). */
export async function runDemo(o: DemoOptions, signal: AbortSignal): Promise<DemoSummary> {
  const started = Date.now();
  const display = new Display(o.write, o.color);
  mkdirSync(o.reportDir, { recursive: true });
  const ledgerFile = path.join(o.reportDir, 'processes.jsonl');
  const ledger = new ProcessLedger(ledgerFile);
  const plan = windowPlan(o.windowMs);
  const auditFile = path.join(o.reportDir, 'audit.jsonl');
  const stages: StageRecord[] = [];
  let world: World | undefined;
  let final: DemoSummary['final'] = null;
  let exitCode = 0;
  let outcome: Outcome = 'migrated';
  let reason = '';

  display.title("meshgate demo — the migration guide's Phase 4 on one machine");
  display.line(
    `  ${o.rate} req/s through a local ingress gateway; ${plan.window} watched at each step ` +
      `(canary intervals ${plan.interval}); the error-ratio gate must be able to see +${(o.minDetectableIncrease * 100).toFixed(0)} pp`,
  );
  if (o.inject) {
    const f = FAULTS[o.inject];
    display.line(`  fault "${o.inject}" from ${o.at} %: ${f.what}`);
    display.line(`  expected: ${f.expect}`);
  }
  display.line(`  reports: ${shortPath(o.reportDir)}`);
  display.line();

  const body = async (): Promise<void> => {
    try {
      world = await startWorld({
        rate: o.rate,
        ...plan,
        minDetectableIncrease: o.minDetectableIncrease,
        fault: o.inject,
        at: o.at,
        ledger,
        log: (l) => display.info(l),
        signal,
      });
    } catch (err) {
      if (err instanceof PrometheusMissing) {
        display.line(`error: ${err.message}`);
        exitCode = 3;
        outcome = 'error';
        reason = 'Prometheus is not installed';
        return;
      }
      throw err;
    }
    const w = world;
    const steps = w.profile.traffic.steps;
    const common = [
      '--kubeconfig',
      w.sim.kubeconfigPath,
      '--config',
      PROFILE_FILE,
      '--report-dir',
      o.reportDir,
    ];
    display.info(
      `every meshgate command below also gets --kubeconfig ${w.sim.kubeconfigPath} --config ${path.relative(ROOT, PROFILE_FILE)} --report-dir ${shortPath(o.reportDir)}`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, ...w.env, MESHGATE_ACTOR: 'meshgate demo' };
    // The demo's own Prometheus and namespace, whatever the caller's environment says.
    delete env.MESHGATE_PROMETHEUS_URL;
    delete env.MESHGATE_NAMESPACE;
    delete env.KUBECONFIG;

    // verify, test, a shift and a monitor per step (none after 100 %), verify.
    const trafficEverySeconds = Math.max(5, Number.parseInt(plan.monitorInterval, 10));
    const planned = steps.length * 2 - 1 + (o.trafficOnly ? 0 : 3);
    let n = 0;
    const run = async (
      name: string,
      purpose: string,
      args: string[],
      opts: { traffic?: boolean; suffix?: string } = {},
    ): Promise<StageRecord & { output: string[] }> => {
      if (signal.aborted) throw Interrupted.from(signal);
      const index = opts.suffix ? `${n}${opts.suffix}/${planned}` : `${++n}/${planned}`;
      const command = `meshgate ${args.join(' ')}`;
      display.stage(index, name, purpose, command);
      const t0 = Date.now();
      const output: string[] = [];
      const show = (l: string) => {
        output.push(l);
        display.output(l);
      };
      const child = ledger.spawn(process.execPath, [MESHGATE_BIN, ...args, ...common], {
        what: command,
        cwd: ROOT,
        env,
        onStdout: show,
        onStderr: show,
        // On a real cluster meshgate and the services run on different machines; here the suites'
        // CPU bursts must not slow the traffic whose latency the gate compares.
        nice: MESHGATE_NICE,
      });
      const onAbort = () => void child.stop(COMMAND_STOP_GRACE_MS);
      signal.addEventListener('abort', onAbort, { once: true });
      let last = w.router.counts();
      const traffic = opts.traffic
        ? setInterval(() => {
            const now = w.router.counts();
            const legacy = now.legacy.requests - last.legacy.requests;
            const mesh = now.mesh.requests - last.mesh.requests;
            const share = legacy + mesh > 0 ? ((100 * mesh) / (legacy + mesh)).toFixed(1) : '0.0';
            display.info(
              `router, last ${trafficEverySeconds}s: legacy ${legacy} requests (${now.legacy.errors - last.legacy.errors} 5xx), ` +
                `mesh ${mesh} (${now.mesh.errors - last.mesh.errors} 5xx): ${share} % to the mesh`,
            );
            last = now;
          }, trafficEverySeconds * 1000)
        : undefined;
      const exit = await child.exited;
      clearInterval(traffic);
      signal.removeEventListener('abort', onAbort);
      const verdict: Verdict = signal.aborted ? 'INTERRUPTED' : verdictOfExit(exit.code);
      const record: StageRecord = {
        index,
        name,
        command,
        exitCode: exit.code,
        verdict,
        startedAt: new Date(t0).toISOString(),
        durationMs: Date.now() - t0,
        meshWeightAfter: await w.settledMeshWeight(),
      };
      stages.push(record);
      display.outcome(
        verdict,
        exit.code,
        record.durationMs,
        `${record.meshWeightAfter ?? '?'} % to the mesh · ${formatDuration(Date.now() - started)} so far`,
      );
      if (signal.aborted) throw Interrupted.from(signal);
      return { ...record, output };
    };

    const rollback = async (why: string, failed?: { step: number; window: FailedWindow }) => {
      reason = why;
      outcome = 'rolled-back';
      exitCode = 1;
      // At 0 % the mesh never served a user: nothing to roll back.
      if ((await w.settledMeshWeight()) === 0) return;
      if (failed) {
        // meshgate judges the failed window again (same end, same length: the same answer), prints
        // the verdict with its reasons, and rolls back itself on FAIL.
        const r = await run(
          'canary --rollback-on-fail',
          `why it failed, then meshgate's emergency rollback`,
          [
            'canary',
            '--step',
            String(failed.step),
            '--load',
            'none',
            '--end',
            failed.window.end,
            '--window',
            failed.window.duration,
            '--rollback-on-fail',
          ],
        );
        if (r.exitCode === 1 && r.meshWeightAfter === 0) return;
      }
      const r = await run('rollback', `automatic emergency rollback: ${why}`, ['rollback']);
      if (r.exitCode !== 0) reason += `; the rollback itself exited ${r.exitCode}`;
    };
    const stop = (code: number | null, why: string) => {
      exitCode = code === null || code === 0 ? 2 : code;
      outcome = 'stopped';
      reason = why;
    };

    if (!o.trafficOnly) {
      const pre = await run('verify', 'pre-migration gates: prereq, mesh and security suites', [
        'verify',
        'prereq',
        'mesh',
        'security',
      ]);
      if (pre.exitCode !== 0) {
        stop(pre.exitCode, 'the pre-migration verification did not pass');
        return;
      }
      const smoke = await run(
        'test',
        'Step 7: smoke run against the mesh services, plus the security suite',
        ['test', '--load', 'builtin'],
      );
      if (smoke.exitCode !== 0) {
        stop(smoke.exitCode, 'Step 7 (initial testing) did not pass');
        return;
      }
    }

    const noVerify = o.verify ? [] : ['--no-verify'];
    for (const [i, step] of steps.entries()) {
      const from = i === 0 ? 0 : steps[i - 1]!;
      const complete = i === steps.length - 1 && step === 100;
      const suites = o.verify ? 'verification suites + ' : '';
      const gate = from === 0 ? `${suites}Step 7 smoke run` : `${suites}canary verdict at ${from} %`;
      const r = complete
        ? await run('complete', `Step 9: ${from} → 100 %, gated by the ${gate}`, [
            'complete',
            '--load',
            'none',
            ...noVerify,
          ])
        : await run(`shift ${step}`, `Step 8: ${from} → ${step} %, gated by the ${gate}`, [
            'shift',
            String(step),
            '--load',
            from === 0 ? 'builtin' : 'none',
            ...noVerify,
          ]);
      if (r.exitCode === 1) {
        await rollback(`the gate for ${step} % failed at ${from} %`);
        return;
      }
      if (r.exitCode !== 0) {
        stop(r.exitCode, `the gate for ${step} % was ${r.verdict} at ${from} %: weights not moved`);
        return;
      }
      if (complete || i === steps.length - 1) break;
      const monitorArgs = ['monitor', '--duration', plan.window, '--interval', plan.monitorInterval];
      let m = await run(`monitor ${step} %`, `watch ${step} % for ${plan.window}`, monitorArgs, {
        traffic: true,
      });
      for (let k = 0; m.exitCode === 2 && k < o.patience; k++) {
        m = await run(
          `monitor ${step} %`,
          `INCONCLUSIVE so far: watch one more window (${k + 1} of ${o.patience})`,
          monitorArgs,
          { traffic: true, suffix: String.fromCharCode(98 + k) },
        );
      }
      if (m.exitCode === 1) {
        const next = steps[i + 1] ?? 100;
        const window = lastFailedWindow(m.output);
        await rollback(
          `the canary failed at ${step} % (failure budget spent)`,
          window ? { step: next, window } : undefined,
        );
        return;
      }
      if (m.exitCode !== 0) {
        stop(m.exitCode, `the canary at ${step} % stayed ${m.verdict}: weights not moved`);
        return;
      }
    }
    reason = 'migrated 0 → 100 % with every gate passing';
    if (o.trafficOnly) return;
    const post = await run('verify', 'post-migration: the mesh and security suites at 100 %', [
      'verify',
      'mesh',
      'security',
    ]);
    if (post.exitCode !== 0) stop(post.exitCode, 'the post-migration verification did not pass');
  };

  try {
    await body();
  } catch (err) {
    if (signal.aborted) {
      exitCode = interruptedExitCode(signal);
      outcome = 'interrupted';
      reason = Interrupted.from(signal).message;
    } else {
      exitCode = 3;
      outcome = 'error';
      reason = `the demo could not run: ${err instanceof Error ? err.message : String(err)}`;
      display.line(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  return summary();

  async function summary(): Promise<DemoSummary> {
    if (world) {
      final = await finalState(world).catch(() => null);
      await world.stop();
    }
    await ledger.stopAll();
    ledger.dispose();
    const audit = auditLines(auditFile);
    const doc: DemoSummary = {
      schema: 'meshgate.dev/demo-summary/v1',
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      exitCode,
      outcome,
      reason,
      options: {
        ...plan,
        rate: o.rate,
        inject: o.inject ?? null,
        at: o.inject ? o.at : null,
        minDetectableIncrease: o.minDetectableIncrease,
        verify: o.verify,
        trafficOnly: o.trafficOnly,
      },
      stages,
      final,
      weightChanges: world?.weightChanges ?? [],
      load: world?.load ?? null,
      prometheus: world?.prometheus.url ?? null,
      reportDir: o.reportDir,
      auditFile,
      processes: ledgerFile,
    };
    const file = path.join(o.reportDir, 'demo-summary.json');
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
    printSummary(display, doc, audit, file);
    return doc;
  }
}
