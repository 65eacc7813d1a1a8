// `shift N` and `complete`: one step up the ladder, gated by the verification suites and the canary
// verdict for the current step (the Step 7 smoke run from 0 %), written only on PASS; `--down` moves
// down with no gate. Every outcome is audited, an interrupted one too.

import { ClusterError } from '../cluster/index.ts';
import { Interrupted } from '../core/index.ts';
import type { Profile } from '../profile/index.ts';
import {
  ExitCode,
  summarise,
  verdictOf,
  worstVerdict,
  type CheckRecord,
  type Verdict,
} from '../report/types.ts';
import {
  currentSplit,
  planShift,
  SplitError,
  type AuditRecord,
  type CurrentSplit,
} from '../traffic/index.ts';
import { evaluateCanary, type CanaryVerdictDocument } from './canary.ts';
import { withCluster, type ClusterSession } from './cluster.ts';
import { UsageError } from './errors.ts';
import {
  analysisPlan,
  loadGateProfile,
  type AnalysisInputs,
  type AnalysisPlan,
  type TargetInputs,
} from './inputs.ts';
import { loadRunnerFor } from './load.ts';
import type { GateRun, GateRunResult } from './run.ts';
import { smokeGate } from './smoke.ts';
import { runSuites } from './suites.ts';
import { defaultTimeouts } from './timeouts.ts';
import { applyMove, auditBase, auditInterrupted, type MoveContext } from './traffic.ts';

export interface ShiftRequest extends TargetInputs, AnalysisInputs {
  /** The mesh weight to move to. */
  target: number;
  action: 'shift' | 'complete';
  /** Allow a jump of more than one step, or a start from a weight off the ladder. */
  force?: boolean | undefined;
  /** Run the gate, print the patch, write nothing. */
  dryRun?: boolean | undefined;
  /** false (`--no-verify`): skip the verification suites; the canary verdict still gates. */
  verify?: boolean | undefined;
  /** Move down, with no gate (audited "no gate: moving down"). */
  down?: boolean | undefined;
}

/** `--output json` of shift, complete, rollback and canary --apply: the audit line and the gate. */
export interface TrafficMoveDocument extends Partial<AuditRecord> {
  schema: 'meshgate.dev/traffic-move/v1';
  verdict: Verdict;
  from: number;
  to: number;
  /** Why the gate decided as it did, one line per part (suites, smoke run, canary verdict). */
  reasons: string[];
  /** `--dry-run`: the merge patch that would be sent. */
  patch?: object | undefined;
  interrupted?: GateRunResult['interrupted'];
}

export interface GateOutcome {
  verdict: Verdict;
  reasons: string[];
  checks: CheckRecord[];
  canary?: CanaryVerdictDocument | undefined;
  verdictFile?: string | undefined;
  configurationError?: string | null | undefined;
  /** What had not finished when the run was stopped. */
  pending: string[];
}

/** The gate before a move up: verification suites, then the canary verdict (or the smoke run at 0 %). */
export async function runGate(
  run: GateRun,
  ctx: { profile: Profile; profileFile: string | undefined; session: ClusterSession; current: CurrentSplit },
  move: { from: number; to: number; verify: boolean; analysis: AnalysisPlan },
  outcome: GateOutcome,
): Promise<GateOutcome> {
  const { profile, session } = ctx;
  if (move.verify) {
    const suites = await runSuites(run, ['mesh', 'security'], {
      profile,
      profileFile: ctx.profileFile,
      kubeconfig: session.kubeconfig,
      context: session.context,
      reportDir: run.reportDir,
      probe: false,
    });
    outcome.checks.push(...suites.checks);
    outcome.pending.push(...suites.pending);
    run.throwIfInterrupted();
    const v = verdictOf(suites.checks, suites.errors);
    const s = summarise(suites.checks);
    outcome.verdict = worstVerdict(outcome.verdict, v);
    outcome.reasons.push(
      `verification suites ${v} (${s.passed} passed, ${s.failed} failed, ${s.inconclusive} inconclusive)`,
    );
  }
  if (move.from === 0) {
    outcome.pending.push('the Step 7 smoke run');
    const smoke = await smokeGate(run, profile, session.client, move.analysis.load);
    outcome.pending.pop();
    outcome.verdict = worstVerdict(outcome.verdict, smoke.verdict);
    outcome.reasons.push(`Step 7 smoke run ${smoke.verdict}: ${smoke.reason}`);
  } else {
    outcome.pending.push(`the canary verdict at ${move.from} %`);
    const gate = await evaluateCanary(
      run,
      { profile, profileFile: ctx.profileFile, cluster: session.client },
      {
        step: move.to,
        vs: ctx.current.vs,
        window: move.analysis.window,
        end: move.analysis.end,
        load: move.analysis.load,
      },
    );
    outcome.pending.pop();
    outcome.canary = gate.doc;
    outcome.verdictFile = gate.file;
    outcome.configurationError = gate.configurationError;
    const v = gate.configurationError !== null && gate.verdict !== 'FAIL' ? 'INCONCLUSIVE' : gate.verdict;
    outcome.verdict = worstVerdict(outcome.verdict, v);
    outcome.reasons.push(`canary verdict at ${move.from} % ${gate.verdict}: ${gate.doc.reason}`);
  }
  return outcome;
}

