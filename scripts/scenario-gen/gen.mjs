import { mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toYaml, toListYaml, uid, rname, h, addSeconds, epoch } from './lib.mjs';
import { meta, podTemplate, PROXY_IMAGE, ISTIO_TAG, fieldEnv } from './k8s.mjs';
import { NODES, WORKERS, registry, deployment, statefulSet, daemonSet, service, serviceAccount, configMap, endpointsFor } from './workloads.mjs';
import { injectSidecar, injectGateway, PROXY_STATS_CONFIG, TRUST_DOMAIN } from './istio.mjs';
import { edsCluster, otherCluster, envoyViews, histogramLines } from './envoy.mjs';

const OUT = process.argv[2] ?? new URL('../../scenarios/healthy', import.meta.url).pathname;
const pem = (f) => readFileSync(new URL(f, import.meta.url), 'utf8');
const K8S_CA = pem('./k8s-ca.pem');
const ISTIOD_CA = pem('./istiod-ca.pem');
const SPIRE_CA = pem('./spire-ca.pem');

// ---------------------------------------------------------------- times
const T = {
  cluster: '2026-11-02T08:00:00Z',
  legacy: '2026-11-03T10:00:00Z',
  monitoring: '2026-11-04T09:00:00Z',
  k6: '2026-11-05T09:00:00Z',
  istio: '2026-11-16T10:00:00Z',
  spire: '2026-11-17T10:00:00Z',
  gateway: '2026-11-17T11:00:00Z',
  meshNs: '2026-11-20T09:00:00Z',
  meshCfg: '2026-11-20T09:20:00Z',
  meshApp: '2026-11-20T10:00:00Z',
  meshgate: '2026-11-20T08:00:00Z',
  step10: '2026-11-29T08:00:00Z',
  now: '2026-11-29T08:30:00Z',
  certFrom: '2026-11-29T00:00:00Z',
  certTo: '2036-11-29T00:00:00Z',
  caFrom: '2026-11-17T10:00:05Z',
  caTo: '2036-11-15T10:00:05Z',
};
const helmAnn = (release, ns) => ({ 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': ns });
const HELM = { 'app.kubernetes.io/managed-by': 'Helm' };

// ---------------------------------------------------------------- files
const files = new Map();
function emit(path, ...objs) {
  if (!files.has(path)) files.set(path, { objects: [], list: false });
  files.get(path).objects.push(...objs.flat());
}
function emitList(path, ...objs) {
  emit(path, ...objs);
  files.get(path).list = true;
}

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
      'istio-injection': 'enabled',
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
function nsDir(name) {
  return ['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(name) ? 'system' : name;
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

// ---------------------------------------------------------------- istio-system
const ISTIO_NS = 'istio-system';
function helmRelease(ns, name, chart, createdAt, version = 1) {
  const payload = Buffer.from(`meshgate scenario placeholder for helm release ${name} (chart ${chart}); not a real release payload`).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    data: { release: payload },
    metadata: meta({
      name: `sh.helm.release.v1.${name}.v${version}`,
      namespace: ns,
      labels: { modifiedAt: epoch(addSeconds(createdAt, 30)), name, owner: 'helm', status: 'deployed', version: String(version) },
      createdAt,
      key: `helm/${ns}/${name}`,
    }),
  };
}
emit('istio-system/helm-releases.yaml', [
  helmRelease(ISTIO_NS, 'istio-base', 'base-1.20.1', T.istio),
  helmRelease(ISTIO_NS, 'istiod', 'istiod-1.20.1', addSeconds(T.istio, 120)),
  helmRelease(ISTIO_NS, 'istio-cni', 'cni-1.20.1', addSeconds(T.istio, 300)),
  helmRelease(ISTIO_NS, 'istio-ingressgateway', 'gateway-1.20.1', T.gateway),
]);

const istiodLabels = {
  app: 'istiod',
  ...HELM,
  'install.operator.istio.io/owning-resource': 'unknown',
  istio: 'pilot',
  'istio.io/rev': 'default',
  'operator.istio.io/component': 'Pilot',
  release: 'istiod',
};
const istiodAt = addSeconds(T.istio, 120);
const istiod = deployment({
  namespace: ISTIO_NS,
  name: 'istiod',
  labels: istiodLabels,
  annotations: helmAnn('istiod', ISTIO_NS),
  replicas: 1,
  selector: { istio: 'pilot' },
  createdAt: istiodAt,
  nodes: ['node-b'],
  template: podTemplate({
    labels: { app: 'istiod', 'install.operator.istio.io/owning-resource': 'unknown', istio: 'pilot', 'istio.io/rev': 'default', 'operator.istio.io/component': 'Pilot', 'sidecar.istio.io/inject': 'false' },
    annotations: { 'prometheus.io/port': '15014', 'prometheus.io/scrape': 'true', 'sidecar.istio.io/inject': 'false' },
    spec: {
      containers: [
        {
          name: 'discovery',
          image: `docker.io/istio/pilot:${ISTIO_TAG}`,
          args: ['discovery', '--monitoringAddr=:15014', '--log_output_level=default:info', '--domain', 'cluster.local', '--keepaliveMaxServerConnectionAge', '30m'],
          env: [
            { name: 'REVISION', value: 'default' },
            { name: 'JWT_POLICY', value: 'third-party-jwt' },
            { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
            fieldEnv('POD_NAME', 'metadata.name'),
            fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
            fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
            { name: 'KUBECONFIG', value: '/var/run/secrets/remote/config' },
            { name: 'PILOT_TRACE_SAMPLING', value: '1' },
            { name: 'PILOT_ENABLE_ANALYSIS', value: 'false' },
            { name: 'CLUSTER_ID', value: 'Kubernetes' },
            { name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { divisor: '0', resource: 'limits.memory' } } },
            { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { divisor: '0', resource: 'limits.cpu' } } },
            { name: 'PLATFORM' },
          ],
          ports: [
            { containerPort: 8080, protocol: 'TCP' },
            { containerPort: 15010, protocol: 'TCP' },
            { containerPort: 15017, protocol: 'TCP' },
          ],
          readinessProbe: { failureThreshold: 3, httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 1, periodSeconds: 3, timeoutSeconds: 5 },
          resources: { requests: { cpu: '500m', memory: '2Gi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsGroup: 1337, runAsNonRoot: true, runAsUser: 1337 },
          volumeMounts: [
            { mountPath: '/var/run/secrets/tokens', name: 'istio-token', readOnly: true },
            { mountPath: '/var/run/secrets/istio-dns', name: 'local-certs' },
            { mountPath: '/etc/cacerts', name: 'cacerts', readOnly: true },
            { mountPath: '/var/run/secrets/remote', name: 'istio-kubeconfig', readOnly: true },
            { mountPath: '/var/run/secrets/istiod/tls', name: 'istio-csr-dns-cert', readOnly: true },
            { mountPath: '/var/run/secrets/istiod/ca', name: 'istio-csr-ca-configmap', readOnly: true },
          ],
        },
      ],
      serviceAccountName: 'istiod',
      volumes: [
        { emptyDir: { medium: 'Memory' }, name: 'local-certs' },
        { name: 'istio-token', projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] } },
        { name: 'cacerts', secret: { optional: true, secretName: 'cacerts' } },
        { name: 'istio-kubeconfig', secret: { optional: true, secretName: 'istio-kubeconfig' } },
        { name: 'istio-csr-dns-cert', secret: { optional: true, secretName: 'istiod-tls' } },
        { configMap: { name: 'istio-ca-root-cert', optional: true }, name: 'istio-csr-ca-configmap' },
      ],
    },
  }),
});
emit('istio-system/istiod.yaml', serviceAccount({ namespace: ISTIO_NS, name: 'istiod', labels: { app: 'istiod', ...HELM, release: 'istiod' }, annotations: helmAnn('istiod', ISTIO_NS), createdAt: istiodAt }));
emit('istio-system/istiod.yaml', istiod.objects);
emit('istio-system/istiod.yaml', service({
  namespace: ISTIO_NS,
  name: 'istiod',
  labels: { app: 'istiod', ...HELM, 'install.operator.istio.io/owning-resource': 'unknown', istio: 'pilot', 'istio.io/rev': 'default', 'operator.istio.io/component': 'Pilot', release: 'istiod' },
  annotations: helmAnn('istiod', ISTIO_NS),
  selector: { app: 'istiod', istio: 'pilot' },
  ports: [
    { name: 'grpc-xds', port: 15010, targetPort: 15010 },
    { name: 'https-dns', port: 15012, targetPort: 15012 },
    { name: 'https-webhook', port: 443, targetPort: 15017 },
    { name: 'http-monitoring', port: 15014, targetPort: 15014 },
  ],
  createdAt: istiodAt,
}));

const meshConfig = [
  'defaultConfig:',
  '  discoveryAddress: istiod.istio-system.svc:15012',
  '  proxyMetadata: {}',
  'defaultProviders:',
  '  metrics:',
  '  - prometheus',
  'enableAutoMtls: true',
  'enablePrometheusMerge: true',
  'rootNamespace: istio-system',
  `trustDomain: ${TRUST_DOMAIN}`,
].join('\n');
emit('istio-system/config.yaml', configMap({
  namespace: ISTIO_NS,
  name: 'istio',
  labels: { ...HELM, 'install.operator.istio.io/owning-resource': 'unknown', 'istio.io/rev': 'default', 'operator.istio.io/component': 'Pilot', release: 'istiod' },
  annotations: helmAnn('istiod', ISTIO_NS),
  data: { mesh: meshConfig, meshNetworks: 'networks: {}' },
  createdAt: istiodAt,
}));
const spireTemplate = [
  'labels:',
  '  spiffe.io/spire-managed-identity: "true"',
  'spec:',
  '  containers:',
  '  - name: istio-proxy',
  '    volumeMounts:',
  '    - name: workload-socket',
  '      mountPath: /var/run/secrets/workload-spiffe-uds',
  '      readOnly: true',
  '  volumes:',
  '  - name: workload-socket',
  '    csi:',
  '      driver: "csi.spiffe.io"',
  '      readOnly: true',
  '',
].join('\n');
const injectorConfig = [
  'defaultTemplates: [sidecar]',
  'policy: enabled',
  'alwaysInjectSelector:',
  '  []',
  'neverInjectSelector:',
  '  []',
  'injectedAnnotations:',
  'template: "{{ Template_Version_And_Istio_Version_Mismatched_Check_Installation }}"',
  'templates:',
  '  sidecar: |',
  '    # (abbreviated in this scenario: the stock Istio 1.20.1 sidecar template, rendered with istio_cni.enabled=true)',
  '    rewriteAppHTTPProbe: true',
  '  gateway: |',
  '    # (abbreviated in this scenario: the stock Istio 1.20.1 gateway template)',
  '  grpc-simple: |',
  '    # (abbreviated)',
  '  grpc-agent: |',
  '    # (abbreviated)',
  '  spire: |',
  ...spireTemplate.split('\n').map((l) => (l ? `    ${l}` : l)),
].join('\n');
const injectorValues = JSON.stringify(
  {
    global: {
      caAddress: '',
      hub: 'docker.io/istio',
      tag: ISTIO_TAG,
      imagePullPolicy: '',
      istioNamespace: ISTIO_NS,
      jwtPolicy: 'third-party-jwt',
      logging: { level: 'default:info' },
      meshID: '',
      multiCluster: { clusterName: '' },
      network: '',
      pilotCertProvider: 'istiod',
      proxy: {
        clusterDomain: 'cluster.local',
        componentLogLevel: 'misc:error',
        excludeIPRanges: '',
        excludeInboundPorts: '',
        excludeOutboundPorts: '',
        image: 'proxyv2',
        includeIPRanges: '*',
        includeInboundPorts: '*',
        logLevel: 'warning',
        privileged: false,
        readinessFailureThreshold: 4,
        readinessInitialDelaySeconds: 0,
        readinessPeriodSeconds: 15,
        resources: { limits: { cpu: '200m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
        startupProbe: { enabled: true, failureThreshold: 600 },
        statusPort: 15020,
        tracer: 'none',
      },
      proxy_init: { image: 'proxyv2' },
      sts: { servicePort: 0 },
    },
    istio_cni: { enabled: true, chained: true },
    revision: '',
    sidecarInjectorWebhook: { defaultTemplates: [], enableNamespacesByDefault: false, reinvocationPolicy: 'Never', rewriteAppHTTPProbe: true, templates: { spire: spireTemplate } },
  },
  null,
  2,
);
emit('istio-system/config.yaml', configMap({
  namespace: ISTIO_NS,
  name: 'istio-sidecar-injector',
  labels: { ...HELM, 'install.operator.istio.io/owning-resource': 'unknown', 'istio.io/rev': 'default', 'operator.istio.io/component': 'Pilot', release: 'istiod' },
  annotations: helmAnn('istiod', ISTIO_NS),
  data: { config: injectorConfig, values: injectorValues },
  createdAt: istiodAt,
}));
emit('istio-system/config.yaml', {
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  data: {
    'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----\nmeshgate scenario placeholder for zamaz.example.com; not a certificate\n-----END CERTIFICATE-----\n').toString('base64'),
    'tls.key': Buffer.from('meshgate scenario placeholder; not a key\n').toString('base64'),
  },
  metadata: meta({ name: 'zamaz-tls', namespace: ISTIO_NS, labels: { app: 'zamaz' }, createdAt: addSeconds(T.meshCfg, -600), key: 'secret/istio-system/zamaz-tls' }),
});

// Webhooks
const caBundle = Buffer.from(ISTIOD_CA).toString('base64');
const injectSvc = (path) => ({ caBundle, service: { name: 'istiod', namespace: ISTIO_NS, path, port: 443 } });
const injectRules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*' }];
const mwhCommon = { admissionReviewVersions: ['v1beta1', 'v1'], failurePolicy: 'Fail', matchPolicy: 'Equivalent', reinvocationPolicy: 'Never', rules: injectRules, sideEffects: 'None', timeoutSeconds: 10 };
emit('istio-system/webhooks.yaml', {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: meta({
    name: 'istio-sidecar-injector',
    labels: { app: 'sidecar-injector', ...HELM, 'install.operator.istio.io/owning-resource': 'unknown', 'istio.io/rev': 'default', 'operator.istio.io/component': 'Pilot', release: 'istiod' },
    annotations: helmAnn('istiod', ISTIO_NS),
    createdAt: istiodAt,
    generation: 2,
    key: 'mwh/istio-sidecar-injector',
  }),
  webhooks: [
    {
      ...mwhCommon,
      clientConfig: injectSvc('/inject/cluster/Kubernetes/net/'),
      name: 'rev.namespace.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: ['default'] }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
      objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
    },
    {
      ...mwhCommon,
      clientConfig: injectSvc('/inject/cluster/Kubernetes/net/'),
      name: 'rev.object.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'DoesNotExist' }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
      objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }, { key: 'istio.io/rev', operator: 'In', values: ['default'] }] },
    },
    {
      ...mwhCommon,
      clientConfig: injectSvc('/inject/cluster/Kubernetes/net/'),
      name: 'namespace.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }] },
      objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
    },
    {
      ...mwhCommon,
      clientConfig: injectSvc('/inject/cluster/Kubernetes/net/'),
      name: 'object.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'DoesNotExist' }, { key: 'istio.io/rev', operator: 'DoesNotExist' }] },
      objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'In', values: ['true'] }, { key: 'istio.io/rev', operator: 'DoesNotExist' }] },
    },
  ],
});
const validationRules = [
  {
    apiGroups: ['security.istio.io', 'networking.istio.io', 'telemetry.istio.io', 'extensions.istio.io'],
    apiVersions: ['*'],
    operations: ['CREATE', 'UPDATE'],
    resources: ['*'],
    scope: '*',
  },
];
emit('istio-system/webhooks.yaml', {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: meta({
    name: 'istio-validator-istio-system',
    labels: { app: 'istiod', ...HELM, istio: 'istiod', 'istio.io/rev': 'default', release: 'istiod' },
    annotations: helmAnn('istiod', ISTIO_NS),
    createdAt: istiodAt,
    generation: 2,
    key: 'vwh/istio-validator-istio-system',
  }),
  webhooks: [
    {
      admissionReviewVersions: ['v1beta1', 'v1'],
      clientConfig: { caBundle, service: { name: 'istiod', namespace: ISTIO_NS, path: '/validate', port: 443 } },
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      name: 'rev.validation.istio.io',
      namespaceSelector: {},
      objectSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: ['default'] }] },
      rules: validationRules,
      sideEffects: 'None',
      timeoutSeconds: 10,
    },
  ],
});
emit('istio-system/webhooks.yaml', {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: meta({
    name: 'istiod-default-validator',
    labels: { app: 'istiod', ...HELM, istio: 'istiod', 'istio.io/rev': 'default' },
    annotations: helmAnn('istio-base', ISTIO_NS),
    createdAt: T.istio,
    generation: 2,
    key: 'vwh/istiod-default-validator',
  }),
  webhooks: [
    {
      admissionReviewVersions: ['v1beta1', 'v1'],
      clientConfig: { caBundle, service: { name: 'istiod', namespace: ISTIO_NS, path: '/validate', port: 443 } },
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      name: 'validation.istio.io',
      namespaceSelector: {},
      objectSelector: {},
      rules: validationRules,
      sideEffects: 'None',
      timeoutSeconds: 10,
    },
  ],
});

