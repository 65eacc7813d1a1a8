// `meshgate canary --step N`: checks the VirtualService is at the step before N, runs load (if asked),
// judges the window and writes the verdict document; `--apply` moves to N on PASS, `--rollback-on-fail`
// runs the emergency rollback on FAIL.

import { ClusterError, Resources, type KubeObject } from '../cluster/index.ts';
import { Interrupted } from '../core/index.ts';
import type { Profile } from '../profile/index.ts';
import { ExitCode, type ExitCodeValue, type Verdict } from '../report/types.ts';
import {
  currentSplit,
  previousStep,
  readTrafficStep,
  SplitError,
  type AuditRecord,
} from '../traffic/index.ts';
import { evaluateCanary, type CanaryGateResult, type CanaryVerdictDocument } from './canary.ts';
import { withCluster } from './cluster.ts';
import { UsageError } from './errors.ts';
import { analysisPlan, loadGateProfile, type AnalysisInputs, type TargetInputs } from './inputs.ts';
import { loadRunnerFor } from './load.ts';
import type { GateRun, GateRunResult } from './run.ts';
import { defaultTimeouts } from './timeouts.ts';
import { applyMove, auditInterrupted, rollbackAll, type MoveContext } from './traffic.ts';

export interface CanaryRequest extends TargetInputs, AnalysisInputs {
  /** `--step N`, as typed. */
  step: string;
  apply?: boolean | undefined;
  rollbackOnFail?: boolean | undefined;
}

/**
 * `--output json` of `canary`: the verdict document (docs/output.md), plus what --apply or
 * --rollback-on-fail did, plus `interrupted` when the run was stopped (then only the fields known).
 */
export type CanaryCommandDocument = Partial<CanaryVerdictDocument> & {
  schema: CanaryVerdictDocument['schema'];
  verdict: Verdict;
  step: number;
  reason: string;
  /** The audit line of the move --apply or --rollback-on-fail made (or refused). */
  move?: AuditRecord | undefined;
  interrupted?: GateRunResult['interrupted'];
};

export function parseStep(text: string, profile: Profile): { step: number; expected: number } {
  const step = Number(text);
  const steps = profile.traffic.steps;
  const expected = Number.isInteger(step) ? previousStep(steps, step) : undefined;
  if (expected === undefined) {
    throw new UsageError(
      '--step',
      `--step ${text} is not a step of the profile (traffic.steps: ${steps.join(', ')})`,
    );
  }
  return { step, expected };
}

function nextStep(profile: Profile, weight: number): number | undefined {
  const steps = profile.traffic.steps;
  return weight === 0 ? steps[0] : steps[steps.indexOf(weight) + 1];
}

