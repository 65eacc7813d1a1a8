// `meshgate monitor`: re-evaluates the canary verdict every interval for the duration, one line per
// evaluation, and stops early once FAIL verdicts exhaust the profile's failure budget. With --end it
// replays a past window from Prometheus history without waiting.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterError } from '../cluster/index.ts';
import { Interrupted, systemClock } from '../core/index.ts';
import type { Verdict } from '../report/types.ts';
import { currentSplit, SplitError } from '../traffic/index.ts';
import { evaluateCanary } from './canary.ts';
import { withCluster } from './cluster.ts';
import { UsageError } from './errors.ts';
import {
  analysisPlan,
  durationFlag,
  loadGateProfile,
  type AnalysisInputs,
  type TargetInputs,
} from './inputs.ts';
import { loadRunnerFor } from './load.ts';
import type { GateRun, GateRunResult } from './run.ts';
import { defaultTimeouts } from './timeouts.ts';

export interface MonitorRequest extends TargetInputs, AnalysisInputs {
  duration?: string | undefined;
  interval?: string | undefined;
}

export interface TimelineEntry {
  at: string;
  elapsed: string;
  meshWeight: number;
  verdict: Verdict;
  reason: string;
  verdictFile: string;
}

export interface MonitorDocument {
  schema: 'meshgate.dev/monitor-timeline/v1';
  verdict: Verdict;
  reason: string;
  duration: string;
  interval: string;
  replay: boolean;
  failureBudget: { consecutive: number; cumulative: number };
  timeline: TimelineEntry[];
  /** Where the timeline was written. */
  file?: string | undefined;
  interrupted?: GateRunResult['interrupted'];
}

const mmss = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

export async function monitor(run: GateRun, req: MonitorRequest): Promise<GateRunResult<MonitorDocument>> {
  const { profile, file } = await loadGateProfile(req, req, run.env);
  run.facts.profile = profile;
  const analysis = analysisPlan(req, profile, 'none');
  await loadRunnerFor(analysis.load, profile, run.env);
  const durationText = req.duration ?? profile.traffic.monitorWindow;
  const intervalText = req.interval ?? profile.traffic.monitorInterval;
  const total = durationFlag(durationText, req.duration ? '--duration' : 'traffic.monitorWindow');
  const every = durationFlag(intervalText, req.interval ? '--interval' : 'traffic.monitorInterval');
  if (every > total)
    throw new UsageError(
      '--interval',
      `--interval ${intervalText} is longer than --duration ${durationText}`,
    );
  const budget = profile.traffic.failureBudget;
  run.useDefaultTimeout(defaultTimeouts.monitor(total, profile, analysis.load));
  return withCluster(run, req, async (session) => {
    const replay = analysis.end !== undefined;
    const start = replay ? (analysis.end as Date).getTime() - total : Date.now();
    const n = Math.floor(total / every);
    run.plan.checks.push(`${n} canary evaluations, every ${intervalText} for ${durationText}`);
    const timeline: TimelineEntry[] = [];
    let consecutive = 0;
    let cumulative = 0;
    let stoppedEarly: string | undefined;
    const errors: string[] = [];
    try {
      for (let k = 1; k <= n; k++) {
        const at = start + k * every;
        if (!replay)
          await run.step(`the next evaluation at ${new Date(at).toISOString()}`, () =>
            systemClock.sleep(at - Date.now(), run.signal),
          );
        session.client.invalidate();
        let current;
        try {
          current = await run.step('the VirtualService', () => currentSplit(session.client, profile));
        } catch (err) {
          if (!(err instanceof ClusterError) && !(err instanceof SplitError)) throw err;
          errors.push(err.message);
          break;
        }
        const weight = current.split.meshWeight;
        const steps = profile.traffic.steps;
        const step = weight === 0 ? (steps[0] ?? 0) : (steps[steps.indexOf(weight) + 1] ?? weight);
        const gate = await evaluateCanary(
          run,
          { profile, profileFile: file, cluster: session.client },
          {
            step,
            vs: current.vs,
            window: analysis.window,
            end: new Date(at),
            load: analysis.load,
            // Looks before the last are interim: only the anytime-valid rules may fail the step there.
            look: k < n ? 'interim' : 'final',
          },
        );
        const verdict = gate.verdict;
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
        run.progress.line(
          `[${mmss(k * every)}/${mmss(total)}] ${weight} % to mesh: ${verdict} (${metrics}); ` +
            `fails ${consecutive} in a row, ${cumulative} in all (budget ${budget.consecutive}/${budget.cumulative}); ` +
            `${mmss(total - k * every)} remaining`,
        );
        if (consecutive >= budget.consecutive || cumulative >= budget.cumulative) {
          stoppedEarly =
            consecutive >= budget.consecutive
              ? `${consecutive} FAIL verdicts in a row (budget ${budget.consecutive})`
              : `${cumulative} FAIL verdicts in all (budget ${budget.cumulative})`;
          break;
        }
      }
    } catch (err) {
      if (!(err instanceof Interrupted)) throw err;
    }
    const last = timeline[timeline.length - 1];
    const interrupted = run.interruption;
    const verdict: Verdict = stoppedEarly
      ? 'FAIL'
      : interrupted || errors.length
        ? timeline.some((t) => t.verdict === 'FAIL')
          ? 'FAIL'
          : 'INCONCLUSIVE'
        : (last?.verdict ?? 'INCONCLUSIVE');
    const doc: MonitorDocument = {
      schema: 'meshgate.dev/monitor-timeline/v1',
      verdict,
      reason: stoppedEarly
        ? `stopped early: ${stoppedEarly}; roll back (meshgate rollback) or investigate ${last?.verdictFile ?? ''}`
        : interrupted
          ? `${interrupted.message} after ${timeline.length} of ${n} evaluations`
          : errors.length
            ? `stopped: ${errors.join('; ')}`
            : last
              ? `last evaluation ${last.verdict}: ${last.reason}`
              : 'no evaluation ran',
      duration: durationText,
      interval: intervalText,
      replay,
      failureBudget: budget,
      timeline,
    };
    const dir = path.join(run.reportDir, 'monitor');
    mkdirSync(dir, { recursive: true });
    const out = path.join(dir, `monitor-${new Date(start).toISOString().replace(/[:.]/g, '-')}.json`);
    doc.file = out;
    const result = run.finish({
      verdict,
      document: doc,
      profile: file ?? 'defaults',
      cluster: session.identity,
      errors,
      pending: interrupted ? [`${n - timeline.length} of ${n} evaluations`] : [],
    });
    if (result.interrupted) doc.interrupted = result.interrupted;
    writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
    run.trace('monitor-timeline', doc);
    return result;
  });
}
