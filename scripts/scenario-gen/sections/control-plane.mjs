// Istio in istio-system, installed by Helm: releases, istiod, mesh and injector config, webhooks, Istio CNI, the ingress gateway and the mesh-wide PeerAuthentication.
import { addSeconds } from '../lib.mjs';
import { meta, podTemplate, ISTIO_TAG, fieldEnv } from '../k8s.mjs';
import { NODES, deployment, daemonSet, service, serviceAccount, configMap } from '../workloads.mjs';
import { injectGateway, PROXY_STATS_CONFIG, TRUST_DOMAIN } from '../istio.mjs';
import { VARIANT, rev, REV_LABEL } from '../variant.mjs';
import { T, HELM, helmAnn, helmRelease, emit, ISTIOD_CA, ISTIO_NS } from '../model.mjs';

// ---------------------------------------------------------------- istio-system
emit('istio-system/helm-releases.yaml', [
  helmRelease(ISTIO_NS, 'istio-base', 'base-1.20.1', T.istio),
  helmRelease(ISTIO_NS, rev('istiod'), 'istiod-1.20.1', addSeconds(T.istio, 120)),
  helmRelease(ISTIO_NS, 'istio-cni', 'cni-1.20.1', addSeconds(T.istio, 300)),
  helmRelease(ISTIO_NS, 'istio-ingressgateway', 'gateway-1.20.1', T.gateway),
]);

