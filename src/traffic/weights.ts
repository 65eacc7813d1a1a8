import { Resources, type ClusterClient, type KubeObject } from '../cluster/index.ts';
import { throwIfInterrupted } from '../core/index.ts';
import type { Profile } from '../profile/index.ts';
import { readSplit, withMeshWeight, type Split } from './split.ts';

/** Thrown when the VirtualService cannot be read as a legacy/mesh split: nothing can be moved safely. */
export class SplitError extends Error {
  override readonly name = 'SplitError';
}

export interface CurrentSplit {
  vs: KubeObject;
  split: Split;
  object: string;
}

/** Reads the VirtualService named in the profile and validates its split. */
export async function currentSplit(cluster: ClusterClient, profile: Profile): Promise<CurrentSplit> {
  const ns = profile.namespaces.mesh;
  const name = profile.traffic.virtualService;
  const vs = await cluster.get(Resources.virtualServices, name, ns);
  const { split, problems } = readSplit(vs, profile);
  const object = `VirtualService/${ns}/${name}`;
  if (!split || problems.length) {
    throw new SplitError(`${object} cannot be read as a legacy/mesh split: ${problems.join('; ')}`);
  }
  return { vs, split, object };
}

/**
 * Sets the mesh weight on every split route with a merge patch carrying the observed
 * resourceVersion: if anyone changed the VirtualService since it was read, the API server answers
 * 409 and nothing is written.
 */
export async function applyMeshWeight(
  cluster: ClusterClient,
  current: CurrentSplit,
  meshWeight: number,
  annotations: Record<string, string>,
  signal?: AbortSignal,
): Promise<KubeObject> {
  const { vs } = current;
  // The last moment to stop: once sent, the patch is awaited so its outcome is known and audited.
  throwIfInterrupted(signal);
  return cluster.mergePatch(
    Resources.virtualServices,
    vs.metadata.name,
    vs.metadata.namespace,
    weightPatch(current, meshWeight, annotations),
  );
}

export function weightPatch(
  current: CurrentSplit,
  meshWeight: number,
  annotations: Record<string, string>,
): object {
  return {
    metadata: { resourceVersion: current.vs.metadata.resourceVersion, annotations },
    spec: { http: withMeshWeight(current.vs, current.split, meshWeight) },
  };
}
