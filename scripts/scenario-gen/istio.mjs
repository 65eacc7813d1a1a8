// What Istio 1.20.1's injector (sidecar/gateway + spire templates, Istio CNI on) does to a pod.
import { PROXY_IMAGE, fieldEnv, normContainer, normProbe, normVolume } from './k8s.mjs';
import { rev, REV_LABEL } from './variant.mjs';

export const TRUST_DOMAIN = 'zamaz.local';
export const PROXY_STATS_CONFIG = '{"proxyStatsMatcher":{"inclusionPrefixes":["cluster.outbound","cluster_manager","listener_manager","server","cluster.xds-grpc"]}}';
const SIDECAR_RESOURCES = { limits: { cpu: '200m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } };

const ISTIO_VOLUMES = [
  { name: 'workload-socket', csi: { driver: 'csi.spiffe.io', readOnly: true } },
  { name: 'credential-socket', emptyDir: {} },
  { name: 'workload-certs', emptyDir: {} },
  { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
  { name: 'istio-data', emptyDir: {} },
  {
    name: 'istio-podinfo',
    downwardAPI: {
      items: [
        { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' }, path: 'labels' },
        { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.annotations' }, path: 'annotations' },
      ],
    },
  },
  { name: 'istio-token', projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] } },
  { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } },
];
const ISTIO_MOUNTS = [
  { mountPath: '/var/run/secrets/workload-spiffe-uds', name: 'workload-socket', readOnly: true },
  { mountPath: '/var/run/secrets/credential-uds', name: 'credential-socket' },
  { mountPath: '/var/run/secrets/workload-spiffe-credentials', name: 'workload-certs' },
  { mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' },
  { mountPath: '/var/lib/istio/data', name: 'istio-data' },
  { mountPath: '/etc/istio/proxy', name: 'istio-envoy' },
  { mountPath: '/var/run/secrets/tokens', name: 'istio-token' },
  { mountPath: '/etc/istio/pod', name: 'istio-podinfo' },
];

function proxyEnv({ namespace, workload, appContainers, podPorts, proxyConfig, probers }) {
  const env = [
    { name: 'JWT_POLICY', value: 'third-party-jwt' },
    { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
    { name: 'CA_ADDR', value: `${rev('istiod')}.istio-system.svc:15012` },
    fieldEnv('POD_NAME', 'metadata.name'),
    fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
    fieldEnv('INSTANCE_IP', 'status.podIP'),
    fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    fieldEnv('HOST_IP', 'status.hostIP'),
    { name: 'ISTIO_CPU_LIMIT', valueFrom: { resourceFieldRef: { divisor: '0', resource: 'limits.cpu' } } },
    { name: 'PROXY_CONFIG', value: `${proxyConfig ?? '{}'}\n` },
    { name: 'ISTIO_META_POD_PORTS', value: `[\n${podPorts.map((p) => `    ${JSON.stringify(p)}`).join('\n,')}\n]` },
    { name: 'ISTIO_META_APP_CONTAINERS', value: appContainers.join(',') },
    { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
    fieldEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
    { name: 'ISTIO_META_INTERCEPTION_MODE', value: 'REDIRECT' },
    { name: 'ISTIO_META_WORKLOAD_NAME', value: workload },
    { name: 'ISTIO_META_OWNER', value: `kubernetes://apis/apps/v1/namespaces/${namespace}/deployments/${workload}` },
    { name: 'ISTIO_META_MESH_ID', value: TRUST_DOMAIN },
    { name: 'TRUST_DOMAIN', value: TRUST_DOMAIN },
  ];
  if (probers) env.push({ name: 'ISTIO_KUBE_APP_PROBERS', value: JSON.stringify(probers) });
  return env;
}

function statusAnnotation(initContainers) {
  return JSON.stringify({
    initContainers,
    containers: ['istio-proxy'],
    volumes: ['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert'],
    imagePullSecrets: null,
    revision: REV_LABEL,
  });
}

/** Sidecar injection (templates sidecar,spire) with Istio CNI: istio-validation init container, probe rewrite. */
export function injectSidecar(podMeta, spec, { namespace, workload }) {
  const app = spec.containers[0];
  const probers = {};
  for (const c of spec.containers) {
    for (const [kind, suffix] of [['livenessProbe', 'livez'], ['readinessProbe', 'readyz'], ['startupProbe', 'startupz']]) {
      const p = c[kind];
      if (!p?.httpGet) continue;
      const path = `/app-health/${c.name}/${suffix}`;
      probers[path] = { httpGet: { path: p.httpGet.path, port: p.httpGet.port, scheme: p.httpGet.scheme ?? 'HTTP' }, timeoutSeconds: p.timeoutSeconds ?? 1 };
      c[kind] = normProbe({ ...p, httpGet: { path, port: 15020, scheme: 'HTTP' } });
    }
  }
  const podPorts = spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })));
  const proxy = normContainer({
    name: 'istio-proxy',
    image: PROXY_IMAGE,
    args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
    env: proxyEnv({ namespace, workload, appContainers: spec.containers.map((c) => c.name), podPorts, proxyConfig: podMeta.annotations['proxy.istio.io/config'], probers }),
    ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
    readinessProbe: { failureThreshold: 4, httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, periodSeconds: 15, successThreshold: 1, timeoutSeconds: 3 },
    startupProbe: { failureThreshold: 600, httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, periodSeconds: 1, successThreshold: 1, timeoutSeconds: 3 },
    resources: SIDECAR_RESOURCES,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1337,
      runAsNonRoot: true,
      runAsUser: 1337,
    },
    volumeMounts: ISTIO_MOUNTS,
  });
  const validation = normContainer({
    name: 'istio-validation',
    image: PROXY_IMAGE,
    args: ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info', '--run-validation', '--skip-rule-apply'],
    resources: SIDECAR_RESOURCES,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1337,
      runAsNonRoot: true,
      runAsUser: 1337,
    },
  });
  spec.initContainers = [validation, ...(spec.initContainers ?? [])];
  spec.containers = [...spec.containers, proxy];
  spec.volumes = [...ISTIO_VOLUMES.map(normVolume), ...(spec.volumes ?? [])];
  Object.assign(podMeta.annotations, {
    'istio.io/rev': REV_LABEL,
    'kubectl.kubernetes.io/default-container': app.name,
    'kubectl.kubernetes.io/default-logs-container': app.name,
    'prometheus.io/path': '/stats/prometheus',
    'prometheus.io/port': '15020',
    'prometheus.io/scrape': 'true',
    'sidecar.istio.io/interceptionMode': 'REDIRECT',
    'sidecar.istio.io/status': statusAnnotation(['istio-validation']),
    'traffic.sidecar.istio.io/excludeInboundPorts': '15020',
    'traffic.sidecar.istio.io/includeInboundPorts': '*',
    'traffic.sidecar.istio.io/includeOutboundIPRanges': '*',
  });
  Object.assign(podMeta.labels, {
    'security.istio.io/tlsMode': 'istio',
    'service.istio.io/canonical-name': podMeta.labels['service.istio.io/canonical-name'] ?? podMeta.labels.app,
    'service.istio.io/canonical-revision': podMeta.labels['service.istio.io/canonical-revision'] ?? podMeta.labels.version ?? 'latest',
    'spiffe.io/spire-managed-identity': 'true',
  });
}