// Istio CNI
const cniAt = addSeconds(T.istio, 300);
const cni = daemonSet({
  namespace: ISTIO_NS,
  name: 'istio-cni-node',
  labels: { ...HELM, 'install.operator.istio.io/owning-resource': 'unknown', 'istio.io/rev': 'default', 'k8s-app': 'istio-cni-node', 'operator.istio.io/component': 'Cni', release: 'istio-cni' },
  annotations: helmAnn('istio-cni', ISTIO_NS),
  selector: { 'k8s-app': 'istio-cni-node' },
  createdAt: cniAt,
  nodes: NODES.map((n) => n.name),
  template: podTemplate({
    labels: { 'istio.io/dataplane-mode': 'none', 'k8s-app': 'istio-cni-node', 'sidecar.istio.io/inject': 'false' },
    annotations: { 'prometheus.io/path': '/metrics', 'prometheus.io/port': '15014', 'prometheus.io/scrape': 'true', 'sidecar.istio.io/inject': 'false' },
    spec: {
      containers: [
        {
          name: 'install-cni',
          image: `docker.io/istio/install-cni:${ISTIO_TAG}`,
          command: ['install-cni'],
          args: ['--log_output_level=default:info'],
          envFrom: [{ configMapRef: { name: 'istio-cni-config' } }],
          env: [
            { name: 'REPAIR_NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
            { name: 'REPAIR_RUN_AS_DAEMON', value: 'true' },
            { name: 'REPAIR_SIDECAR_ANNOTATION', value: 'sidecar.istio.io/status' },
            fieldEnv('NODE_NAME', 'spec.nodeName'),
            { name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { divisor: '0', resource: 'limits.memory' } } },
            { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { divisor: '0', resource: 'limits.cpu' } } },
          ],
          ports: [{ containerPort: 15014, name: 'metrics', protocol: 'TCP' }],
          readinessProbe: { httpGet: { path: '/readyz', port: 8000 } },
          resources: { requests: { cpu: '100m', memory: '100Mi' } },
          securityContext: { capabilities: { drop: ['ALL'] }, privileged: false, runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 },
          volumeMounts: [
            { mountPath: '/host/opt/cni/bin', name: 'cni-bin-dir' },
            { mountPath: '/host/proc', name: 'cni-host-procfs', readOnly: true },
            { mountPath: '/host/etc/cni/net.d', name: 'cni-net-dir' },
            { mountPath: '/var/run/istio-cni', name: 'cni-socket-dir' },
            { mountPath: '/host/var/run/netns', mountPropagation: 'HostToContainer', name: 'cni-netns-dir' },
          ],
        },
      ],
      hostNetwork: true,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      priorityClassName: 'system-node-critical',
      serviceAccountName: 'istio-cni',
      terminationGracePeriodSeconds: 5,
      tolerations: [{ effect: 'NoSchedule', operator: 'Exists' }, { key: 'CriticalAddonsOnly', operator: 'Exists' }, { effect: 'NoExecute', operator: 'Exists' }],
      volumes: [
        { hostPath: { path: '/opt/cni/bin', type: '' }, name: 'cni-bin-dir' },
        { hostPath: { path: '/proc', type: 'Directory' }, name: 'cni-host-procfs' },
        { hostPath: { path: '/etc/cni/net.d', type: '' }, name: 'cni-net-dir' },
        { hostPath: { path: '/var/run/istio-cni', type: '' }, name: 'cni-socket-dir' },
        { hostPath: { path: '/var/run/netns', type: 'DirectoryOrCreate' }, name: 'cni-netns-dir' },
      ],
    },
  }),
});
emit('istio-system/cni.yaml', serviceAccount({ namespace: ISTIO_NS, name: 'istio-cni', labels: { ...HELM, 'operator.istio.io/component': 'Cni', release: 'istio-cni' }, annotations: helmAnn('istio-cni', ISTIO_NS), createdAt: cniAt }));
emit('istio-system/cni.yaml', configMap({
  namespace: ISTIO_NS,
  name: 'istio-cni-config',
  labels: { ...HELM, 'operator.istio.io/component': 'Cni', release: 'istio-cni' },
  annotations: helmAnn('istio-cni', ISTIO_NS),
  data: {
    AMBIENT_ENABLED: 'false',
    CHAINED_CNI_PLUGIN: 'true',
    CNI_NET_DIR: '/etc/cni/net.d',
    EXCLUDE_NAMESPACES: 'kube-system',
    LOG_LEVEL: 'info',
    REPAIR_BROKEN_POD_LABEL_KEY: 'cni.istio.io/uninitialized',
    REPAIR_BROKEN_POD_LABEL_VALUE: 'true',
    REPAIR_DELETE_PODS: 'false',
    REPAIR_ENABLED: 'true',
    REPAIR_INIT_CONTAINER_NAME: 'istio-validation',
    REPAIR_LABEL_PODS: 'false',
    REPAIR_REPAIR_PODS: 'true',
  },
  createdAt: cniAt,
}));
emit('istio-system/cni.yaml', cni.objects);

// Ingress gateway (Helm gateway chart, release istio-ingressgateway)
const gwLabels = { app: 'istio-ingressgateway', istio: 'ingressgateway' };
const gw = deployment({
  namespace: ISTIO_NS,
  name: 'istio-ingressgateway',
  labels: { ...gwLabels, ...HELM, 'app.kubernetes.io/name': 'istio-ingressgateway', 'app.kubernetes.io/version': ISTIO_TAG, 'helm.sh/chart': `gateway-${ISTIO_TAG}`, 'istio.io/rev': 'default' },
  annotations: helmAnn('istio-ingressgateway', ISTIO_NS),
  replicas: 2,
  selector: gwLabels,
  createdAt: T.gateway,
  nodes: ['node-a', 'node-c'],
  template: podTemplate({
    labels: { ...gwLabels, 'sidecar.istio.io/inject': 'true', 'spiffe.io/spire-managed-identity': 'true' },
    annotations: {
      'inject.istio.io/templates': 'gateway,spire',
      'prometheus.io/path': '/stats/prometheus',
      'prometheus.io/port': '15020',
      'prometheus.io/scrape': 'true',
      'proxy.istio.io/config': PROXY_STATS_CONFIG,
    },
    spec: {
      containers: [
        {
          name: 'istio-proxy',
          image: 'auto',
          env: [],
          ports: [
            { containerPort: 15021, name: 'status-port', protocol: 'TCP' },
            { containerPort: 8080, name: 'http2', protocol: 'TCP' },
            { containerPort: 8443, name: 'https', protocol: 'TCP' },
            { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
          ],
          resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsGroup: 1337, runAsNonRoot: true, runAsUser: 1337 },
        },
      ],
      securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
      serviceAccountName: 'istio-ingressgateway',
    },
  }),
  mutatePod: (m, spec) => injectGateway(m, spec, { namespace: ISTIO_NS, workload: 'istio-ingressgateway' }),
});
emit('istio-system/ingressgateway.yaml', serviceAccount({ namespace: ISTIO_NS, name: 'istio-ingressgateway', labels: { ...gwLabels, ...HELM, 'istio.io/rev': 'default' }, annotations: helmAnn('istio-ingressgateway', ISTIO_NS), createdAt: T.gateway }));
emit('istio-system/ingressgateway.yaml', gw.objects);
const gwSvc = service({
  namespace: ISTIO_NS,
  name: 'istio-ingressgateway',
  labels: { ...gwLabels, ...HELM, 'app.kubernetes.io/name': 'istio-ingressgateway', 'app.kubernetes.io/version': ISTIO_TAG, 'helm.sh/chart': `gateway-${ISTIO_TAG}`, 'istio.io/rev': 'default' },
  annotations: helmAnn('istio-ingressgateway', ISTIO_NS),
  selector: gwLabels,
  type: 'LoadBalancer',
  lbIp: '203.0.113.10',
  ports: [
    { name: 'status-port', port: 15021, targetPort: 15021, nodePort: 31021 },
    { name: 'http2', port: 80, targetPort: 8080, nodePort: 30080 },
    { name: 'https', port: 443, targetPort: 8443, nodePort: 30443 },
  ],
  createdAt: T.gateway,
});
emit('istio-system/ingressgateway.yaml', gwSvc);
emit('istio-system/security.yaml', {
  apiVersion: 'security.istio.io/v1beta1',
  kind: 'PeerAuthentication',
  metadata: meta({ name: 'default', namespace: ISTIO_NS, createdAt: addSeconds(T.spire, 7200), generation: 1, key: 'pa/istio-system/default' }),
  spec: { mtls: { mode: 'STRICT' } },
});

