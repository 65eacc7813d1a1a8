import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  ClusterClient,
  ClusterError,
  Limiter,
  loadKubeConfig,
  Resources,
  type KubeObject,
  type ResourceRef,
} from '../../cluster/index.ts';
import { podReads, type ExecRead, type PodRead, type ProxyRead } from '../../checks/pod-reads.ts';
import { requiredPermissions } from '../../checks/prereq/index.ts';
import type { Profile } from '../../profile/index.ts';
import { redactText, scrub } from './redact.ts';

const SIM_API = 'sim.meshgate.dev/v1alpha1';
/** Lists and reviews in flight at once while recording (per-pod reads are bounded by the client). */
const LIST_CONCURRENCY = 6;

/** Cluster-scoped kinds the suites read. */
const CLUSTER_KINDS: ResourceRef[] = [
  Resources.namespaces,
  Resources.nodes,
  Resources.storageClasses,
  Resources.csiDrivers,
  Resources.mutatingWebhooks,
  Resources.validatingWebhooks,
  Resources.crds,
  Resources.clusterRoles,
  Resources.clusterRoleBindings,
  Resources.clusterSpiffeIds,
];

/** Namespaced kinds the suites read, some across all namespaces (gateway pods, Services, Istio objects): recorded cluster-wide. */
const NAMESPACED_KINDS: ResourceRef[] = [
  Resources.pods,
  Resources.services,
  Resources.endpoints,
  Resources.endpointSlices,
  Resources.serviceAccounts,
  Resources.deployments,
  Resources.statefulSets,
  Resources.daemonSets,
  Resources.replicaSets,
  Resources.networkPolicies,
  Resources.gateways,
  Resources.virtualServices,
  Resources.destinationRules,
  Resources.serviceEntries,
  Resources.peerAuthentications,
  Resources.authorizationPolicies,
  Resources.roles,
  Resources.roleBindings,
];

/** ConfigMaps may hold anything an app keeps there: only the profile's namespaces, scrubbed. */
const PROFILE_NAMESPACE_KINDS: ResourceRef[] = [Resources.configMaps];

