export {
  checkAppDeployments,
  checkProxyIdentities,
  checkScrapeAnnotations,
  checkServiceAccounts,
  checkSidecarResources,
  checkSidecars,
  checkSpireTemplate,
  certificateSans,
  injectionLabelTime,
} from './app.ts';
export type { PodCerts } from './app.ts';
export {
  apiServerStatus,
  appProbers,
  checkAppHealth,
  healthRequests,
  healthTarget,
  ISTIO_STATUS_PORT,
  statusPort,
} from './app-health.ts';
export type { HealthAnswer, HealthRequest, HealthTarget } from './app-health.ts';
export { checkAppUid, checkReadinessProbes, checkRestarts, PROXY_UID } from './app-pods.ts';
export {
  checkConnectionPool,
  checkDestinationRuleRefs,
  checkOutlierDetection,
  policyLevels,
} from './destination-rules.ts';
export type { DestinationRuleInputs } from './destination-rules.ts';
export {
  checkCircuitBreakerStats,
  checkEnvoyClusterLimits,
  STATS_MATCHER_ANNOTATION,
  STATS_MATCHER_VALUE,
  REQUIRED_BREAKER_GAUGES,
  BREAKER_STATS_REGEXP,
} from './envoy.ts';
export type { PodClusters, PodStats } from './envoy.ts';
export {
  outboundClusters,
  parseAdminClusterStats,
  parseClusterLimits,
  parseClusterName,
  parsePrometheusClusterStats,
} from './envoy-stats.ts';
export type { ClusterStats } from './envoy-stats.ts';
export { checkGateway, gatewayPodsOf } from './gateway.ts';
export {
  exportedTo,
  exportToOf,
  gatewayHostsFor,
  hostsOverlap,
  parseGatewayHost,
  resolveDestinationHost,
} from './hosts.ts';
export type { ResolvedHost } from './hosts.ts';
export {
  checkCni,
  checkIngressGateway,
  checkIstioCrds,
  checkIstiod,
  checkMeshConfig,
  checkProxyVersions,
  checkWebhooks,
  injectorProxyImage,
  readMeshConfig,
  sameIstioVersion,
} from './istio.ts';
export {
  controlPlane,
  DEFAULT_REVISION,
  defaultRevision,
  istiodRevisions,
  podRevision,
  resolveRevision,
  REV_LABEL,
  revisionedName,
  revisionTags,
  TAG_LABEL,
} from './revisions.ts';
export type { ControlPlane, IstiodRevision, RevisionTag } from './revisions.ts';
export { livePods, podReady, podsOfWorkload } from './k8s.ts';
export {
  checkInjectionLabel,
  checkNamespaceExists,
  checkPodSecurityLabel,
  checkRestrictedCni,
  injectingWebhooks,
} from './namespace.ts';
export { checkObservabilityStack } from './observability.ts';
export {
  checkClusterSpiffeIds,
  checkCsiDriver,
  checkSpireAgents,
  checkSpireEntries,
  checkSpireServer,
  checkTrustDomain,
  nodesNeedingSpire,
  parseEntries,
  SPIRE_MANAGED_LABEL,
  spireServerArgv,
  spireTrustDomain,
} from './spire.ts';
export type { SpireEntry } from './spire.ts';
export { checkVirtualService, checkWeights, httpRoutes, resolveHost } from './virtual-service.ts';
export type { TrafficObjects } from './virtual-service.ts';
