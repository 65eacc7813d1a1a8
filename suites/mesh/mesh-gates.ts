import { ClusterError, Resources, type ClusterClient } from '../../src/cluster/index.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { Inconclusive } from '../../src/checks/inconclusive.ts';
import {
  certificateSans,
  checkAppDeployments,
  checkAppHealth,
  checkAppUid,
  checkCircuitBreakerStats,
  checkClusterSpiffeIds,
  checkCni,
  checkConnectionPool,
  checkCsiDriver,
  checkDestinationRuleRefs,
  checkEnvoyClusterLimits,
  checkGateway,
  checkIngressGateway,
  checkInjectionLabel,
  checkIstioCrds,
  checkIstiod,
  checkMeshConfig,
  checkNamespaceExists,
  checkObservabilityStack,
  checkOutlierDetection,
  checkPodSecurityLabel,
  checkProxyIdentities,
  checkProxyVersions,
  checkReadinessProbes,
  checkRestrictedCni,
  checkRestarts,
  checkScrapeAnnotations,
  checkServiceAccounts,
  checkSidecarResources,
  checkSidecars,
  checkSpireAgents,
  checkSpireEntries,
  checkSpireServer,
  checkSpireTemplate,
  checkTrustDomain,
  checkVirtualService,
  checkWebhooks,
  checkWeights,
  controlPlane,
  DEFAULT_REVISION,
  healthRequests,
  parseAdminClusterStats,
  parseClusterLimits,
  parseEntries,
  parsePrometheusClusterStats,
  podRevision,
  revisionedName,
  SPIRE_MANAGED_LABEL,
  spireServerArgv,
  type ControlPlane,
  type HealthAnswer,
  type HealthRequest,
  type PodCerts,
  type PodClusters,
  type PodStats,
  type TrafficObjects,
} from '../../src/checks/mesh/index.ts';
import type { Malformed } from '../../src/checks/common/malformed.ts';
import {
  CERTS_ARGV,
  CLUSTERS_ARGV,
  gatewayPods as selectGatewayPods,
  MERGED_STATS_PATH,
  MERGED_STATS_PORT,
  meshPods as selectMeshPods,
  onePodPerOwner,
  planHealthReads,
  PROXY_CONTAINER,
  settleHealthPlan,
  proxiedPods as selectProxiedPods,
  spireServerPod as selectSpireServerPod,
  STATS_ARGV,
} from '../../src/checks/pod-reads.ts';
import { createPrometheusClient, podKey, readProxyStats } from '../../src/metrics/index.ts';
import { prometheusOptions } from '../../src/metrics/canary/client-options.ts';
import type { Profile } from '../../src/profile/index.ts';
import { envoyStatsEvidence, spireEntriesEvidence } from '../../src/report/evidence.ts';
import type { SuiteContext } from '../support/context.ts';
import type { GateGroup, GateSpec } from '../support/gate-spec.ts';

/** The stats lines a reviewer needs when a breaker is open: breakers, ejections, overflow. */
const ENVOY_BREAKER_LINES = /circuit_breakers|outlier_detection|ejections|overflow/;

const spec = (id: string, title: string, body: GateSpec['body']): GateSpec => ({ id, title, body });

async function meshPods({ cluster, profile }: SuiteContext): Promise<KubeObject[]> {
  return selectMeshPods(await cluster.list(Resources.pods, { namespace: profile.namespaces.mesh }), profile);
}

async function gatewayPods({ cluster, profile }: SuiteContext): Promise<KubeObject[]> {
  return selectGatewayPods(
    await cluster.list(Resources.pods, { namespace: profile.namespaces.istio }),
    profile,
  );
}

/** Pods whose proxies carry mesh traffic: the injected application pods and the ingress gateway. */
async function proxiedPods(ctx: SuiteContext): Promise<KubeObject[]> {
  return selectProxiedPods([...(await meshPods(ctx)), ...(await gatewayPods(ctx))], ctx.profile);
}

/** Pods SPIRE must register: SPIRE-managed mesh and gateway pods (and every mesh pod, labelled or not). */
async function spireManagedPods(ctx: SuiteContext): Promise<KubeObject[]> {
  const gw = (await gatewayPods(ctx)).filter((p) => p.metadata.labels?.[SPIRE_MANAGED_LABEL] === 'true');
  return [...(await meshPods(ctx)), ...gw];
}

