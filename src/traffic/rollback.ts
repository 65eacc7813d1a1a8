import { Conflict, Resources, type ClusterClient } from '../cluster/index.ts';
import { throwIfInterrupted } from '../core/index.ts';
import type { Profile } from '../profile/index.ts';
import { ANNOTATION_ROLLBACK_REPLICAS } from './audit.ts';
import { applyMeshWeight, currentSplit, type CurrentSplit } from './weights.ts';

export const ROLLBACK_ATTEMPTS = 3;

export interface RollbackOutcome {
  object: string;
  fromWeight: number;
  weightChanged: boolean;
  scaled: Record<string, { from: number; to: number }>;
  resourceVersion: { before?: string; after?: string };
}

/** Replica counts recorded by an earlier rollback, so a later shift can restore them. */
export function recordedReplicas(current: CurrentSplit): Record<string, number> {
  const raw = current.vs.metadata.annotations?.[ANNOTATION_ROLLBACK_REPLICAS];
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number'),
    );
  } catch {
    return {};
  }
}

/**
 * Emergency rollback: every route back to legacy, mesh Deployments scaled to 0, legacy untouched.
 * Idempotent, and it needs no verdict and no Prometheus. Unlike a shift, a conflict is re-read and
 * re-applied: the target (mesh weight 0) does not depend on what was read, so re-deriving the
 * patch from the fresh object is not a blind retry.
 */
export async function emergencyRollback(
  cluster: ClusterClient,
  profile: Profile,
  annotations: Record<string, string>,
  signal?: AbortSignal,
  onWrite?: (what: string) => void,
): Promise<RollbackOutcome> {
  const ns = profile.namespaces.mesh;
  const deployments = await cluster.list(Resources.deployments, { namespace: ns });
  const replicasNow: Record<string, number> = {};
  for (const d of deployments) {
    replicasNow[d.metadata.name] = (d.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  }
  for (let attempt = 1; ; attempt++) {
    const current = await currentSplit(cluster, profile);
    const previous = recordedReplicas(current);
    // Keep the counts of the last time the mesh was serving; a second rollback sees zeros.
    const record: Record<string, number> = { ...previous };
    for (const [name, n] of Object.entries(replicasNow)) if (n > 0) record[name] = n;
    const before = current.vs.metadata.resourceVersion;
    const weightChanged = current.split.routes.some((r) => r.mesh.weight !== 0);
    const toScale = Object.entries(replicasNow).filter(([, n]) => n > 0);
    if (!weightChanged && toScale.length === 0) {
      return {
        object: current.object,
        fromWeight: 0,
        weightChanged: false,
        scaled: {},
        resourceVersion: { before },
      };
    }
    try {
      const after = await applyMeshWeight(
        cluster,
        current,
        0,
        { ...annotations, [ANNOTATION_ROLLBACK_REPLICAS]: JSON.stringify(record) },
        signal,
      );
      onWrite?.(`${current.object} mesh weight ${current.split.meshWeight} % → 0 %`);
      const scaled: RollbackOutcome['scaled'] = {};
      for (const [name, n] of toScale) {
        throwIfInterrupted(signal);
        await cluster.scale(Resources.deployments, name, ns, 0);
        scaled[name] = { from: n, to: 0 };
        onWrite?.(`Deployment/${ns}/${name} scaled ${n} → 0`);
      }
      return {
        object: current.object,
        fromWeight: current.split.meshWeight,
        weightChanged,
        scaled,
        resourceVersion: { before, after: after.metadata.resourceVersion },
      };
    } catch (err) {
      if (!(err instanceof Conflict) || attempt >= ROLLBACK_ATTEMPTS) throw err;
      cluster.invalidate();
    }
  }
}

/** Scales mesh Deployments back to the counts an emergency rollback recorded. */
export async function restoreReplicas(
  cluster: ClusterClient,
  profile: Profile,
  current: CurrentSplit,
  signal?: AbortSignal,
  onWrite?: (what: string) => void,
): Promise<Record<string, { from: number; to: number }>> {
  const recorded = recordedReplicas(current);
  const ns = profile.namespaces.mesh;
  const restored: Record<string, { from: number; to: number }> = {};
  for (const d of await cluster.list(Resources.deployments, { namespace: ns })) {
    const want = recorded[d.metadata.name];
    const now = (d.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    if (want !== undefined && now === 0) {
      throwIfInterrupted(signal);
      await cluster.scale(Resources.deployments, d.metadata.name, ns, want);
      restored[d.metadata.name] = { from: 0, to: want };
      onWrite?.(`Deployment/${ns}/${d.metadata.name} scaled 0 → ${want}`);
    }
  }
  return restored;
}