/**
 * `meshgate shift N` / `complete`: see the module comment. Usage problems (a step off the ladder, a
 * move down without --down) throw UsageError after their audit line.
 */
export async function shift(run: GateRun, req: ShiftRequest): Promise<GateRunResult<TrafficMoveDocument>> {
  const { profile, file } = await loadGateProfile(req, req, run.env);
  run.facts.profile = profile;
  const analysis = analysisPlan(req, profile);
  await loadRunnerFor(analysis.load, profile, run.env);
  run.useDefaultTimeout(defaultTimeouts.shift(profile, analysis.load, req.verify !== false));
  const profileName = file ?? 'defaults';
  return withCluster(run, req, async (session) => {
    const ctx: MoveContext = { run, profile, cluster: session.client };
    const vsObject = `VirtualService/${profile.namespaces.mesh}/${profile.traffic.virtualService}`;
    let current: CurrentSplit;
    try {
      current = await run.step(`the VirtualService ${vsObject}`, () => currentSplit(session.client, profile));
    } catch (err) {
      if (err instanceof Interrupted) {
        const record = auditInterrupted(ctx, err, {
          action: req.action,
          object: vsObject,
          from: -1,
          to: req.target,
          pending: ['reading the current weight'],
        });
        return result(run, record, 'INCONCLUSIVE', [record.reason], profileName, session, {});
      }
      if (!(err instanceof SplitError) && !(err instanceof ClusterError)) throw err;
      return run.finish({
        verdict: 'INCONCLUSIVE',
        document: {
          schema: 'meshgate.dev/traffic-move/v1',
          verdict: 'INCONCLUSIVE',
          from: -1,
          to: req.target,
          reasons: [err.message],
        },
        profile: profileName,
        cluster: session.identity,
        errors: [err.message],
      });
    }
    const from = current.split.meshWeight;
    const refuse = (reason: string): never => {
      run.recordAudit({
        ...auditBase(ctx, req.action, current.object, from, req.target),
        outcome: 'refused',
        reason,
      });
      throw new UsageError(req.action === 'complete' ? 'complete' : `shift ${req.target}`, reason);
    };
    // `complete` moves only from the last step before 100, so its verdict is the final canary's.
    const steps = profile.traffic.steps;
    const requireFrom = req.action === 'complete' ? (steps[steps.length - 2] ?? 0) : undefined;
    if (requireFrom !== undefined && from !== requireFrom)
      refuse(`complete needs the mesh at ${requireFrom} % with a passing verdict; it is at ${from} %`);
    const plan = planShift(from, req.target, steps, req.force ?? false, req.down ?? false);
    if (plan.refusal) refuse(plan.refusal);

    const move = `${current.object} mesh weight ${from} % → ${req.target} %`;
    run.plan.writes.push(move);
    if (plan.direction === 'down') {
      const reason = `no gate: moving down from ${from} % to ${req.target} %`;
      try {
        const out = await applyMove(ctx, {
          current,
          to: req.target,
          action: req.action,
          reason,
          dryRun: req.dryRun,
        });
        return result(run, out.record, out.error ? 'INCONCLUSIVE' : 'PASS', [reason], profileName, session, {
          patch: out.patch,
          error: out.error,
        });
      } catch (err) {
        if (!(err instanceof Interrupted)) throw err;
        const record = auditInterrupted(ctx, err, {
          action: req.action,
          object: current.object,
          from,
          to: req.target,
          pending: [],
        });
        return result(run, record, 'INCONCLUSIVE', [reason], profileName, session, {});
      }
    }

    const verify = req.verify !== false;
    if (verify) run.plan.checks.push('suites mesh, security');
    run.plan.checks.push(
      from === 0 ? 'the Step 7 smoke run' : `the canary verdict at ${from} % (load: ${analysis.load})`,
    );
    const outcome: GateOutcome = { verdict: 'PASS', reasons: [], checks: [], pending: [] };
    try {
      await runGate(
        run,
        { profile, profileFile: file, session, current },
        { from, to: req.target, verify, analysis },
        outcome,
      );
      if (outcome.verdict !== 'PASS') {
        const reason = `gate ${outcome.verdict}, weights unchanged at ${from} %: ${outcome.reasons.join('; ')}`;
        const record: AuditRecord = {
          ...auditBase(ctx, req.action, current.object, from, req.target),
          outcome: 'refused',
          verdict: outcome.verdict,
          ...(outcome.verdictFile ? { verdictFile: outcome.verdictFile } : {}),
          reason,
        };
        run.recordAudit(record);
        const configError =
          outcome.configurationError && outcome.verdict !== 'FAIL' ? outcome.configurationError : undefined;
        return result(run, record, outcome.verdict, outcome.reasons, profileName, session, {
          outcome,
          exitCode: configError ? ExitCode.Usage : undefined,
          error: configError,
        });
      }
      const out = await applyMove(ctx, {
        current,
        to: req.target,
        action: req.action,
        verdict: 'PASS',
        verdictFile: outcome.verdictFile,
        reason: `gate PASS: mesh weight ${from} % → ${req.target} %`,
        dryRun: req.dryRun,
      });
      return result(
        run,
        out.record,
        out.error ? 'INCONCLUSIVE' : 'PASS',
        outcome.reasons,
        profileName,
        session,
        {
          outcome,
          patch: out.patch,
          error: out.error,
        },
      );
    } catch (err) {
      if (!(err instanceof Interrupted)) throw err;
      const record = auditInterrupted(ctx, err, {
        action: req.action,
        object: current.object,
        from,
        to: req.target,
        pending: [...new Set(outcome.pending)],
      });
      return result(run, record, 'INCONCLUSIVE', outcome.reasons, profileName, session, { outcome });
    }
  });
}

function result(
  run: GateRun,
  record: AuditRecord,
  verdict: Verdict,
  reasons: string[],
  profile: string,
  session: ClusterSession,
  extra: {
    outcome?: GateOutcome | undefined;
    patch?: object | undefined;
    error?: string | undefined;
    exitCode?: (typeof ExitCode)[keyof typeof ExitCode] | undefined;
  },
): GateRunResult<TrafficMoveDocument> {
  const o = extra.outcome;
  const finished = run.finish<TrafficMoveDocument>({
    verdict,
    document: {
      schema: 'meshgate.dev/traffic-move/v1',
      ...record,
      verdict,
      reasons,
      ...(extra.patch ? { patch: extra.patch } : {}),
    },
    profile,
    step: record.to,
    cluster: session.identity,
    checks: o?.checks,
    canary: o?.canary,
    verdictFile: o?.verdictFile,
    errors: extra.error ? [extra.error] : [],
    pending: o ? [...new Set(o.pending)] : [],
    exitCode: extra.exitCode ?? (extra.error && verdict !== 'FAIL' ? ExitCode.Inconclusive : undefined),
  });
  if (finished.interrupted) finished.document.interrupted = finished.interrupted;
  return finished;
}
