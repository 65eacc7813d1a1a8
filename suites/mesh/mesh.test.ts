import { describe } from 'vitest';
import { ClusterError, Resources, type ClusterClient } from '../../src/cluster/index.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { proxyContainer } from '../../src/checks/common/containers.ts';
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
  healthRequests,
  livePods,
  parseAdminClusterStats,
  parseClusterLimits,
  parseEntries,
  parsePrometheusClusterStats,
  podReady,
  podsOfWorkload,
  revisioned,
  SPIRE_MANAGED_LABEL,
  spireServerArgv,
  type HealthAnswer,
  type HealthRequest,
  type PodCerts,
  type PodClusters,
  type PodStats,
} from '../../src/checks/mesh/index.ts';
import type { Profile } from '../../src/profile/index.ts';
import { envoyStatsEvidence, spireEntriesEvidence } from '../../src/report/evidence.ts';
import { gate } from '../support/gate.ts';
import type { SuiteContext } from '../support/context.ts';

// Envoy's merged Prometheus endpoint, served by pilot-agent and reachable through the API server's pod proxy.
const MERGED_STATS_PORT = 15020;
const PROXY = 'istio-proxy';
/** The stats lines a reviewer needs when a breaker is open: breakers, ejections, overflow. */
const ENVOY_BREAKER_LINES = /circuit_breakers|outlier_detection|ejections|overflow/;

async function meshPods({ cluster, profile }: SuiteContext): Promise<KubeObject[]> {
  return livePods(await cluster.list(Resources.pods, { namespace: profile.namespaces.mesh }));
}

async function gatewayPods({ cluster, profile }: SuiteContext): Promise<KubeObject[]> {
  const pods = await cluster.list(Resources.pods, { namespace: profile.namespaces.istio });
  const sel = profile.istio.ingressGateway.selector;
  return livePods(pods).filter((p) => Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v));
}

/** Pods whose proxies carry mesh traffic: the injected application pods and the ingress gateway. */
async function proxiedPods(ctx: SuiteContext): Promise<KubeObject[]> {
  const pods = [...(await meshPods(ctx)), ...(await gatewayPods(ctx))];
  return pods.filter((p) => proxyContainer(p) && podReady(p));
}

