// The application: the legacy deployment in zamaz (apps, standalone Envoy, data services) and the injected copy in zamaz-mesh.
import { uid, addSeconds } from '../lib.mjs';
import { meta, podTemplate } from '../k8s.mjs';
import { deployment, statefulSet, service, serviceAccount, configMap, pv } from '../workloads.mjs';
import { injectSidecar, PROXY_STATS_CONFIG } from '../istio.mjs';
import { T, emit, LEG, MESH } from '../model.mjs';

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

export { APP, legacy, mesh };
