import { getPath, isJsonObject } from './json.ts';
import { objectLabels, objectName, objectNamespace, type KubeObject } from './kube-object.ts';

/** The part of a PodEndpoint / PodExec that says which pods it answers for. */
export interface PodTarget {
  namespace: string;
  pod?: string;
  selector?: Record<string, string>;
}

export function targetsPod(target: PodTarget, pod: KubeObject): boolean {
  if (target.namespace !== objectNamespace(pod)) return false;
  if (target.pod !== undefined && target.pod !== objectName(pod)) return false;
  if (target.selector !== undefined) {
    const labels = objectLabels(pod);
    return Object.entries(target.selector).every(([k, v]) => labels[k] === v);
  }
  return true;
}

/** Entries naming the pod outrank selector entries; otherwise scenario order decides. */
export function mostSpecificFirst<T extends PodTarget>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => Number(b.pod !== undefined) - Number(a.pod !== undefined));
}

export function containerNames(pod: KubeObject): string[] {
  const containers = getPath(pod, ['spec', 'containers']);
  return Array.isArray(containers)
    ? containers.filter(isJsonObject).flatMap((c) => (typeof c.name === 'string' ? [c.name] : []))
    : [];
}

export function allContainerNames(pod: KubeObject): string[] {
  return ['initContainers', 'containers', 'ephemeralContainers'].flatMap((field) => {
    const list = getPath(pod, ['spec', field]);
    return Array.isArray(list)
      ? list.filter(isJsonObject).flatMap((c) => (typeof c.name === 'string' ? [c.name] : []))
      : [];
  });
}

/** Resolves a named container port (`http-envoy-prom`) to its number, as the pod proxy does. */
export function resolvePort(pod: KubeObject, port: string): number | undefined {
  if (/^\d+$/.test(port)) return Number(port);
  for (const field of ['containers', 'initContainers']) {
    const list = getPath(pod, ['spec', field]);
    if (!Array.isArray(list)) continue;
    for (const container of list.filter(isJsonObject)) {
      const ports = Array.isArray(container.ports) ? container.ports.filter(isJsonObject) : [];
      const found = ports.find((p) => p.name === port && typeof p.containerPort === 'number');
      if (found !== undefined && typeof found.containerPort === 'number') return found.containerPort;
    }
  }
  return undefined;
}
