import type { KubeObject } from '../cluster/types.ts';
import type { Profile } from '../profile/index.ts';
import { proxyContainer } from './common/containers.ts';
import { labelsOf } from './common/narrow.ts';
import { healthRequests } from './mesh/app-health.ts';
import { livePods, podReady, podsOfWorkload } from './mesh/k8s.ts';
import { spireServerArgv } from './mesh/spire.ts';
import { runningPods } from './security/mesh-pods.ts';

// The reads that exist only per pod (pod proxy, exec), and which pods they go to. The suites read
// through these, and `meshgate snapshot` records exactly these answers, so a replayed snapshot
// answers every question the checks ask of it.

export const PROXY_CONTAINER = 'istio-proxy';
/** Envoy's merged Prometheus endpoint, served by pilot-agent, reachable through the API server's pod proxy. */
export const MERGED_STATS_PORT = 15020;
export const MERGED_STATS_PATH = 'stats/prometheus';
export const CERTS_ARGV = ['pilot-agent', 'request', 'GET', 'certs'];
export const CLUSTERS_ARGV = ['pilot-agent', 'request', 'GET', 'clusters'];
/** Unfiltered: `stats?filter=...` is one argv element some exec paths do not pass through unchanged. */
export const STATS_ARGV = ['pilot-agent', 'request', 'GET', 'stats'];

export interface ProxyRead {
  kind: 'proxy';
  namespace: string;
  pod: string;
  port: number;
  /** Without the leading '/'. */
  path: string;
}

export interface ExecRead {
  kind: 'exec';
  namespace: string;
  pod: string;
  container: string;
  argv: string[];
}

export type PodRead = ProxyRead | ExecRead;

/** Live pods of the mesh namespace. */
export function meshPods(pods: KubeObject[], profile: Profile): KubeObject[] {
  return livePods(pods.filter((p) => p.metadata.namespace === profile.namespaces.mesh));
}

/** Live ingress gateway pods (the profile's selector, in the Istio namespace). */
export function gatewayPods(pods: KubeObject[], profile: Profile): KubeObject[] {
  const sel = profile.istio.ingressGateway.selector;
  return livePods(pods.filter((p) => p.metadata.namespace === profile.namespaces.istio)).filter((p) =>
    Object.entries(sel).every(([k, v]) => labelsOf(p.metadata.labels)[k] === v),
  );
}

/** Pods whose proxies carry mesh traffic and are ready: the injected application pods and the ingress gateway. */
export function proxiedPods(pods: KubeObject[], profile: Profile): KubeObject[] {
  return [...meshPods(pods, profile), ...gatewayPods(pods, profile)].filter(
    (p) => proxyContainer(p) && podReady(p),
  );
}

/** Running proxies whose identity the security suite reads: mesh workloads and the ingress gateway. */
export function identityPods(pods: KubeObject[], profile: Profile): KubeObject[] {
  const mesh = runningPods(pods, profile.namespaces.mesh).filter((p) => proxyContainer(p));
  const gw = gatewayPods(runningPods(pods, profile.namespaces.istio), profile).filter((p) =>
    proxyContainer(p),
  );
  return [...mesh, ...gw];
}

/** The SPIRE server pod to exec into: `<name>-0` of a StatefulSet, else a ready pod of the workload. */
export function spireServerPod(
  workload: KubeObject | undefined,
  pods: KubeObject[],
  profile: Profile,
): KubeObject | undefined {
  if (!workload) return undefined;
  const mine = podsOfWorkload(workload, pods);
  const { name } = profile.spire.server;
  return mine.find((p) => p.metadata.name === `${name}-0` && podReady(p)) ?? mine.find(podReady);
}

export interface ReadInputs {
  /** Pods of the mesh, Istio and SPIRE namespaces (others are ignored). */
  pods: KubeObject[];
  /** Deployments of the mesh namespace (health endpoints follow their selectors). */
  meshDeployments: KubeObject[];
  /** The SPIRE server StatefulSet or Deployment, when it exists. */
  spireServer: KubeObject | undefined;
}

