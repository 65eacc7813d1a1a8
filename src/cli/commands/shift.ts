import { ClusterClient, ClusterError, Conflict, loadKubeConfig } from '../../cluster/index.ts';
import { renderVerdictText } from '../../report/render-canary.ts';
import type { Profile } from '../../profile/index.ts';
import {
  ExitCode,
  exitCodeOf,
  renderChecksText,
  summarise,
  verdictOf,
  type ExitCodeValue,
  type Verdict,
} from '../../report/index.ts';
import {
  actor,
  appendAudit,
  applyMeshWeight,
  auditAnnotations,
  currentSplit,
  emergencyRollback,
  planShift,
  restoreReplicas,
  SplitError,
  weightPatch,
  type AuditRecord,
} from '../../traffic/index.ts';
import { evaluateCanary } from '../canary-gate.ts';
import type { GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';
import { runSuites } from '../run-suites.ts';
import { withScenario } from '../scenario.ts';
import { analysisProfile, usageErrorsToExit3, type AnalysisOptions } from '../analysis-options.ts';
import { smokeGate } from './smoke.ts';

export interface ShiftOptions extends AnalysisOptions {
  force?: boolean;
  dryRun?: boolean;
  /** `--no-verify` sets this false: skip the verification suites (the canary verdict still gates). */
  verify?: boolean;
}

interface Ctx {
  profile: Profile;
  cluster: ClusterClient;
  global: GlobalOptions;
  io: Io;
}

interface GateOutcome {
  verdict: Verdict;
  reasons: string[];
  verdictFile?: string;
}

function worst(a: Verdict, b: Verdict): Verdict {
  if (a === 'FAIL' || b === 'FAIL') return 'FAIL';
  if (a === 'INCONCLUSIVE' || b === 'INCONCLUSIVE') return 'INCONCLUSIVE';
  return 'PASS';
}

/**
 * Applies a weight that a gate has already passed, with the observed resourceVersion. A 409 is
 * re-read and reported, never retried: what was judged is no longer what is there.
 */
export async function applyGatedShift(
  ctx: Ctx,
  move: {
    to: number;
    verdict: Verdict;
    verdictFile?: string;
    action?: AuditRecord['action'];
    dryRun?: boolean;
  },
): Promise<ExitCodeValue> {
  const { profile, cluster, global, io } = ctx;
  const current = await currentSplit(cluster, profile);
  const record: AuditRecord = {
    at: new Date().toISOString(),
    by: actor(),
    action: move.action ?? 'shift',
    outcome: 'applied',
    object: current.object,
    from: current.split.meshWeight,
    to: move.to,
    verdict: move.verdict,
    ...(move.verdictFile ? { verdictFile: move.verdictFile } : {}),
    reason: `gate ${move.verdict}: mesh weight ${current.split.meshWeight} % → ${move.to} %`,
    resourceVersion: { before: current.vs.metadata.resourceVersion },
    cluster: cluster.server,
  };
  const annotations = auditAnnotations(record);
  if (move.dryRun) {
    record.outcome = 'dry-run';
    appendAudit(global.reportDir, record);
    io.out(
      `dry run: would patch ${current.object} (merge patch):\n${JSON.stringify(weightPatch(current, move.to, annotations), null, 2)}\n`,
    );
    return ExitCode.Pass;
  }
  try {
    if (current.split.meshWeight === 0 && move.to > 0) {
      record.scaled = await restoreReplicas(cluster, profile, current);
    }
    const after = await applyMeshWeight(cluster, current, move.to, annotations);
    record.resourceVersion = { ...record.resourceVersion, after: after.metadata.resourceVersion };
  } catch (err) {
    if (!(err instanceof Conflict)) throw err;
    cluster.invalidate();
    const now = await currentSplit(cluster, profile).catch(() => undefined);
    record.outcome = 'conflict';
    record.reason =
      `${current.object} changed after it was read (resourceVersion ${current.vs.metadata.resourceVersion}` +
      `${now ? ` → ${now.vs.metadata.resourceVersion}, mesh weight now ${now.split.meshWeight} %` : ''}); nothing was written. ` +
      'Find out who changed it, then run the gate again';
    appendAudit(global.reportDir, record);
    io.err(`error: ${record.reason}\n`);
    return ExitCode.Inconclusive;
  }
  appendAudit(global.reportDir, record);
  io.out(
    global.output === 'json'
      ? `${JSON.stringify(record, null, 2)}\n`
      : `shifted ${record.object}: mesh weight ${record.from} % → ${record.to} % (gate ${move.verdict}; audit: ${global.reportDir}/audit.jsonl)\n`,
  );
  return ExitCode.Pass;
}

/** `--rollback-on-fail`: the emergency rollback, audited with the failing verdict. */
export async function rollbackAfterFail(ctx: Ctx, verdictFile: string): Promise<void> {
  const record: AuditRecord = {
    at: new Date().toISOString(),
    by: actor(),
    action: 'rollback',
    outcome: 'applied',
    object: `VirtualService/${ctx.profile.namespaces.mesh}/${ctx.profile.traffic.virtualService}`,
    from: 0,
    to: 0,
    verdict: 'FAIL',
    verdictFile,
    reason: 'canary verdict FAIL with --rollback-on-fail: all traffic to legacy',
    cluster: ctx.cluster.server,
  };
  const outcome = await emergencyRollback(ctx.cluster, ctx.profile, auditAnnotations(record));
  record.from = outcome.fromWeight;
  record.scaled = outcome.scaled;
  record.resourceVersion = outcome.resourceVersion;
  appendAudit(ctx.global.reportDir, record);
  ctx.io.err(`rolled back: mesh weight ${record.from} % → 0 %, mesh Deployments scaled to 0\n`);
}

/** The gate before a move up: verification suites, then the canary verdict (or the Step 7 smoke run at 0 %). */
async function runGate(
  ctx: Ctx & { file: string | undefined; kubeconfig: string | undefined; context: string | undefined },
  from: number,
  to: number,
  opts: ShiftOptions,
  end: Date | undefined,
): Promise<GateOutcome> {
  const { profile, global, io } = ctx;
  let verdict: Verdict = 'PASS';
  const reasons: string[] = [];
  let verdictFile: string | undefined;
  if (opts.verify !== false) {
    const run = await runSuites(['mesh', 'security'], {
      profile,
      profileFile: ctx.file,
      kubeconfig: ctx.kubeconfig,
      context: ctx.context,
      reportDir: global.reportDir,
      probe: false,
    });
    const v = verdictOf(run.checks, run.errors);
    verdict = worst(verdict, v);
    const s = summarise(run.checks);
    reasons.push(
      `verification suites ${v} (${s.passed} passed, ${s.failed} failed, ${s.inconclusive} inconclusive)`,
    );
    if (v !== 'PASS' && global.output === 'text') {
      io.err(renderChecksText(run.checks, run.errors));
    }
  }
  if (from === 0) {
    const smoke = await smokeGate(profile, ctx.cluster, opts.load, io);
    verdict = worst(verdict, smoke.verdict);
    reasons.push(`Step 7 smoke run ${smoke.verdict}: ${smoke.reason}`);
  } else {
    const current = await currentSplit(ctx.cluster, profile);
    const gate = await evaluateCanary(
      { profile, profileFile: ctx.file, cluster: ctx.cluster, reportDir: global.reportDir, io },
      { step: to, vs: current.vs, window: opts.window, end, load: opts.load },
    );
    verdictFile = gate.file;
    if (global.output === 'text') io.err(renderVerdictText(gate.doc, gate.file));
    const v =
      gate.configurationError !== null && gate.doc.verdict !== 'FAIL' ? 'INCONCLUSIVE' : gate.doc.verdict;
    verdict = worst(verdict, v);
    reasons.push(`canary verdict at ${from} % ${gate.doc.verdict}: ${gate.doc.reason}`);
  }
  return { verdict, reasons, ...(verdictFile ? { verdictFile } : {}) };
}

/**
 * `meshgate shift N`: one step at a time (unless --force), gated by the verification suites and the
 * canary verdict for the current step (the Step 7 smoke run for 0 → first step). Moving down needs
 * no verdict. Weights change only on PASS, audited either way.
 */
export function shift(
  global: GlobalOptions,
  target: number,
  opts: ShiftOptions & { action?: AuditRecord['action'] },
  io: Io,
): Promise<ExitCodeValue> {
  return usageErrorsToExit3(io, async () => {
    const { profile, file, end } = await analysisProfile(global, opts);
    return withScenario(opts.scenario, global, io, async (kubeconfig, context) => {
      const cluster = new ClusterClient(loadKubeConfig({ kubeconfig, context }));
      const ctx = { profile, cluster, global, io };
      try {
        const current = await currentSplit(cluster, profile);
        const from = current.split.meshWeight;
        const audit = (
          outcome: AuditRecord['outcome'],
          reason: string,
          extra: Partial<AuditRecord> = {},
        ): void => {
          appendAudit(global.reportDir, {
            at: new Date().toISOString(),
            by: actor(),
            action: opts.action ?? 'shift',
            outcome,
            object: current.object,
            from,
            to: target,
            reason,
            cluster: cluster.server,
            ...extra,
          });
        };
        // `complete` moves only from the last step before 100, so its verdict is the final canary's.
        const steps = profile.traffic.steps;
        const requireFrom = opts.action === 'complete' ? (steps[steps.length - 2] ?? 0) : undefined;
        if (requireFrom !== undefined && from !== requireFrom) {
          const reason = `complete needs the mesh at ${requireFrom} % with a passing verdict; it is at ${from} %`;
          audit('refused', reason);
          io.err(`error: ${reason}\n`);
          return ExitCode.Usage;
        }
        const plan = planShift(from, target, profile.traffic.steps, opts.force ?? false);
        if (plan.refusal) {
          audit('refused', plan.refusal);
          io.err(`error: ${plan.refusal}\n`);
          return ExitCode.Usage;
        }
        if (target < from) {
          return applyGatedShift(ctx, {
            to: target,
            verdict: 'PASS',
            action: 'planned-rollback',
            ...(opts.dryRun ? { dryRun: true } : {}),
          });
        }
        const gate = await runGate({ ...ctx, file, kubeconfig, context }, from, target, opts, end);
        if (gate.verdict !== 'PASS') {
          const reason = `gate ${gate.verdict}, weights unchanged at ${from} %: ${gate.reasons.join('; ')}`;
          audit('refused', reason, {
            verdict: gate.verdict,
            ...(gate.verdictFile ? { verdictFile: gate.verdictFile } : {}),
          });
          io.out(
            global.output === 'json'
              ? `${JSON.stringify({ verdict: gate.verdict, from, to: target, reasons: gate.reasons }, null, 2)}\n`
              : `shift refused: ${reason}\n`,
          );
          return exitCodeOf(gate.verdict);
        }
        return applyGatedShift(ctx, {
          to: target,
          verdict: 'PASS',
          ...(gate.verdictFile ? { verdictFile: gate.verdictFile } : {}),
          ...(opts.action ? { action: opts.action } : {}),
          ...(opts.dryRun ? { dryRun: true } : {}),
        });
      } catch (err) {
        if (err instanceof SplitError || err instanceof ClusterError) {
          io.err(`error: ${err.message}\n`);
          return ExitCode.Inconclusive;
        }
        throw err;
      }
    });
  });
}