// ---------------------------------------------------------------- spire-system
const SPIRE_NS = 'spire-system';
emit('spire-system/helm-releases.yaml', [helmRelease(SPIRE_NS, 'spire-crds', 'spire-crds-0.3.0', addSeconds(T.spire, -60)), helmRelease(SPIRE_NS, 'spire', 'spire-0.17.1', T.spire)]);
const serverConf = `server {
  bind_address = "0.0.0.0"
  bind_port = "8081"
  socket_path = "/tmp/spire-server/private/api.sock"
  trust_domain = "${TRUST_DOMAIN}"
  data_dir = "/run/spire/data"
  log_level = "INFO"
  ca_key_type = "ec-p256"
  ca_ttl = "87600h"
  default_x509_svid_ttl = "1h"
  default_jwt_svid_ttl = "5m"
  ca_subject {
    country = ["US"]
    organization = ["SPIFFE"]
    common_name = ""
  }
}

plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "/run/spire/data/datastore.sqlite3"
    }
  }

  NodeAttestor "k8s_psat" {
    plugin_data {
      clusters = {
        "zamaz" = {
          service_account_allow_list = ["spire-system:spire-agent"]
        }
      }
    }
  }

  KeyManager "disk" {
    plugin_data {
      keys_path = "/run/spire/data/keys.json"
    }
  }

  Notifier "k8sbundle" {
    plugin_data {
      namespace = "spire-system"
      config_map = "spire-bundle"
    }
  }
}

health_checks {
  listener_enabled = true
  bind_address = "0.0.0.0"
  bind_port = "8080"
  live_path = "/live"
  ready_path = "/ready"
}
`;
const agentConf = `agent {
  data_dir = "/run/spire"
  log_level = "INFO"
  server_address = "spire-server.spire-system.svc"
  server_port = "8081"
  socket_path = "/run/secrets/workload-spiffe-uds/socket"
  trust_bundle_path = "/run/spire/bundle/bundle.crt"
  trust_domain = "${TRUST_DOMAIN}"
}

plugins {
  NodeAttestor "k8s_psat" {
    plugin_data {
      cluster = "zamaz"
    }
  }

  KeyManager "memory" {
    plugin_data {
    }
  }

  WorkloadAttestor "k8s" {
    plugin_data {
      skip_kubelet_verification = true
    }
  }
}

health_checks {
  listener_enabled = true
  bind_address = "0.0.0.0"
  bind_port = "8080"
  live_path = "/live"
  ready_path = "/ready"
}
`;
const scmConf = `apiVersion: spire.spiffe.io/v1alpha1
kind: ControllerManagerConfig
metrics:
  bindAddress: 127.0.0.1:8082
health:
  healthProbeBindAddress: 0.0.0.0:8083
leaderElection:
  leaderElect: true
  resourceName: 98c9c988.spiffe.io
  resourceNamespace: spire-system
clusterName: zamaz
trustDomain: ${TRUST_DOMAIN}
ignoreNamespaces:
  - kube-system
  - kube-public
  - spire-system
spireServerSocketPath: /tmp/spire-server/private/api.sock
`;
const spireHelm = { ...HELM, 'app.kubernetes.io/instance': 'spire', 'app.kubernetes.io/part-of': 'spire' };
emit('spire-system/server.yaml', [
  serviceAccount({ namespace: SPIRE_NS, name: 'spire-server', labels: { ...spireHelm, 'app.kubernetes.io/name': 'server' }, annotations: helmAnn('spire', SPIRE_NS), createdAt: T.spire }),
  configMap({ namespace: SPIRE_NS, name: 'spire-server', labels: { ...spireHelm, 'app.kubernetes.io/name': 'server' }, annotations: helmAnn('spire', SPIRE_NS), data: { 'server.conf': serverConf }, createdAt: T.spire }),
  configMap({ namespace: SPIRE_NS, name: 'spire-controller-manager', labels: { ...spireHelm, 'app.kubernetes.io/name': 'server' }, annotations: helmAnn('spire', SPIRE_NS), data: { 'controller-manager-config.yaml': scmConf }, createdAt: T.spire }),
  configMap({ namespace: SPIRE_NS, name: 'spire-bundle', labels: { ...spireHelm }, annotations: helmAnn('spire', SPIRE_NS), data: { 'bundle.crt': SPIRE_CA }, createdAt: T.spire }),
]);
const spireServer = statefulSet({
  namespace: SPIRE_NS,
  name: 'spire-server',
  labels: { ...spireHelm, app: 'spire-server', 'app.kubernetes.io/name': 'server' },
  annotations: helmAnn('spire', SPIRE_NS),
  selector: { app: 'spire-server' },
  serviceName: 'spire-server',
  createdAt: T.spire,
  nodes: ['node-c'],
  volumeClaimTemplates: [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { creationTimestamp: null, name: 'spire-data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    },
  ],
  template: podTemplate({
    labels: { app: 'spire-server', 'app.kubernetes.io/instance': 'spire', 'app.kubernetes.io/name': 'server' },
    annotations: { 'kubectl.kubernetes.io/default-container': 'spire-server' },
    spec: {
      containers: [
        {
          name: 'spire-server',
          image: 'ghcr.io/spiffe/spire-server:1.8.7',
          args: ['-config', '/run/spire/config/server.conf'],
          ports: [
            { containerPort: 8081, name: 'grpc', protocol: 'TCP' },
            { containerPort: 8080, name: 'healthz', protocol: 'TCP' },
          ],
          livenessProbe: { failureThreshold: 2, httpGet: { path: '/live', port: 'healthz' }, initialDelaySeconds: 15, periodSeconds: 60, timeoutSeconds: 3 },
          readinessProbe: { httpGet: { path: '/ready', port: 'healthz' }, initialDelaySeconds: 5, periodSeconds: 5 },
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000 },
          volumeMounts: [
            { mountPath: '/run/spire/config', name: 'spire-config', readOnly: true },
            { mountPath: '/run/spire/data', name: 'spire-data' },
            { mountPath: '/tmp/spire-server/private', name: 'spire-server-socket' },
          ],
        },
        {
          name: 'spire-controller-manager',
          image: 'ghcr.io/spiffe/spire-controller-manager:0.4.0',
          args: ['--config=controller-manager-config.yaml'],
          env: [{ name: 'ENABLE_WEBHOOKS', value: 'true' }],
          ports: [
            { containerPort: 9443, name: 'https', protocol: 'TCP' },
            { containerPort: 8083, name: 'healthz', protocol: 'TCP' },
          ],
          livenessProbe: { httpGet: { path: '/healthz', port: 'healthz' } },
          readinessProbe: { httpGet: { path: '/readyz', port: 'healthz' } },
          resources: { requests: { cpu: '50m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000 },
          volumeMounts: [
            { mountPath: '/tmp/spire-server/private', name: 'spire-server-socket', readOnly: true },
            { mountPath: '/controller-manager-config.yaml', name: 'controller-manager-config', readOnly: true, subPath: 'controller-manager-config.yaml' },
          ],
        },
      ],
      securityContext: { fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', runAsGroup: 1000, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      serviceAccountName: 'spire-server',
      shareProcessNamespace: true,
      volumes: [
        { configMap: { name: 'spire-server' }, name: 'spire-config' },
        { emptyDir: {}, name: 'spire-server-socket' },
        { configMap: { name: 'spire-controller-manager' }, name: 'controller-manager-config' },
      ],
    },
  }),
});
emit('spire-system/server.yaml', spireServer.objects);
emit('spire-system/server.yaml', service({ namespace: SPIRE_NS, name: 'spire-server', labels: { ...spireHelm, app: 'spire-server', 'app.kubernetes.io/name': 'server' }, annotations: helmAnn('spire', SPIRE_NS), selector: { app: 'spire-server' }, ports: [{ name: 'grpc', port: 8081, targetPort: 'grpc' }], createdAt: T.spire }));
emit('spire-system/server.yaml', service({ namespace: SPIRE_NS, name: 'spire-controller-manager-webhook', labels: { ...spireHelm, 'app.kubernetes.io/name': 'server' }, annotations: helmAnn('spire', SPIRE_NS), selector: { app: 'spire-server' }, ports: [{ name: 'https', port: 443, targetPort: 'https' }], createdAt: T.spire }));
emit('spire-system/server.yaml', {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: meta({ name: 'spire-controller-manager-webhook', labels: { ...spireHelm }, annotations: helmAnn('spire', SPIRE_NS), createdAt: T.spire, generation: 2, key: 'vwh/spire-controller-manager-webhook' }),
  webhooks: [
    {
      admissionReviewVersions: ['v1'],
      clientConfig: { caBundle: Buffer.from(SPIRE_CA).toString('base64'), service: { name: 'spire-controller-manager-webhook', namespace: SPIRE_NS, path: '/validate-spire-spiffe-io-v1alpha1-clusterspiffeid', port: 443 } },
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      name: 'vclusterspiffeid.kb.io',
      namespaceSelector: {},
      objectSelector: {},
      rules: [{ apiGroups: ['spire.spiffe.io'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: ['clusterspiffeids'], scope: '*' }],
      sideEffects: 'None',
      timeoutSeconds: 10,
    },
  ],
});
// PV/PVC for the server datastore
const pvName = `pvc-${uid('pv/spire-data')}`;
const spirePvc = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: meta({
    name: 'spire-data-spire-server-0',
    namespace: SPIRE_NS,
    labels: { app: 'spire-server' },
    annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path', 'volume.kubernetes.io/selected-node': 'node-c', 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path' },
    createdAt: addSeconds(T.spire, 1),
    key: 'pvc/spire-system/spire-data-spire-server-0',
  }),
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', volumeMode: 'Filesystem', volumeName: pvName },
  status: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, phase: 'Bound' },
};
emit('spire-system/server.yaml', spirePvc);
function pv(name, claim, size, nodeName, createdAt) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: meta({ name, annotations: { 'local.path.provisioner/selected-node': nodeName, 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' }, createdAt, key: `pv/${name}` }),
    spec: {
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: size },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: claim.metadata.name, namespace: claim.metadata.namespace, resourceVersion: claim.metadata.resourceVersion, uid: claim.metadata.uid },
      hostPath: { path: `/opt/local-path-provisioner/${name}_${claim.metadata.namespace}_${claim.metadata.name}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'standard',
      volumeMode: 'Filesystem',
    },
    status: { lastPhaseTransitionTime: addSeconds(createdAt, 1), phase: 'Bound' },
  };
}
emit('00-cluster.yaml', pv(pvName, spirePvc, '1Gi', 'node-c', addSeconds(T.spire, 4)));

const spireAgent = daemonSet({
  namespace: SPIRE_NS,
  name: 'spire-agent',
  labels: { ...spireHelm, app: 'spire-agent', 'app.kubernetes.io/name': 'agent' },
  annotations: helmAnn('spire', SPIRE_NS),
  selector: { app: 'spire-agent' },
  createdAt: addSeconds(T.spire, 60),
  nodes: WORKERS.map((n) => n.name),
  template: podTemplate({
    labels: { app: 'spire-agent', 'app.kubernetes.io/instance': 'spire', 'app.kubernetes.io/name': 'agent' },
    spec: {
      containers: [
        {
          name: 'spire-agent',
          image: 'ghcr.io/spiffe/spire-agent:1.8.7',
          args: ['-config', '/run/spire/config/agent.conf'],
          env: [fieldEnv('MY_NODE_NAME', 'spec.nodeName')],
          ports: [{ containerPort: 8080, name: 'healthz', protocol: 'TCP' }],
          livenessProbe: { httpGet: { path: '/live', port: 'healthz' }, initialDelaySeconds: 15, periodSeconds: 60 },
          readinessProbe: { httpGet: { path: '/ready', port: 'healthz' }, initialDelaySeconds: 10, periodSeconds: 30 },
          resources: { requests: { cpu: '50m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000 },
          volumeMounts: [
            { mountPath: '/run/spire/config', name: 'spire-config', readOnly: true },
            { mountPath: '/run/spire/bundle', name: 'spire-bundle', readOnly: true },
            { mountPath: '/run/secrets/workload-spiffe-uds', name: 'spire-agent-socket-dir' },
            { mountPath: '/var/run/secrets/tokens', name: 'spire-token' },
          ],
        },
      ],
      dnsPolicy: 'ClusterFirstWithHostNet',
      hostPID: true,
      serviceAccountName: 'spire-agent',
      volumes: [
        { configMap: { name: 'spire-agent' }, name: 'spire-config' },
        { configMap: { name: 'spire-bundle' }, name: 'spire-bundle' },
        { hostPath: { path: '/run/spire/agent-sockets', type: 'DirectoryOrCreate' }, name: 'spire-agent-socket-dir' },
        { name: 'spire-token', projected: { sources: [{ serviceAccountToken: { audience: 'spire-server', expirationSeconds: 7200, path: 'spire-agent' } }] } },
      ],
    },
  }),
});
emit('spire-system/agent.yaml', serviceAccount({ namespace: SPIRE_NS, name: 'spire-agent', labels: { ...spireHelm, 'app.kubernetes.io/name': 'agent' }, annotations: helmAnn('spire', SPIRE_NS), createdAt: T.spire }));
emit('spire-system/agent.yaml', configMap({ namespace: SPIRE_NS, name: 'spire-agent', labels: { ...spireHelm, 'app.kubernetes.io/name': 'agent' }, annotations: helmAnn('spire', SPIRE_NS), data: { 'agent.conf': agentConf }, createdAt: T.spire }));
emit('spire-system/agent.yaml', spireAgent.objects);

const csi = daemonSet({
  namespace: SPIRE_NS,
  name: 'spiffe-csi-driver',
  labels: { ...spireHelm, app: 'spiffe-csi-driver', 'app.kubernetes.io/name': 'spiffe-csi-driver' },
  annotations: helmAnn('spire', SPIRE_NS),
  selector: { app: 'spiffe-csi-driver' },
  createdAt: addSeconds(T.spire, 60),
  nodes: WORKERS.map((n) => n.name),
  template: podTemplate({
    labels: { app: 'spiffe-csi-driver', 'app.kubernetes.io/instance': 'spire', 'app.kubernetes.io/name': 'spiffe-csi-driver' },
    spec: {
      containers: [
        {
          name: 'spiffe-csi-driver',
          image: 'ghcr.io/spiffe/spiffe-csi-driver:0.2.4',
          args: ['-workload-api-socket-dir', '/spire-agent-socket', '-plugin-name', 'csi.spiffe.io', '-csi-socket-path', '/spiffe-csi/csi.sock'],
          env: [fieldEnv('MY_NODE_NAME', 'spec.nodeName')],
          securityContext: { privileged: true, readOnlyRootFilesystem: true },
          volumeMounts: [
            { mountPath: '/spire-agent-socket', name: 'spire-agent-socket-dir', readOnly: true },
            { mountPath: '/spiffe-csi', name: 'spiffe-csi-socket-dir' },
            { mountPath: '/var/lib/kubelet/pods', mountPropagation: 'Bidirectional', name: 'mountpoint-dir' },
          ],
        },
        {
          name: 'node-driver-registrar',
          image: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.9.0',
          args: ['-csi-address', '/spiffe-csi/csi.sock', '-kubelet-registration-path', '/var/lib/kubelet/plugins/csi.spiffe.io/csi.sock', '-health-port', '9809'],
          ports: [{ containerPort: 9809, name: 'healthz', protocol: 'TCP' }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'healthz' }, initialDelaySeconds: 5, timeoutSeconds: 5 },
          volumeMounts: [
            { mountPath: '/spiffe-csi', name: 'spiffe-csi-socket-dir' },
            { mountPath: '/registration', name: 'kubelet-plugin-registration-dir' },
          ],
        },
      ],
      priorityClassName: 'system-node-critical',
      serviceAccountName: 'spiffe-csi-driver',
      volumes: [
        { hostPath: { path: '/run/spire/agent-sockets', type: 'DirectoryOrCreate' }, name: 'spire-agent-socket-dir' },
        { hostPath: { path: '/var/lib/kubelet/plugins/csi.spiffe.io', type: 'DirectoryOrCreate' }, name: 'spiffe-csi-socket-dir' },
        { hostPath: { path: '/var/lib/kubelet/pods', type: 'Directory' }, name: 'mountpoint-dir' },
        { hostPath: { path: '/var/lib/kubelet/plugins_registry', type: 'Directory' }, name: 'kubelet-plugin-registration-dir' },
      ],
    },
  }),
});
emit('spire-system/csi-driver.yaml', serviceAccount({ namespace: SPIRE_NS, name: 'spiffe-csi-driver', labels: { ...spireHelm, 'app.kubernetes.io/name': 'spiffe-csi-driver' }, annotations: helmAnn('spire', SPIRE_NS), createdAt: T.spire }));
emit('spire-system/csi-driver.yaml', csi.objects);

// ---------------------------------------------------------------- application (legacy + mesh)
const APP = {
  api: { name: 'zamaz-api', container: 'api', port: 8080, health: '/health', image: 'ghcr.io/zamaz/zamaz-api:1.8.3', svcPort: 8080 },
  web: { name: 'zamaz-frontend', container: 'web', port: 3000, health: '/healthz', image: 'ghcr.io/zamaz/zamaz-frontend:1.8.3', svcPort: 80 },
};
function appContainer(app, ns, { restricted }) {
  const c = {
    name: app.container,
    image: app.image,
    ports: [{ containerPort: app.port, name: 'http', protocol: 'TCP' }],
    readinessProbe: { httpGet: { path: app.health, port: app.port }, initialDelaySeconds: 5, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: app.health, port: app.port }, initialDelaySeconds: 15, periodSeconds: 20 },
    resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '250m', memory: '256Mi' } },
    volumeMounts: [{ mountPath: '/tmp', name: 'tmp' }],
  };
  if (app === APP.api) {
    c.env = [
      { name: 'PORT', value: String(app.port) },
      { name: 'DATABASE_HOST', value: 'zamaz-postgres.zamaz.svc.cluster.local' },
      { name: 'DATABASE_PORT', value: '5432' },
      { name: 'DATABASE_NAME', value: 'zamaz' },
      { name: 'REDIS_URL', value: 'redis://zamaz-redis.zamaz.svc.cluster.local:6379' },
      { name: 'NATS_URL', value: 'nats://zamaz-nats.zamaz.svc.cluster.local:4222' },
    ];
  } else {
    c.env = [
      { name: 'PORT', value: String(app.port) },
      { name: 'API_URL', value: `http://zamaz-api.${ns}.svc.cluster.local:8080` },
    ];
  }
  c.securityContext = restricted
    ? { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true }
    : { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000 };
  return c;
}

// ---- legacy namespace zamaz
const LEG = 'zamaz';
const legacy = {};
for (const [key, app, nodes] of [
  ['api', APP.api, ['node-a', 'node-c']],
  ['web', APP.web, ['node-b', 'node-a']],
]) {
  const labels = { app: app.name };
  emit(`zamaz/${app.name}.yaml`, serviceAccount({ namespace: LEG, name: app.name, labels, createdAt: T.legacy }));
  const d = deployment({
    namespace: LEG,
    name: app.name,
    labels: { ...labels, 'app.kubernetes.io/part-of': 'zamaz' },
    replicas: 2,
    selector: labels,
    createdAt: T.legacy,
    podCreatedAt: addSeconds(T.legacy, 86400 * 6),
    revision: 3,
    generation: 3,
    nodes,
    template: podTemplate({
      labels: { ...labels, 'app.kubernetes.io/part-of': 'zamaz' },
      spec: { containers: [appContainer(app, LEG, { restricted: false })], serviceAccountName: app.name, volumes: [{ emptyDir: {}, name: 'tmp' }] },
    }),
  });
  legacy[key] = d;
  emit(`zamaz/${app.name}.yaml`, d.objects);
  emit(`zamaz/${app.name}.yaml`, service({ namespace: LEG, name: app.name, labels, selector: labels, ports: [{ name: 'http', port: app.svcPort, targetPort: app.port }], createdAt: T.legacy }));
}
const envoyConf = `admin:
  address:
    socket_address: { address: 0.0.0.0, port_value: 9901 }
static_resources:
  listeners:
  - name: ingress
    address:
      socket_address: { address: 0.0.0.0, port_value: 8080 }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            name: zamaz
            virtual_hosts:
            - name: zamaz
              domains: ["zamaz.example.com", "*"]
              routes:
              - match: { prefix: "/api" }
                route: { cluster: zamaz_api, timeout: 30s }
              - match: { prefix: "/" }
                route: { cluster: zamaz_frontend }
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: zamaz_api
    type: STRICT_DNS
    connect_timeout: 30s
    circuit_breakers:
      thresholds:
      - max_connections: 100
        max_pending_requests: 1000
    outlier_detection:
      consecutive_5xx: 5
      interval: 30s
      base_ejection_time: 30s
      max_ejection_percent: 50
    load_assignment:
      cluster_name: zamaz_api
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: zamaz-api.zamaz.svc.cluster.local, port_value: 8080 } } }
  - name: zamaz_frontend
    type: STRICT_DNS
    connect_timeout: 30s
    load_assignment:
      cluster_name: zamaz_frontend
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: zamaz-frontend.zamaz.svc.cluster.local, port_value: 80 } } }
`;
emit('zamaz/envoy.yaml', configMap({ namespace: LEG, name: 'envoy-config', labels: { app: 'envoy' }, data: { 'envoy.yaml': envoyConf }, createdAt: T.legacy }));
emit('zamaz/envoy.yaml', serviceAccount({ namespace: LEG, name: 'envoy', labels: { app: 'envoy' }, createdAt: T.legacy }));
const envoyDep = deployment({
  namespace: LEG,
  name: 'envoy',
  labels: { app: 'envoy', 'app.kubernetes.io/part-of': 'zamaz' },
  replicas: 2,
  selector: { app: 'envoy' },
  createdAt: T.legacy,
  nodes: ['node-c', 'node-b'],
  template: podTemplate({
    labels: { app: 'envoy', 'app.kubernetes.io/part-of': 'zamaz' },
    spec: {
      containers: [
        {
          name: 'envoy',
          image: 'docker.io/envoyproxy/envoy:v1.28.0',
          args: ['-c', '/etc/envoy/envoy.yaml', '--service-cluster', 'zamaz-edge', '--log-level', 'info'],
          ports: [
            { containerPort: 8080, name: 'http', protocol: 'TCP' },
            { containerPort: 9901, name: 'admin', protocol: 'TCP' },
          ],
          readinessProbe: { httpGet: { path: '/ready', port: 9901 }, periodSeconds: 5 },
          livenessProbe: { httpGet: { path: '/ready', port: 9901 }, initialDelaySeconds: 10, periodSeconds: 20 },
          resources: { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '200m', memory: '128Mi' } },
          volumeMounts: [{ mountPath: '/etc/envoy', name: 'config', readOnly: true }],
        },
      ],
      serviceAccountName: 'envoy',
      volumes: [{ configMap: { name: 'envoy-config' }, name: 'config' }],
    },
  }),
});
emit('zamaz/envoy.yaml', envoyDep.objects);
emit('zamaz/envoy.yaml', service({
  namespace: LEG,
  name: 'envoy',
  labels: { app: 'envoy' },
  selector: { app: 'envoy' },
  ports: [
    { name: 'http', port: 8080, targetPort: 8080 },
    { name: 'admin', port: 9901, targetPort: 9901 },
  ],
  createdAt: T.legacy,
}));