const exec = (pod: KubeObject, container: string, argv: string[]): ExecRead => ({
  kind: 'exec',
  namespace: pod.metadata.namespace ?? '',
  pod: pod.metadata.name,
  container,
  argv,
});

/**
 * Every pod-proxy GET and exec the mesh and security suites may send for these objects (without
 * `--probe`): proxy stats (pod proxy, with exec as the fallback), clusters and certificates, the apps'
 * health endpoints, and the SPIRE server's healthcheck and entries.
 */
export function podReads(input: ReadInputs, profile: Profile): PodRead[] {
  const reads: PodRead[] = [];
  for (const pod of proxiedPods(input.pods, profile)) {
    reads.push({
      kind: 'proxy',
      namespace: pod.metadata.namespace ?? '',
      pod: pod.metadata.name,
      port: MERGED_STATS_PORT,
      path: MERGED_STATS_PATH,
    });
    reads.push(exec(pod, PROXY_CONTAINER, STATS_ARGV), exec(pod, PROXY_CONTAINER, CLUSTERS_ARGV));
  }
  const certPods = new Map<string, KubeObject>();
  for (const p of [
    ...proxiedPods(input.pods, profile).filter((p) => p.metadata.namespace === profile.namespaces.mesh),
    ...identityPods(input.pods, profile),
  ])
    certPods.set(`${p.metadata.namespace ?? ''}/${p.metadata.name}`, p);
  for (const pod of certPods.values()) reads.push(exec(pod, PROXY_CONTAINER, CERTS_ARGV));
  for (const r of healthRequests(input.meshDeployments, meshPods(input.pods, profile), profile)) {
    reads.push({
      kind: 'proxy',
      namespace: r.pod.metadata.namespace ?? '',
      pod: r.pod.metadata.name,
      port: r.target.port,
      path: r.target.path.replace(/^\/+/, ''),
    });
  }
  const spirePods = input.pods.filter((p) => p.metadata.namespace === profile.namespaces.spire);
  const server = spireServerPod(input.spireServer, spirePods, profile);
  if (server) {
    const c = profile.spire.server.container;
    reads.push(exec(server, c, spireServerArgv(profile, 'healthcheck')));
    reads.push(exec(server, c, spireServerArgv(profile, 'entry', 'show', '-output', 'json')));
  }
  return reads;
}

/** One pod read for a workload: the pod, the controller it stands for, and how many pods that has. */
export interface PodSample {
  pod: KubeObject;
  /** `ReplicaSet/<namespace>/<name>` (one revision of a Deployment), or the pod itself when bare. */
  owner: string;
  /** Pods of that owner among those given. */
  of: number;
}

/**
 * The sampling rule for settings that belong to a workload's pod template rather than to a pod (the
 * Envoy cluster limits a DestinationRule pushes to every proxy of a revision alike): one pod per
 * controlling owner, so per ReplicaSet, that is per Deployment revision, and every bare pod. The pod
 * read is the first ready one by name (else the first by name), so a run and its replay agree.
 */
export function onePodPerOwner(pods: KubeObject[]): PodSample[] {
  const groups = new Map<string, KubeObject[]>();
  for (const p of [...pods].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const ns = p.metadata.namespace ?? '';
    const ref =
      (p.metadata.ownerReferences ?? []).find((o) => o.controller) ?? p.metadata.ownerReferences?.[0];
    const owner = ref ? `${ref.kind}/${ns}/${ref.name}` : `Pod/${ns}/${p.metadata.name}`;
    groups.set(owner, [...(groups.get(owner) ?? []), p]);
  }
  return [...groups].map(([owner, members]) => ({
    pod: members.find(podReady) ?? (members[0] as KubeObject),
    owner,
    of: members.length,
  }));
}
