/** Where a kind lives in the REST API. `group` is '' for the core group. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const r = (
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
): ResourceRef => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});

/** The kinds meshgate reads or writes. Istio versions are those Istio 1.20 serves (see mesh.md). */
export const Resources = {
  namespaces: r('', 'v1', 'namespaces', 'Namespace', false),
  nodes: r('', 'v1', 'nodes', 'Node', false),
  pods: r('', 'v1', 'pods', 'Pod', true),
  services: r('', 'v1', 'services', 'Service', true),
  serviceAccounts: r('', 'v1', 'serviceaccounts', 'ServiceAccount', true),
  configMaps: r('', 'v1', 'configmaps', 'ConfigMap', true),
  endpoints: r('', 'v1', 'endpoints', 'Endpoints', true),
  endpointSlices: r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  events: r('', 'v1', 'events', 'Event', true),
  deployments: r('apps', 'v1', 'deployments', 'Deployment', true),
  statefulSets: r('apps', 'v1', 'statefulsets', 'StatefulSet', true),
  daemonSets: r('apps', 'v1', 'daemonsets', 'DaemonSet', true),
  replicaSets: r('apps', 'v1', 'replicasets', 'ReplicaSet', true),
  networkPolicies: r('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true),
  storageClasses: r('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false),
  csiDrivers: r('storage.k8s.io', 'v1', 'csidrivers', 'CSIDriver', false),
  mutatingWebhooks: r(
    'admissionregistration.k8s.io',
    'v1',
    'mutatingwebhookconfigurations',
    'MutatingWebhookConfiguration',
    false,
  ),
  validatingWebhooks: r(
    'admissionregistration.k8s.io',
    'v1',
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    false,
  ),
  crds: r('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false),
  roles: r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  roleBindings: r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  clusterRoles: r('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  clusterRoleBindings: r(
    'rbac.authorization.k8s.io',
    'v1',
    'clusterrolebindings',
    'ClusterRoleBinding',
    false,
  ),
  gateways: r('networking.istio.io', 'v1beta1', 'gateways', 'Gateway', true),
  virtualServices: r('networking.istio.io', 'v1beta1', 'virtualservices', 'VirtualService', true),
  destinationRules: r('networking.istio.io', 'v1beta1', 'destinationrules', 'DestinationRule', true),
  serviceEntries: r('networking.istio.io', 'v1beta1', 'serviceentries', 'ServiceEntry', true),
  peerAuthentications: r('security.istio.io', 'v1beta1', 'peerauthentications', 'PeerAuthentication', true),
  authorizationPolicies: r('security.istio.io', 'v1', 'authorizationpolicies', 'AuthorizationPolicy', true),
  clusterSpiffeIds: r('spire.spiffe.io', 'v1alpha1', 'clusterspiffeids', 'ClusterSPIFFEID', false),
  testRuns: r('k6.io', 'v1alpha1', 'testruns', 'TestRun', true),
} as const satisfies Record<string, ResourceRef>;

export type ResourceName = keyof typeof Resources;

export function apiVersionOf(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/** `kind.group` as RBAC and error messages name it. */
export function qualifiedResource(ref: ResourceRef): string {
  return ref.group ? `${ref.plural}.${ref.group}` : ref.plural;
}

export function collectionPath(ref: ResourceRef, namespace?: string): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && namespace) return `${base}/namespaces/${encodeURIComponent(namespace)}/${ref.plural}`;
  return `${base}/${ref.plural}`;
}

export function objectPath(ref: ResourceRef, name: string, namespace?: string): string {
  if (ref.namespaced && !namespace) throw new Error(`${ref.kind} is namespaced: a namespace is required`);
  return `${collectionPath(ref, namespace)}/${encodeURIComponent(name)}`;
}
