import type { KubeObject } from '../../cluster/types.ts';
import { podPhase, proxyContainer } from '../common/containers.ts';
import { serviceAccountOf, workloadOf } from '../common/pods.ts';

/** Running pods of a namespace: the ones that take traffic and hold an identity now. */
export function runningPods(pods: KubeObject[], namespace: string): KubeObject[] {
  return pods.filter((p) => p.metadata.namespace === namespace && podPhase(p) === 'Running');
}

export function hasProxy(pod: KubeObject): boolean {
  return proxyContainer(pod) !== undefined;
}

export { serviceAccountOf };

/** The controller a person edits to fix a pod, in kubectl's lower-case kind; the pod itself when bare. */
export function ownerOf(pod: KubeObject): { kind: string; name: string } {
  const w = workloadOf(pod);
  return w ? { kind: w.kind.toLowerCase(), name: w.name } : { kind: 'pod', name: pod.metadata.name };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