/** Gateway injection (templates gateway,spire): the chart's `image: auto` container becomes a full proxy. */
export function injectGateway(podMeta, spec, { namespace, workload }) {
  const tmpl = spec.containers[0];
  const podPorts = (tmpl.ports ?? []).map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' }));
  spec.containers[0] = normContainer({
    ...tmpl,
    image: PROXY_IMAGE,
    args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
    env: proxyEnv({ namespace, workload, appContainers: [], podPorts, proxyConfig: podMeta.annotations['proxy.istio.io/config'] }).filter((e) => e.name !== 'ISTIO_META_APP_CONTAINERS'),
    readinessProbe: { failureThreshold: 30, httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, initialDelaySeconds: 1, periodSeconds: 2, successThreshold: 1, timeoutSeconds: 1 },
    volumeMounts: ISTIO_MOUNTS,
  });
  spec.volumes = [...ISTIO_VOLUMES.map(normVolume), ...(spec.volumes ?? [])];
  Object.assign(podMeta.annotations, {
    'istio.io/rev': REV_LABEL,
    'sidecar.istio.io/status': statusAnnotation(null),
  });
  Object.assign(podMeta.labels, {
    'security.istio.io/tlsMode': 'istio',
    'service.istio.io/canonical-name': podMeta.labels.app,
    'service.istio.io/canonical-revision': 'latest',
    'spiffe.io/spire-managed-identity': 'true',
  });
}