// data services
const dataPvcs = [];
function dataSts(name, image, port, portName, extraPorts, volumeSize, nodeName, extra = {}) {
  const labels = { app: name, 'app.kubernetes.io/part-of': 'zamaz' };
  const s = statefulSet({
    namespace: LEG,
    name,
    labels,
    selector: { app: name },
    serviceName: `${name}-headless`,
    createdAt: T.legacy,
    nodes: [nodeName],
    volumeClaimTemplates: volumeSize
      ? [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { creationTimestamp: null, name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: volumeSize } }, storageClassName: 'standard', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }]
      : undefined,
    template: podTemplate({
      labels,
      spec: {
        containers: [
          {
            name,
            image,
            ports: [{ containerPort: port, name: portName, protocol: 'TCP' }, ...extraPorts],
            resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '250m', memory: '256Mi' } },
            ...extra,
          },
        ],
      },
    }),
  });
  emit(`zamaz/data.yaml`, s.objects);
  emit(`zamaz/data.yaml`, service({ namespace: LEG, name, labels: { app: name }, selector: { app: name }, ports: [{ name: portName, port, targetPort: port }, ...extraPorts.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.containerPort }))], createdAt: T.legacy }));
  emit(`zamaz/data.yaml`, service({ namespace: LEG, name: `${name}-headless`, labels: { app: name }, selector: { app: name }, headless: true, ports: [{ name: portName, port, targetPort: port }], createdAt: T.legacy }));
  if (volumeSize) {
    const claim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta({
        name: `data-${name}-0`,
        namespace: LEG,
        labels: { app: name },
        annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path', 'volume.kubernetes.io/selected-node': nodeName, 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path' },
        createdAt: addSeconds(T.legacy, 1),
        key: `pvc/zamaz/data-${name}-0`,
      }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: volumeSize } }, storageClassName: 'standard', volumeMode: 'Filesystem', volumeName: `pvc-${uid(`pv/${name}`)}` },
      status: { accessModes: ['ReadWriteOnce'], capacity: { storage: volumeSize }, phase: 'Bound' },
    };
    emit('zamaz/data.yaml', claim);
    emit('00-cluster.yaml', pv(claim.spec.volumeName, claim, volumeSize, nodeName, addSeconds(T.legacy, 4)));
  }
  return s;
}
const pg = dataSts('zamaz-postgres', 'docker.io/library/postgres:15.5-alpine', 5432, 'postgres', [], '20Gi', 'node-b', {
  env: [
    { name: 'POSTGRES_DB', value: 'zamaz' },
    { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
  ],
  readinessProbe: { exec: { command: ['pg_isready', '-U', 'zamaz', '-d', 'zamaz'] }, periodSeconds: 10 },
  volumeMounts: [{ mountPath: '/var/lib/postgresql/data', name: 'data' }],
});
const nats = dataSts('zamaz-nats', 'docker.io/library/nats:2.10.7-alpine', 4222, 'client', [{ containerPort: 8222, name: 'monitor', protocol: 'TCP' }], undefined, 'node-a', {
  args: ['--jetstream', '--http_port', '8222'],
  readinessProbe: { httpGet: { path: '/healthz', port: 8222 } },
});
const redisDep = deployment({
  namespace: LEG,
  name: 'zamaz-redis',
  labels: { app: 'zamaz-redis', 'app.kubernetes.io/part-of': 'zamaz' },
  replicas: 1,
  selector: { app: 'zamaz-redis' },
  createdAt: T.legacy,
  nodes: ['node-c'],
  template: podTemplate({
    labels: { app: 'zamaz-redis', 'app.kubernetes.io/part-of': 'zamaz' },
    spec: {
      containers: [
        {
          name: 'redis',
          image: 'docker.io/library/redis:7.2.3-alpine',
          args: ['redis-server', '--appendonly', 'no', '--maxmemory', '256mb'],
          ports: [{ containerPort: 6379, name: 'redis', protocol: 'TCP' }],
          readinessProbe: { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 10 },
          resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
        },
      ],
    },
  }),
});
emit('zamaz/data.yaml', redisDep.objects);
emit('zamaz/data.yaml', service({ namespace: LEG, name: 'zamaz-redis', labels: { app: 'zamaz-redis' }, selector: { app: 'zamaz-redis' }, ports: [{ name: 'redis', port: 6379, targetPort: 6379 }], createdAt: T.legacy }));

// ---- mesh namespace zamaz-mesh
const MESH = 'zamaz-mesh';
const mesh = {};
for (const [key, app, nodes] of [
  ['api', APP.api, ['node-a', 'node-b']],
  ['web', APP.web, ['node-b', 'node-c']],
]) {
  const labels = { app: app.name };
  emit(`zamaz-mesh/${app.name}.yaml`, serviceAccount({ namespace: MESH, name: app.name, labels, createdAt: addSeconds(T.meshCfg, 60) }));
  const d = deployment({
    namespace: MESH,
    name: app.name,
    labels: { ...labels, 'app.kubernetes.io/part-of': 'zamaz' },
    replicas: 2,
    selector: labels,
    createdAt: T.meshApp,
    nodes,
    template: podTemplate({
      labels: { ...labels, 'app.kubernetes.io/part-of': 'zamaz', 'spiffe.io/spire-managed-identity': 'true' },
      annotations: { 'inject.istio.io/templates': 'sidecar,spire', 'proxy.istio.io/config': PROXY_STATS_CONFIG },
      spec: {
        automountServiceAccountToken: false,
        containers: [appContainer(app, MESH, { restricted: true })],
        securityContext: { fsGroup: 1000, runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        serviceAccountName: app.name,
        volumes: [{ emptyDir: {}, name: 'tmp' }],
      },
    }),
    mutatePod: (m, spec) => injectSidecar(m, spec, { namespace: MESH, workload: app.name }),
  });
  mesh[key] = d;
  emit(`zamaz-mesh/${app.name}.yaml`, d.objects);
  emit(`zamaz-mesh/${app.name}.yaml`, service({ namespace: MESH, name: app.name, labels, selector: labels, ports: [{ name: 'http', port: app.svcPort, targetPort: app.port }], createdAt: addSeconds(T.meshCfg, 60) }));
}

// traffic
const fq = (name, ns) => `${name}.${ns}.svc.cluster.local`;
const meshWeight = 10;
emit('zamaz-mesh/traffic.yaml', {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'Gateway',
  metadata: meta({ name: 'zamaz-gateway', namespace: MESH, createdAt: T.meshCfg, generation: 1, key: 'gw/zamaz-gateway' }),
  spec: {
    selector: { istio: 'ingressgateway' },
    servers: [
      { hosts: ['zamaz.example.com'], port: { name: 'http', number: 80, protocol: 'HTTP' } },
      { hosts: ['zamaz.example.com'], port: { name: 'https', number: 443, protocol: 'HTTPS' }, tls: { credentialName: 'zamaz-tls', mode: 'SIMPLE' } },
    ],
  },
});
const split = (name, port) => [
  { destination: { host: fq(name, LEG), port: { number: port } }, weight: 100 - meshWeight },
  { destination: { host: fq(name, MESH), port: { number: port } }, weight: meshWeight },
];
emit('zamaz-mesh/traffic.yaml', {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: meta({ name: 'zamaz', namespace: MESH, createdAt: T.meshCfg, generation: 2, key: 'vs/zamaz' }),
  spec: {
    gateways: ['zamaz-gateway'],
    hosts: ['zamaz.example.com'],
    http: [
      { match: [{ uri: { prefix: '/api' } }], name: 'api', route: split('zamaz-api', 8080) },
      { match: [{ uri: { prefix: '/' } }], name: 'frontend', route: split('zamaz-frontend', 80) },
    ],
  },
});
const drSpec = (host) => ({
  host,
  trafficPolicy: {
    connectionPool: { http: { http1MaxPendingRequests: 1000, maxRequestsPerConnection: 10 }, tcp: { connectTimeout: '30s', maxConnections: 100 } },
    outlierDetection: { baseEjectionTime: '30s', consecutive5xxErrors: 5, consecutiveGatewayErrors: 5, interval: '30s', maxEjectionPercent: 50 },
    tls: { mode: 'ISTIO_MUTUAL' },
  },
});
for (const app of [APP.api, APP.web]) {
  emit('zamaz-mesh/traffic.yaml', {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'DestinationRule',
    metadata: meta({ name: app.name, namespace: MESH, createdAt: T.meshCfg, generation: 1, key: `dr/${app.name}` }),
    spec: drSpec(fq(app.name, MESH)),
  });
}

// security
emit('zamaz-mesh/security.yaml', {
  apiVersion: 'security.istio.io/v1beta1',
  kind: 'PeerAuthentication',
  metadata: meta({ name: 'default', namespace: MESH, createdAt: addSeconds(T.meshNs, 300), generation: 1, key: 'pa/zamaz-mesh/default' }),
  spec: { mtls: { mode: 'STRICT' } },
});
const ap = (name, spec, offset) => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: meta({ name, namespace: MESH, createdAt: addSeconds(T.meshNs, offset), generation: 1, key: `ap/${name}` }),
  spec,
});
emit('zamaz-mesh/security.yaml', ap('deny-all', {}, 310));
emit('zamaz-mesh/security.yaml', ap('allow-ingress', {
  action: 'ALLOW',
  rules: [{ from: [{ source: { principals: [`${TRUST_DOMAIN}/ns/istio-system/sa/istio-ingressgateway`] } }], to: [{ operation: { ports: ['8080', '3000'] } }] }],
}, 320));
emit('zamaz-mesh/security.yaml', ap('allow-frontend-to-api', {
  action: 'ALLOW',
  rules: [{ from: [{ source: { principals: [`${TRUST_DOMAIN}/ns/zamaz-mesh/sa/zamaz-frontend`] } }], to: [{ operation: { paths: ['/api/*'], ports: ['8080'] } }] }],
  selector: { matchLabels: { app: 'zamaz-api' } },
}, 330));

