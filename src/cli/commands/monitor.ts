import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterClient, ClusterError, loadKubeConfig } from '../../cluster/index.ts';
import { durationMs } from '../../load/script-profile.ts';
import { ExitCode, exitCodeOf, type ExitCodeValue, type Verdict } from '../../report/index.ts';
import { currentSplit, SplitError } from '../../traffic/index.ts';
import { analysisProfile, usageErrorsToExit3, type AnalysisOptions } from '../analysis-options.ts';
import { CanaryUsageError, evaluateCanary } from '../canary-gate.ts';
import type { GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';
import { withScenario } from '../scenario.ts';

export interface MonitorOptions extends AnalysisOptions {
  duration?: string;
  interval?: string;
}

export interface TimelineEntry {
  at: string;
  elapsed: string;
  meshWeight: number;
  verdict: Verdict;
  reason: string;
  verdictFile: string;
}

const mmss = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, Math.max(0, ms));
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * `meshgate monitor`: re-evaluates the canary verdict every interval for the duration, with a
 * progress line per evaluation, and stops early (exit 1) once FAIL verdicts exhaust the profile's
 * failure budget. With --end the window is replayed from Prometheus history without waiting:
 * evaluations at end − duration + interval, …, end.
 */
export function monitor(
  global: GlobalOptions,
  opts: MonitorOptions,
  io: Io,
  signal?: AbortSignal,
): Promise<ExitCodeValue> {
  return usageErrorsToExit3(io, async () => {
    const { profile, file, end } = await analysisProfile(global, opts);
    const durationText = opts.duration ?? profile.traffic.monitorWindow;
    const intervalText = opts.interval ?? profile.traffic.monitorInterval;
    let total: number;
    let every: number;
    try {
      total = durationMs(durationText, '--duration');
      every = durationMs(intervalText, '--interval');
    } catch (err) {
      throw new CanaryUsageError((err as Error).message);
    }
    if (every > total)
      throw new CanaryUsageError(`--interval ${intervalText} is longer than --duration ${durationText}`);
    const budget = profile.traffic.failureBudget;
    return withScenario(opts.scenario, global, io, async (kubeconfig, context) => {
      const cluster = new ClusterClient(loadKubeConfig({ kubeconfig, context }));
      const replay = end !== undefined;
      const start = replay ? end.getTime() - total : Date.now();
      const n = Math.floor(total / every);
      const timeline: TimelineEntry[] = [];
      let consecutive = 0;
      let cumulative = 0;
      let stoppedEarly: string | undefined;
      for (let k = 1; k <= n && !signal?.aborted; k++) {
        const at = start + k * every;
        if (!replay) await sleep(at - Date.now(), signal);
        if (signal?.aborted) break;
        cluster.invalidate();
        let current;
        try {
          current = await currentSplit(cluster, profile);
        } catch (err) {
          if (!(err instanceof ClusterError) && !(err instanceof SplitError)) throw err;
          io.err(`error: ${err.message}\n`);
          return ExitCode.Inconclusive;
        }
        const weight = current.split.meshWeight;
        const steps = profile.traffic.steps;
        const step = weight === 0 ? (steps[0] ?? 0) : (steps[steps.indexOf(weight) + 1] ?? weight);
        const gate = await evaluateCanary(
          { profile, profileFile: file, cluster, reportDir: global.reportDir, io },
          { step, vs: current.vs, window: opts.window, end: new Date(at), load: opts.load },
        );
        const verdict = gate.doc.verdict;
        timeline.push({
          at: new Date(at).toISOString(),
          elapsed: mmss(k * every),
          meshWeight: weight,
          verdict,
          reason: gate.doc.reason,
          verdictFile: gate.file,
        });
        if (verdict === 'FAIL') {
          consecutive++;
          cumulative++;
        } else consecutive = 0;
        const metrics = gate.doc.metrics.map((m) => `${m.name} ${m.verdict}`).join(', ');
        io.err(
          `[${mmss(k * every)}/${mmss(total)}] ${weight} % to mesh: ${verdict} (${metrics}); ` +
            `fails ${consecutive} in a row, ${cumulative} in all (budget ${budget.consecutive}/${budget.cumulative}); ` +
            `${mmss(total - k * every)} remaining\n`,
        );
        if (consecutive >= budget.consecutive || cumulative >= budget.cumulative) {
          stoppedEarly =
            consecutive >= budget.consecutive
              ? `${consecutive} FAIL verdicts in a row (budget ${budget.consecutive})`
              : `${cumulative} FAIL verdicts in all (budget ${budget.cumulative})`;
          break;
        }
      }
      const last = timeline[timeline.length - 1];
      const verdict: Verdict = stoppedEarly ? 'FAIL' : (last?.verdict ?? 'INCONCLUSIVE');
      const doc = {
        schema: 'meshgate.dev/monitor-timeline/v1',
        verdict,
        reason: stoppedEarly
          ? `stopped early: ${stoppedEarly}; roll back (meshgate rollback) or investigate ${last?.verdictFile ?? ''}`
          : last
            ? `last evaluation ${last.verdict}: ${last.reason}`
            : 'no evaluation ran',
        duration: durationText,
        interval: intervalText,
        replay,
        failureBudget: budget,
        timeline,
      };
      const dir = path.join(global.reportDir, 'monitor');
      mkdirSync(dir, { recursive: true });
      const out = path.join(dir, `monitor-${new Date(start).toISOString().replace(/[:.]/g, '-')}.json`);
      writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
      io.out(
        global.output === 'json'
          ? `${JSON.stringify(doc, null, 2)}\n`
          : `monitor: ${verdict} — ${doc.reason}\ntimeline: ${out}\n`,
      );
      return exitCodeOf(verdict);
    });
  });
}
