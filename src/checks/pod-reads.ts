import type { KubeObject } from '../cluster/types.ts';
import type { Profile } from '../profile/index.ts';
import { proxyContainer } from './common/containers.ts';
import { labelsOf } from './common/narrow.ts';
import {
  healthRequests,
  readinessProbeIsTarget,
  type HealthAnswer,
  type HealthRequest,
} from './mesh/app-health.ts';
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
/** `ReplicaSet/<namespace>/<name>` of the pod's controller (else first owner), or the pod itself when bare. */
export function ownerKey(p: KubeObject): string {
  const ns = p.metadata.namespace ?? '';
  const ref = (p.metadata.ownerReferences ?? []).find((o) => o.controller) ?? p.metadata.ownerReferences?.[0];
  return ref ? `${ref.kind}/${ns}/${ref.name}` : `Pod/${ns}/${p.metadata.name}`;
}

export function onePodPerOwner(pods: KubeObject[]): PodSample[] {
  const groups = new Map<string, KubeObject[]>();
  for (const p of [...pods].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const owner = ownerKey(p);
    groups.set(owner, [...(groups.get(owner) ?? []), p]);
  }
  return [...groups].map(([owner, members]) => ({
    pod: members.find(podReady) ?? (members[0] as KubeObject),
    owner,
    of: members.length,
  }));
}

export interface HealthPlan {
  /** Asked through the pod proxy: one pod per ReplicaSet, and every pod that cannot be judged by Ready. */
  read: HealthRequest[];
  /** Not asked: Ready pods whose readiness probe is the endpoint the check reads. */
  judgedReady: HealthRequest[];
  /** For the check's details: which pods were read (and why), which judged by Ready. */
  details: string;
  /** Why each read pod is read, by pod; the owner of every pod. */
  why: Map<HealthRequest, string>;
  owner: Map<HealthRequest, string>;
  allPods: boolean;
}

const podRef = (p: KubeObject): string => `Pod/${p.metadata.namespace ?? ''}/${p.metadata.name}`;

function healthDetails(plan: Omit<HealthPlan, 'details'>): string {
  if (plan.allPods) return `every pod read (--all-pods): ${plan.read.length} pods`;
  const judged = new Map<string, string[]>();
  for (const r of plan.judgedReady) {
    const o = plan.owner.get(r) ?? '';
    judged.set(o, [...(judged.get(o) ?? []), r.pod.metadata.name]);
  }
  return (
    `read through the pod proxy (one pod per ReplicaSet, and every pod not judged by Ready; --all-pods reads every pod): ${plan.read
      .map((r) => `${podRef(r.pod)} ${plan.why.get(r) ?? ''}`.trim())
      .join(', ')}` +
    (judged.size
      ? `; judged by their Ready condition (Ready, and the kubelet's readiness probe is the endpoint read): ${[
          ...judged,
        ]
          .map(([o, names]) => `${o}: ${names.join(', ')}`)
          .join('; ')}`
      : '')
  );
}

/**
 * Which app health endpoints `mesh.app.health` asks. The app's answer is each pod's own state, but
 * the kubelet already asks the same endpoint on every pod (the readiness probe) and records the
 * answer in the pod's `Ready` condition. So the endpoint is read through the pod proxy for one pod
 * per owner (`onePodPerOwner`: a ReplicaSet, a revision; it proves the endpoint answers through the
 * proxy and what it says), and the other pods of that owner are judged by `Ready` when their
 * readiness probe is that endpoint. A pod that is not Ready, or whose readiness probe is something
 * else (a livez fallback, another port or path, an exec probe), is read directly: fail closed; so is
 * every pod of an owner whose sampled pod did not answer 2xx (`settleHealthPlan`).
 * `allPods` (`--all-pods`) reads every pod.
 */
export function planHealthReads(reqs: HealthRequest[], allPods: boolean): HealthPlan {
  const owner = new Map(reqs.map((r) => [r, ownerKey(r.pod)]));
  const why = new Map<HealthRequest, string>();
  if (allPods) {
    const plan = { read: reqs, judgedReady: [], why, owner, allPods };
    return { ...plan, details: healthDetails(plan) };
  }
  const byPod = new Map(reqs.map((r) => [r.pod, r]));
  const read: HealthRequest[] = [];
  const judgedReady: HealthRequest[] = [];
  for (const s of onePodPerOwner(reqs.map((r) => r.pod))) {
    const sample = byPod.get(s.pod) as HealthRequest;
    read.push(sample);
    why.set(sample, `for ${s.owner} (1 of ${s.of})`);
    for (const r of reqs.filter((x) => x !== sample && owner.get(x) === s.owner)) {
      if (!podReady(r.pod)) {
        read.push(r);
        why.set(r, '(not Ready)');
      } else if (!readinessProbeIsTarget(r)) {
        read.push(r);
        why.set(r, `(its readiness probe is not :${r.target.port}${r.target.path})`);
      } else judgedReady.push(r);
    }
  }
  const plan = { read, judgedReady, why, owner, allPods };
  return { ...plan, details: healthDetails(plan) };
}

/**
 * After the first reads: the pods judged by Ready of an owner whose sampled pod did not answer 2xx
 * (unhealthy, or not reachable through the pod proxy) are read too, so each is seen for itself.
 * `more` are the pods to read now; the returned plan holds every read.
 */
export function settleHealthPlan(
  plan: HealthPlan,
  answers: HealthAnswer[],
): { plan: HealthPlan; more: HealthRequest[] } {
  const bad = new Set(
    answers.filter((a) => 'error' in a || a.status < 200 || a.status >= 300).map((a) => ownerKey(a.pod)),
  );
  const more = plan.judgedReady.filter((r) => bad.has(plan.owner.get(r) ?? ''));
  if (more.length === 0) return { plan, more };
  const why = new Map(plan.why);
  for (const r of more) why.set(r, "(its ReplicaSet's sampled pod did not answer 2xx)");
  const next = {
    read: [...plan.read, ...more],
    judgedReady: plan.judgedReady.filter((r) => !more.includes(r)),
    why,
    owner: plan.owner,
    allPods: plan.allPods,
  };
  return { plan: { ...next, details: healthDetails(next) }, more };
}
