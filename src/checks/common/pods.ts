import type { KubeObject } from '../../cluster/types.ts';
import { labelsOf, rec, str } from './narrow.ts';

/** The ServiceAccount a pod runs as (`serviceAccount` is the deprecated spelling the API still fills). */
export function serviceAccountOf(pod: KubeObject): string {
  return str(rec(pod.spec).serviceAccountName) ?? str(rec(pod.spec).serviceAccount) ?? 'default';
}

/**
 * The controller a person edits to fix a pod: a ReplicaSet named `<deployment>-<pod-template-hash>`
 * stands for its Deployment; any other owner is itself. Undefined for a bare pod.
 */
export function workloadOf(pod: KubeObject): { kind: string; name: string } | undefined {
  const owner =
    (pod.metadata.ownerReferences ?? []).find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return undefined;
  const hash = labelsOf(pod.metadata.labels)['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
  }
  return { kind: owner.kind, name: owner.name };
}