/** A request the recording cluster refused: replayed as a `ClusterProfile.spec.forbidden` rule. */
interface ForbiddenRule {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface SnapshotResult {
  dir: string;
  /** API objects recorded (the ClusterProfile included). */
  objects: number;
  /** PodEndpoint and PodExec answers recorded. */
  answers: number;
  /** What could not be read, and why: the replay answers those as the recording cluster did (forbidden) or as "not recorded". */
  missing: string[];
  /** The cluster could not be read at all (unreachable, unauthorized): nothing was written. */
  error?: string;
}

export interface SnapshotOptions {
  /** The recording's timestamp (default now). */
  now?: Date;
}

/** Where to record from: a kubeconfig (and context), as every command takes it. */
export interface SnapshotTarget {
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

/** `meshgate snapshot`: records the cluster of a kubeconfig into `out` (see recordSnapshot). */
export function takeSnapshot(
  target: SnapshotTarget,
  profile: Profile,
  out: string,
  opts: SnapshotOptions = {},
): Promise<SnapshotResult> {
  const cluster = new ClusterClient(
    loadKubeConfig({ kubeconfig: target.kubeconfig, context: target.context }),
  );
  return recordSnapshot(cluster, profile, out, opts);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Records a cluster as a scenario the simulator replays (`meshgate verify --scenario DIR`): every
 * object kind the suites read (Secrets never; credential-looking values scrubbed), and, as PodEndpoint
 * and PodExec objects, the pod-proxy and exec answers the checks read (token-like values redacted).
 * Reads the cluster refused become `forbidden` rules, so the replay refuses them too; the
 * ClusterProfile is marked `recorded`, so the replay serves only the recorded CRDs and answers
 * anything else it is asked per pod as "not recorded in the snapshot".
 */
export async function recordSnapshot(
  cluster: ClusterClient,
  profile: Profile,
  out: string,
  opts: SnapshotOptions = {},
): Promise<SnapshotResult> {
  const dir = path.resolve(out);
  const missing: string[] = [];
  const forbidden: ForbiddenRule[] = [];
  const refused = (err: unknown, rule: ForbiddenRule): void => {
    if (err instanceof ClusterError && err.kind === 'Forbidden') forbidden.push(rule);
    missing.push(errorText(err));
  };
  const grab = async (ref: ResourceRef, namespace?: string): Promise<KubeObject[] | undefined> => {
    try {
      // Malformed custom resources are recorded as they are: the replay must show them to the checks.
      const { items, rejected } = await cluster.listChecked(ref, { namespace });
      return [...items, ...rejected.map((r) => r.item)].map(scrub);
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      // A CRD that is not installed has nothing to record.
      if (err.kind === 'NotFound' && ref.group !== '') return [];
      refused(err, { verb: 'list', group: ref.group, resource: ref.plural, namespace: namespace ?? '' });
      return undefined;
    }
  };

  // Nothing is written before the cluster answered at all.
  const version = await cluster.version();
  const limit = new Limiter(LIST_CONCURRENCY);
  const nsNames = [...new Set([...Object.values(profile.namespaces), profile.istio.rootNamespace])];
  const inNamespaces = async (ref: ResourceRef): Promise<KubeObject[]> =>
    (await Promise.all(nsNames.map((ns) => limit.run(() => grab(ref, ns))))).flatMap((l) => l ?? []);
  const lists = await Promise.all([
    ...CLUSTER_KINDS.map(async (ref) => (await limit.run(() => grab(ref))) ?? []),
    // Refused cluster-wide (least privilege): what the profile's namespaces allow.
    ...NAMESPACED_KINDS.map(async (ref) => (await limit.run(() => grab(ref))) ?? (await inNamespaces(ref))),
    ...PROFILE_NAMESPACE_KINDS.map(inNamespaces),
  ]);
  const objects = lists.flat();

  const answers = await recordPodAnswers(cluster, profile, objects, refused);
  // What the identity may not do beyond what the reads above ran into (a namespace's pods while the
  // cluster-wide list was allowed, say): the permissions check asks, and the replay must refuse alike.
  const decisions = await Promise.all(
    requiredPermissions(profile).map(async (attrs) => ({
      attrs,
      decision: await limit.run(() => cluster.canI(attrs)).catch(() => undefined),
    })),
  );
  for (const { attrs, decision } of decisions) {
    if (decision && !decision.allowed) {
      forbidden.push({
        verb: attrs.verb,
        group: attrs.group,
        resource: attrs.resource,
        ...(attrs.subresource ? { subresource: attrs.subresource } : {}),
        ...(attrs.namespace ? { namespace: attrs.namespace } : {}),
      });
    }
  }

  const clusterProfile = {
    apiVersion: SIM_API,
    kind: 'ClusterProfile',
    metadata: { name: 'cluster' },
    spec: {
      version: Object.fromEntries(
        Object.entries(version).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
      forbidden: [...new Map(forbidden.map((f) => [JSON.stringify(f), f])).values()],
      recorded: { at: (opts.now ?? new Date()).toISOString(), from: cluster.server },
    },
  };
  writeScenario(dir, clusterProfile, objects, answers);
  return { dir, objects: objects.length + 1, answers: answers.length, missing };
}

/** Runs every pod read the checks make (src/checks/pod-reads.ts) and keeps the answers as simulator objects. */
async function recordPodAnswers(
  cluster: ClusterClient,
  profile: Profile,
  objects: KubeObject[],
  refused: (err: unknown, rule: ForbiddenRule) => void,
): Promise<KubeObject[]> {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const server = profile.spire.server;
  const spireServer = of(server.kind).find(
    (o) => o.metadata.name === server.name && o.metadata.namespace === profile.namespaces.spire,
  );
  const reads = podReads(
    {
      pods: of('Pod'),
      meshDeployments: of('Deployment').filter((d) => d.metadata.namespace === profile.namespaces.mesh),
      spireServer,
    },
    profile,
  );
  // The same read asked by two checks is one answer.
  const unique = [...new Map(reads.map((r) => [JSON.stringify(r), r])).values()];
  const answers = await Promise.all(unique.map((r) => answer(cluster, r, refused)));
  return answers.filter((a): a is KubeObject => a !== undefined);
}

async function answer(
  cluster: ClusterClient,
  read: PodRead,
  refused: (err: unknown, rule: ForbiddenRule) => void,
): Promise<KubeObject | undefined> {
  const base = { group: '', resource: 'pods', namespace: read.namespace, name: read.pod };
  try {
    return read.kind === 'proxy' ? await proxyAnswer(cluster, read) : await execAnswer(cluster, read);
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    refused(
      err,
      read.kind === 'proxy'
        ? { ...base, verb: 'get', subresource: 'proxy' }
        : { ...base, verb: 'create', subresource: 'exec' },
    );
    return undefined;
  }
}

/** A readable, unique object name for one answer: `<pod>-<what>-<hash of the exact read>`. */
function answerName(read: PodRead, what: string): string {
  const hash = createHash('sha256').update(JSON.stringify(read)).digest('hex').slice(0, 8);
  const text = `${read.pod}-${what}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-+$/, '')
    .slice(0, 180);
  return `${text}-${hash}`;
}

async function proxyAnswer(cluster: ClusterClient, read: ProxyRead): Promise<KubeObject> {
  const res = await cluster.podProxyGet(read.namespace, read.pod, read.port, read.path);
  return {
    apiVersion: SIM_API,
    kind: 'PodEndpoint',
    metadata: { name: answerName(read, `${read.port}-${read.path}`), namespace: read.namespace },
    spec: {
      pod: read.pod,
      port: read.port,
      path: `/${read.path}`,
      status: res.status,
      body: redactText(res.body),
    },
  };
}

async function execAnswer(cluster: ClusterClient, read: ExecRead): Promise<KubeObject | undefined> {
  const res = await cluster.podExec(read.namespace, read.pod, read.container, read.argv);
  // No exit status at all (the stream ended early): nothing faithful to record.
  if (res.exitCode < 0 || res.exitCode > 255) return undefined;
  return {
    apiVersion: SIM_API,
    kind: 'PodExec',
    metadata: {
      name: answerName(read, `${read.container}-${read.argv.join('-')}`),
      namespace: read.namespace,
    },
    spec: {
      pod: read.pod,
      container: read.container,
      command: [...read.argv],
      stdout: redactText(res.stdout),
      stderr: redactText(res.stderr),
      exitCode: res.exitCode,
    },
  };
}

function writeList(file: string, items: unknown[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    stringify({ apiVersion: 'v1', kind: 'List', items }, { lineWidth: 0, aliasDuplicateObjects: false }),
  );
}

/** cluster.yaml (ClusterProfile and cluster-scoped objects), <namespace>/objects.yaml, sim/<namespace>.yaml (pod answers). */
function writeScenario(
  dir: string,
  clusterProfile: object,
  objects: KubeObject[],
  answers: KubeObject[],
): void {
  mkdirSync(dir, { recursive: true });
  writeList(path.join(dir, 'cluster.yaml'), [
    clusterProfile,
    ...objects.filter((o) => !o.metadata.namespace),
  ]);
  const byNs = new Map<string, KubeObject[]>();
  for (const o of objects.filter((x) => x.metadata.namespace)) {
    const ns = o.metadata.namespace ?? '';
    byNs.set(ns, [...(byNs.get(ns) ?? []), o]);
  }
  for (const [ns, items] of byNs) writeList(path.join(dir, ns, 'objects.yaml'), items);
  const simByNs = new Map<string, KubeObject[]>();
  for (const a of answers) {
    const ns = a.metadata.namespace ?? '';
    simByNs.set(ns, [...(simByNs.get(ns) ?? []), a]);
  }
  for (const [ns, items] of simByNs) writeList(path.join(dir, 'sim', `${ns}.yaml`), items);
}
