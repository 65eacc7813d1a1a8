// monitoring (Prometheus, Grafana, Jaeger) and the k6 operator.
import { podTemplate } from '../k8s.mjs';
import { deployment, service, serviceAccount, configMap } from '../workloads.mjs';
import { T, emit, MON, K6NS } from '../model.mjs';

// ---------------------------------------------------------------- monitoring
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
