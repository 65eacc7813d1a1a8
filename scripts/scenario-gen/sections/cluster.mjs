// The cluster itself: ClusterProfile, Nodes, StorageClass, CSIDriver, Namespaces (with the objects every namespace gets), CRDs, kube-system and default.
import { uid, h, addSeconds } from '../lib.mjs';
import { meta, podTemplate } from '../k8s.mjs';
import { NODES, registry, deployment, service, serviceAccount, configMap } from '../workloads.mjs';
import { VARIANT } from '../variant.mjs';
import { T, HELM, helmAnn, emit, nsDir, K8S_CA, ISTIOD_CA } from '../model.mjs';

// ---------------------------------------------------------------- cluster
emit('00-cluster.yaml', {
  apiVersion: 'sim.meshgate.dev/v1alpha1',
  kind: 'ClusterProfile',
  metadata: { name: 'cluster', creationTimestamp: T.cluster, uid: uid('clusterprofile') },
  spec: {
    version: {
      major: '1',
      minor: '28',
      gitVersion: 'v1.28.3',
      gitCommit: 'a8a1abc25cad87333840cd7d54be2efaf31a3177',
      gitTreeState: 'clean',
      buildDate: '2023-10-18T11:33:18Z',
      goVersion: 'go1.20.10',
      compiler: 'gc',
      platform: 'linux/amd64',
    },
    forbidden: [],
    // No Prometheus operator here: prometheus-server is a plain Deployment scraping pod annotations.
    absentGroups: ['monitoring.coreos.com'],
  },
});