export async function canaryStep(
  run: GateRun,
  req: CanaryRequest,
): Promise<GateRunResult<CanaryCommandDocument>> {
  const { profile, file } = await loadGateProfile(req, req, run.env);
  run.facts.profile = profile;
  const analysis = analysisPlan(req, profile);
  const { step, expected } = parseStep(req.step, profile);
  await loadRunnerFor(analysis.load, profile, run.env);
  run.useDefaultTimeout(defaultTimeouts.canary(profile, analysis.load));
  const profileName = file ?? 'defaults';
  const vsName = profile.traffic.virtualService;
  const meshNs = profile.namespaces.mesh;
  const bare = (verdict: Verdict, reason: string): CanaryCommandDocument => ({
    schema: 'meshgate.dev/canary-verdict/v1',
    verdict,
    step,
    reason,
  });

  return withCluster(run, req, async (session) => {
    const ctx: MoveContext = { run, profile, cluster: session.client };
    const finish = (
      doc: CanaryCommandDocument,
      extra: {
        exitCode?: ExitCodeValue;
        errors?: string[];
        notes?: string[];
        gate?: CanaryGateResult;
        pending?: string[];
      } = {},
    ): GateRunResult<CanaryCommandDocument> => {
      const r = run.finish({
        verdict: doc.verdict,
        document: doc,
        profile: profileName,
        step,
        cluster: session.identity,
        canary: extra.gate?.doc,
        verdictFile: extra.gate?.file,
        exitCode: extra.exitCode,
        errors: extra.errors,
        notes: extra.notes,
        pending: extra.pending,
      });
      if (r.interrupted) r.document.interrupted = r.interrupted;
      return r;
    };
    const stopped = (err: Interrupted, pending: string[]): GateRunResult<CanaryCommandDocument> => {
      const doc = bare('INCONCLUSIVE', `${err.message}: no verdict for step ${step}`);
      if (req.apply || req.rollbackOnFail)
        doc.move = auditInterrupted(ctx, err, {
          action: req.apply ? 'shift' : 'rollback',
          object: `VirtualService/${meshNs}/${vsName}`,
          from: doc.currentWeight ?? -1,
          to: req.apply ? step : 0,
          pending,
        });
      return finish(doc, { pending });
    };

    let vs: KubeObject | undefined;
    try {
      vs = await run.step(`the VirtualService ${meshNs}/${vsName}`, () =>
        session.client.find(Resources.virtualServices, vsName, meshNs),
      );
    } catch (err) {
      if (err instanceof Interrupted) return stopped(err, []);
      if (!(err instanceof ClusterError)) throw err;
      const message = `cannot read VirtualService ${meshNs}/${vsName} to check the current step: ${err.message}`;
      return finish(bare('INCONCLUSIVE', message), { errors: [message] });
    }
    if (!vs) {
      throw new UsageError(
        'traffic.virtualService',
        `VirtualService ${meshNs}/${vsName} does not exist: check traffic.virtualService and namespaces.mesh in the profile`,
      );
    }
    const traffic = readTrafficStep(vs, meshNs);
    if (traffic.meshWeight !== undefined && traffic.meshWeight !== expected) {
      throw new UsageError(
        '--step',
        `VirtualService ${meshNs}/${vsName} sends ${traffic.meshWeight} % to the mesh, but --step ${step} analyses the ` +
          `step before it, ${expected} %: run \`meshgate canary --step ${nextStep(profile, traffic.meshWeight) ?? '<next step>'}\` ` +
          `to judge the current weight`,
      );
    }
    run.plan.checks.push(`the canary verdict at ${expected} % (load: ${analysis.load})`);
    if (req.apply)
      run.plan.writes.push(
        `VirtualService/${meshNs}/${vsName} mesh weight ${expected} % → ${step} % on PASS`,
      );
    if (req.rollbackOnFail) run.plan.writes.push('emergency rollback on FAIL');

    let gate: CanaryGateResult;
    try {
      gate = await evaluateCanary(
        run,
        { profile, profileFile: file, cluster: session.client },
        { step, vs, window: analysis.window, end: analysis.end, load: analysis.load },
      );
    } catch (err) {
      if (err instanceof Interrupted) return stopped(err, [`the canary verdict for step ${step}`]);
      throw err;
    }
    const doc: CanaryCommandDocument = { ...gate.doc };
    const errors = gate.configurationError !== null ? [gate.configurationError] : [];
    const exitCode = gate.configurationError !== null ? ExitCode.Usage : undefined;
    const notes: string[] = [];
    try {
      if (req.apply && gate.verdict === 'PASS' && gate.configurationError === null) {
        const current = await run.step(`the VirtualService ${meshNs}/${vsName}`, () =>
          currentSplit(session.client, profile),
        );
        const out = await applyMove(ctx, {
          current,
          to: step,
          action: 'shift',
          verdict: 'PASS',
          verdictFile: gate.file,
          reason: `gate PASS: mesh weight ${current.split.meshWeight} % → ${step} %`,
        });
        doc.move = out.record;
        if (out.error) return finish(doc, { gate, errors: [out.error], exitCode: ExitCode.Inconclusive });
        notes.push(
          `shifted ${out.record.object}: mesh weight ${out.record.from} % → ${out.record.to} % (gate PASS)`,
        );
      }
      if (req.rollbackOnFail && gate.verdict === 'FAIL') {
        const record = await rollbackAll(ctx, {
          reason: 'canary verdict FAIL with --rollback-on-fail: all traffic to legacy',
          verdict: 'FAIL',
          verdictFile: gate.file,
        });
        doc.move = record;
        notes.push(`rolled back: mesh weight ${record.from} % → 0 %, mesh Deployments scaled to 0`);
      }
    } catch (err) {
      if (err instanceof Interrupted) {
        doc.move = auditInterrupted(ctx, err, {
          action: req.apply && gate.verdict === 'PASS' ? 'shift' : 'rollback',
          object: `VirtualService/${meshNs}/${vsName}`,
          from: gate.doc.currentWeight,
          to: req.apply && gate.verdict === 'PASS' ? step : 0,
          pending: [],
        });
        return finish(doc, { gate, notes });
      }
      if (err instanceof ClusterError || err instanceof SplitError) {
        const message = `${req.apply ? 'shift' : 'rollback'} not completed: ${err.message}`;
        return finish(doc, { gate, errors: [...errors, message], exitCode: ExitCode.Inconclusive, notes });
      }
      throw err;
    }
    return finish(doc, { gate, errors, exitCode, notes });
  });
}
