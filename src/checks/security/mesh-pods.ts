import type { KubeObject } from '../../cluster/types.ts';
import { podPhase, proxyContainer } from '../common/containers.ts';
import { labelsOf, rec, str } from '../common/narrow.ts';

/** Running pods of a namespace: the ones that take traffic and hold an identity now. */
export function runningPods(pods: KubeObject[], namespace: string): KubeObject[] {
  return pods.filter((p) => p.metadata.namespace === namespace && podPhase(p) === 'Running');
}

export function hasProxy(pod: KubeObject): boolean {
  return proxyContainer(pod) !== undefined;
}

export function serviceAccountOf(pod: KubeObject): string {
  return str(rec(pod.spec).serviceAccountName) ?? str(rec(pod.spec).serviceAccount) ?? 'default';
}

/**
 * The controller a person edits to fix a pod: a ReplicaSet's Deployment (name minus the
 * pod-template-hash), else the owner itself, else the pod.
 */
export function ownerOf(pod: KubeObject): { kind: string; name: string } {
  const owner =
    (pod.metadata.ownerReferences ?? []).find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return { kind: 'pod', name: pod.metadata.name };
  const hash = labelsOf(pod.metadata.labels)['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) {
    return { kind: 'deployment', name: owner.name.slice(0, -hash.length - 1) };
  }
  return { kind: owner.kind.toLowerCase(), name: owner.name };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
