export {
  checkAllowPolicies,
  checkDenyByDefault,
  matchesEverything,
  needsAllPods,
  principalNamespaces,
} from './authorization.ts';
export { checkDestinationRuleTls, targetsMeshHost } from './destination-rule-tls.ts';
export { checkServiceAccountTokens } from './hygiene.ts';
export {
  checkProxyCertValidity,
  checkProxySpiffeIds,
  checkSpireIssued,
  checkTrustDomain,
  expectedSpiffeId,
  istioTrustDomain,
  parseCerts,
  spireTrustDomain,
} from './identity.ts';
export type { CertsAnswer, ProxyCert } from './identity.ts';
export { hasProxy, ownerOf, runningPods, serviceAccountOf } from './mesh-pods.ts';
export { checkStrictMtls } from './mtls.ts';
export {
  checkDefaultDenyNetworkPolicy,
  checkNetworkAllowances,
  checkNoAllowAllNetworkPolicy,
  readNetworkPolicy,
} from './network-policy.ts';
export { appPorts, readPeerAuthn, resolvePodMtls } from './peer-authentication.ts';
export type { ModeSource, MtlsMode, PeerAuthn, PodMtls } from './peer-authentication.ts';
export {
  checkNamespacePodSecurity,
  checkPodSecurityEnforced,
  checkPodsRestricted,
  violatingPod,
} from './pod-security.ts';
export type { DryRunOutcome } from './pod-security.ts';
export {
  checkDeniedPath,
  checkPlaintextRefused,
  curlArgv,
  PROBE_NOT_RUN,
  PROBE_POD_NAME,
  probeNotRun,
  probePod,
  serviceUrl,
} from './probes.ts';
export type { ProbeAnswer } from './probes.ts';
export { checkWorkloadSelectors, selectorNamespaces } from './workload-selectors.ts';
