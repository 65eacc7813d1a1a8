// Traffic objects in zamaz-mesh: Gateway, VirtualService (the 10 % step) and DestinationRules.
import { meta } from '../k8s.mjs';
import { T, emit, fq, LEG, MESH } from '../model.mjs';
import { APP } from './app.mjs';

// traffic
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
