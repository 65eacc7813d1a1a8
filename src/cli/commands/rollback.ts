import { ClusterClient, ClusterError, loadKubeConfig } from '../../cluster/index.ts';
import { loadProfile } from '../../profile/index.ts';
import { ExitCode, type ExitCodeValue } from '../../report/index.ts';
import {
  actor,
  appendAudit,
  applyMeshWeight,
  auditAnnotations,
  currentSplit,
  emergencyRollback,
  SplitError,
  stepDown,
  type AuditRecord,
} from '../../traffic/index.ts';
import { profileOverrides, type GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';
import { withScenario } from '../scenario.ts';

export interface RollbackOptions {
  planned?: boolean;
  scenario?: string[];
}

/**
 * `meshgate rollback`: the guide's emergency rollback (all traffic to legacy, mesh Deployments
 * scaled to 0, legacy untouched), or with --planned one step down the ladder. Never needs a verdict
 * or Prometheus.
 */
export async function rollback(global: GlobalOptions, opts: RollbackOptions, io: Io): Promise<ExitCodeValue> {
  const { profile } = await loadProfile({ configPath: global.config, overrides: profileOverrides(global) });
  return withScenario(opts.scenario, global, io, async (kubeconfig, context) => {
    const cluster = new ClusterClient(loadKubeConfig({ kubeconfig, context }));
    const base = { at: new Date().toISOString(), by: actor(), cluster: cluster.server };
    try {
      if (opts.planned) {
        const current = await currentSplit(cluster, profile);
        const to = stepDown(current.split.meshWeight, profile.traffic.steps);
        const record: AuditRecord = {
          ...base,
          action: 'planned-rollback',
          outcome: 'applied',
          object: current.object,
          from: current.split.meshWeight,
          to,
          reason: `planned rollback: one step down from ${current.split.meshWeight} % to ${to} %`,
          resourceVersion: { before: current.vs.metadata.resourceVersion },
        };
        if (current.split.meshWeight === 0) {
          record.outcome = 'unchanged';
          record.reason = 'the mesh already receives 0 %';
        } else {
          const after = await applyMeshWeight(cluster, current, to, auditAnnotations(record));
          record.resourceVersion = { ...record.resourceVersion, after: after.metadata.resourceVersion };
        }
        appendAudit(global.reportDir, record);
        emit(io, global, record);
        return ExitCode.Pass;
      }
      const record: AuditRecord = {
        ...base,
        action: 'rollback',
        outcome: 'applied',
        object: `VirtualService/${profile.namespaces.mesh}/${profile.traffic.virtualService}`,
        from: 0,
        to: 0,
        reason: 'emergency rollback: all traffic to legacy, mesh Deployments scaled to 0',
      };
      const outcome = await emergencyRollback(cluster, profile, auditAnnotations(record));
      record.from = outcome.fromWeight;
      record.resourceVersion = outcome.resourceVersion;
      record.scaled = outcome.scaled;
      if (!outcome.weightChanged && Object.keys(outcome.scaled).length === 0) {
        record.outcome = 'unchanged';
        record.reason = 'already rolled back: the mesh receives 0 % and its Deployments are at 0 replicas';
      }
      appendAudit(global.reportDir, record);
      emit(io, global, record);
      return ExitCode.Pass;
    } catch (err) {
      if (err instanceof ClusterError || err instanceof SplitError) {
        io.err(`error: rollback not completed: ${err.message}\n`);
        return ExitCode.Inconclusive;
      }
      throw err;
    }
  });
}

function emit(io: Io, global: GlobalOptions, record: AuditRecord): void {
  if (global.output === 'json') {
    io.out(JSON.stringify(record, null, 2) + '\n');
    return;
  }
  const scaled = Object.entries(record.scaled ?? {})
    .map(([name, s]) => `${name} ${s.from} → ${s.to}`)
    .join(', ');
  io.out(
    `${record.action} ${record.outcome}: ${record.object} mesh weight ${record.from} % → ${record.to} %` +
      (scaled ? `; scaled ${scaled}` : '') +
      `\n  ${record.reason}\n  audit: ${record.by} at ${record.at} (reports/audit.jsonl)\n`,
  );
}
