import type { KubeObject } from '../../cluster/types.ts';
import { rec, recs, str } from './narrow.ts';

export type ContainerKind = 'container' | 'init' | 'sidecar' | 'ephemeral';

export interface PodContainer {
  name: string;
  /** `sidecar` is a native sidecar: an init container with `restartPolicy: Always` (Kubernetes 1.28+). */
  kind: ContainerKind;
  spec: Record<string, unknown>;
}

/** Every container of a pod, init and ephemeral ones included, in spec order. */
export function podContainers(pod: KubeObject): PodContainer[] {
  const spec = rec(pod.spec);
  const out: PodContainer[] = [];
  for (const c of recs(spec.initContainers)) {
    out.push({ name: str(c.name) ?? '', kind: c.restartPolicy === 'Always' ? 'sidecar' : 'init', spec: c });
  }
  for (const c of recs(spec.containers)) out.push({ name: str(c.name) ?? '', kind: 'container', spec: c });
  for (const c of recs(spec.ephemeralContainers))
    out.push({ name: str(c.name) ?? '', kind: 'ephemeral', spec: c });
  return out;
}

/**
 * The Istio sidecar: `istio-proxy` in `containers`, or with native sidecars
 * (`ENABLE_NATIVE_SIDECARS`) in `initContainers` with `restartPolicy: Always`.
 */
export function proxyContainer(pod: KubeObject, name = 'istio-proxy'): PodContainer | undefined {
  return podContainers(pod).find((c) => c.name === name && (c.kind === 'container' || c.kind === 'sidecar'));
}

export function podPhase(pod: KubeObject): string {
  return str(rec(pod.status).phase) ?? 'Unknown';
}