const istiodLabels = {
  app: 'istiod',
  ...HELM,
  'install.operator.istio.io/owning-resource': 'unknown',
  istio: 'pilot',
  'istio.io/rev': REV_LABEL,
  'operator.istio.io/component': 'Pilot',
  release: rev('istiod'),
};
// The istiod chart selects its pods by revision when it has one (`helm install ... --set revision=`).
const istiodSelector = VARIANT.revision ? { app: 'istiod', 'istio.io/rev': VARIANT.revision } : { istio: 'pilot' };
const istiodAt = addSeconds(T.istio, 120);
const istiod = deployment({
  namespace: ISTIO_NS,
  name: rev('istiod'),
  labels: istiodLabels,
  annotations: helmAnn(rev('istiod'), ISTIO_NS),
  replicas: 1,
  selector: istiodSelector,
  createdAt: istiodAt,
  nodes: ['node-b'],
  template: podTemplate({
    labels: { app: 'istiod', 'install.operator.istio.io/owning-resource': 'unknown', istio: 'pilot', 'istio.io/rev': REV_LABEL, 'operator.istio.io/component': 'Pilot', 'sidecar.istio.io/inject': 'false' },
    annotations: { 'prometheus.io/port': '15014', 'prometheus.io/scrape': 'true', 'sidecar.istio.io/inject': 'false' },
    spec: {
      containers: [
        {
          name: 'discovery',
          image: `docker.io/istio/pilot:${ISTIO_TAG}`,
          args: ['discovery', '--monitoringAddr=:15014', '--log_output_level=default:info', '--domain', 'cluster.local', '--keepaliveMaxServerConnectionAge', '30m'],
          env: [
            { name: 'REVISION', value: REV_LABEL },
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
      serviceAccountName: rev('istiod'),
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
emit('istio-system/istiod.yaml', serviceAccount({ namespace: ISTIO_NS, name: rev('istiod'), labels: { app: 'istiod', ...HELM, release: rev('istiod') }, annotations: helmAnn(rev('istiod'), ISTIO_NS), createdAt: istiodAt }));
emit('istio-system/istiod.yaml', istiod.objects);
emit('istio-system/istiod.yaml', service({
  namespace: ISTIO_NS,
  name: rev('istiod'),
  labels: { app: 'istiod', ...HELM, 'install.operator.istio.io/owning-resource': 'unknown', istio: 'pilot', 'istio.io/rev': REV_LABEL, 'operator.istio.io/component': 'Pilot', release: rev('istiod') },
  annotations: helmAnn(rev('istiod'), ISTIO_NS),
  selector: VARIANT.revision ? istiodSelector : { app: 'istiod', istio: 'pilot' },
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
  `  discoveryAddress: ${rev('istiod')}.istio-system.svc:15012`,
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
  name: rev('istio'),
  labels: { ...HELM, 'install.operator.istio.io/owning-resource': 'unknown', 'istio.io/rev': REV_LABEL, 'operator.istio.io/component': 'Pilot', release: rev('istiod') },
  annotations: helmAnn(rev('istiod'), ISTIO_NS),
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
    revision: VARIANT.revision,
    sidecarInjectorWebhook: { defaultTemplates: [], enableNamespacesByDefault: false, reinvocationPolicy: 'Never', rewriteAppHTTPProbe: true, templates: { spire: spireTemplate } },
  },
  null,
  2,
);
emit('istio-system/config.yaml', configMap({
  namespace: ISTIO_NS,
  name: rev('istio-sidecar-injector'),
  labels: { ...HELM, 'install.operator.istio.io/owning-resource': 'unknown', 'istio.io/rev': REV_LABEL, 'operator.istio.io/component': 'Pilot', release: rev('istiod') },
  annotations: helmAnn(rev('istiod'), ISTIO_NS),
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
const injectSvc = (path) => ({ caBundle, service: { name: rev('istiod'), namespace: ISTIO_NS, path, port: 443 } });
const injectRules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*' }];
const mwhCommon = { admissionReviewVersions: ['v1beta1', 'v1'], failurePolicy: 'Fail', matchPolicy: 'Equivalent', reinvocationPolicy: 'Never', rules: injectRules, sideEffects: 'None', timeoutSeconds: 10 };
emit('istio-system/webhooks.yaml', {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: meta({
    name: rev('istio-sidecar-injector'),
    labels: { app: 'sidecar-injector', ...HELM, 'install.operator.istio.io/owning-resource': 'unknown', 'istio.io/rev': REV_LABEL, 'operator.istio.io/component': 'Pilot', release: rev('istiod') },
    annotations: helmAnn(rev('istiod'), ISTIO_NS),
    createdAt: istiodAt,
    generation: 2,
    key: `mwh/${rev('istio-sidecar-injector')}`,
  }),
  webhooks: [
    {
      ...mwhCommon,
      clientConfig: injectSvc('/inject/cluster/Kubernetes/net/'),
      name: 'rev.namespace.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: [REV_LABEL] }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
      objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
    },
    {
      ...mwhCommon,
      clientConfig: injectSvc('/inject/cluster/Kubernetes/net/'),
      name: 'rev.object.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'DoesNotExist' }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
      objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }, { key: 'istio.io/rev', operator: 'In', values: [REV_LABEL] }] },
    },
    // Only the default revision answers to istio-injection=enabled and to pods without a revision.
    ...(VARIANT.revision ? [] : [{
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
    }]),
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
    name: `${rev('istio-validator')}-istio-system`,
    labels: { app: 'istiod', ...HELM, istio: 'istiod', 'istio.io/rev': REV_LABEL, release: rev('istiod') },
    annotations: helmAnn(rev('istiod'), ISTIO_NS),
    createdAt: istiodAt,
    generation: 2,
    key: `vwh/${rev('istio-validator')}-istio-system`,
  }),
  webhooks: [
    {
      admissionReviewVersions: ['v1beta1', 'v1'],
      clientConfig: { caBundle, service: { name: rev('istiod'), namespace: ISTIO_NS, path: '/validate', port: 443 } },
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      name: 'rev.validation.istio.io',
      namespaceSelector: {},
      objectSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: [REV_LABEL] }] },
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
    // helm install istio-base ... --set defaultRevision=<revision>: the default validator calls that istiod.
    labels: { app: 'istiod', ...HELM, istio: 'istiod', 'istio.io/rev': REV_LABEL },
    annotations: helmAnn('istio-base', ISTIO_NS),
    createdAt: T.istio,
    generation: 2,
    key: 'vwh/istiod-default-validator',
  }),
  webhooks: [
    {
      admissionReviewVersions: ['v1beta1', 'v1'],
      clientConfig: { caBundle, service: { name: rev('istiod'), namespace: ISTIO_NS, path: '/validate', port: 443 } },
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
  labels: { ...gwLabels, ...HELM, 'app.kubernetes.io/name': 'istio-ingressgateway', 'app.kubernetes.io/version': ISTIO_TAG, 'helm.sh/chart': `gateway-${ISTIO_TAG}`, 'istio.io/rev': REV_LABEL },
  annotations: helmAnn('istio-ingressgateway', ISTIO_NS),
  replicas: 2,
  selector: gwLabels,
  createdAt: T.gateway,
  nodes: ['node-a', 'node-c'],
  template: podTemplate({
    // The gateway chart's `revision` value (a revision or a tag) picks the injector by pod label.
    labels: { ...gwLabels, 'sidecar.istio.io/inject': 'true', 'spiffe.io/spire-managed-identity': 'true', ...(VARIANT.revision ? { 'istio.io/rev': VARIANT.tag || VARIANT.revision } : {}) },
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
emit('istio-system/ingressgateway.yaml', serviceAccount({ namespace: ISTIO_NS, name: 'istio-ingressgateway', labels: { ...gwLabels, ...HELM, 'istio.io/rev': REV_LABEL }, annotations: helmAnn('istio-ingressgateway', ISTIO_NS), createdAt: T.gateway }));
emit('istio-system/ingressgateway.yaml', gw.objects);
const gwSvc = service({
  namespace: ISTIO_NS,
  name: 'istio-ingressgateway',
  labels: { ...gwLabels, ...HELM, 'app.kubernetes.io/name': 'istio-ingressgateway', 'app.kubernetes.io/version': ISTIO_TAG, 'helm.sh/chart': `gateway-${ISTIO_TAG}`, 'istio.io/rev': REV_LABEL },
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

export { gw };
