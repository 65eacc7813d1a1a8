// The gate's side of a traffic move: a weight a gate passed (or a move down, which needs none) is
// written through src/traffic, the only code that writes weights and replica counts, and audited
// whatever happens — applied, dry run, conflict, or interrupted before or after writing.

import { Conflict, type ClusterClient } from '../cluster/index.ts';
import type { Interrupted } from '../core/index.ts';
import type { Profile } from '../profile/index.ts';
import type { Verdict } from '../report/types.ts';
import {
  actor,
  applyMeshWeight,
  auditAnnotations,
  currentSplit,
  emergencyRollback,
  restoreReplicas,
  weightPatch,
  type AuditAction,
  type AuditRecord,
  type CurrentSplit,
} from '../traffic/index.ts';
import type { GateRun } from './run.ts';

export interface MoveContext {
  run: GateRun;
  profile: Profile;
  cluster: ClusterClient;
}

export interface MoveRequest {
  current: CurrentSplit;
  to: number;
  action: AuditAction;
  /** The gate's verdict; a move down records none ("no gate"). */
  verdict?: Verdict | undefined;
  verdictFile?: string | undefined;
  reason: string;
  dryRun?: boolean | undefined;
}

export interface MoveOutcome {
  record: AuditRecord;
  /** The merge patch a dry run would send. */
  patch?: object | undefined;
  /** Set when nothing could be written (a 409): the message for stderr. */
  error?: string | undefined;
}

/** The fields every audit line of this run shares. */
export function auditBase(ctx: MoveContext, action: AuditAction, object: string, from: number, to: number) {
  return {
    at: new Date().toISOString(),
    by: actor(ctx.run.env),
    action,
    object,
    from,
    to,
    cluster: ctx.cluster.server,
  };
}

/**
 * Writes the move with the resourceVersion that was judged. A 409 is re-read and reported, never
 * retried: what was judged is no longer what is there. The signal is checked right before each
 * write (in src/traffic); an Interrupted propagates to the command, which audits it.
 */
export async function applyMove(ctx: MoveContext, move: MoveRequest): Promise<MoveOutcome> {
  const { run, profile, cluster } = ctx;
  const { current } = move;
  const record: AuditRecord = {
    ...auditBase(ctx, move.action, current.object, current.split.meshWeight, move.to),
    outcome: 'applied',
    ...(move.verdict ? { verdict: move.verdict } : {}),
    ...(move.verdictFile ? { verdictFile: move.verdictFile } : {}),
    reason: move.reason,
    resourceVersion: { before: current.vs.metadata.resourceVersion },
  };
  const annotations = auditAnnotations(record);
  if (move.dryRun) {
    record.outcome = 'dry-run';
    run.recordAudit(record);
    return { record, patch: weightPatch(current, move.to, annotations) };
  }
  const what = `${current.object} mesh weight ${current.split.meshWeight} % → ${move.to} %`;
  run.progress.stage(`write: ${what}`);
  const settled = run.writesInFlight(record, what);
  try {
    if (current.split.meshWeight === 0 && move.to > 0) {
      record.scaled = await restoreReplicas(cluster, profile, current, run.signal, (w) => run.wrote(w));
    }
    const after = await applyMeshWeight(cluster, current, move.to, annotations, run.signal);
    run.wrote(`${current.object} mesh weight ${current.split.meshWeight} % → ${move.to} %`);
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
    run.recordAudit(record);
    return { record, error: record.reason };
  } finally {
    // An Interrupted from the write is audited by the command (auditInterrupted), a success or a 409
    // above: either way the graceful path owns the line from here.
    settled();
  }
  run.recordAudit(record);
  return { record };
}

/** The emergency rollback (all traffic to legacy, mesh Deployments to 0), audited. */
export async function rollbackAll(
  ctx: MoveContext,
  why: { reason: string; verdict?: Verdict | undefined; verdictFile?: string | undefined },
): Promise<AuditRecord> {
  const { run, profile, cluster } = ctx;
  const record: AuditRecord = {
    ...auditBase(
      ctx,
      'rollback',
      `VirtualService/${profile.namespaces.mesh}/${profile.traffic.virtualService}`,
      0,
      0,
    ),
    outcome: 'applied',
    ...(why.verdict ? { verdict: why.verdict } : {}),
    ...(why.verdictFile ? { verdictFile: why.verdictFile } : {}),
    reason: why.reason,
  };
  const what = 'emergency rollback (mesh weight 0 %, mesh Deployments to 0)';
  run.progress.stage(`write: ${what}`);
  const settled = run.writesInFlight(record, `the ${what}`);
  const outcome = await emergencyRollback(cluster, profile, auditAnnotations(record), run.signal, (w) =>
    run.wrote(w),
  ).finally(settled);
  record.object = outcome.object;
  record.from = outcome.fromWeight;
  record.resourceVersion = outcome.resourceVersion;
  record.scaled = outcome.scaled;
  if (!outcome.weightChanged && Object.keys(outcome.scaled).length === 0) {
    record.outcome = 'unchanged';
    record.reason = 'already rolled back: the mesh receives 0 % and its Deployments are at 0 replicas';
  }
  run.recordAudit(record);
  return record;
}

/**
 * The audit line of a write command that was stopped: before writing (nothing changed), or after
 * writing (which writes were made, and which were not).
 */
export function auditInterrupted(
  ctx: MoveContext,
  err: Interrupted,
  /** `from` is -1 when the current weight had not been read yet. */
  move: { action: AuditAction; object: string; from: number; to: number; pending: string[] },
): AuditRecord {
  const writes = ctx.run.writes;
  // The run's own interruption names the budget (--timeout 2s); a request's may not.
  const said = ctx.run.interruption?.message ?? err.message;
  const pending = move.pending.length ? `; not finished: ${move.pending.join('; ')}` : '';
  const reason = writes.length
    ? `${said} after writing: ${writes.join('; ')}${pending}. Check the VirtualService and run the command again`
    : `${said} before writing: nothing was changed${move.from >= 0 ? `, the mesh weight stays at ${move.from} %` : ''}${pending}`;
  const record: AuditRecord = {
    ...auditBase(ctx, move.action, move.object, move.from, move.to),
    outcome: 'interrupted',
    reason,
  };
  ctx.run.recordAudit(record);
  return record;
}