const nodeObjs = NODES.map((n) => {
  const cp = !!n.controlPlane;
  const labels = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
  };
  if (cp) Object.assign(labels, { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' });
  const annotations = {
    'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };
  if (!cp) annotations['csi.volume.kubernetes.io/nodeid'] = JSON.stringify({ 'csi.spiffe.io': n.name });
  const cap = cp
    ? { cpu: '2', 'ephemeral-storage': '51287520Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '8129880Ki', pods: '110' }
    : { cpu: '4', 'ephemeral-storage': '101430960Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '16367980Ki', pods: '110' };
  const alloc = cp
    ? { cpu: '1920m', 'ephemeral-storage': '47266578354', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '8027480Ki', pods: '110' }
    : { cpu: '3920m', 'ephemeral-storage': '93478772582', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '16265580Ki', pods: '110' };
  const created = cp ? T.cluster : addSeconds(T.cluster, 300 + NODES.indexOf(n) * 40);
  const hb = T.now;
  const spec = { podCIDR: n.cidr, podCIDRs: [n.cidr] };
  if (cp) spec.taints = [{ effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' }];
  const obj = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta({ name: n.name, labels, annotations, createdAt: created, key: `node/${n.name}` }),
    spec,
    status: {
      addresses: [
        { address: n.ip, type: 'InternalIP' },
        { address: n.name, type: 'Hostname' },
      ],
      allocatable: alloc,
      capacity: cap,
      conditions: [
        { lastHeartbeatTime: hb, lastTransitionTime: created, message: 'kubelet has sufficient memory available', reason: 'KubeletHasSufficientMemory', status: 'False', type: 'MemoryPressure' },
        { lastHeartbeatTime: hb, lastTransitionTime: created, message: 'kubelet has no disk pressure', reason: 'KubeletHasNoDiskPressure', status: 'False', type: 'DiskPressure' },
        { lastHeartbeatTime: hb, lastTransitionTime: created, message: 'kubelet has sufficient PID available', reason: 'KubeletHasSufficientPID', status: 'False', type: 'PIDPressure' },
        { lastHeartbeatTime: hb, lastTransitionTime: addSeconds(created, 45), message: 'kubelet is posting ready status', reason: 'KubeletReady', status: 'True', type: 'Ready' },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: uid(`boot/${n.name}`),
        containerRuntimeVersion: 'containerd://1.7.11',
        kernelVersion: '5.15.0-91-generic',
        kubeProxyVersion: 'v1.28.3',
        kubeletVersion: 'v1.28.3',
        machineID: h(`machine/${n.name}`, 32),
        operatingSystem: 'linux',
        osImage: 'Ubuntu 22.04.3 LTS',
        systemUUID: uid(`system/${n.name}`),
      },
    },
  };
  n.uid = obj.metadata.uid;
  return obj;
});
emit('00-cluster.yaml', nodeObjs);

emit('00-cluster.yaml', {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: meta({ name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' }, createdAt: T.cluster, key: 'sc/standard' }),
  provisioner: 'rancher.io/local-path',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
});
emit('00-cluster.yaml', {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSIDriver',
  metadata: meta({ name: 'csi.spiffe.io', labels: { ...HELM }, annotations: helmAnn('spire', 'spire-system'), createdAt: T.spire, key: 'csidriver/csi.spiffe.io' }),
  spec: {
    attachRequired: false,
    fsGroupPolicy: 'None',
    podInfoOnMount: true,
    requiresRepublish: false,
    seLinuxMount: false,
    storageCapacity: false,
    volumeLifecycleModes: ['Ephemeral'],
  },
});

// ---------------------------------------------------------------- namespaces
const nsDefs = [
  ['default', T.cluster, {}],
  ['kube-system', T.cluster, {}],
  ['kube-public', T.cluster, {}],
  ['kube-node-lease', T.cluster, {}],
  ['zamaz', T.legacy, {}],
  ['monitoring', T.monitoring, {}],
  ['k6-operator-system', T.k6, {}],
  ['istio-system', T.istio, {}],
  ['spire-system', T.spire, {}],
  ['meshgate', T.meshgate, {}],
  [
    'zamaz-mesh',
    T.meshNs,
    {
      // A revisioned install is selected with istio.io/rev (the revision, or a tag pointing at it).
      ...(VARIANT.revision ? { 'istio.io/rev': VARIANT.tag || VARIANT.revision } : { 'istio-injection': 'enabled' }),
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'latest',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'latest',
    },
  ],
];
const nsObjs = nsDefs.map(([name, created, labels]) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: meta({ name, labels: { 'kubernetes.io/metadata.name': name, ...labels }, createdAt: created, key: `ns/${name}` }),
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Active' },
}));
emit('01-namespaces.yaml', nsObjs);
for (const [name, created] of nsDefs) {
  const dir = nsDir(name);
  emit(`${dir}/defaults.yaml`, serviceAccount({ namespace: name, name: 'default', createdAt: created, automount: name === 'zamaz-mesh' ? false : undefined }));
  emit(`${dir}/defaults.yaml`, configMap({ namespace: name, name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' }, data: { 'ca.crt': K8S_CA }, createdAt: addSeconds(created, 1) }));
}
for (const name of ['istio-system', 'zamaz-mesh', 'zamaz', 'spire-system', 'monitoring', 'default', 'kube-system', 'kube-public', 'kube-node-lease', 'k6-operator-system', 'meshgate']) {
  // istiod publishes its root certificate into every namespace.
  const created = nsDefs.find((d) => d[0] === name)[1];
  const at = Date.parse(created) > Date.parse(T.istio) ? addSeconds(created, 2) : addSeconds(T.istio, 40);
  emit(`${nsDir(name)}/defaults.yaml`, configMap({ namespace: name, name: 'istio-ca-root-cert', labels: { 'istio.io/config': 'true' }, data: { 'root-cert.pem': ISTIOD_CA }, createdAt: at }));
}

// ---------------------------------------------------------------- CRDs
function crd({ group, kind, plural, singular, shortNames, categories, scope = 'Namespaced', versions, labels = {}, annotations = {}, createdAt, status = true, columns = [] }) {
  const names = { kind, listKind: `${kind}List`, plural, singular };
  if (shortNames) names.shortNames = shortNames;
  if (categories) names.categories = categories;
  const storage = versions.find((v) => v.storage).name;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: meta({ name: `${plural}.${group}`, labels, annotations, createdAt, generation: 1, key: `crd/${plural}.${group}` }),
    spec: {
      conversion: { strategy: 'None' },
      group,
      names,
      scope,
      versions: versions.map((v) => {
        const out = {
          name: v.name,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          served: v.served ?? true,
          storage: !!v.storage,
        };
        if (status) out.subresources = { status: {} };
        if (columns.length) out.additionalPrinterColumns = [...columns, { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date' }];
        return out;
      }),
    },
    status: {
      acceptedNames: names,
      conditions: [
        { lastTransitionTime: createdAt, message: 'no conflicts found', reason: 'NoConflicts', status: 'True', type: 'NamesAccepted' },
        { lastTransitionTime: createdAt, message: 'the initial names have been accepted', reason: 'InitialNamesAccepted', status: 'True', type: 'Established' },
      ],
      storedVersions: [storage],
    },
  };
}
const istioCrdLabels = (extra = {}) => ({ app: 'istio-pilot', chart: 'istio', heritage: 'Tiller', release: 'istio', ...HELM, ...extra });
const istioCrdAnn = { 'helm.sh/resource-policy': 'keep', ...helmAnn('istio-base', 'istio-system') };
const net2 = [{ name: 'v1alpha3', storage: true }, { name: 'v1beta1' }];
const col = (name, jsonPath, description) => ({ description, jsonPath, name, type: 'string' });
const C = {
  vs: [col('Gateways', '.spec.gateways', 'The names of gateways and sidecars that should apply these routes'), col('Hosts', '.spec.hosts', 'The destination hosts to which traffic is being sent')],
  dr: [col('Host', '.spec.host', 'The name of a service from the service registry')],
  se: [
    col('Hosts', '.spec.hosts', 'The hosts associated with the ServiceEntry'),
    col('Location', '.spec.location', 'Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)'),
    col('Resolution', '.spec.resolution', 'Service resolution mode for the hosts (NONE, STATIC, or DNS)'),
  ],
  pa: [col('Mode', '.spec.mtls.mode', 'Defines the mTLS mode used for peer authentication.')],
  ap: [col('Action', '.spec.action', 'The operation to take.')],
  none: [],
};
const istioCrds = [
  ['networking.istio.io', 'Gateway', 'gateways', 'gateway', ['gw'], net2, {}, C.none],
  ['networking.istio.io', 'VirtualService', 'virtualservices', 'virtualservice', ['vs'], net2, {}, C.vs],
  ['networking.istio.io', 'DestinationRule', 'destinationrules', 'destinationrule', ['dr'], net2, {}, C.dr],
  ['networking.istio.io', 'ServiceEntry', 'serviceentries', 'serviceentry', ['se'], net2, {}, C.se],
  ['networking.istio.io', 'Sidecar', 'sidecars', 'sidecar', undefined, net2, {}, C.none],
  ['networking.istio.io', 'EnvoyFilter', 'envoyfilters', 'envoyfilter', undefined, [{ name: 'v1alpha3', storage: true }], {}, C.none],
  ['networking.istio.io', 'WorkloadEntry', 'workloadentries', 'workloadentry', ['we'], net2, {}, C.none],
  ['networking.istio.io', 'WorkloadGroup', 'workloadgroups', 'workloadgroup', ['wg'], net2, {}, C.none],
  ['networking.istio.io', 'ProxyConfig', 'proxyconfigs', 'proxyconfig', undefined, [{ name: 'v1beta1', storage: true }], {}, C.none],
  ['security.istio.io', 'PeerAuthentication', 'peerauthentications', 'peerauthentication', ['pa'], [{ name: 'v1beta1', storage: true }], { istio: 'security' }, C.pa],
  ['security.istio.io', 'RequestAuthentication', 'requestauthentications', 'requestauthentication', ['ra'], [{ name: 'v1' }, { name: 'v1beta1', storage: true }], { istio: 'security' }, C.none],
  ['security.istio.io', 'AuthorizationPolicy', 'authorizationpolicies', 'authorizationpolicy', ['ap'], [{ name: 'v1' }, { name: 'v1beta1', storage: true }], { istio: 'security' }, C.ap],
  ['telemetry.istio.io', 'Telemetry', 'telemetries', 'telemetry', ['telemetry'], [{ name: 'v1alpha1', storage: true }], { istio: 'telemetry' }, C.none],
  ['extensions.istio.io', 'WasmPlugin', 'wasmplugins', 'wasmplugin', undefined, [{ name: 'v1alpha1', storage: true }], {}, C.none],
].map(([group, kind, plural, singular, shortNames, versions, extra, columns]) =>
  crd({ group, kind, plural, singular, shortNames, categories: ['istio-io', `${group.split('.')[0]}-istio-io`], versions, labels: istioCrdLabels(extra), annotations: istioCrdAnn, createdAt: T.istio, columns }),
);
istioCrds.push(
  crd({ group: 'install.istio.io', kind: 'IstioOperator', plural: 'istiooperators', singular: 'istiooperator', shortNames: ['iop', 'io'], versions: [{ name: 'v1alpha1', storage: true }], labels: { release: 'istio', ...HELM }, annotations: istioCrdAnn, createdAt: T.istio }),
);
const spireCrdAnn = { 'controller-gen.kubebuilder.io/version': 'v0.10.0', ...helmAnn('spire-crds', 'spire-system') };
const spireCrds = [
  ['ClusterSPIFFEID', 'clusterspiffeids', 'clusterspiffeid'],
  ['ClusterFederatedTrustDomain', 'clusterfederatedtrustdomains', 'clusterfederatedtrustdomain'],
  ['ClusterStaticEntry', 'clusterstaticentries', 'clusterstaticentry'],
].map(([kind, plural, singular]) =>
  crd({ group: 'spire.spiffe.io', kind, plural, singular, scope: 'Cluster', versions: [{ name: 'v1alpha1', storage: true }], labels: { ...HELM }, annotations: spireCrdAnn, createdAt: addSeconds(T.spire, -60) }),
);
const k6Crds = [
  ['TestRun', 'testruns', 'testrun'],
  ['PrivateLoadZone', 'privateloadzones', 'privateloadzone'],
].map(([kind, plural, singular]) =>
  crd({ group: 'k6.io', kind, plural, singular, versions: [{ name: 'v1alpha1', storage: true }], labels: { 'app.kubernetes.io/name': 'k6-operator' }, annotations: { 'controller-gen.kubebuilder.io/version': 'v0.14.0' }, createdAt: T.k6 }),
);
emit('02-crds.yaml', istioCrds, spireCrds, k6Crds);

// ---------------------------------------------------------------- kube-system
const coredns = deployment({
  namespace: 'kube-system',
  name: 'coredns',
  labels: { 'k8s-app': 'kube-dns' },
  replicas: 2,
  selector: { 'k8s-app': 'kube-dns' },
  createdAt: T.cluster,
  podCreatedAt: addSeconds(T.cluster, 420),
  nodes: ['node-a', 'node-b'],
  template: podTemplate({
    labels: { 'k8s-app': 'kube-dns' },
    spec: {
      containers: [
        {
          name: 'coredns',
          image: 'registry.k8s.io/coredns/coredns:v1.10.1',
          args: ['-conf', '/etc/coredns/Corefile'],
          ports: [
            { containerPort: 53, name: 'dns', protocol: 'UDP' },
            { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
            { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
          ],
          livenessProbe: { failureThreshold: 5, httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 60, timeoutSeconds: 5 },
          readinessProbe: { httpGet: { path: '/ready', port: 8181 } },
          resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] }, readOnlyRootFilesystem: true },
          volumeMounts: [{ mountPath: '/etc/coredns', name: 'config-volume', readOnly: true }],
        },
      ],
      dnsPolicy: 'Default',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      priorityClassName: 'system-cluster-critical',
      serviceAccountName: 'coredns',
      tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' }],
      volumes: [{ configMap: { items: [{ key: 'Corefile', path: 'Corefile' }], name: 'coredns' }, name: 'config-volume' }],
    },
  }),
});
emit('system/coredns.yaml', serviceAccount({ namespace: 'kube-system', name: 'coredns', createdAt: T.cluster }));
emit('system/coredns.yaml', configMap({
  namespace: 'kube-system',
  name: 'coredns',
  createdAt: T.cluster,
  data: { Corefile: '.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n' },
}));
emit('system/coredns.yaml', coredns.objects);
emit('system/coredns.yaml', service({
  namespace: 'kube-system',
  name: 'kube-dns',
  labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
  annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
  selector: { 'k8s-app': 'kube-dns' },
  ports: [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
    { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
  ],
  createdAt: T.cluster,
}));
emit('system/default.yaml', service({ namespace: 'default', name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' }, ports: [{ name: 'https', port: 443, targetPort: 6443 }], createdAt: T.cluster }));
emit('system/default.yaml', serviceAccount({ namespace: 'default', name: 'rbac-probe', labels: { 'app.kubernetes.io/part-of': 'meshgate-scenario' }, annotations: { 'meshgate.dev/purpose': 'unbound ServiceAccount: SubjectAccessReviews for it must be denied' }, createdAt: T.meshgate }));