const np = (name, spec, offset) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: meta({ name, namespace: MESH, createdAt: addSeconds(T.meshNs, offset), generation: 1, key: `np/${name}` }),
  spec,
});
const nsSel = (name) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });
emit('zamaz-mesh/networkpolicies.yaml', [
  np('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, 400),
  np('allow-dns', {
    egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], to: [{ namespaceSelector: nsSel('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }] }],
    podSelector: {},
    policyTypes: ['Egress'],
  }, 401),
  np('allow-istiod', {
    egress: [{ ports: [{ port: 15012, protocol: 'TCP' }], to: [{ namespaceSelector: nsSel('istio-system'), podSelector: { matchLabels: { app: 'istiod' } } }] }],
    podSelector: {},
    policyTypes: ['Egress'],
  }, 402),
  np('allow-ingress-gateway', {
    ingress: [{ from: [{ namespaceSelector: nsSel('istio-system'), podSelector: { matchLabels: { istio: 'ingressgateway' } } }], ports: [{ port: 8080, protocol: 'TCP' }, { port: 3000, protocol: 'TCP' }] }],
    podSelector: {},
    policyTypes: ['Ingress'],
  }, 403),
  np('allow-prometheus-scrape', {
    ingress: [{ from: [{ namespaceSelector: nsSel('monitoring'), podSelector: { matchLabels: { app: 'prometheus-server' } } }], ports: [{ port: 15020, protocol: 'TCP' }, { port: 15090, protocol: 'TCP' }] }],
    podSelector: {},
    policyTypes: ['Ingress'],
  }, 404),
  np('allow-data-egress', {
    egress: [{ ports: [{ port: 5432, protocol: 'TCP' }, { port: 6379, protocol: 'TCP' }, { port: 4222, protocol: 'TCP' }], to: [{ namespaceSelector: nsSel('zamaz') }] }],
    podSelector: { matchLabels: { app: 'zamaz-api' } },
    policyTypes: ['Egress'],
  }, 405),
  np('allow-intra-namespace', {
    egress: [{ to: [{ podSelector: {} }] }],
    ingress: [{ from: [{ podSelector: {} }] }],
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
  }, 406),
]);

// ---------------------------------------------------------------- monitoring
const MON = 'monitoring';
const promConf = `global:
  scrape_interval: 15s
  evaluation_interval: 15s
scrape_configs:
- job_name: kubernetes-pods
  kubernetes_sd_configs:
  - role: pod
  relabel_configs:
  - action: keep
    regex: true
    source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
  - action: replace
    regex: (.+)
    source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]
    target_label: __metrics_path__
  - action: replace
    regex: ([^:]+)(?::\\d+)?;(\\d+)
    replacement: $1:$2
    source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]
    target_label: __address__
  - action: labelmap
    regex: __meta_kubernetes_pod_label_(.+)
  - action: replace
    source_labels: [__meta_kubernetes_namespace]
    target_label: namespace
  - action: replace
    source_labels: [__meta_kubernetes_pod_name]
    target_label: pod
`;
emit('monitoring/prometheus.yaml', serviceAccount({ namespace: MON, name: 'prometheus-server', labels: { app: 'prometheus-server' }, createdAt: T.monitoring }));
emit('monitoring/prometheus.yaml', configMap({ namespace: MON, name: 'prometheus-server', labels: { app: 'prometheus-server' }, data: { 'prometheus.yml': promConf }, createdAt: T.monitoring }));
const prom = deployment({
  namespace: MON,
  name: 'prometheus-server',
  labels: { app: 'prometheus-server' },
  replicas: 1,
  selector: { app: 'prometheus-server' },
  createdAt: T.monitoring,
  nodes: ['node-c'],
  template: podTemplate({
    labels: { app: 'prometheus-server' },
    spec: {
      containers: [
        {
          name: 'prometheus-server',
          image: 'quay.io/prometheus/prometheus:v2.48.1',
          args: ['--config.file=/etc/config/prometheus.yml', '--storage.tsdb.path=/data', '--storage.tsdb.retention.time=15d', '--web.enable-lifecycle'],
          ports: [{ containerPort: 9090, name: 'http', protocol: 'TCP' }],
          readinessProbe: { httpGet: { path: '/-/ready', port: 9090 }, initialDelaySeconds: 30, periodSeconds: 5, timeoutSeconds: 4 },
          livenessProbe: { httpGet: { path: '/-/healthy', port: 9090 }, initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 10 },
          resources: { limits: { cpu: '1', memory: '2Gi' }, requests: { cpu: '250m', memory: '512Mi' } },
          volumeMounts: [
            { mountPath: '/etc/config', name: 'config-volume' },
            { mountPath: '/data', name: 'storage-volume' },
          ],
        },
      ],
      securityContext: { fsGroup: 65534, runAsGroup: 65534, runAsNonRoot: true, runAsUser: 65534 },
      serviceAccountName: 'prometheus-server',
      volumes: [
        { configMap: { name: 'prometheus-server' }, name: 'config-volume' },
        { emptyDir: {}, name: 'storage-volume' },
      ],
    },
  }),
});
emit('monitoring/prometheus.yaml', prom.objects);
emit('monitoring/prometheus.yaml', service({ namespace: MON, name: 'prometheus-server', labels: { app: 'prometheus-server' }, selector: { app: 'prometheus-server' }, ports: [{ name: 'http', port: 9090, targetPort: 9090 }], createdAt: T.monitoring }));
emit('monitoring/grafana.yaml', serviceAccount({ namespace: MON, name: 'grafana', labels: { app: 'grafana' }, createdAt: T.monitoring }));
const grafana = deployment({
  namespace: MON,
  name: 'grafana',
  labels: { app: 'grafana' },
  replicas: 1,
  selector: { app: 'grafana' },
  createdAt: T.monitoring,
  nodes: ['node-a'],
  template: podTemplate({
    labels: { app: 'grafana' },
    spec: {
      containers: [
        {
          name: 'grafana',
          image: 'docker.io/grafana/grafana:10.2.2',
          ports: [{ containerPort: 3000, name: 'grafana', protocol: 'TCP' }],
          readinessProbe: { httpGet: { path: '/api/health', port: 3000 } },
          resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
        },
      ],
      securityContext: { fsGroup: 472, runAsGroup: 472, runAsNonRoot: true, runAsUser: 472 },
      serviceAccountName: 'grafana',
    },
  }),
});
emit('monitoring/grafana.yaml', grafana.objects);
emit('monitoring/grafana.yaml', service({ namespace: MON, name: 'grafana', labels: { app: 'grafana' }, selector: { app: 'grafana' }, ports: [{ name: 'service', port: 80, targetPort: 3000 }], createdAt: T.monitoring }));
const jaeger = deployment({
  namespace: MON,
  name: 'jaeger',
  labels: { app: 'jaeger' },
  replicas: 1,
  selector: { app: 'jaeger' },
  createdAt: T.monitoring,
  nodes: ['node-b'],
  template: podTemplate({
    labels: { app: 'jaeger' },
    spec: {
      containers: [
        {
          name: 'jaeger',
          image: 'docker.io/jaegertracing/all-in-one:1.52',
          env: [{ name: 'COLLECTOR_ZIPKIN_HOST_PORT', value: ':9411' }, { name: 'COLLECTOR_OTLP_ENABLED', value: 'true' }],
          ports: [
            { containerPort: 16686, name: 'http-query', protocol: 'TCP' },
            { containerPort: 14268, name: 'http-collector', protocol: 'TCP' },
            { containerPort: 14250, name: 'grpc-collector', protocol: 'TCP' },
            { containerPort: 9411, name: 'zipkin', protocol: 'TCP' },
            { containerPort: 4317, name: 'otlp-grpc', protocol: 'TCP' },
          ],
          readinessProbe: { httpGet: { path: '/', port: 14269 } },
          resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '100m', memory: '256Mi' } },
        },
      ],
    },
  }),
});
emit('monitoring/jaeger.yaml', jaeger.objects);
emit('monitoring/jaeger.yaml', service({ namespace: MON, name: 'jaeger-query', labels: { app: 'jaeger' }, selector: { app: 'jaeger' }, ports: [{ name: 'http-query', port: 16686, targetPort: 16686 }], createdAt: T.monitoring }));
emit('monitoring/jaeger.yaml', service({
  namespace: MON,
  name: 'jaeger-collector',
  labels: { app: 'jaeger' },
  selector: { app: 'jaeger' },
  ports: [
    { name: 'http-collector', port: 14268, targetPort: 14268 },
    { name: 'grpc-collector', port: 14250, targetPort: 14250 },
    { name: 'http-zipkin', port: 9411, targetPort: 9411 },
    { name: 'grpc-otlp', port: 4317, targetPort: 4317 },
  ],
  createdAt: T.monitoring,
}));

// ---------------------------------------------------------------- k6-operator
const K6NS = 'k6-operator-system';
emit('k6-operator-system/operator.yaml', serviceAccount({ namespace: K6NS, name: 'k6-operator-controller', labels: { 'app.kubernetes.io/name': 'k6-operator' }, createdAt: T.k6 }));
const k6op = deployment({
  namespace: K6NS,
  name: 'k6-operator-controller-manager',
  labels: { 'app.kubernetes.io/name': 'k6-operator', 'control-plane': 'controller-manager' },
  replicas: 1,
  selector: { 'control-plane': 'controller-manager' },
  createdAt: T.k6,
  nodes: ['node-a'],
  template: podTemplate({
    labels: { 'app.kubernetes.io/name': 'k6-operator', 'control-plane': 'controller-manager' },
    spec: {
      containers: [
        {
          name: 'manager',
          image: 'ghcr.io/grafana/k6-operator:controller-v0.0.13',
          command: ['/manager'],
          args: ['--metrics-addr=127.0.0.1:8080', '--enable-leader-election'],
          resources: { limits: { cpu: '100m', memory: '100Mi' }, requests: { cpu: '100m', memory: '50Mi' } },
        },
      ],
      serviceAccountName: 'k6-operator-controller',
      terminationGracePeriodSeconds: 10,
    },
  }),
});
emit('k6-operator-system/operator.yaml', k6op.objects);

// ---------------------------------------------------------------- RBAC
const rbacObjs = [];
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: meta({ name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }, createdAt: T.cluster, key: 'cr/cluster-admin' }),
  rules: [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ],
});
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: meta({ name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }, createdAt: T.cluster, key: 'crb/cluster-admin' }),
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }],
});
const R = ['get', 'list', 'watch'];
rbacObjs.push(serviceAccount({ namespace: 'meshgate', name: 'meshgate', labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate }));
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: meta({ name: 'meshgate-reader', labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: 'cr/meshgate-reader' }),
  rules: [
    { apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'namespaces', 'nodes', 'configmaps', 'serviceaccounts', 'events', 'persistentvolumeclaims'], verbs: R },
    { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: R },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: R },
    { apiGroups: ['storage.k8s.io'], resources: ['storageclasses', 'csidrivers'], verbs: R },
    { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], verbs: R },
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: R },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'], verbs: R },
    { apiGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io', 'install.istio.io'], resources: ['*'], verbs: R },
    { apiGroups: ['spire.spiffe.io'], resources: ['clusterspiffeids', 'clusterfederatedtrustdomains', 'clusterstaticentries'], verbs: R },
    { apiGroups: ['k6.io'], resources: ['testruns', 'privateloadzones'], verbs: R },
    { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews'], verbs: ['create'] },
  ],
});
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: meta({ name: 'meshgate-reader', labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: 'crb/meshgate-reader' }),
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'meshgate-reader' },
  subjects: [{ kind: 'ServiceAccount', name: 'meshgate', namespace: 'meshgate' }],
});
for (const ns of [MESH, ISTIO_NS, SPIRE_NS]) {
  rbacObjs.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta({ name: 'meshgate-probe', namespace: ns, labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: `role/${ns}/meshgate-probe` }),
    rules: [
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
      { apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] },
    ],
  });
  rbacObjs.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta({ name: 'meshgate-probe', namespace: ns, labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: `rb/${ns}/meshgate-probe` }),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'meshgate-probe' },
    subjects: [{ kind: 'ServiceAccount', name: 'meshgate', namespace: 'meshgate' }],
  });
}
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: meta({ name: 'meshgate-operator', namespace: MESH, labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: `role/${MESH}/meshgate-operator` }),
  rules: [
    { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
    { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'patch', 'update'] },
  ],
});
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: meta({ name: 'meshgate-operator', namespace: MESH, labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: `rb/${MESH}/meshgate-operator` }),
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'meshgate-operator' },
  subjects: [{ kind: 'ServiceAccount', name: 'meshgate', namespace: 'meshgate' }],
});
emitList('rbac.yaml', rbacObjs);

