import type { AccessAttributes } from '../cluster/types.ts';
import type { Profile } from '../profile/index.ts';

/**
 * Every Kubernetes permission meshgate uses, once: the source of the RBAC manifests in
 * deploy/kubernetes (src/permissions/manifests.ts), of the list `prereq.permissions` checks
 * (src/checks/prereq/permissions.ts) and of the table in docs/rbac.md. Least privilege: reads the suites
 * make, exec and proxy only in the namespaces whose pods the checks ask, writes only on the objects
 * `shift` and `rollback` change (by name).
 */

/**
 * The roles: `read` for the suites, `traffic` for the gate's writes, `probe` and `load` opt-in, and
 * `canary` alone for a Job that only judges a step (Argo Rollouts' AnalysisTemplate).
 */
export type RoleName = 'read' | 'traffic' | 'probe' | 'load' | 'canary';

/** Where a rule applies: cluster-wide (ClusterRole) or in one namespace of the profile (Role). */
export type RuleScope =
  | { cluster: true }
  | { namespace: keyof Profile['namespaces'] }
  | { namespace: 'probe' }
  | { namespace: 'load' };

export interface PermissionRule {
  /** Stable id, named in docs/rbac.md and in tests: `<scope>.<what>`. */
  id: string;
  role: RoleName;
  scope: RuleScope;
  apiGroup: string;
  resources: readonly string[];
  verbs: readonly string[];
  /** Restricts the rule to these object names (from the profile). */
  resourceNames?: (p: Profile) => string[];
  /** Why meshgate needs it, for the manifest comment and the docs. */
  why: string;
  /** The checks that cannot see without it (INCONCLUSIVE when it is missing), or the commands. */
  needs: readonly string[];
}

// The verbs the suites use: `list` (evidence on the failure path lists by name too), `get` only where
// a check reads one object by name.
const READ = ['get', 'list'] as const;
const LIST = ['list'] as const;

/** The Istio ConfigMaps read by name: mesh config and injector, unrevisioned and for the profile's revision. */
function istioConfigMapNames(p: Profile): string[] {
  const base = [p.istio.meshConfigMap, 'istio-sidecar-injector'];
  const rev = p.istio.revision;
  return rev && rev !== 'default' ? [...base, ...base.map((n) => `${n}-${rev}`)] : base;
}
const cluster = { cluster: true } as const;
const ns = (namespace: keyof Profile['namespaces']) => ({ namespace }) as const;

