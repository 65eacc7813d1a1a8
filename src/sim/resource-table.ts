/**
 * The built-in resource table: what a Kubernetes 1.28-ish cluster with Istio 1.20, SPIRE's controller
 * manager and the k6 operator serves. Data only; `resource-registry.ts` turns it into discovery and
 * routing. Entries with `origin: 'crd'` are, in a real cluster, installed by CustomResourceDefinitions:
 * the simulator synthesises those CRD objects so `kubectl get crd` agrees with discovery.
 */

export type SubresourceName = 'status' | 'scale' | 'exec' | 'proxy' | 'log' | 'eviction';

export interface ScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface ResourceDef {
  group: string;
  /** Served versions, in discovery priority order (the first is the preferred one). */
  versions: string[];
  /** For CRD-backed entries: the storage version written into the synthetic CRD. */
  storageVersion?: string;
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  subresources: SubresourceName[];
  scale?: ScalePaths;
  /** Field selector labels this kind accepts besides metadata.name and metadata.namespace. */
  fields: string[];
  printerColumns: PrinterColumn[];
  origin: 'native' | 'crd';
  /** Review kinds (SelfSubjectAccessReview...) are computed on create and never stored. */
  virtual?: boolean;
}

export const STANDARD_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];
const CREATE_ONLY = ['create'];

interface EntryOptions {
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceName[];
  fields?: string[];
  verbs?: string[];
  printerColumns?: PrinterColumn[];
  storageVersion?: string;
  singular?: string;
  virtual?: boolean;
}

function entry(
  origin: 'native' | 'crd',
  group: string,
  versions: string[],
  resource: string,
  kind: string,
  options: EntryOptions = {},
): ResourceDef {
  const def: ResourceDef = {
    group,
    versions,
    resource,
    singular: options.singular ?? kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced: options.namespaced ?? true,
    verbs: options.verbs ?? STANDARD_VERBS,
    shortNames: options.shortNames ?? [],
    categories: options.categories ?? [],
    subresources: options.subresources ?? [],
    fields: options.fields ?? [],
    printerColumns: options.printerColumns ?? [],
    origin,
  };
  if (options.subresources?.includes('scale')) {
    def.scale = {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    };
  }
  if (options.storageVersion !== undefined) def.storageVersion = options.storageVersion;
  if (options.virtual === true) def.virtual = true;
  return def;
}

const native = (group: string, versions: string[], resource: string, kind: string, options?: EntryOptions) =>
  entry('native', group, versions, resource, kind, options);
const crd = (group: string, versions: string[], resource: string, kind: string, options?: EntryOptions) =>
  entry('crd', group, versions, resource, kind, options);

const CLUSTER = { namespaced: false };
const ALL = ['all'];
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const ISTIO_NET = ['istio-io', 'networking-istio-io'];
const ISTIO_SEC = ['istio-io', 'security-istio-io'];
const ISTIO_TEL = ['istio-io', 'telemetry-istio-io'];
const NET_VERSIONS = ['v1beta1', 'v1alpha3'];
const POD_FIELDS = [
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'spec.hostNetwork',
  'status.phase',
  'status.podIP',
  'status.nominatedNodeName',
];
const EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