// ---------------------------------------------------------------- SPIRE registration (ClusterSPIFFEIDs, entries)
const spiffeTemplate = 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';
const meshPods = [...mesh.api.pods, ...mesh.web.pods];
const gwPods = gw.pods;
function clusterSpiffeId(name, nsName, podSelector, pods, createdAt) {
  return {
    apiVersion: 'spire.spiffe.io/v1alpha1',
    kind: 'ClusterSPIFFEID',
    metadata: meta({ name, createdAt, generation: 1, key: `cspiffeid/${name}` }),
    spec: {
      jwtTtl: '5m0s',
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': nsName } },
      podSelector: { matchLabels: podSelector },
      spiffeIDTemplate: spiffeTemplate,
      ttl: '1h0m0s',
    },
    status: {
      stats: { entriesMasked: 0, entriesToSet: pods.length, entryFailures: 0, namespacesIgnored: 0, namespacesSelected: 1, podEntryRenderFailures: 0, podsSelected: pods.length },
    },
  };
}
emit('spire-system/clusterspiffeids.yaml', clusterSpiffeId('zamaz-mesh-workloads', MESH, { 'spiffe.io/spire-managed-identity': 'true' }, meshPods, addSeconds(T.meshNs, 600)));
emit('spire-system/clusterspiffeids.yaml', clusterSpiffeId('istio-ingressgateway', ISTIO_NS, { app: 'istio-ingressgateway', 'spiffe.io/spire-managed-identity': 'true' }, gwPods, addSeconds(T.gateway, -300)));

const nodeByName = Object.fromEntries(NODES.map((n) => [n.name, n]));
const agentId = (nodeName) => ({ trust_domain: TRUST_DOMAIN, path: `/spire/agent/k8s_psat/zamaz/${nodeByName[nodeName].uid}` });
const entries = [...gwPods, ...meshPods].map((p) => ({
  id: uid(`spire-entry/${p.metadata.uid}`),
  spiffe_id: { trust_domain: TRUST_DOMAIN, path: `/ns/${p.metadata.namespace}/sa/${p.spec.serviceAccountName}` },
  parent_id: agentId(p.spec.nodeName),
  selectors: [{ type: 'k8s', value: `pod-uid:${p.metadata.uid}` }],
  x509_svid_ttl: 3600,
  federates_with: [],
  admin: false,
  downstream: false,
  expires_at: '0',
  dns_names: [],
  revision_number: '0',
  store_svid: false,
  jwt_svid_ttl: 300,
  hint: '',
  created_at: epoch(addSeconds(p.metadata.creationTimestamp, 1)),
}));
const entryShow = JSON.stringify({ entries, next_page_token: '' }) + '\n';
const agents = spireAgent.pods.map((p) => ({
  id: agentId(p.spec.nodeName),
  attestation_type: 'k8s_psat',
  x509svid_serial_number: BigInt('0x' + h(`agent-svid/${p.spec.nodeName}`, 30)).toString(),
  x509svid_expires_at: epoch('2036-11-15T10:01:05Z'),
  selectors: [
    { type: 'k8s_psat', value: 'agent_node_ip:' + nodeByName[p.spec.nodeName].ip },
    { type: 'k8s_psat', value: `agent_node_name:${p.spec.nodeName}` },
    { type: 'k8s_psat', value: `agent_node_uid:${nodeByName[p.spec.nodeName].uid}` },
    { type: 'k8s_psat', value: 'agent_ns:spire-system' },
    { type: 'k8s_psat', value: `agent_pod_name:${p.metadata.name}` },
    { type: 'k8s_psat', value: `agent_pod_uid:${p.metadata.uid}` },
    { type: 'k8s_psat', value: 'agent_sa:spire-agent' },
    { type: 'k8s_psat', value: 'cluster:zamaz' },
  ],
  banned: false,
  can_reattest: true,
}));
const agentList = JSON.stringify({ agents, next_page_token: '' }) + '\n';

// ---------------------------------------------------------------- Endpoints
const byNs = new Map();
for (const svc of registry.services) {
  const ns = svc.metadata.namespace;
  if (!byNs.has(ns)) byNs.set(ns, []);
  byNs.get(ns).push(endpointsFor(svc));
}
for (const [ns, eps] of byNs) emitList(`${nsDir(ns)}/endpoints.yaml`, eps);

