// `meshgate rollback`: the guide's emergency rollback (all traffic to legacy, mesh Deployments scaled
// to 0, legacy untouched), or with --planned one step down the ladder. Never needs a verdict or
// Prometheus, so an emergency never fails on a copied canary flag (they are accepted and ignored).

import { ClusterError } from '../cluster/index.ts';
import { Interrupted } from '../core/index.ts';
import type { Verdict } from '../report/types.ts';
import { actor, currentSplit, SplitError, stepDown, type AuditRecord } from '../traffic/index.ts';
import { withCluster } from './cluster.ts';
import { loadGateProfile, type TargetInputs } from './inputs.ts';
import type { GateRun, GateRunResult } from './run.ts';
import { defaultTimeouts } from './timeouts.ts';
import type { TrafficMoveDocument } from './shift.ts';
import { applyMove, auditInterrupted, rollbackAll, type MoveContext } from './traffic.ts';

export interface RollbackRequest extends TargetInputs {
  /** One step down instead of all the way to 0 %. */
  planned?: boolean | undefined;
}

export async function rollback(
  run: GateRun,
  req: RollbackRequest,
): Promise<GateRunResult<TrafficMoveDocument>> {
  // Only the namespace and the profile matter here; --prometheus and the other canary flags are ignored.
  const { profile, file } = await loadGateProfile({ ...req }, {}, run.env);
  run.facts.profile = profile;
  run.useDefaultTimeout(defaultTimeouts.rollback());
  return withCluster(run, req, async (session) => {
    const ctx: MoveContext = { run, profile, cluster: session.client };
    const object = `VirtualService/${profile.namespaces.mesh}/${profile.traffic.virtualService}`;
    const done = (
      record: AuditRecord,
      verdict: Verdict,
      errors: string[] = [],
      pending: string[] = [],
    ): GateRunResult<TrafficMoveDocument> => {
      const r = run.finish<TrafficMoveDocument>({
        verdict,
        document: { schema: 'meshgate.dev/traffic-move/v1', ...record, verdict, reasons: [record.reason] },
        profile: file ?? 'defaults',
        cluster: session.identity,
        step: record.to,
        errors,
        pending,
      });
      if (r.interrupted) r.document.interrupted = r.interrupted;
      return r;
    };
    run.plan.writes.push(
      req.planned ? `${object} one step down` : `${object} mesh weight 0 %, mesh Deployments scaled to 0`,
    );
    let from = -1;
    try {
      if (req.planned) {
        const current = await run.step(`the VirtualService ${object}`, () =>
          currentSplit(session.client, profile),
        );
        from = current.split.meshWeight;
        const to = stepDown(from, profile.traffic.steps);
        if (from === 0) {
          const record: AuditRecord = {
            at: new Date().toISOString(),
            by: actor(run.env),
            action: 'planned-rollback',
            outcome: 'unchanged',
            object: current.object,
            from,
            to,
            reason: 'the mesh already receives 0 %',
            cluster: session.client.server,
          };
          run.recordAudit(record);
          return done(record, 'PASS');
        }
        const out = await applyMove(ctx, {
          current,
          to,
          action: 'planned-rollback',
          reason: `planned rollback: one step down from ${from} % to ${to} %`,
        });
        return done(out.record, out.error ? 'INCONCLUSIVE' : 'PASS', out.error ? [out.error] : []);
      }
      const record = await rollbackAll(ctx, {
        reason: 'emergency rollback: all traffic to legacy, mesh Deployments scaled to 0',
      });
      return done(record, 'PASS');
    } catch (err) {
      if (err instanceof Interrupted) {
        const pending = [req.planned ? 'the planned rollback' : 'the emergency rollback'];
        const record = auditInterrupted(ctx, err, {
          action: req.planned ? 'planned-rollback' : 'rollback',
          object,
          from,
          to: 0,
          pending,
        });
        return done(record, 'INCONCLUSIVE', [], pending);
      }
      if (err instanceof ClusterError || err instanceof SplitError) {
        const message = `rollback not completed: ${err.message}`;
        return done(
          {
            at: new Date().toISOString(),
            by: actor(run.env),
            action: req.planned ? 'planned-rollback' : 'rollback',
            outcome: 'refused',
            object,
            from,
            to: 0,
            reason: message,
            cluster: session.client.server,
          },
          'INCONCLUSIVE',
          [message],
        );
      }
      throw err;
    }
  });
}