export const BUILTIN_RESOURCES: readonly ResourceDef[] = [
  // core/v1
  native('', ['v1'], 'pods', 'Pod', {
    shortNames: ['po'],
    categories: ALL,
    subresources: ['status', 'exec', 'proxy', 'log', 'eviction'],
    fields: POD_FIELDS,
  }),
  native('', ['v1'], 'services', 'Service', {
    shortNames: ['svc'],
    categories: ALL,
    subresources: ['status'],
  }),
  native('', ['v1'], 'namespaces', 'Namespace', {
    ...CLUSTER,
    shortNames: ['ns'],
    subresources: ['status'],
    fields: ['status.phase'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  native('', ['v1'], 'nodes', 'Node', {
    ...CLUSTER,
    shortNames: ['no'],
    subresources: ['status'],
    fields: ['spec.unschedulable'],
  }),
  native('', ['v1'], 'configmaps', 'ConfigMap', { shortNames: ['cm'] }),
  native('', ['v1'], 'secrets', 'Secret', { fields: ['type'] }),
  native('', ['v1'], 'serviceaccounts', 'ServiceAccount', { shortNames: ['sa'] }),
  native('', ['v1'], 'endpoints', 'Endpoints', { shortNames: ['ep'], singular: 'endpoints' }),
  native('', ['v1'], 'events', 'Event', { shortNames: ['ev'], fields: EVENT_FIELDS }),
  native('', ['v1'], 'persistentvolumeclaims', 'PersistentVolumeClaim', {
    shortNames: ['pvc'],
    subresources: ['status'],
  }),
  native('', ['v1'], 'persistentvolumes', 'PersistentVolume', {
    ...CLUSTER,
    shortNames: ['pv'],
    subresources: ['status'],
  }),
  native('', ['v1'], 'resourcequotas', 'ResourceQuota', { shortNames: ['quota'], subresources: ['status'] }),
  native('', ['v1'], 'limitranges', 'LimitRange', { shortNames: ['limits'] }),
  native('', ['v1'], 'podtemplates', 'PodTemplate'),
  native('', ['v1'], 'replicationcontrollers', 'ReplicationController', {
    shortNames: ['rc'],
    categories: ALL,
    subresources: ['status', 'scale'],
  }),
  // apps/v1
  native('apps', ['v1'], 'deployments', 'Deployment', {
    shortNames: ['deploy'],
    categories: ALL,
    subresources: ['status', 'scale'],
  }),
  native('apps', ['v1'], 'statefulsets', 'StatefulSet', {
    shortNames: ['sts'],
    categories: ALL,
    subresources: ['status', 'scale'],
  }),
  native('apps', ['v1'], 'daemonsets', 'DaemonSet', {
    shortNames: ['ds'],
    categories: ALL,
    subresources: ['status'],
  }),
  native('apps', ['v1'], 'replicasets', 'ReplicaSet', {
    shortNames: ['rs'],
    categories: ALL,
    subresources: ['status', 'scale'],
    fields: ['status.replicas'],
  }),
  native('apps', ['v1'], 'controllerrevisions', 'ControllerRevision'),
  // batch, autoscaling, policy
  native('batch', ['v1'], 'jobs', 'Job', {
    categories: ALL,
    subresources: ['status'],
    fields: ['status.successful'],
  }),
  native('batch', ['v1'], 'cronjobs', 'CronJob', {
    shortNames: ['cj'],
    categories: ALL,
    subresources: ['status'],
  }),
  native('autoscaling', ['v2', 'v1'], 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', {
    shortNames: ['hpa'],
    categories: ALL,
    subresources: ['status'],
  }),
  native('policy', ['v1'], 'poddisruptionbudgets', 'PodDisruptionBudget', {
    shortNames: ['pdb'],
    subresources: ['status'],
  }),
  // networking, discovery, coordination, events, scheduling, node
  native('networking.k8s.io', ['v1'], 'networkpolicies', 'NetworkPolicy', { shortNames: ['netpol'] }),
  native('networking.k8s.io', ['v1'], 'ingresses', 'Ingress', {
    shortNames: ['ing'],
    subresources: ['status'],
  }),
  native('networking.k8s.io', ['v1'], 'ingressclasses', 'IngressClass', CLUSTER),
  native('discovery.k8s.io', ['v1'], 'endpointslices', 'EndpointSlice'),
  native('coordination.k8s.io', ['v1'], 'leases', 'Lease'),
  native('events.k8s.io', ['v1'], 'events', 'Event', { shortNames: ['ev'] }),
  native('scheduling.k8s.io', ['v1'], 'priorityclasses', 'PriorityClass', { ...CLUSTER, shortNames: ['pc'] }),
  native('node.k8s.io', ['v1'], 'runtimeclasses', 'RuntimeClass', CLUSTER),
  // rbac
  native('rbac.authorization.k8s.io', ['v1'], 'roles', 'Role'),
  native('rbac.authorization.k8s.io', ['v1'], 'rolebindings', 'RoleBinding'),
  native('rbac.authorization.k8s.io', ['v1'], 'clusterroles', 'ClusterRole', CLUSTER),
  native('rbac.authorization.k8s.io', ['v1'], 'clusterrolebindings', 'ClusterRoleBinding', CLUSTER),
  // authorization: computed on create, never stored
  native('authorization.k8s.io', ['v1'], 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', {
    ...CLUSTER,
    verbs: CREATE_ONLY,
    virtual: true,
  }),
  native('authorization.k8s.io', ['v1'], 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', {
    ...CLUSTER,
    verbs: CREATE_ONLY,
    virtual: true,
  }),
  native('authorization.k8s.io', ['v1'], 'subjectaccessreviews', 'SubjectAccessReview', {
    ...CLUSTER,
    verbs: CREATE_ONLY,
    virtual: true,
  }),
  native('authorization.k8s.io', ['v1'], 'localsubjectaccessreviews', 'LocalSubjectAccessReview', {
    verbs: CREATE_ONLY,
    virtual: true,
  }),
  // storage
  native('storage.k8s.io', ['v1'], 'storageclasses', 'StorageClass', { ...CLUSTER, shortNames: ['sc'] }),
  native('storage.k8s.io', ['v1'], 'csidrivers', 'CSIDriver', CLUSTER),
  native('storage.k8s.io', ['v1'], 'csinodes', 'CSINode', CLUSTER),
  native('storage.k8s.io', ['v1'], 'volumeattachments', 'VolumeAttachment', {
    ...CLUSTER,
    subresources: ['status'],
  }),
  // admission, extensions, aggregation
  native(
    'admissionregistration.k8s.io',
    ['v1'],
    'mutatingwebhookconfigurations',
    'MutatingWebhookConfiguration',
    CLUSTER,
  ),
  native(
    'admissionregistration.k8s.io',
    ['v1'],
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    CLUSTER,
  ),
  native('apiextensions.k8s.io', ['v1'], 'customresourcedefinitions', 'CustomResourceDefinition', {
    ...CLUSTER,
    shortNames: ['crd', 'crds'],
    subresources: ['status'],
  }),
  native('apiregistration.k8s.io', ['v1'], 'apiservices', 'APIService', {
    ...CLUSTER,
    subresources: ['status'],
  }),
  native('certificates.k8s.io', ['v1'], 'certificatesigningrequests', 'CertificateSigningRequest', {
    ...CLUSTER,
    shortNames: ['csr'],
    subresources: ['status'],
  }),
  // Istio 1.20
  crd('networking.istio.io', NET_VERSIONS, 'gateways', 'Gateway', {
    shortNames: ['gw'],
    categories: ISTIO_NET,
    subresources: ['status'],
    storageVersion: 'v1alpha3',
    printerColumns: [AGE],
  }),
  crd('networking.istio.io', NET_VERSIONS, 'virtualservices', 'VirtualService', {
    shortNames: ['vs'],
    categories: ISTIO_NET,
    subresources: ['status'],
    storageVersion: 'v1alpha3',
    printerColumns: [
      {
        name: 'Gateways',
        type: 'string',
        jsonPath: '.spec.gateways',
        description: 'The names of gateways and sidecars that should apply these routes',
      },
      {
        name: 'Hosts',
        type: 'string',
        jsonPath: '.spec.hosts',
        description: 'The destination hosts to which traffic is being sent',
      },
      AGE,
    ],
  }),
  crd('networking.istio.io', NET_VERSIONS, 'destinationrules', 'DestinationRule', {
    shortNames: ['dr'],
    categories: ISTIO_NET,
    subresources: ['status'],
    storageVersion: 'v1alpha3',
    printerColumns: [
      {
        name: 'Host',
        type: 'string',
        jsonPath: '.spec.host',
        description: 'The name of a service from the service registry',
      },
      AGE,
    ],
  }),
  crd('networking.istio.io', NET_VERSIONS, 'serviceentries', 'ServiceEntry', {
    shortNames: ['se'],
    categories: ISTIO_NET,
    subresources: ['status'],
    storageVersion: 'v1alpha3',
    printerColumns: [
      {
        name: 'Hosts',
        type: 'string',
        jsonPath: '.spec.hosts',
        description: 'The hosts associated with the ServiceEntry',
      },
      {
        name: 'Location',
        type: 'string',
        jsonPath: '.spec.location',
        description:
          'Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)',
      },
      {
        name: 'Resolution',
        type: 'string',
        jsonPath: '.spec.resolution',
        description: 'Service resolution mode for the hosts (NONE, STATIC, or DNS)',
      },
      AGE,
    ],
  }),
  crd('networking.istio.io', NET_VERSIONS, 'sidecars', 'Sidecar', {
    categories: ISTIO_NET,
    subresources: ['status'],
    storageVersion: 'v1alpha3',
    printerColumns: [AGE],
  }),
  crd('networking.istio.io', NET_VERSIONS, 'workloadentries', 'WorkloadEntry', {
    shortNames: ['we'],
    categories: ISTIO_NET,
    subresources: ['status'],
    storageVersion: 'v1alpha3',
    printerColumns: [AGE],
  }),
  crd('networking.istio.io', NET_VERSIONS, 'workloadgroups', 'WorkloadGroup', {
    shortNames: ['wg'],
    categories: ISTIO_NET,
    subresources: ['status'],
    storageVersion: 'v1alpha3',
    printerColumns: [AGE],
  }),
  crd('networking.istio.io', ['v1alpha3'], 'envoyfilters', 'EnvoyFilter', {
    categories: ISTIO_NET,
    subresources: ['status'],
    storageVersion: 'v1alpha3',
    printerColumns: [AGE],
  }),
  crd('security.istio.io', ['v1beta1'], 'peerauthentications', 'PeerAuthentication', {
    shortNames: ['pa'],
    categories: ISTIO_SEC,
    subresources: ['status'],
    storageVersion: 'v1beta1',
    printerColumns: [
      {
        name: 'Mode',
        type: 'string',
        jsonPath: '.spec.mtls.mode',
        description: 'Defines the mTLS mode used for peer authentication.',
      },
      AGE,
    ],
  }),
  crd('security.istio.io', ['v1', 'v1beta1'], 'authorizationpolicies', 'AuthorizationPolicy', {
    shortNames: ['ap'],
    categories: ISTIO_SEC,
    subresources: ['status'],
    storageVersion: 'v1beta1',
    printerColumns: [
      { name: 'Action', type: 'string', jsonPath: '.spec.action', description: 'The operation to take.' },
      AGE,
    ],
  }),
  crd('security.istio.io', ['v1', 'v1beta1'], 'requestauthentications', 'RequestAuthentication', {
    shortNames: ['ra'],
    categories: ISTIO_SEC,
    subresources: ['status'],
    storageVersion: 'v1beta1',
    printerColumns: [AGE],
  }),
  crd('telemetry.istio.io', ['v1alpha1'], 'telemetries', 'Telemetry', {
    shortNames: ['telemetry'],
    categories: ISTIO_TEL,
    subresources: ['status'],
    storageVersion: 'v1alpha1',
    printerColumns: [AGE],
  }),
  crd('install.istio.io', ['v1alpha1'], 'istiooperators', 'IstioOperator', {
    shortNames: ['iop', 'io'],
    subresources: ['status'],
    storageVersion: 'v1alpha1',
    printerColumns: [AGE],
  }),
  // SPIRE controller manager
  crd('spire.spiffe.io', ['v1alpha1'], 'clusterspiffeids', 'ClusterSPIFFEID', {
    ...CLUSTER,
    subresources: ['status'],
    storageVersion: 'v1alpha1',
  }),
  crd('spire.spiffe.io', ['v1alpha1'], 'clusterfederatedtrustdomains', 'ClusterFederatedTrustDomain', {
    ...CLUSTER,
    subresources: ['status'],
    storageVersion: 'v1alpha1',
  }),
  crd('spire.spiffe.io', ['v1alpha1'], 'clusterstaticentries', 'ClusterStaticEntry', {
    ...CLUSTER,
    subresources: ['status'],
    storageVersion: 'v1alpha1',
  }),
  // k6 operator
  crd('k6.io', ['v1alpha1'], 'testruns', 'TestRun', { subresources: ['status'], storageVersion: 'v1alpha1' }),
  crd('k6.io', ['v1alpha1'], 'privateloadzones', 'PrivateLoadZone', {
    subresources: ['status'],
    storageVersion: 'v1alpha1',
  }),
  // Prometheus operator
  crd('monitoring.coreos.com', ['v1'], 'servicemonitors', 'ServiceMonitor', {
    shortNames: ['smon'],
    categories: ['prometheus-operator'],
    storageVersion: 'v1',
  }),
  crd('monitoring.coreos.com', ['v1'], 'podmonitors', 'PodMonitor', {
    shortNames: ['pmon'],
    categories: ['prometheus-operator'],
    storageVersion: 'v1',
  }),
  crd('monitoring.coreos.com', ['v1'], 'prometheusrules', 'PrometheusRule', {
    shortNames: ['promrule'],
    categories: ['prometheus-operator'],
    storageVersion: 'v1',
  }),
];

export interface SubresourceInfo {
  /** Kind served by the subresource; undefined = the parent's kind. */
  kind?: string;
  group?: string;
  version?: string;
  verbs: string[];
}

/** How discovery lists each subresource (what a real API server reports for pods/exec etc.). */
export const SUBRESOURCE_INFO: Record<SubresourceName, SubresourceInfo> = {
  status: { verbs: ['get', 'patch', 'update'] },
  scale: { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
  exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
  proxy: { kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  log: { verbs: ['get'] },
  eviction: { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
};
