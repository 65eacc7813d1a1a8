import { serviceAccountOf, workloadOf } from '../common/pods.ts';
import type { KubeObject } from '../../cluster/types.ts';
import { labelsOf, num, rec, recs, str } from '../common/narrow.ts';
import { podPhase } from '../common/containers.ts';

export function labels(obj: KubeObject): Record<string, string> {
  return obj.metadata.labels ?? {};
}

export function annotations(obj: KubeObject): Record<string, string> {
  return obj.metadata.annotations ?? {};
}

/** Pods that are, or are about to be, serving: finished Jobs and evicted pods say nothing about the mesh. */
export function livePods(pods: KubeObject[]): KubeObject[] {
  return pods.filter((p) => !['Succeeded', 'Failed'].includes(podPhase(p)));
}

export function podReady(pod: KubeObject): boolean {
  return recs(rec(pod.status).conditions).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Ready flag of a container by name, from containerStatuses or (native sidecars) initContainerStatuses. */
export function containerReady(pod: KubeObject, name: string): boolean | undefined {
  const status = rec(pod.status);
  const all = [...recs(status.containerStatuses), ...recs(status.initContainerStatuses)];
  const s = all.find((c) => c.name === name);
  return s === undefined ? undefined : s.ready === true;
}

export function nodeOf(pod: KubeObject): string | undefined {
  return str(rec(pod.spec).nodeName);
}

/** `kubectl rollout restart deployment/x -n ns`, or `kubectl delete pod` for a bare pod. */
export function restartHint(pod: KubeObject): string {
  const w = workloadOf(pod);
  const ns = pod.metadata.namespace ?? '';
  if (w && ['Deployment', 'StatefulSet', 'DaemonSet'].includes(w.kind)) {
    return `kubectl rollout restart ${w.kind.toLowerCase()}/${w.name} -n ${ns}`;
  }
  return `kubectl delete pod ${pod.metadata.name} -n ${ns} (and recreate it)`;
}

export interface RolloutStatus {
  desired: number;
  ready: number;
  available: number;
}

/** Replica counts of a Deployment/StatefulSet (`replicas`) or DaemonSet (`desiredNumberScheduled`). */
export function rolloutStatus(obj: KubeObject): RolloutStatus {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  if (obj.kind === 'DaemonSet') {
    return {
      desired: num(status.desiredNumberScheduled) ?? 0,
      ready: num(status.numberReady) ?? 0,
      available: num(status.numberAvailable) ?? 0,
    };
  }
  return {
    desired: num(spec.replicas) ?? 1,
    ready: num(status.readyReplicas) ?? 0,
    available: num(status.availableReplicas) ?? 0,
  };
}

/** Pods a workload's `spec.selector.matchLabels` selects, in its namespace. */
export function podsOfWorkload(workload: KubeObject, pods: KubeObject[]): KubeObject[] {
  const sel = labelsOf(rec(rec(workload.spec).selector).matchLabels);
  if (Object.keys(sel).length === 0) return [];
  return pods.filter(
    (p) =>
      p.metadata.namespace === workload.metadata.namespace &&
      Object.entries(sel).every(([k, v]) => labels(p)[k] === v),
  );
}

/** The image tag, without digest ("docker.io/istio/proxyv2:1.20.1" → "1.20.1"). */
export function imageTag(image: string): string | undefined {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(colon + 1) : undefined;
}

export function findByName(objects: KubeObject[], name: string, namespace?: string): KubeObject | undefined {
  return objects.find(
    (o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
  );
}

/** A cluster-local FQDN for a Service: `name.ns.svc.cluster.local`. */
export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

export { serviceAccountOf, workloadOf };