export const PERMISSION_RULES: readonly PermissionRule[] = [
  // Cluster-wide reads: the suites compare objects across namespaces (gateways and DestinationRules
  // anywhere can route mesh hosts; Services of type LoadBalancer anywhere prove LB support).
  {
    id: 'cluster.namespaces',
    role: 'read',
    scope: cluster,
    apiGroup: '',
    resources: ['namespaces'],
    verbs: READ,
    why: 'namespace labels: injection, Pod Security, NetworkPolicy selectors',
    needs: [
      'mesh.istio.namespace',
      'mesh.spire.namespace',
      'mesh.spire.cluster-spiffeids',
      'mesh.namespace.injection',
      'mesh.namespace.pod-security',
      'mesh.namespace.restricted-cni',
      'mesh.app.sidecars',
      'security.netpol.allowances',
      'security.pss.namespace',
    ],
  },
  {
    id: 'cluster.nodes',
    role: 'read',
    scope: cluster,
    apiGroup: '',
    resources: ['nodes'],
    verbs: LIST,
    why: "allocatable capacity; DaemonSets (CNI, SPIRE agent, CSI driver) on every node; the nodes' zones for DestinationRules' locality failover",
    needs: [
      'mesh.spire.agents',
      'mesh.spire.csi-driver',
      'mesh.traffic.destination-rules',
      'prereq.capacity',
    ],
  },
  {
    id: 'cluster.pods',
    role: 'read',
    scope: cluster,
    apiGroup: '',
    resources: ['pods'],
    verbs: LIST,
    why: 'pods behind gateways, Services and policy selectors in any namespace',
    needs: [
      'mesh.istio.ingress-gateway',
      'mesh.istio.proxy-versions',
      'mesh.spire.server',
      'mesh.spire.agents',
      'mesh.spire.csi-driver',
      'mesh.spire.entries',
      'mesh.namespace.restricted-cni',
      'mesh.traffic.gateway',
      'mesh.traffic.destination-rules',
      'mesh.app.restarts',
      'mesh.app.probes',
      'mesh.app.sidecars',
      'mesh.app.sidecar-resources',
      'mesh.app.spire-template',
      'mesh.app.service-accounts',
      'mesh.app.uid',
      'mesh.app.telemetry',
      'mesh.app.health',
      'mesh.app.identities',
      'mesh.envoy.circuit-breakers',
      'mesh.envoy.cluster-limits',
      'security.mtls.strict',
      'security.mtls.selectors',
      'security.authz.allow-policies',
      'security.netpol.allowances',
      'security.identity.spiffe-id',
      'security.identity.cert-validity',
      'security.identity.spire-issued',
      'security.hygiene.sa-token',
      'security.pss.pods',
    ],
  },
  {
    id: 'cluster.services',
    role: 'read',
    scope: cluster,
    apiGroup: '',
    resources: ['services'],
    verbs: LIST,
    why: 'LoadBalancer addresses, webhook Services, hosts that VirtualServices and DestinationRules name',
    needs: [
      'mesh.istio.webhooks',
      'mesh.istio.ingress-gateway',
      'mesh.traffic.gateway',
      'mesh.traffic.virtual-service',
      'mesh.traffic.destination-rules',
      'mesh.observability.stack',
      'mesh.app.deployments',
      'prereq.load-balancer',
      'security.mtls.destination-rules',
    ],
  },
  {
    id: 'cluster.deployments',
    role: 'read',
    scope: cluster,
    apiGroup: 'apps',
    resources: ['deployments'],
    verbs: LIST,
    why: 'istiod, the gateway, the observability stack, the application (and the load balancer check)',
    needs: [
      'mesh.istio.istiod-ready',
      'mesh.istio.ingress-gateway',
      'mesh.istio.proxy-versions',
      'mesh.observability.stack',
      'mesh.app.deployments',
      'mesh.app.probes',
      'mesh.app.service-accounts',
      'mesh.app.health',
      'prereq.load-balancer',
    ],
  },
  {
    id: 'cluster.storage',
    role: 'read',
    scope: cluster,
    apiGroup: 'storage.k8s.io',
    resources: ['storageclasses', 'csidrivers'],
    verbs: LIST,
    why: 'the default StorageClass; the SPIFFE CSI driver',
    needs: ['mesh.spire.csi-driver', 'prereq.storage-class', 'security.identity.spire-issued'],
  },
  {
    id: 'cluster.webhooks',
    role: 'read',
    scope: cluster,
    apiGroup: 'admissionregistration.k8s.io',
    resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'],
    verbs: LIST,
    why: 'the sidecar injector and validation webhooks',
    needs: ['mesh.istio.webhooks', 'mesh.namespace.injection'],
  },
  {
    id: 'cluster.crds',
    role: 'read',
    scope: cluster,
    apiGroup: 'apiextensions.k8s.io',
    resources: ['customresourcedefinitions'],
    verbs: LIST,
    why: 'Istio CRDs installed and served at the versions meshgate reads',
    needs: ['mesh.istio.crds'],
  },
  {
    id: 'cluster.istio-networking',
    role: 'read',
    scope: cluster,
    apiGroup: 'networking.istio.io',
    resources: ['gateways', 'virtualservices', 'destinationrules', 'serviceentries'],
    verbs: READ,
    why: 'routing to mesh hosts from any namespace: gateway, weights, circuit breakers, TLS modes; ServiceEntries (exported to every namespace by default) define hosts that routes and DestinationRules may name; the canary reads its step and window start from the VirtualService',
    needs: [
      'mesh.traffic.gateway',
      'mesh.traffic.virtual-service',
      'mesh.traffic.weights',
      'mesh.traffic.destination-rules',
      'mesh.traffic.outlier-detection',
      'mesh.traffic.connection-pool',
      'mesh.envoy.cluster-limits',
      'security.mtls.destination-rules',
      'security.mtls.selectors',
    ],
  },
  {
    id: 'cluster.spire-ids',
    role: 'read',
    scope: cluster,
    apiGroup: 'spire.spiffe.io',
    resources: ['clusterspiffeids'],
    verbs: LIST,
    why: 'the SPIRE controller manager registrations of mesh workloads',
    needs: ['mesh.spire.cluster-spiffeids'],
  },
  {
    id: 'cluster.access-reviews',
    role: 'read',
    scope: cluster,
    apiGroup: 'authorization.k8s.io',
    resources: ['subjectaccessreviews'],
    verbs: ['create'],
    why: 'prove RBAC is enforced by asking about another subject (no object is created)',
    needs: ['prereq.rbac'],
  },
  // The Istio root namespace: mesh-wide policy, the mesh config, the gateway's proxies.
  {
    id: 'istio.daemonsets',
    role: 'read',
    scope: ns('istio'),
    apiGroup: 'apps',
    resources: ['daemonsets'],
    verbs: LIST,
    why: 'the Istio CNI node agent',
    needs: ['mesh.istio.cni', 'mesh.namespace.restricted-cni'],
  },
  {
    id: 'istio.configmaps',
    role: 'read',
    scope: ns('istio'),
    apiGroup: '',
    resources: ['configmaps'],
    verbs: ['get'],
    resourceNames: istioConfigMapNames,
    why: "the mesh config (trust domain, root namespace, auto mTLS) and the sidecar injector's proxy image, by name only (the default revision's and the profile's `istio.revision`): no list of every ConfigMap in the namespace",
    needs: [
      'mesh.istio.mesh-config',
      'mesh.istio.proxy-versions',
      'mesh.spire.trust-domain',
      'security.identity.trust-domain',
    ],
  },
  {
    id: 'istio.serviceaccounts',
    role: 'read',
    scope: ns('istio'),
    apiGroup: '',
    resources: ['serviceaccounts'],
    verbs: LIST,
    why: 'principals that AuthorizationPolicies allow from the gateway namespace',
    needs: ['security.authz.allow-policies'],
  },
  {
    id: 'istio.security-policies',
    role: 'read',
    scope: ns('istio'),
    apiGroup: 'security.istio.io',
    resources: ['peerauthentications', 'authorizationpolicies'],
    verbs: LIST,
    why: 'mesh-wide PeerAuthentication and AuthorizationPolicy in the root namespace',
    needs: [
      'security.mtls.strict',
      'security.mtls.selectors',
      'security.authz.deny-by-default',
      'security.authz.allow-policies',
    ],
  },
  {
    id: 'istio.exec',
    role: 'read',
    scope: ns('istio'),
    apiGroup: '',
    resources: ['pods/exec'],
    verbs: ['create'],
    why: "`pilot-agent request GET certs` in the gateway's proxy: the SPIFFE ID and certificate it holds",
    needs: ['mesh.envoy.cluster-limits', 'security.identity.spiffe-id', 'security.identity.cert-validity'],
  },
  {
    id: 'istio.proxy',
    role: 'read',
    scope: ns('istio'),
    apiGroup: '',
    resources: ['pods/proxy'],
    verbs: ['get'],
    why: "the gateway proxies' merged stats (:15020) for the circuit-breaker check; without it meshgate falls back to exec",
    needs: [],
  },
  // The mesh namespace: the application, its proxies and policies.
  {
    id: 'mesh.serviceaccounts',
    role: 'read',
    scope: ns('mesh'),
    apiGroup: '',
    resources: ['serviceaccounts'],
    verbs: LIST,
    why: "each workload's own ServiceAccount; token automount; allowed principals",
    needs: ['mesh.app.service-accounts', 'security.authz.allow-policies', 'security.hygiene.sa-token'],
  },
  {
    id: 'mesh.networkpolicies',
    role: 'read',
    scope: ns('mesh'),
    apiGroup: 'networking.k8s.io',
    resources: ['networkpolicies'],
    verbs: LIST,
    why: 'default deny, no allow-all, and the allowances the mesh needs',
    needs: ['security.netpol.default-deny', 'security.netpol.no-allow-all', 'security.netpol.allowances'],
  },
  {
    id: 'mesh.security-policies',
    role: 'read',
    scope: ns('mesh'),
    apiGroup: 'security.istio.io',
    resources: ['peerauthentications', 'authorizationpolicies'],
    verbs: LIST,
    why: 'STRICT mTLS and deny-by-default in the mesh namespace',
    needs: [
      'security.mtls.strict',
      'security.mtls.selectors',
      'security.authz.deny-by-default',
      'security.authz.allow-policies',
    ],
  },
  {
    id: 'mesh.exec',
    role: 'read',
    scope: ns('mesh'),
    apiGroup: '',
    resources: ['pods/exec'],
    verbs: ['create'],
    why: '`pilot-agent request GET certs|clusters|stats` in the istio-proxy container of mesh pods',
    needs: [
      'mesh.app.identities',
      'mesh.envoy.cluster-limits',
      'security.identity.spiffe-id',
      'security.identity.cert-validity',
    ],
  },
  {
    id: 'mesh.proxy',
    role: 'read',
    scope: ns('mesh'),
    apiGroup: '',
    resources: ['pods/proxy'],
    verbs: ['get'],
    why: "the app's health endpoint and the proxies' merged stats through the API server",
    needs: ['mesh.app.health'],
  },
  {
    id: 'mesh.pod-dry-run',
    role: 'read',
    scope: ns('mesh'),
    apiGroup: '',
    resources: ['pods'],
    verbs: ['create'],
    why: 'a server-side dry run of a violating pod proves Pod Security rejects it (dryRun=All: nothing is stored)',
    needs: ['security.pss.enforced'],
  },
  // SPIRE: server health, registration entries, agents.
  {
    id: 'spire.daemonsets',
    role: 'read',
    scope: ns('spire'),
    apiGroup: 'apps',
    resources: ['daemonsets'],
    verbs: LIST,
    why: 'the SPIRE agent and SPIFFE CSI driver DaemonSets',
    needs: ['mesh.spire.agents', 'mesh.spire.csi-driver'],
  },
  {
    id: 'spire.server',
    role: 'read',
    scope: ns('spire'),
    apiGroup: 'apps',
    resources: ['statefulsets', 'deployments'],
    verbs: ['get'],
    resourceNames: (p) => [p.spire.server.name],
    why: 'the SPIRE server workload (StatefulSet or Deployment, as the profile says), by name only',
    needs: ['mesh.spire.server', 'mesh.spire.entries'],
  },
  {
    id: 'spire.configmaps',
    role: 'read',
    scope: ns('spire'),
    apiGroup: '',
    resources: ['configmaps'],
    verbs: ['get'],
    resourceNames: (p) => [p.spire.serverConfigMap],
    why: "the SPIRE server's server.conf (trust_domain), by name only",
    needs: ['mesh.spire.trust-domain', 'security.identity.trust-domain'],
  },
  {
    id: 'spire.exec',
    role: 'read',
    scope: ns('spire'),
    apiGroup: '',
    resources: ['pods/exec'],
    verbs: ['create'],
    why: '`spire-server healthcheck` and `spire-server entry show` in the server pod',
    needs: ['mesh.spire.server', 'mesh.spire.entries'],
  },
  {
    id: 'monitoring.endpoints',
    role: 'read',
    scope: ns('monitoring'),
    apiGroup: '',
    resources: ['endpoints'],
    verbs: LIST,
    why: 'the observability stack has ready endpoints',
    needs: ['mesh.observability.stack'],
  },
  // AuthorizationPolicies in the profile's other namespaces: a policy there that selects no running
  // workload is dead configuration (istioctl analyze IST0127). A Role per namespace rather than a
  // cluster-wide list: meshgate looks only where the profile says the migration lives.
  ...(['spire', 'legacy', 'monitoring'] as const).map((n): PermissionRule => ({
    id: `${n}.authorizationpolicies`,
    role: 'read',
    scope: ns(n),
    apiGroup: 'security.istio.io',
    resources: ['authorizationpolicies'],
    verbs: LIST,
    why: `AuthorizationPolicies in the ${n} namespace select running workloads (IST0127)`,
    needs: ['security.authz.allow-policies'],
  })),
  // The gate's writes (shift, complete, rollback), on the profile's objects only.
  {
    id: 'traffic.virtualservice',
    role: 'traffic',
    scope: ns('mesh'),
    apiGroup: 'networking.istio.io',
    resources: ['virtualservices'],
    verbs: ['patch'],
    resourceNames: (p) => [p.traffic.virtualService],
    why: 'move the mesh weight (merge patch with resourceVersion), by name only',
    needs: ['shift', 'complete', 'rollback', 'canary --apply'],
  },
  {
    id: 'traffic.scale',
    role: 'traffic',
    scope: ns('mesh'),
    apiGroup: 'apps',
    resources: ['deployments/scale'],
    verbs: ['patch'],
    resourceNames: (p) => p.app.workloads.map((w) => w.name),
    why: 'emergency rollback scales the mesh Deployments to 0 (planned rollback restores them), by name only',
    needs: ['rollback', 'canary --rollback-on-fail'],
  },
  // A canary-only Job (Argo Rollouts AnalysisTemplate): the VirtualService's step, nothing else.
  {
    id: 'canary.virtualservice',
    role: 'canary',
    scope: ns('mesh'),
    apiGroup: 'networking.istio.io',
    resources: ['virtualservices'],
    verbs: ['get'],
    resourceNames: (p) => [p.traffic.virtualService],
    why: 'the current step and last shift of the VirtualService, by name only',
    needs: ['canary'],
  },
  // Opt-in: `verify security --probe` (a throwaway pod) and `--load k6-operator` (a TestRun).
  {
    id: 'probe.pods',
    role: 'probe',
    scope: { namespace: 'probe' },
    apiGroup: '',
    resources: ['pods', 'pods/exec'],
    verbs: ['create', 'get', 'delete'],
    why: '`--probe`: create a curl pod outside the mesh, exec in it, delete it',
    needs: ['security.probe.plaintext', 'security.probe.denied-path'],
  },
  {
    id: 'load.configmaps',
    role: 'load',
    scope: { namespace: 'load' },
    apiGroup: '',
    resources: ['configmaps'],
    verbs: ['create', 'delete'],
    why: '`--load k6-operator`: the k6 script for the TestRun',
    needs: ['canary --load k6-operator'],
  },
  {
    id: 'load.testruns',
    role: 'load',
    scope: { namespace: 'load' },
    apiGroup: 'k6.io',
    resources: ['testruns'],
    verbs: ['create', 'get', 'list', 'watch', 'delete'],
    why: '`--load k6-operator`: start the TestRun, watch it finish, remove it',
    needs: ['canary --load k6-operator'],
  },
];