/** Pods SPIRE must register: SPIRE-managed mesh and gateway pods (and every mesh pod, labelled or not). */
async function spireManagedPods(ctx: SuiteContext): Promise<KubeObject[]> {
  const gw = (await gatewayPods(ctx)).filter((p) => p.metadata.labels?.[SPIRE_MANAGED_LABEL] === 'true');
  return [...(await meshPods(ctx)), ...gw];
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

/** Stats through the pod proxy (15020) first; exec `pilot-agent request GET stats` when the proxy is blocked. */
async function podStats(
  cluster: ClusterClient,
  pod: KubeObject,
  onRaw?: (stats: string) => void,
): Promise<PodStats> {
  const ns = pod.metadata.namespace ?? '';
  let proxyError = '';
  try {
    const res = await cluster.podProxyGet(ns, pod.metadata.name, MERGED_STATS_PORT, 'stats/prometheus');
    if (res.status === 200 && res.body.trim()) {
      onRaw?.(res.body);
      return { pod, stats: parsePrometheusClusterStats(res.body), source: `pod proxy :${MERGED_STATS_PORT}` };
    }
    proxyError = `pod proxy :${MERGED_STATS_PORT} answered ${res.status}`;
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    proxyError = `pod proxy: ${err.message}`;
  }
  try {
    // Unfiltered: `stats?filter=...` is one argv element some exec paths do not pass through unchanged.
    const out = await execOk(cluster, pod, PROXY, ['pilot-agent', 'request', 'GET', 'stats']);
    onRaw?.(out);
    return { pod, stats: parseAdminClusterStats(out), source: 'exec pilot-agent' };
  } catch (err) {
    // Forbidden exec included: the check reports this proxy as unreadable (inconclusive), never as healthy.
    return { pod, error: `${proxyError}; exec: ${errorText(err)}` };
  }
}

async function podClusters(cluster: ClusterClient, pod: KubeObject): Promise<PodClusters> {
  try {
    return {
      pod,
      limits: parseClusterLimits(
        await execOk(cluster, pod, PROXY, ['pilot-agent', 'request', 'GET', 'clusters']),
      ),
    };
  } catch (err) {
    if (err instanceof ClusterError && err.kind === 'Forbidden') throw err;
    return { pod, error: errorText(err) };
  }
}

async function podCerts(cluster: ClusterClient, pod: KubeObject): Promise<PodCerts> {
  try {
    const out = await execOk(cluster, pod, PROXY, ['pilot-agent', 'request', 'GET', 'certs']);
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

/** The SPIRE server pod to exec into: `<name>-0` of a StatefulSet, else a ready pod of the Deployment. */
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
  const pods = podsOfWorkload(workload, await cluster.list(Resources.pods, { namespace: ns }));
  return {
    workload,
    pod: pods.find((p) => p.metadata.name === `${name}-0` && podReady(p)) ?? pods.find(podReady),
  };
}

function meshNamespace({ cluster, profile }: SuiteContext): Promise<KubeObject | undefined> {
  return cluster.find(Resources.namespaces, profile.namespaces.mesh);
}

const istioConfigMap = ({ cluster, profile }: SuiteContext): Promise<KubeObject | undefined> =>
  cluster.find(
    Resources.configMaps,
    revisioned(profile.istio.meshConfigMap, profile),
    profile.namespaces.istio,
  );

const nsList = (
  cluster: ClusterClient,
  ref: (typeof Resources)[keyof typeof Resources],
  profile: Profile,
  ns: keyof Profile['namespaces'],
) => cluster.list(ref, { namespace: profile.namespaces[ns] });

describe('Phase 1 · Step 1: Istio control plane', () => {
  gate('mesh', 'mesh.istio.namespace', 'The Istio namespace exists', async ({ cluster, profile }) =>
    checkNamespaceExists(
      await cluster.find(Resources.namespaces, profile.namespaces.istio),
      profile.namespaces.istio,
      'the Istio control plane',
      `kubectl create namespace ${profile.namespaces.istio} (guide step 1)`,
    ),
  );

  gate(
    'mesh',
    'mesh.istio.istiod-ready',
    'istiod is running the profile Istio version',
    async ({ cluster, profile }) =>
      checkIstiod(await nsList(cluster, Resources.deployments, profile, 'istio'), profile),
  );

  gate(
    'mesh',
    'mesh.istio.crds',
    'Istio CRDs are installed and serve the versions meshgate reads',
    async ({ cluster, profile }) => checkIstioCrds(await cluster.list(Resources.crds), profile),
  );

  gate(
    'mesh',
    'mesh.istio.webhooks',
    'Injector and validation webhooks point at istiod',
    async ({ cluster, profile }) =>
      checkWebhooks(
        await cluster.list(Resources.mutatingWebhooks),
        await cluster.list(Resources.validatingWebhooks),
        await cluster.list(Resources.services),
        profile,
      ),
  );

  gate(
    'mesh',
    'mesh.istio.mesh-config',
    'Mesh config: trust domain, root namespace, auto mTLS',
    async (ctx) => checkMeshConfig(await istioConfigMap(ctx), ctx.profile),
  );

  gate('mesh', 'mesh.istio.ingress-gateway', 'The ingress gateway is deployed and ready', async (ctx) => {
    const { cluster, profile } = ctx;
    return checkIngressGateway(
      await nsList(cluster, Resources.deployments, profile, 'istio'),
      await nsList(cluster, Resources.services, profile, 'istio'),
      await nsList(cluster, Resources.pods, profile, 'istio'),
      profile,
    );
  });

  gate('mesh', 'mesh.istio.cni', 'Istio CNI runs on every node', async ({ cluster, profile }) =>
    checkCni(await nsList(cluster, Resources.daemonSets, profile, 'istio'), profile),
  );

  gate('mesh', 'mesh.istio.proxy-versions', 'Proxies run the control plane version (IST0158)', async (ctx) =>
    checkProxyVersions(
      [...(await meshPods(ctx)), ...(await gatewayPods(ctx))],
      await nsList(ctx.cluster, Resources.deployments, ctx.profile, 'istio'),
      ctx.profile,
    ),
  );
});

describe('Phase 1 · Step 2: SPIRE integration', () => {
  gate('mesh', 'mesh.spire.namespace', 'The SPIRE namespace exists', async ({ cluster, profile }) =>
    checkNamespaceExists(
      await cluster.find(Resources.namespaces, profile.namespaces.spire),
      profile.namespaces.spire,
      'SPIRE',
      `kubectl create namespace ${profile.namespaces.spire} (guide step 2)`,
    ),
  );

  gate('mesh', 'mesh.spire.server', 'The SPIRE server is ready and healthy', async (ctx) => {
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
  });

  gate(
    'mesh',
    'mesh.spire.agents',
    'A SPIRE agent runs on every node that hosts mesh workloads',
    async (ctx) => {
      const { cluster, profile } = ctx;
      return checkSpireAgents(
        await nsList(cluster, Resources.daemonSets, profile, 'spire'),
        await nsList(cluster, Resources.pods, profile, 'spire'),
        await cluster.list(Resources.nodes),
        await spireManagedPods(ctx),
        profile,
      );
    },
  );

  gate(
    'mesh',
    'mesh.spire.csi-driver',
    'The SPIFFE CSI driver is registered and on every node',
    async (ctx) => {
      const { cluster, profile } = ctx;
      return checkCsiDriver(
        await cluster.list(Resources.csiDrivers),
        await nsList(cluster, Resources.daemonSets, profile, 'spire'),
        await nsList(cluster, Resources.pods, profile, 'spire'),
        await cluster.list(Resources.nodes),
        await spireManagedPods(ctx),
        profile,
      );
    },
  );

  gate('mesh', 'mesh.spire.trust-domain', 'SPIRE and Istio use the profile trust domain', async (ctx) =>
    checkTrustDomain(
      await ctx.cluster.find(
        Resources.configMaps,
        ctx.profile.spire.serverConfigMap,
        ctx.profile.namespaces.spire,
      ),
      await istioConfigMap(ctx),
      ctx.profile,
    ),
  );

  gate(
    'mesh',
    'mesh.spire.cluster-spiffeids',
    'ClusterSPIFFEIDs select the mesh pods without failures',
    async ({ cluster, profile }) =>
      checkClusterSpiffeIds(
        await cluster.list(Resources.clusterSpiffeIds),
        await cluster.list(Resources.namespaces),
        profile,
      ),
  );

  gate('mesh', 'mesh.spire.entries', 'Every mesh pod has a SPIRE registration entry', async (ctx, ev) => {
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
    ev.add(spireEntriesEvidence(entries));
    return checkSpireEntries(entries, await spireManagedPods(ctx), ctx.profile);
  });
});

describe('Phase 2 · Step 3: Mesh namespace', () => {
  gate(
    'mesh',
    'mesh.namespace.injection',
    'The mesh namespace is labelled for sidecar injection (IST0102, IST0123)',
    async (ctx) =>
      checkInjectionLabel(
        await meshNamespace(ctx),
        await ctx.cluster.list(Resources.mutatingWebhooks),
        ctx.profile,
      ),
  );

  gate(
    'mesh',
    'mesh.namespace.pod-security',
    'The mesh namespace enforces Pod Security "restricted"',
    async (ctx) => checkPodSecurityLabel(await meshNamespace(ctx), ctx.profile),
  );

  gate(
    'mesh',
    'mesh.namespace.restricted-cni',
    'Restricted pods are injected in CNI mode (no istio-init)',
    async (ctx) =>
      checkRestrictedCni(
        await meshNamespace(ctx),
        await nsList(ctx.cluster, Resources.daemonSets, ctx.profile, 'istio'),
        await meshPods(ctx),
        ctx.profile,
      ),
  );
});

describe('Phase 2 · Step 4: Mesh infrastructure', () => {
  gate(
    'mesh',
    'mesh.traffic.gateway',
    'The Gateway selects the ingress gateway and its ports (IST0101, IST0162, IST0145)',
    async ({ cluster, profile }) =>
      checkGateway(
        await cluster.list(Resources.gateways),
        await cluster.list(Resources.pods),
        await cluster.list(Resources.services),
        profile,
      ),
  );

  gate(
    'mesh',
    'mesh.traffic.virtual-service',
    'The VirtualService references existing Gateway, hosts, Services and subsets (IST0101, IST0132)',
    async ({ cluster, profile }) =>
      checkVirtualService(
        await cluster.list(Resources.virtualServices),
        await cluster.list(Resources.gateways),
        await cluster.list(Resources.services),
        await cluster.list(Resources.destinationRules),
        profile,
      ),
  );

  gate(
    'mesh',
    'mesh.traffic.weights',
    'Every route carries the same planned legacy/mesh split summing to 100',
    async ({ cluster, profile }) => checkWeights(await cluster.list(Resources.virtualServices), profile),
  );

  gate(
    'mesh',
    'mesh.traffic.destination-rules',
    'DestinationRules target the mesh Services and their subsets select pods',
    async ({ cluster, profile }) =>
      checkDestinationRuleRefs(
        await cluster.list(Resources.destinationRules),
        await cluster.list(Resources.services),
        await cluster.list(Resources.pods),
        profile,
      ),
  );

  gate(
    'mesh',
    'mesh.traffic.outlier-detection',
    'Circuit breakers (outlierDetection) have the guide values at every level',
    async ({ cluster, profile }) =>
      checkOutlierDetection(await cluster.list(Resources.destinationRules), profile),
  );

  gate(
    'mesh',
    'mesh.traffic.connection-pool',
    'Connection pools have the guide values at every level',
    async ({ cluster, profile }) =>
      checkConnectionPool(await cluster.list(Resources.destinationRules), profile),
  );

  gate(
    'mesh',
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
  );
});

describe('Phase 3 · Step 5: Application in the mesh', () => {
  gate(
    'mesh',
    'mesh.app.deployments',
    'The application Deployments and Services are up in the mesh namespace',
    async ({ cluster, profile }) =>
      checkAppDeployments(
        await nsList(cluster, Resources.deployments, profile, 'mesh'),
        await nsList(cluster, Resources.services, profile, 'mesh'),
        profile,
      ),
  );

  gate(
    'mesh',
    'mesh.app.restarts',
    'No container in the mesh namespace is restarting (restartCount, CrashLoopBackOff)',
    async (ctx) => checkRestarts(await meshPods(ctx), ctx.profile),
  );

  gate(
    'mesh',
    'mesh.app.probes',
    'Readiness probes are defined and rewritten for the sidecar (ISTIO_KUBE_APP_PROBERS)',
    async (ctx) =>
      checkReadinessProbes(
        await nsList(ctx.cluster, Resources.deployments, ctx.profile, 'mesh'),
        await meshPods(ctx),
        ctx.profile,
      ),
  );

  gate('mesh', 'mesh.app.sidecars', 'Every mesh pod has a ready injected sidecar (IST0103)', async (ctx) =>
    checkSidecars(await meshPods(ctx), await meshNamespace(ctx), ctx.profile),
  );

  gate('mesh', 'mesh.app.sidecar-resources', 'Sidecars have the guide requests and limits', async (ctx) =>
    checkSidecarResources(await meshPods(ctx), ctx.profile),
  );

  gate(
    'mesh',
    'mesh.app.spire-template',
    'Pods are injected with the SPIRE template and CSI workload socket',
    async (ctx) => checkSpireTemplate(await meshPods(ctx), ctx.profile),
  );

  gate('mesh', 'mesh.app.service-accounts', 'Each workload runs as its own ServiceAccount', async (ctx) =>
    checkServiceAccounts(
      await nsList(ctx.cluster, Resources.deployments, ctx.profile, 'mesh'),
      await meshPods(ctx),
      await nsList(ctx.cluster, Resources.serviceAccounts, ctx.profile, 'mesh'),
      ctx.profile,
    ),
  );

  gate('mesh', 'mesh.app.uid', 'App containers do not run as the proxy UID 1337 (IST0144)', async (ctx) =>
    checkAppUid(await meshPods(ctx), ctx.profile),
  );

  gate('mesh', 'mesh.app.telemetry', 'Mesh proxies are annotated for Prometheus scraping', async (ctx) =>
    checkScrapeAnnotations(await meshPods(ctx), ctx.profile),
  );
});

describe('Phase 3 · Step 6: Verify the deployment', () => {
  gate(
    'mesh',
    'mesh.app.health',
    "The app's health endpoint answers through the pod proxy (/app-health on 15020 or the app port)",
    async (ctx) => {
      const reqs = healthRequests(
        await nsList(ctx.cluster, Resources.deployments, ctx.profile, 'mesh'),
        await meshPods(ctx),
        ctx.profile,
      );
      return checkAppHealth(await Promise.all(reqs.map((r) => askHealth(ctx.cluster, r))), ctx.profile);
    },
  );

  gate('mesh', 'mesh.app.identities', 'Running proxies hold their SPIFFE identity', async (ctx) => {
    const pods = (await meshPods(ctx)).filter((p) => proxyContainer(p) && podReady(p));
    return checkProxyIdentities(await Promise.all(pods.map((p) => podCerts(ctx.cluster, p))), ctx.profile);
  });

  gate(
    'mesh',
    'mesh.envoy.circuit-breakers',
    'No Envoy circuit breaker is open and no host is ejected',
    async (ctx, evidence) =>
      checkCircuitBreakerStats(
        await Promise.all(
          (await proxiedPods(ctx)).map((p) =>
            podStats(ctx.cluster, p, (stats) =>
              evidence.add(envoyStatsEvidence(p.metadata.name, stats, ENVOY_BREAKER_LINES)),
            ),
          ),
        ),
        ctx.profile,
      ),
  );

  gate(
    'mesh',
    'mesh.envoy.cluster-limits',
    'The connection pool reached Envoy (max connections, pending requests)',
    async (ctx) =>
      checkEnvoyClusterLimits(
        await Promise.all((await proxiedPods(ctx)).map((p) => podClusters(ctx.cluster, p))),
        await ctx.cluster.list(Resources.destinationRules),
        ctx.profile,
      ),
  );
});