/** The Istio revision the mesh namespace uses, with its objects' names (revisions and tags resolved). */
async function istioControlPlane(ctx: SuiteContext): Promise<ControlPlane> {
  const { cluster, profile } = ctx;
  return controlPlane(
    await meshNamespace(ctx),
    await cluster.list(Resources.deployments, { namespace: profile.namespaces.istio }),
    await cluster.list(Resources.mutatingWebhooks),
    profile,
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function execOk(
  cluster: ClusterClient,
  pod: KubeObject,
  container: string,
  argv: string[],
): Promise<string> {
  const res = await cluster.podExec(pod.metadata.namespace ?? '', pod.metadata.name, container, argv);
  if (res.exitCode !== 0)
    throw new Error(
      `${argv.join(' ')} exited ${res.exitCode}: ${(res.stderr || res.stdout).trim().slice(0, 200)}`,
    );
  return res.stdout;
}

/** The API server's own message in a Status body, if the body is one. */
function statusMessage(body: string): string {
  try {
    const doc = JSON.parse(body) as { kind?: unknown; message?: unknown };
    return doc.kind === 'Status' && typeof doc.message === 'string' ? ` (${doc.message})` : '';
  } catch {
    return '';
  }
}

/** Stats through the pod proxy (15020) first; exec `pilot-agent request GET stats` when the proxy is blocked. */
async function podStats(
  cluster: ClusterClient,
  pod: KubeObject,
  onRaw?: (stats: string) => void,
): Promise<PodStats> {
  const ns = pod.metadata.namespace ?? '';
  let proxyError = '';
  try {
    const res = await cluster.podProxyGet(ns, pod.metadata.name, MERGED_STATS_PORT, MERGED_STATS_PATH);
    if (res.status === 200 && res.body.trim()) {
      onRaw?.(res.body);
      return { pod, stats: parsePrometheusClusterStats(res.body), source: `pod proxy :${MERGED_STATS_PORT}` };
    }
    proxyError = `pod proxy :${MERGED_STATS_PORT} answered ${res.status}${statusMessage(res.body)}`;
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    proxyError = `pod proxy: ${err.message}`;
  }
  try {
    const out = await execOk(cluster, pod, PROXY_CONTAINER, STATS_ARGV);
    onRaw?.(out);
    return { pod, stats: parseAdminClusterStats(out), source: 'exec pilot-agent' };
  } catch (err) {
    // Forbidden exec included: the check reports this proxy as unreadable (inconclusive), never as healthy.
    return { pod, error: `${proxyError}; exec: ${errorText(err)}` };
  }
}

/** One attempt, a short wait: Prometheus only saves requests here, the pods can always be read. */
const PROXY_STATS_PROMETHEUS_TIMEOUT_MS = 5_000;

interface PrometheusStats {
  /** `namespace/pod` → the stats Prometheus holds for it (fresh series of its outbound clusters). */
  stats: Map<string, PodStats>;
  /** What was asked and what must be read directly, for the check's details. */
  details: string[];
}

const statsLine = (stat: string, cluster: string, value: number) =>
  `envoy_cluster_${stat}{cluster_name="${cluster}"} ${value}`;

/**
 * The Envoy breaker stats of these proxies from Prometheus (`profile.prometheus.url`, the canary's
 * setting, `--prometheus`): two queries for every pod. A pod Prometheus has no fresh outbound series
 * of is not in the answer, and is read directly by the caller; so is every pod when Prometheus
 * cannot be asked (unreachable, refused, no credential).
 */
async function prometheusStats(
  ctx: SuiteContext,
  pods: KubeObject[],
  onRaw?: (pod: KubeObject, stats: string) => void,
): Promise<PrometheusStats> {
  const stats = new Map<string, PodStats>();
  if (pods.length === 0) return { stats, details: [] };
  let client;
  // The run's signal, as the cluster client holds it: the query stops with the run (Ctrl-C, --timeout).
  const signal = ctx.cluster.transport.signalFor();
  try {
    client = createPrometheusClient({
      ...prometheusOptions(ctx.profile, ctx.env ?? process.env),
      timeoutMs: PROXY_STATS_PROMETHEUS_TIMEOUT_MS,
      retry: { maxAttempts: 1 },
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    return { stats, details: [`Prometheus not asked (${errorText(err)}): every proxy read directly`] };
  }
  const url = client.options.url;
  try {
    const namespaces = [...new Set(pods.map((p) => p.metadata.namespace ?? ''))].sort();
    const answer = await readProxyStats(client, namespaces, new Date());
    const direct: string[] = [];
    for (const pod of pods) {
      const key = podKey(pod.metadata.namespace ?? '', pod.metadata.name);
      const clusters = answer.pods.get(key);
      if (!clusters) {
        direct.push(`Pod/${key} (${answer.stale.get(key) ?? 'no outbound cluster series in Prometheus'})`);
        continue;
      }
      stats.set(key, { pod, stats: clusters, source: `Prometheus ${url}` });
      onRaw?.(
        pod,
        [...clusters]
          .flatMap(([cluster, m]) => [...m].map(([stat, v]) => statsLine(stat, cluster, v)))
          .join('\n'),
      );
    }
    return {
      stats,
      details: [
        `Envoy stats of ${stats.size} of ${pods.length} proxies from Prometheus ${url} (${answer.queries.length} queries at ${answer.time.toISOString()}: ${answer.queries.join(' ; ')})`,
        ...(direct.length ? [`read directly, Prometheus lacking fresh series: ${direct.join(', ')}`] : []),
      ],
    };
  } catch (err) {
    // Stopped by the run: not a reason to read every proxy instead.
    if (signal?.aborted) throw err;
    return {
      stats,
      details: [`Prometheus ${url} could not be read (${errorText(err)}): every proxy read directly`],
    };
  } finally {
    await client.close();
  }
}

async function podClusters(cluster: ClusterClient, pod: KubeObject): Promise<PodClusters> {
  try {
    return { pod, limits: parseClusterLimits(await execOk(cluster, pod, PROXY_CONTAINER, CLUSTERS_ARGV)) };
  } catch (err) {
    if (err instanceof ClusterError && err.kind === 'Forbidden') throw err;
    return { pod, error: errorText(err) };
  }
}

async function podCerts(cluster: ClusterClient, pod: KubeObject): Promise<PodCerts> {
  try {
    const out = await execOk(cluster, pod, PROXY_CONTAINER, CERTS_ARGV);
    const sans = certificateSans(out);
    return { pod, sans: sans ?? { error: 'pilot-agent request GET certs did not print JSON' } };
  } catch (err) {
    if (err instanceof ClusterError && err.kind === 'Forbidden') throw err;
    return { pod, sans: { error: errorText(err) } };
  }
}

/** GET the app's health endpoint through the pod proxy; API errors (403 on pods/proxy) become `error`. */
async function askHealth(cluster: ClusterClient, req: HealthRequest): Promise<HealthAnswer> {
  try {
    const res = await cluster.podProxyGet(
      req.pod.metadata.namespace ?? '',
      req.pod.metadata.name,
      req.target.port,
      req.target.path,
    );
    return { ...req, status: res.status, body: res.body };
  } catch (err) {
    if (!(err instanceof ClusterError) || err.kind === 'Unreachable' || err.kind === 'Unauthorized')
      throw err;
    return { ...req, error: err.message };
  }
}

/** The SPIRE server workload and the pod to exec into. */
async function spireServerPod({
  cluster,
  profile,
}: SuiteContext): Promise<{ workload?: KubeObject; pod?: KubeObject }> {
  const { kind, name } = profile.spire.server;
  const ns = profile.namespaces.spire;
  const workload = await cluster.find(
    kind === 'StatefulSet' ? Resources.statefulSets : Resources.deployments,
    name,
    ns,
  );
  if (!workload) return {};
  const pod = selectSpireServerPod(workload, await cluster.list(Resources.pods, { namespace: ns }), profile);
  return pod ? { workload, pod } : { workload };
}

function meshNamespace({ cluster, profile }: SuiteContext): Promise<KubeObject | undefined> {
  return cluster.find(Resources.namespaces, profile.namespaces.mesh);
}

async function istioConfigMap(ctx: SuiteContext): Promise<KubeObject | undefined> {
  const cp = await istioControlPlane(ctx);
  return ctx.cluster.find(Resources.configMaps, cp.names.meshConfig, ctx.profile.namespaces.istio);
}

/**
 * The injector ConfigMaps (`istio-sidecar-injector[-<rev>]`) of the revisions the pods were injected
 * by, each read by name: the proxy-version check compares a pod with its own revision's injector only,
 * and a get by name needs no list of every ConfigMap in the Istio namespace (least privilege,
 * src/permissions `istio.configmaps`).
 */
async function injectorConfigMaps(ctx: SuiteContext, pods: KubeObject[]): Promise<KubeObject[]> {
  const revisions = new Set(pods.map((p) => podRevision(p) ?? DEFAULT_REVISION));
  const found = await Promise.all(
    [...revisions].map((r) =>
      ctx.cluster.find(
        Resources.configMaps,
        revisionedName('istio-sidecar-injector', r),
        ctx.profile.namespaces.istio,
      ),
    ),
  );
  return found.filter((cm): cm is KubeObject => cm !== undefined);
}

/** A kind's objects that have the shape Istio defines, and the ones that do not (reported on their own). */
async function checked(
  cluster: ClusterClient,
  ref: (typeof Resources)[keyof typeof Resources],
  optional = false,
): Promise<{ items: KubeObject[]; malformed: Malformed[] }> {
  try {
    const { items, rejected } = await cluster.listChecked(ref);
    return { items, malformed: rejected };
  } catch (err) {
    // A CRD that is not installed (ServiceEntry on a cluster without it) holds nothing.
    if (optional && err instanceof ClusterError && err.kind === 'NotFound')
      return { items: [], malformed: [] };
    throw err;
  }
}

/** `k=v,k2=v2`: a label selector for exactly these labels (sorted, so equal selectors share a read). */
const labelSelector = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/**
 * The namespaces whose pods can back a DestinationRule's host: its own (short names resolve there),
 * the one a `name.namespace[.svc...]` host names, and the mesh namespace.
 */
function destinationRuleNamespaces(drs: KubeObject[], profile: Profile): string[] {
  const out = new Set([profile.namespaces.mesh]);
  for (const dr of drs) {
    if (dr.metadata.namespace) out.add(dr.metadata.namespace);
    const host = (dr.spec as { host?: unknown } | undefined)?.host;
    const parts = typeof host === 'string' && !host.startsWith('*') ? host.split('.') : [];
    if (parts.length >= 2 && parts[1]) out.add(parts[1]);
  }
  return [...out];
}

/**
 * Pods the traffic checks look at, without listing every pod of the cluster: those each Gateway's
 * selector picks (a Gateway selects in every namespace, so by label selector cluster-wide) and those
 * in the namespaces that can back a DestinationRule's subsets.
 */
async function trafficPods(
  cluster: ClusterClient,
  gateways: KubeObject[],
  drs: KubeObject[],
  profile: Profile,
): Promise<KubeObject[]> {
  const selectors = new Set(
    gateways
      .map((g) =>
        labelSelector((g.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {}),
      )
      .filter((sel) => sel !== ''),
  );
  const lists = await Promise.all([
    ...[...selectors].map((sel) => cluster.list(Resources.pods, { labelSelector: sel })),
    ...destinationRuleNamespaces(drs, profile).map((namespace) =>
      cluster.list(Resources.pods, { namespace }),
    ),
  ]);
  const byKey = new Map<string, KubeObject>();
  for (const p of lists.flat()) byKey.set(`${p.metadata.namespace ?? ''}/${p.metadata.name}`, p);
  return [...byKey.values()];
}

/** What the traffic checks read: Istio traffic objects and Services cluster-wide, and the pods they select. */
async function traffic({ cluster, profile }: SuiteContext): Promise<TrafficObjects> {
  const [gw, vs, dr, se, services] = await Promise.all([
    checked(cluster, Resources.gateways),
    checked(cluster, Resources.virtualServices),
    checked(cluster, Resources.destinationRules),
    checked(cluster, Resources.serviceEntries, true),
    cluster.list(Resources.services),
  ]);
  return {
    gateways: gw.items,
    virtualServices: vs.items,
    destinationRules: dr.items,
    serviceEntries: se.items,
    services,
    pods: await trafficPods(cluster, gw.items, dr.items, profile),
    malformed: [...gw.malformed, ...vs.malformed, ...dr.malformed, ...se.malformed],
  };
}

const nsList = (
  cluster: ClusterClient,
  ref: (typeof Resources)[keyof typeof Resources],
  profile: Profile,
  ns: keyof Profile['namespaces'],
) => cluster.list(ref, { namespace: profile.namespaces[ns] });

/** The mesh suite: Phases 1 to 3 of the guide (control plane, SPIRE, namespace, traffic objects, the app). */
export const MESH_GATES: GateGroup[] = [
  {
    title: 'Phase 1 · Step 1: Istio control plane',
    gates: [
      spec('mesh.istio.namespace', 'The Istio namespace exists', async ({ cluster, profile }) =>
        checkNamespaceExists(
          await cluster.find(Resources.namespaces, profile.namespaces.istio),
          profile.namespaces.istio,
          'the Istio control plane',
          `kubectl create namespace ${profile.namespaces.istio} (guide step 1)`,
        ),
      ),

      spec('mesh.istio.istiod-ready', 'istiod is running the profile Istio version', async (ctx) =>
        checkIstiod(await istioControlPlane(ctx), ctx.profile),
      ),

      spec(
        'mesh.istio.crds',
        'Istio CRDs are installed and serve the versions meshgate reads',
        async ({ cluster, profile }) => checkIstioCrds(await cluster.list(Resources.crds), profile),
      ),

      spec('mesh.istio.webhooks', 'Injector and validation webhooks point at istiod', async (ctx) =>
        checkWebhooks(
          await istioControlPlane(ctx),
          await ctx.cluster.list(Resources.mutatingWebhooks),
          await ctx.cluster.list(Resources.validatingWebhooks),
          await ctx.cluster.list(Resources.services),
          ctx.profile,
        ),
      ),

      spec('mesh.istio.mesh-config', 'Mesh config: trust domain, root namespace, auto mTLS', async (ctx) =>
        checkMeshConfig(await istioConfigMap(ctx), await istioControlPlane(ctx), ctx.profile),
      ),

      spec('mesh.istio.ingress-gateway', 'The ingress gateway is deployed and ready', async (ctx) => {
        const { cluster, profile } = ctx;
        return checkIngressGateway(
          await nsList(cluster, Resources.deployments, profile, 'istio'),
          await nsList(cluster, Resources.services, profile, 'istio'),
          await nsList(cluster, Resources.pods, profile, 'istio'),
          profile,
        );
      }),

      spec('mesh.istio.cni', 'Istio CNI runs on every node', async ({ cluster, profile }) =>
        checkCni(await nsList(cluster, Resources.daemonSets, profile, 'istio'), profile),
      ),

      spec('mesh.istio.proxy-versions', 'Proxies run the control plane version (IST0158)', async (ctx) => {
        const pods = [...(await meshPods(ctx)), ...(await gatewayPods(ctx))];
        return checkProxyVersions(
          pods,
          await istioControlPlane(ctx),
          await injectorConfigMaps(ctx, pods),
          ctx.profile,
        );
      }),
    ],
  },

  {
    title: 'Phase 1 · Step 2: SPIRE integration',
    gates: [
      spec('mesh.spire.namespace', 'The SPIRE namespace exists', async ({ cluster, profile }) =>
        checkNamespaceExists(
          await cluster.find(Resources.namespaces, profile.namespaces.spire),
          profile.namespaces.spire,
          'SPIRE',
          `kubectl create namespace ${profile.namespaces.spire} (guide step 2)`,
        ),
      ),

      spec('mesh.spire.server', 'The SPIRE server is ready and healthy', async (ctx) => {
        const { workload, pod } = await spireServerPod(ctx);
        const health = pod
          ? await ctx.cluster.podExec(
              pod.metadata.namespace ?? '',
              pod.metadata.name,
              ctx.profile.spire.server.container,
              spireServerArgv(ctx.profile, 'healthcheck'),
            )
          : undefined;
        return checkSpireServer(workload, health, ctx.profile);
      }),

      spec('mesh.spire.agents', 'A SPIRE agent runs on every node that hosts mesh workloads', async (ctx) => {
        const { cluster, profile } = ctx;
        return checkSpireAgents(
          await nsList(cluster, Resources.daemonSets, profile, 'spire'),
          await nsList(cluster, Resources.pods, profile, 'spire'),
          await cluster.list(Resources.nodes),
          await spireManagedPods(ctx),
          profile,
        );
      }),

      spec('mesh.spire.csi-driver', 'The SPIFFE CSI driver is registered and on every node', async (ctx) => {
        const { cluster, profile } = ctx;
        return checkCsiDriver(
          await cluster.list(Resources.csiDrivers),
          await nsList(cluster, Resources.daemonSets, profile, 'spire'),
          await nsList(cluster, Resources.pods, profile, 'spire'),
          await cluster.list(Resources.nodes),
          await spireManagedPods(ctx),
          profile,
        );
      }),

      spec('mesh.spire.trust-domain', 'SPIRE and Istio use the profile trust domain', async (ctx) =>
        checkTrustDomain(
          await ctx.cluster.find(
            Resources.configMaps,
            ctx.profile.spire.serverConfigMap,
            ctx.profile.namespaces.spire,
          ),
          await istioConfigMap(ctx),
          ctx.profile,
        ),
      ),

      spec(
        'mesh.spire.cluster-spiffeids',
        'ClusterSPIFFEIDs select the mesh pods without failures',
        async ({ cluster, profile }) =>
          checkClusterSpiffeIds(
            await cluster.list(Resources.clusterSpiffeIds),
            await cluster.list(Resources.namespaces),
            profile,
          ),
      ),

      spec('mesh.spire.entries', 'Every mesh pod has a SPIRE registration entry', async (ctx, evidence) => {
        const { pod } = await spireServerPod(ctx);
        if (!pod) {
          throw new Inconclusive(
            `no ready SPIRE server pod (${ctx.profile.spire.server.kind} ${ctx.profile.namespaces.spire}/${ctx.profile.spire.server.name}) to list entries from`,
            'see mesh.spire.server',
          );
        }
        const out = await execOk(
          ctx.cluster,
          pod,
          ctx.profile.spire.server.container,
          spireServerArgv(ctx.profile, 'entry', 'show', '-output', 'json'),
        ).catch((err: unknown) => {
          if (err instanceof ClusterError) throw err;
          throw new Inconclusive(
            `spire-server entry show failed: ${errorText(err)}`,
            'check spire.server.binary and spire.server.socketPath in meshgate.config.ts',
          );
        });
        const entries = parseEntries(out);
        evidence?.add(spireEntriesEvidence(entries));
        return checkSpireEntries(entries, await spireManagedPods(ctx), ctx.profile);
      }),
    ],
  },

  {
    title: 'Phase 2 · Step 3: Mesh namespace',
    gates: [
      spec(
        'mesh.namespace.injection',
        'The mesh namespace is labelled for sidecar injection (IST0102, IST0123)',
        async (ctx) =>
          checkInjectionLabel(
            await meshNamespace(ctx),
            await ctx.cluster.list(Resources.mutatingWebhooks),
            await istioControlPlane(ctx),
            ctx.profile,
          ),
      ),

      spec(
        'mesh.namespace.pod-security',
        'The mesh namespace enforces Pod Security "restricted"',
        async (ctx) => checkPodSecurityLabel(await meshNamespace(ctx), ctx.profile),
      ),

      spec(
        'mesh.namespace.restricted-cni',
        'Restricted pods are injected in CNI mode (no istio-init)',
        async (ctx) =>
          checkRestrictedCni(
            await meshNamespace(ctx),
            await nsList(ctx.cluster, Resources.daemonSets, ctx.profile, 'istio'),
            await meshPods(ctx),
            ctx.profile,
          ),
      ),
    ],
  },

  {
    title: 'Phase 2 · Step 4: Mesh infrastructure',
    gates: [
      spec(
        'mesh.traffic.gateway',
        'The Gateway selects the ingress gateway and its ports (IST0101, IST0162, IST0145)',
        async (ctx) => {
          const t = await traffic(ctx);
          return checkGateway(t.gateways, t.pods, t.services, ctx.profile, t.malformed);
        },
      ),

      spec(
        'mesh.traffic.virtual-service',
        'The VirtualService references existing Gateway, hosts, Services and subsets (IST0101, IST0132)',
        async (ctx) => checkVirtualService(await traffic(ctx), ctx.profile),
      ),

      spec(
        'mesh.traffic.weights',
        'Every route carries the same planned legacy/mesh split summing to 100',
        async (ctx) => {
          const t = await traffic(ctx);
          return checkWeights(t.virtualServices, ctx.profile, t.malformed);
        },
      ),

      spec(
        'mesh.traffic.destination-rules',
        'DestinationRules target the mesh Services and their subsets select pods',
        async (ctx) => {
          const t = await traffic(ctx);
          return checkDestinationRuleRefs(t.destinationRules, t.services, t.pods, ctx.profile, {
            serviceEntries: t.serviceEntries,
            nodes: await ctx.cluster.list(Resources.nodes),
            malformed: t.malformed,
          });
        },
      ),

      spec(
        'mesh.traffic.outlier-detection',
        'Circuit breakers (outlierDetection) have the guide values at every level',
        async (ctx) => {
          const t = await traffic(ctx);
          return checkOutlierDetection(t.destinationRules, ctx.profile, t.malformed);
        },
      ),

      spec(
        'mesh.traffic.connection-pool',
        'Connection pools have the guide values at every level',
        async (ctx) => {
          const t = await traffic(ctx);
          return checkConnectionPool(t.destinationRules, ctx.profile, t.malformed);
        },
      ),

      spec(
        'mesh.observability.stack',
        'Prometheus, Grafana and Jaeger are running behind their Services (Kiali reported if present)',
        async ({ cluster, profile }) =>
          checkObservabilityStack(
            [
              ...(await nsList(cluster, Resources.deployments, profile, 'monitoring')),
              ...(await nsList(cluster, Resources.deployments, profile, 'istio')),
            ],
            await nsList(cluster, Resources.services, profile, 'monitoring'),
            await nsList(cluster, Resources.endpoints, profile, 'monitoring'),
            profile,
          ),
      ),
    ],
  },

  {
    title: 'Phase 3 · Step 5: Application in the mesh',
    gates: [
      spec(
        'mesh.app.deployments',
        'The application Deployments and Services are up in the mesh namespace',
        async ({ cluster, profile }) =>
          checkAppDeployments(
            await nsList(cluster, Resources.deployments, profile, 'mesh'),
            await nsList(cluster, Resources.services, profile, 'mesh'),
            profile,
          ),
      ),

      spec(
        'mesh.app.restarts',
        'No container in the mesh namespace is restarting (restartCount, CrashLoopBackOff)',
        async (ctx) => checkRestarts(await meshPods(ctx), ctx.profile),
      ),

      spec(
        'mesh.app.probes',
        'Readiness probes are defined and rewritten for the sidecar (ISTIO_KUBE_APP_PROBERS)',
        async (ctx) =>
          checkReadinessProbes(
            await nsList(ctx.cluster, Resources.deployments, ctx.profile, 'mesh'),
            await meshPods(ctx),
            ctx.profile,
          ),
      ),

      spec('mesh.app.sidecars', 'Every mesh pod has a ready injected sidecar (IST0103)', async (ctx) =>
        checkSidecars(await meshPods(ctx), await meshNamespace(ctx), ctx.profile),
      ),

      spec('mesh.app.sidecar-resources', 'Sidecars have the guide requests and limits', async (ctx) =>
        checkSidecarResources(await meshPods(ctx), ctx.profile),
      ),

      spec(
        'mesh.app.spire-template',
        'Pods are injected with the SPIRE template and CSI workload socket',
        async (ctx) => checkSpireTemplate(await meshPods(ctx), ctx.profile),
      ),

      spec('mesh.app.service-accounts', 'Each workload runs as its own ServiceAccount', async (ctx) =>
        checkServiceAccounts(
          await nsList(ctx.cluster, Resources.deployments, ctx.profile, 'mesh'),
          await meshPods(ctx),
          await nsList(ctx.cluster, Resources.serviceAccounts, ctx.profile, 'mesh'),
          ctx.profile,
        ),
      ),

      spec('mesh.app.uid', 'App containers do not run as the proxy UID 1337 (IST0144)', async (ctx) =>
        checkAppUid(
          await meshPods(ctx),
          ctx.profile,
          await nsList(ctx.cluster, Resources.deployments, ctx.profile, 'mesh'),
        ),
      ),

      spec('mesh.app.telemetry', 'Mesh proxies are annotated for Prometheus scraping', async (ctx) =>
        checkScrapeAnnotations(await meshPods(ctx), ctx.profile),
      ),
    ],
  },

  {
    title: 'Phase 3 · Step 6: Verify the deployment',
    gates: [
      spec(
        'mesh.app.health',
        "The app's health endpoint answers through the pod proxy (/app-health on 15020 or the app port)",
        async (ctx) => {
          // One pod per ReplicaSet is asked; the others are judged by Ready when the kubelet's
          // readiness probe is the same endpoint (docs/performance.md, sampling rule).
          const planned = planHealthReads(
            healthRequests(
              await nsList(ctx.cluster, Resources.deployments, ctx.profile, 'mesh'),
              await meshPods(ctx),
              ctx.profile,
            ),
            ctx.run.allPods === true,
          );
          const first = await Promise.all(planned.read.map((r) => askHealth(ctx.cluster, r)));
          // A sample that did not answer 2xx: its ReplicaSet's other pods are read too.
          const { plan, more } = settleHealthPlan(planned, first);
          const rest = await Promise.all(more.map((r) => askHealth(ctx.cluster, r)));
          const result = checkAppHealth([...first, ...rest], ctx.profile, plan.judgedReady);
          return { ...result, details: [...result.details, plan.details] };
        },
      ),

      spec('mesh.app.identities', 'Running proxies hold their SPIFFE identity', async (ctx) => {
        const pods = selectProxiedPods(await meshPods(ctx), ctx.profile);
        return checkProxyIdentities(
          await Promise.all(pods.map((p) => podCerts(ctx.cluster, p))),
          ctx.profile,
        );
      }),

      spec(
        'mesh.envoy.circuit-breakers',
        'No Envoy circuit breaker is open and no host is ejected',
        async (ctx, evidence) => {
          // Counters from Prometheus when it has them (two queries for all proxies); every proxy it
          // lacks fresh series of is read directly, so no pod passes unseen.
          const pods = await proxiedPods(ctx);
          const raw = (p: KubeObject, stats: string) =>
            evidence?.add(envoyStatsEvidence(p.metadata.name, stats, ENVOY_BREAKER_LINES));
          const prom = await prometheusStats(ctx, pods, raw);
          const result = checkCircuitBreakerStats(
            await Promise.all(
              pods.map(
                (p) =>
                  prom.stats.get(podKey(p.metadata.namespace ?? '', p.metadata.name)) ??
                  podStats(ctx.cluster, p, (stats) => raw(p, stats)),
              ),
            ),
            ctx.profile,
          );
          return { ...result, details: [...result.details, ...prom.details] };
        },
      ),

      spec(
        'mesh.envoy.cluster-limits',
        'The connection pool reached Envoy (max connections, pending requests)',
        async (ctx) => {
          // A proxy's cluster limits come from its workload's DestinationRules, the same for every
          // pod of a revision: one pod per ReplicaSet is read unless --all-pods asks for every one.
          const proxied = await proxiedPods(ctx);
          const samples = ctx.run.allPods
            ? proxied.map((pod) => ({ pod, owner: '', of: 1 }))
            : onePodPerOwner(proxied);
          const result = checkEnvoyClusterLimits(
            await Promise.all(samples.map((s) => podClusters(ctx.cluster, s.pod))),
            (await traffic(ctx)).destinationRules,
            ctx.profile,
          );
          const sampled = ctx.run.allPods
            ? `every proxy read (--all-pods): ${proxied.length} pods`
            : `sampled one pod per ReplicaSet (the limits are the workload's, alike on its pods; --all-pods reads every proxy): ${samples
                .map(
                  (s) =>
                    `Pod/${s.pod.metadata.namespace ?? ''}/${s.pod.metadata.name} for ${s.owner} (1 of ${s.of})`,
                )
                .join(', ')}`;
          return { ...result, details: [...result.details, sampled] };
        },
      ),
    ],
  },
];