/** The namespace a namespaced rule applies in, for this profile. */
export function ruleNamespace(rule: PermissionRule, p: Profile): string | undefined {
  if ('cluster' in rule.scope) return undefined;
  if (rule.scope.namespace === 'probe') return p.security.probe.namespace;
  if (rule.scope.namespace === 'load') return p.load.operator.namespace;
  return p.namespaces[rule.scope.namespace];
}

/**
 * What to ask the API server (SelfSubjectAccessReview) to know a rule is granted: one question per
 * verb and resource; rules restricted by name ask about the first name.
 */
export function ruleAccess(rule: PermissionRule, p: Profile): AccessAttributes[] {
  const namespace = ruleNamespace(rule, p);
  const name = rule.resourceNames?.(p)[0];
  return rule.resources.flatMap((r) => {
    const [resource = r, subresource] = r.split('/');
    return rule.verbs.map((verb) => ({
      verb,
      group: rule.apiGroup,
      resource,
      ...(subresource ? { subresource } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
    }));
  });
}

/** Every permission of the given roles, as access questions (default: what the suites need). */
export function requiredAccess(p: Profile, roles: readonly RoleName[] = ['read']): AccessAttributes[] {
  return PERMISSION_RULES.filter((r) => roles.includes(r.role)).flatMap((r) => ruleAccess(r, p));
}
