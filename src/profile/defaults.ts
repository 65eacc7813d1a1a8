import { defaultCanary } from './canary-defaults.ts';
import type { Profile } from './schema.ts';

/**
 * The reference deployment (shared/reference/zamaz.md) with the migration guide's values.
 * Users with other names override them in meshgate.config.ts; no other code may repeat them.
 */
export const defaultProfile: Profile = {
  namespaces: {
    istio: 'istio-system',
    spire: 'spire-system',
    mesh: 'zamaz-mesh',
    legacy: 'zamaz',
    monitoring: 'monitoring',
  },
  kubernetes: {
    minVersion: '1.25',
    minAllocatableCpu: '4',
    minAllocatableMemory: '8Gi',
  },
  istio: {
    version: '1.20.1',
    rootNamespace: 'istio-system',
    meshConfigMap: 'istio',
    cniDaemonSet: 'istio-cni-node',
    ingressGateway: { name: 'istio-ingressgateway', selector: { istio: 'ingressgateway' } },
  },
  trustDomain: 'zamaz.local',
  spire: {
    server: {
      kind: 'StatefulSet',
      name: 'spire-server',
      container: 'spire-server',
      binary: '/opt/spire/bin/spire-server',
    },
    agentDaemonSet: 'spire-agent',
    csiDriver: 'csi.spiffe.io',
    csiDaemonSet: 'spiffe-csi-driver',
    serverConfigMap: 'spire-server',
  },
  app: {
    workloads: [
      {
        name: 'zamaz-api',
        serviceAccount: 'zamaz-api',
        container: 'api',
        port: 8080,
        service: 'zamaz-api',
        servicePort: 8080,
        healthPath: '/health',
      },
      {
        name: 'zamaz-frontend',
        serviceAccount: 'zamaz-frontend',
        container: 'web',
        port: 3000,
        service: 'zamaz-frontend',
        servicePort: 80,
        healthPath: '/healthz',
      },
    ],
    dataServices: [
      { name: 'zamaz-postgres', port: 5432 },
      { name: 'zamaz-redis', port: 6379 },
      { name: 'zamaz-nats', port: 4222 },
    ],
    maxRestarts: 3,
  },
  traffic: {
    gateway: 'zamaz-gateway',
    virtualService: 'zamaz',
    destinationRules: ['zamaz-api', 'zamaz-frontend'],
    hosts: ['zamaz.example.com'],
    steps: [10, 25, 50, 75, 100],
    monitorWindow: '30m',
    monitorInterval: '1m',
    failureBudget: { consecutive: 2, cumulative: 3 },
  },
  circuitBreaker: {
    consecutiveGatewayErrors: 5,
    consecutive5xxErrors: 5,
    interval: '30s',
    baseEjectionTime: '30s',
    maxEjectionPercent: 50,
  },
  connectionPool: {
    maxConnections: 100,
    connectTimeout: '30s',
    http1MaxPendingRequests: 1000,
    maxRequestsPerConnection: 10,
  },
  sidecar: {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '200m', memory: '256Mi' },
  },
  observability: {
    deployments: ['prometheus-server', 'grafana', 'jaeger'],
    kiali: 'kiali',
  },
  prometheus: {
    url: 'http://prometheus-server.monitoring:9090',
  },
  canary: defaultCanary,
  security: {
    certExpiryMargin: '24h',
    certMaxLifetimeUsed: 0.75,
    tokenServiceAccounts: [],
    scrapePorts: [15020, 15090],
    prometheusSelector: { app: 'prometheus-server' },
    probe: {
      namespace: 'meshgate',
      image: 'curlimages/curl:8.5.0',
      deniedPath: '/meshgate-probe/denied',
      fromWorkload: 'zamaz-frontend',
      timeoutSeconds: 60,
    },
  },
  load: {
    targetUrl: 'http://istio-ingressgateway.istio-system',
    // The VirtualService's two routes: /api to zamaz-api, / to zamaz-frontend.
    paths: [
      { path: '/api/health', weight: 50 },
      { path: '/', weight: 50 },
    ],
    headers: {},
    rate: 50,
    duration: '5m',
    preAllocatedVUs: 20,
    maxVUs: 100,
    thresholds: { maxErrorRate: 0.01, p95Ms: 500, p99Ms: 1000 },
    k6: {},
    operator: { namespace: 'meshgate', parallelism: 2, keep: false, deadline: '15m' },
  },
  reports: { keepRuns: 20 },
  prereq: {
    tools: {
      kubectl: {
        required: true,
        install: 'https://kubernetes.io/docs/tasks/tools/ (or: apt-get install kubectl)',
      },
      helm: {
        required: true,
        install: 'curl https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash',
      },
      istioctl: {
        required: true,
        install:
          'curl -L https://istio.io/downloadIstio | ISTIO_VERSION=<version> sh - and add istio-<version>/bin to PATH',
      },
    },
    attestationsFile: 'attestations.yaml',
    attestations: [
      { id: 'backup-taken', title: 'Backup current database', required: true },
      { id: 'config-documented', title: 'Document current configuration', required: false },
      { id: 'dr-tested', title: 'Test disaster recovery procedures', required: false },
      { id: 'rollback-plan', title: 'Prepare rollback plan', required: true },
      { id: 'maintenance-window', title: 'Schedule maintenance window', required: true },
      { id: 'stakeholders-notified', title: 'Notify stakeholders', required: false },
    ],
  },
};