// ---------------------------------------------------------------- proxies: stats, clusters, certs
const svcPods = (svc) => registry.pods.filter((p) => p.metadata.namespace === svc.metadata.namespace && svc.spec.selector && Object.entries(svc.spec.selector).every(([k, v]) => p.metadata.labels[k] === v));
function targetPortOf(pod, tp) {
  if (typeof tp === 'number') return tp;
  for (const c of pod.spec.containers) for (const p of c.ports ?? []) if (p.name === tp) return p.containerPort;
  return undefined;
}
const DR_HOSTS = new Set([fq('zamaz-api', MESH), fq('zamaz-frontend', MESH)]);
/** Outbound clusters every proxy receives (no Sidecar resource: the whole mesh), with per-proxy traffic. */
function outboundClusters(traffic) {
  const out = [];
  for (const svc of registry.services) {
    if (svc.spec.clusterIP === 'None') continue;
    const host = fq(svc.metadata.name, svc.metadata.namespace);
    for (const port of svc.spec.ports) {
      if (port.protocol === 'UDP') continue;
      const name = `outbound|${port.port}||${host}`;
      const t = traffic[name] ?? {};
      const pods = svcPods(svc);
      const hosts = svc.metadata.name === 'kubernetes' ? [{ addr: '10.0.0.10:6443' }] : pods.map((p) => ({ addr: `${p.status.podIP}:${targetPortOf(p, port.targetPort)}` }));
      // Spread per-host counters evenly.
      const total = Object.values(t.codes ?? {}).reduce((a, b) => a + b, 0);
      const errors = Object.entries(t.codes ?? {}).filter(([c]) => c >= '500').reduce((a, [, n]) => a + n, 0);
      hosts.forEach((hst, i) => {
        const share = (n) => Math.floor(n / hosts.length) + (i < n % hosts.length ? 1 : 0);
        hst.rq_success = share(total - errors);
        hst.rq_error = share(errors);
        hst.cx_total = share(t.cx_total ?? 0);
        hst.cx_active = share(t.cx_active ?? 0);
      });
      const dr = DR_HOSTS.has(host);
      out.push(edsCluster(name, { cb: dr ? { cx: 100, pending: 1000 } : {}, outlier: dr, hosts, traffic: { http: port.name?.startsWith('http') || [80, 8080, 3000].includes(port.port), ...t } }));
    }
  }
  return out;
}
function proxyClusters(kind, inboundPorts, traffic) {
  const list = outboundClusters(traffic);
  for (const p of inboundPorts) list.push(otherCluster(`inbound|${p}||`, 'original_dst'));
  list.push(otherCluster('BlackHoleCluster', 'cds'));
  list.push(otherCluster('PassthroughCluster', 'original_dst'));
  if (kind === 'sidecar') list.push(otherCluster('InboundPassthroughCluster', 'original_dst'));
  list.push(otherCluster('agent', 'static', { hosts: [{ addr: '127.0.0.1:15020', cx_total: 2, rq_success: 1840 }] }));
  list.push(otherCluster('prometheus_stats', 'static', { hosts: [{ addr: '127.0.0.1:15000', cx_total: 1, rq_success: 3610 }] }));
  list.push(otherCluster('sds-grpc', 'static', { hosts: [{ addr: './var/run/secrets/workload-spiffe-uds/socket', cx_active: 1, cx_total: 1, rq_success: 0 }], traffic: { cx_active: 1, cx_total: 1 } }));
  list.push(otherCluster('xds-grpc', 'static', { hosts: [{ addr: './etc/istio/proxy/XDS', cx_active: 1, cx_total: 3, rq_success: 0 }], traffic: { cx_active: 1, cx_total: 3, rq_active: 1, codes: {} } }));
  return list;
}
const daysLeft = (iso) => Math.floor((Date.parse(iso) - Date.parse(T.now)) / 86400000);
const certDays = Math.min(daysLeft(T.certTo), daysLeft(T.caTo));
const MESH_LABELS = (src, dst) => {
  const l = {
    reporter: src.reporter,
    source_workload: src.workload,
    source_canonical_service: src.workload,
    source_canonical_revision: 'latest',
    source_workload_namespace: src.ns,
    source_principal: `spiffe://${TRUST_DOMAIN}/ns/${src.ns}/sa/${src.sa}`,
    source_app: src.workload,
    source_version: 'unknown',
    source_cluster: 'Kubernetes',
    destination_workload: dst.workload,
    destination_workload_namespace: dst.ns,
    destination_principal: dst.sidecar ? `spiffe://${TRUST_DOMAIN}/ns/${dst.ns}/sa/${dst.sa}` : 'unknown',
    destination_app: dst.sidecar ? dst.workload : 'unknown',
    destination_version: 'unknown',
    destination_service: fq(dst.service, dst.ns),
    destination_canonical_service: dst.workload,
    destination_canonical_revision: 'latest',
    destination_service_name: dst.service,
    destination_service_namespace: dst.ns,
    destination_cluster: 'Kubernetes',
    request_protocol: 'http',
  };
  return l;
};
const lbl = (o) => Object.entries(o).map(([k, v]) => `${k}="${v}"`).join(',');
function requestSeries(src, dst, codes, security) {
  const base = MESH_LABELS(src, dst);
  return Object.entries(codes).map(([code, n]) => `istio_requests_total{${lbl({ ...base, response_code: code, grpc_response_status: '', response_flags: '-', connection_security_policy: security })}} ${n}`);
}
const GW = { reporter: 'source', workload: 'istio-ingressgateway', ns: ISTIO_NS, sa: 'istio-ingressgateway' };
const dstApi = (ns) => ({ workload: 'zamaz-api', ns, sa: 'zamaz-api', service: 'zamaz-api', sidecar: ns === MESH });
const dstWeb = (ns) => ({ workload: 'zamaz-frontend', ns, sa: 'zamaz-frontend', service: 'zamaz-frontend', sidecar: ns === MESH });
const CDF_API = [0, 0.002, 0.21, 0.58, 0.86, 0.955, 0.988, 0.997, 0.9993, 0.9999, 1];
const CDF_WEB = [0, 0.01, 0.48, 0.81, 0.95, 0.985, 0.996, 0.999, 0.9998, 1];

// Traffic model. Gateway pods: cumulative since 2026-11-17 for legacy, since the 10 % step for mesh.
const traffic = {
  gateway: {
    codes: {
      [`outbound|8080||${fq('zamaz-api', LEG)}`]: { 200: 1843211, 201: 40210, 404: 3120, 500: 412, 503: 38 },
      [`outbound|8080||${fq('zamaz-api', MESH)}`]: { 200: 20488, 201: 455, 404: 35, 500: 4 },
      [`outbound|80||${fq('zamaz-frontend', LEG)}`]: { 200: 922104, 304: 120332, 404: 1502 },
      [`outbound|80||${fq('zamaz-frontend', MESH)}`]: { 200: 10240, 304: 1339, 404: 17 },
    },
    cx: {
      [`outbound|8080||${fq('zamaz-api', LEG)}`]: [14, 48210],
      [`outbound|8080||${fq('zamaz-api', MESH)}`]: [4, 2099],
      [`outbound|80||${fq('zamaz-frontend', LEG)}`]: [9, 104410],
      [`outbound|80||${fq('zamaz-frontend', MESH)}`]: [2, 1161],
    },
  },
};
function gatewayProxy() {
  const t = {};
  for (const [name, codes] of Object.entries(traffic.gateway.codes)) {
    const [active, total] = traffic.gateway.cx[name];
    t[name] = { codes, cx_active: active, cx_total: total, rq_active: Math.min(active, 3) };
  }
  const istio = [];
  const lines = [
    ...requestSeries(GW, dstApi(LEG), traffic.gateway.codes[`outbound|8080||${fq('zamaz-api', LEG)}`], 'unknown'),
    ...requestSeries(GW, dstApi(MESH), traffic.gateway.codes[`outbound|8080||${fq('zamaz-api', MESH)}`], 'unknown'),
    ...requestSeries(GW, dstWeb(LEG), traffic.gateway.codes[`outbound|80||${fq('zamaz-frontend', LEG)}`], 'unknown'),
    ...requestSeries(GW, dstWeb(MESH), traffic.gateway.codes[`outbound|80||${fq('zamaz-frontend', MESH)}`], 'unknown'),
  ];
  istio.push({ name: 'istio_requests_total', type: 'counter', lines });
  const hist = [];
  for (const [dst, key, cdf, meanMs] of [
    [dstApi(LEG), `outbound|8080||${fq('zamaz-api', LEG)}`, CDF_API, 18.4],
    [dstApi(MESH), `outbound|8080||${fq('zamaz-api', MESH)}`, CDF_API, 19.1],
    [dstWeb(LEG), `outbound|80||${fq('zamaz-frontend', LEG)}`, CDF_WEB, 7.2],
    [dstWeb(MESH), `outbound|80||${fq('zamaz-frontend', MESH)}`, CDF_WEB, 7.6],
  ]) {
    const codes = traffic.gateway.codes[key];
    const n = codes[200];
    const l = lbl({ ...MESH_LABELS(GW, dst), response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'unknown' });
    hist.push(...histogramLines('istio_request_duration_milliseconds', l, n, cdf, Math.round(n * meanMs)));
  }
  istio.push({ name: 'istio_request_duration_milliseconds', type: 'histogram', lines: hist });
  const clusters = proxyClusters('gateway', [], t);
  return envoyViews({ clusters, istio, server: { xdsUpdates: 96, listeners: 3, lastUpdateMs: Date.parse(T.step10), certDays, memoryAllocated: 18874368, memoryHeap: 33554432, connections: 212, uptime: Math.floor((Date.parse(T.now) - Date.parse(T.gateway)) / 1000) } });
}
function meshProxy(app) {
  const t = {};
  const istio = [];
  const inboundFromGw = { ...GW, reporter: 'destination' };
  const FE = { reporter: 'destination', workload: 'zamaz-frontend', ns: MESH, sa: 'zamaz-frontend' };
  let lines = [];
  const hist = [];
  const tcp = [];
  if (app === APP.api) {
    const fromGw = { 200: 10244, 201: 228, 404: 18, 500: 2 };
    const fromFe = { 200: 3021 };
    lines = [...requestSeries(inboundFromGw, dstApi(MESH), fromGw, 'mutual_tls'), ...requestSeries(FE, dstApi(MESH), fromFe, 'mutual_tls')];
    const l = lbl({ ...MESH_LABELS(inboundFromGw, dstApi(MESH)), response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'mutual_tls' });
    hist.push(...histogramLines('istio_request_duration_milliseconds', l, fromGw[200], CDF_API, Math.round(fromGw[200] * 17.8)));
    for (const [svc, port, active, total, sent, recv] of [
      ['zamaz-postgres', 5432, 10, 14, 48213344, 390112288],
      ['zamaz-redis', 6379, 4, 6, 8121904, 20449312],
      ['zamaz-nats', 4222, 1, 1, 1290112, 884224],
    ]) {
      t[`outbound|${port}||${fq(svc, LEG)}`] = { cx_active: active, cx_total: total, rx_bytes: recv, tx_bytes: sent };
      const base = {
        reporter: 'source',
        source_workload: 'zamaz-api',
        source_canonical_service: 'zamaz-api',
        source_canonical_revision: 'latest',
        source_workload_namespace: MESH,
        source_principal: `spiffe://${TRUST_DOMAIN}/ns/${MESH}/sa/zamaz-api`,
        source_app: 'zamaz-api',
        source_version: 'unknown',
        source_cluster: 'Kubernetes',
        destination_workload: svc,
        destination_workload_namespace: LEG,
        destination_principal: 'unknown',
        destination_app: 'unknown',
        destination_version: 'unknown',
        destination_service: fq(svc, LEG),
        destination_canonical_service: svc,
        destination_canonical_revision: 'latest',
        destination_service_name: svc,
        destination_service_namespace: LEG,
        destination_cluster: 'Kubernetes',
        request_protocol: 'tcp',
        response_flags: '-',
        connection_security_policy: 'unknown',
      };
      tcp.push(['istio_tcp_connections_opened_total', `istio_tcp_connections_opened_total{${lbl(base)}} ${total}`]);
      tcp.push(['istio_tcp_connections_closed_total', `istio_tcp_connections_closed_total{${lbl(base)}} ${total - active}`]);
      tcp.push(['istio_tcp_received_bytes_total', `istio_tcp_received_bytes_total{${lbl(base)}} ${recv}`]);
      tcp.push(['istio_tcp_sent_bytes_total', `istio_tcp_sent_bytes_total{${lbl(base)}} ${sent}`]);
    }
  } else {
    const fromGw = { 200: 5120, 304: 669, 404: 8 };
    lines = requestSeries(inboundFromGw, dstWeb(MESH), fromGw, 'mutual_tls');
    const toApi = { 200: 3021 };
    t[`outbound|8080||${fq('zamaz-api', MESH)}`] = { codes: toApi, cx_active: 2, cx_total: 310, rq_active: 0 };
    lines.push(...requestSeries({ reporter: 'source', workload: 'zamaz-frontend', ns: MESH, sa: 'zamaz-frontend' }, dstApi(MESH), toApi, 'unknown'));
    const l = lbl({ ...MESH_LABELS(inboundFromGw, dstWeb(MESH)), response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'mutual_tls' });
    hist.push(...histogramLines('istio_request_duration_milliseconds', l, fromGw[200], CDF_WEB, Math.round(fromGw[200] * 6.9)));
  }
  istio.push({ name: 'istio_requests_total', type: 'counter', lines });
  istio.push({ name: 'istio_request_duration_milliseconds', type: 'histogram', lines: hist });
  const tcpNames = [...new Set(tcp.map(([n]) => n))].sort();
  for (const n of tcpNames) istio.push({ name: n, type: 'counter', lines: tcp.filter(([x]) => x === n).map(([, l]) => l) });
  const clusters = proxyClusters('sidecar', [app.port], t);
  return envoyViews({ clusters, istio, server: { xdsUpdates: 61, listeners: 38, lastUpdateMs: Date.parse(T.step10), certDays, memoryAllocated: 14680064, memoryHeap: 25165824, connections: 41, uptime: Math.floor((Date.parse(T.now) - Date.parse(T.meshApp)) / 1000) } });
}
function agentMetrics(uptimeSeconds) {
  return `# HELP istio_agent_go_goroutines Number of goroutines that currently exist.
# TYPE istio_agent_go_goroutines gauge
istio_agent_go_goroutines 64
# HELP istio_agent_process_virtual_memory_bytes Virtual memory size in bytes.
# TYPE istio_agent_process_virtual_memory_bytes gauge
istio_agent_process_virtual_memory_bytes 7.6484608e+08
# HELP istio_agent_scrapes_total The total number of scrapes.
# TYPE istio_agent_scrapes_total counter
istio_agent_scrapes_total ${Math.floor(uptimeSeconds / 15)}
# HELP istio_agent_startup_duration_seconds The time from the process starting to being marked ready.
# TYPE istio_agent_startup_duration_seconds gauge
istio_agent_startup_duration_seconds 1.412
# HELP istio_agent_xds_proxy_requests The total number of Xds Proxy Requests
# TYPE istio_agent_xds_proxy_requests counter
istio_agent_xds_proxy_requests 243
# HELP istio_build Istio component build info
# TYPE istio_build gauge
istio_build{component="proxy",tag="${ISTIO_TAG}"} 1
`;
}
function certsJson(pod, serialKey) {
  const sa = pod.spec.serviceAccountName;
  const ns = pod.metadata.namespace;
  const ca = {
    path: '<inline>',
    serial_number: h(`spire-ca-serial`, 32),
    subject_alt_names: [{ uri: `spiffe://${TRUST_DOMAIN}` }],
    days_until_expiration: String(daysLeft(T.caTo)),
    valid_from: T.caFrom,
    expiration_time: T.caTo,
  };
  const leaf = {
    path: '<inline>',
    serial_number: h(`svid-serial/${serialKey}`, 32),
    subject_alt_names: [{ uri: `spiffe://${TRUST_DOMAIN}/ns/${ns}/sa/${sa}` }],
    days_until_expiration: String(daysLeft(T.certTo)),
    valid_from: T.certFrom,
    expiration_time: T.certTo,
  };
  const body = { certificates: [{ ca_cert: [ca], cert_chain: [leaf] }, { ca_cert: [ca], cert_chain: [leaf] }] };
  // Envoy's admin JSON: one-space indent, '<' and '>' escaped.
  return JSON.stringify(body, null, 1).replace(/</g, '\\u003c').replace(/>/g, '\\u003e') + '\n';
}

