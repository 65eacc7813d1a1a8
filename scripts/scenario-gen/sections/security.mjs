// Security objects in zamaz-mesh: PeerAuthentication, AuthorizationPolicies, NetworkPolicies.
import { addSeconds } from '../lib.mjs';
import { meta } from '../k8s.mjs';
import { TRUST_DOMAIN } from '../istio.mjs';
import { T, emit, MESH } from '../model.mjs';

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
