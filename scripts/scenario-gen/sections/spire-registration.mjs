// SPIRE registration: ClusterSPIFFEIDs and the entries and agents `spire-server` lists.
import { uid, h, addSeconds, epoch } from '../lib.mjs';
import { meta } from '../k8s.mjs';
import { NODES } from '../workloads.mjs';
import { TRUST_DOMAIN } from '../istio.mjs';
import { T, emit, ISTIO_NS, MESH } from '../model.mjs';
import { gw } from './control-plane.mjs';
import { spireAgent } from './spire.mjs';
import { mesh } from './app.mjs';

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

export { entryShow, agentList, meshPods, gwPods };