// ---------------------------------------------------------------- sim entries
const sim = { endpoints: new Map(), execs: new Map() };
function pe(ns, name, spec) {
  if (!sim.endpoints.has(ns)) sim.endpoints.set(ns, []);
  sim.endpoints.get(ns).push({ apiVersion: 'sim.meshgate.dev/v1alpha1', kind: 'PodEndpoint', metadata: { name, namespace: ns, creationTimestamp: T.now, uid: uid(`pe/${ns}/${name}`) }, spec });
}
function px(ns, name, spec) {
  if (!sim.execs.has(ns)) sim.execs.set(ns, []);
  sim.execs.get(ns).push({ apiVersion: 'sim.meshgate.dev/v1alpha1', kind: 'PodExec', metadata: { name, namespace: ns, creationTimestamp: T.now, uid: uid(`px/${ns}/${name}`) }, spec });
}
const PROM_CT = 'text/plain; version=0.0.4; charset=utf-8';
for (const [app, key] of [[APP.api, 'api'], [APP.web, 'web']]) {
  const sel = { app: app.name };
  const views = meshProxy(app);
  const uptime = Math.floor((Date.parse(T.now) - Date.parse(T.meshApp)) / 1000);
  const appBody = app === APP.api ? '{"status":"ok"}' : 'ok';
  const appCt = app === APP.api ? 'application/json' : 'text/plain; charset=utf-8';
  pe(MESH, `${app.name}-app-readyz`, { selector: sel, port: 15020, path: `/app-health/${app.container}/readyz`, status: 200, body: appBody, contentType: appCt });
  pe(MESH, `${app.name}-app-livez`, { selector: sel, port: 15020, path: `/app-health/${app.container}/livez`, status: 200, body: appBody, contentType: appCt });
  pe(MESH, `${app.name}-agent-ready`, { selector: sel, port: 15020, path: '/healthz/ready', status: 200, body: '' });
  pe(MESH, `${app.name}-envoy-ready`, { selector: sel, port: 15021, path: '/healthz/ready', status: 200, body: '' });
  pe(MESH, `${app.name}-merged-stats`, { selector: sel, port: 15020, path: '/stats/prometheus', status: 200, body: views.prometheus + agentMetrics(uptime), contentType: PROM_CT });
  pe(MESH, `${app.name}-envoy-stats`, { selector: sel, port: 15090, path: '/stats/prometheus', status: 200, body: views.prometheus, contentType: PROM_CT });
  for (const pod of mesh[key].pods) {
    px(MESH, `${pod.metadata.name}-certs`, { pod: pod.metadata.name, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'certs'], stdout: certsJson(pod, pod.metadata.uid) });
  }
  px(MESH, `${app.name}-clusters`, { selector: sel, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'clusters'], stdout: views.clusters });
  px(MESH, `${app.name}-stats`, { selector: sel, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'stats'], match: 'prefix', stdout: views.stats });
}
{
  const sel = { app: 'istio-ingressgateway' };
  const views = gatewayProxy();
  const uptime = Math.floor((Date.parse(T.now) - Date.parse(T.gateway)) / 1000);
  pe(ISTIO_NS, 'istio-ingressgateway-envoy-ready', { selector: sel, port: 15021, path: '/healthz/ready', status: 200, body: '' });
  pe(ISTIO_NS, 'istio-ingressgateway-agent-ready', { selector: sel, port: 15020, path: '/healthz/ready', status: 200, body: '' });
  pe(ISTIO_NS, 'istio-ingressgateway-merged-stats', { selector: sel, port: 15020, path: '/stats/prometheus', status: 200, body: views.prometheus + agentMetrics(uptime), contentType: PROM_CT });
  pe(ISTIO_NS, 'istio-ingressgateway-envoy-stats', { selector: sel, port: 15090, path: '/stats/prometheus', status: 200, body: views.prometheus, contentType: PROM_CT });
  for (const pod of gw.pods) px(ISTIO_NS, `${pod.metadata.name}-certs`, { pod: pod.metadata.name, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'certs'], stdout: certsJson(pod, pod.metadata.uid) });
  px(ISTIO_NS, 'istio-ingressgateway-clusters', { selector: sel, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'clusters'], stdout: views.clusters });
  px(ISTIO_NS, 'istio-ingressgateway-stats', { selector: sel, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'stats'], match: 'prefix', stdout: views.stats });
  pe(ISTIO_NS, 'istiod-ready', { selector: { app: 'istiod' }, port: 8080, path: '/ready', status: 200, body: '' });
}
{
  const SRV = '/opt/spire/bin/spire-server';
  const AG = '/opt/spire/bin/spire-agent';
  const sock = ['-socketPath', '/tmp/spire-server/private/api.sock'];
  const srv = { pod: 'spire-server-0', container: 'spire-server' };
  px(SPIRE_NS, 'spire-server-healthcheck', { ...srv, command: [SRV, 'healthcheck'], stdout: 'Server is healthy.\n' });
  px(SPIRE_NS, 'spire-server-healthcheck-socket', { ...srv, command: [SRV, 'healthcheck', ...sock], stdout: 'Server is healthy.\n' });
  px(SPIRE_NS, 'spire-server-entry-show', { ...srv, command: [SRV, 'entry', 'show', '-output', 'json'], stdout: entryShow });
  px(SPIRE_NS, 'spire-server-entry-show-socket', { ...srv, command: [SRV, 'entry', 'show', '-output', 'json', ...sock], stdout: entryShow });
  px(SPIRE_NS, 'spire-server-agent-list', { ...srv, command: [SRV, 'agent', 'list', '-output', 'json'], stdout: agentList });
  px(SPIRE_NS, 'spire-agent-healthcheck', { selector: { app: 'spire-agent' }, container: 'spire-agent', command: [AG, 'healthcheck'], stdout: 'Agent is healthy.\n' });
  px(SPIRE_NS, 'spire-agent-healthcheck-socket', { selector: { app: 'spire-agent' }, container: 'spire-agent', command: [AG, 'healthcheck', '-socketPath', '/run/secrets/workload-spiffe-uds/socket'], stdout: 'Agent is healthy.\n' });
}
{
  pe(LEG, 'zamaz-api-health', { selector: { app: 'zamaz-api' }, port: 8080, path: '/health', status: 200, body: '{"status":"ok"}', contentType: 'application/json' });
  pe(LEG, 'zamaz-frontend-health', { selector: { app: 'zamaz-frontend' }, port: 3000, path: '/healthz', status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' });
  pe(LEG, 'envoy-admin-ready', { selector: { app: 'envoy' }, port: 9901, path: '/ready', status: 200, body: 'LIVE\n', contentType: 'text/plain; charset=UTF-8' });
  pe(MON, 'prometheus-ready', { selector: { app: 'prometheus-server' }, port: 9090, path: '/-/ready', status: 200, body: 'Prometheus Server is Ready.\n', contentType: 'text/plain; charset=utf-8' });
  pe(MON, 'prometheus-healthy', { selector: { app: 'prometheus-server' }, port: 9090, path: '/-/healthy', status: 200, body: 'Prometheus Server is Healthy.\n', contentType: 'text/plain; charset=utf-8' });
}
for (const [ns, objs] of sim.endpoints) emit(`sim/${ns}-endpoints.yaml`, objs);
for (const [ns, objs] of sim.execs) emit(`sim/${ns}-exec.yaml`, objs);

// ---------------------------------------------------------------- write
rmSync(OUT, { recursive: true, force: true });
const HEADER = (path) =>
  path.startsWith('sim/')
    ? `# scenarios/healthy/${path}: simulator-only answers (pod proxy GETs, exec) for the pods of this scenario (see scenarios/README.md).\n`
    : `# scenarios/healthy/${path}: objects as \`kubectl get -o yaml\` prints them (see scenarios/README.md).\n`;
for (const [path, { objects, list }] of [...files].sort()) {
  const full = join(OUT, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, HEADER(path) + (list ? toListYaml(objects) : toYaml(objects)));
}
// Summary for the README/report.
const summary = {
  files: [...files.keys()].sort(),
  objects: [...files.values()].reduce((a, f) => a + f.objects.length, 0),
  pods: registry.pods.length,
  meshPods: meshPods.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid, ip: p.status.podIP, node: p.spec.nodeName })),
  gatewayPods: gwPods.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid, ip: p.status.podIP, node: p.spec.nodeName })),
  spireServer: spireServer.pods.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid, ip: p.status.podIP, node: p.spec.nodeName })),
  nodes: NODES.map((n) => ({ name: n.name, uid: n.uid, ip: n.ip })),
};
if (process.env.SUMMARY) writeFileSync(process.env.SUMMARY, JSON.stringify(summary, null, 2));
console.log(`wrote ${files.size} files, ${summary.objects} objects, ${summary.pods} pods`);
