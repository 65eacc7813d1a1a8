import { noPodsToCheck } from '../common/no-pods.ts';
import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import {
  isEmptySelector,
  matchesSelector,
  readSelector,
  type LabelSelector,
} from '../common/label-selector.ts';
import { isRec, labelsOf, num, rec, recs, str } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { runningPods } from './mesh-pods.ts';

type Direction = 'Ingress' | 'Egress';

interface Peer {
  pod?: LabelSelector;
  namespace?: LabelSelector;
  cidr?: string;
}

interface Port {
  protocol: string;
  port?: number;
  endPort?: number;
  named?: string;
}

interface Rule {
  peers: Peer[];
  ports: Port[];
}

interface NetPol {
  ref: string;
  namespace: string;
  podSelector: LabelSelector;
  types: Direction[];
  ingress: Rule[];
  egress: Rule[];
}

function readRules(list: unknown, key: 'from' | 'to'): Rule[] {
  return recs(list).map((r) => ({
    peers: recs(r[key]).map((p) => ({
      ...(isRec(p.podSelector) ? { pod: readSelector(p.podSelector) } : {}),
      ...(isRec(p.namespaceSelector) ? { namespace: readSelector(p.namespaceSelector) } : {}),
      ...(isRec(p.ipBlock) ? { cidr: str(p.ipBlock.cidr) ?? '' } : {}),
    })),
    ports: recs(r.ports).map((p) => {
      const port = p.port;
      return {
        protocol: str(p.protocol) ?? 'TCP',
        ...(typeof port === 'number' ? { port } : {}),
        ...(typeof port === 'string' ? (/^\d+$/.test(port) ? { port: Number(port) } : { named: port }) : {}),
        ...(num(p.endPort) !== undefined ? { endPort: num(p.endPort) } : {}),
      };
    }),
  }));
}

/**
 * policyTypes as the API server defaults them: Ingress always, Egress only when egress rules exist
 * (an empty `egress: []` counts as none, as in Go).
 */
export function readNetworkPolicy(obj: KubeObject): NetPol {
  const spec = rec(obj.spec);
  const declared = Array.isArray(spec.policyTypes)
    ? spec.policyTypes.filter((t): t is Direction => t === 'Ingress' || t === 'Egress')
    : undefined;
  const egress = readRules(spec.egress, 'to');
  return {
    ref: objectName('NetworkPolicy', obj.metadata.name, obj.metadata.namespace),
    namespace: obj.metadata.namespace ?? '',
    podSelector: readSelector(spec.podSelector),
    types: declared ?? (egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress']),
    ingress: readRules(spec.ingress, 'from'),
    egress,
  };
}

const rulesOf = (p: NetPol, d: Direction): Rule[] => (d === 'Ingress' ? p.ingress : p.egress);

/**
 * A default deny in the mesh namespace for both directions: a policy selecting every pod
 * (`podSelector: {}`) with the direction in policyTypes and no rules for it.
 */
export function checkDefaultDenyNetworkPolicy(policies: KubeObject[], profile: Profile): CheckResult {
  const mesh = profile.namespaces.mesh;
  const pols = policies.map(readNetworkPolicy).filter((p) => p.namespace === mesh);
  const findings: Finding[] = [];
  const details: string[] = [];
  for (const d of ['Ingress', 'Egress'] as const) {
    const deny = pols.filter(
      (p) => isEmptySelector(p.podSelector) && p.types.includes(d) && rulesOf(p, d).length === 0,
    );
    if (deny.length) {
      details.push(`${d} default deny: ${deny.map((p) => p.ref).join(', ')}`);
      continue;
    }
    findings.push({
      object: objectName('Namespace', mesh),
      message: `no NetworkPolicy in ${mesh} denies ${d.toLowerCase()} by default (podSelector: {}, policyTypes including ${d}, no ${d.toLowerCase()} rules): pods accept ${d === 'Ingress' ? 'connections from' : 'connections to'} anywhere not otherwise restricted`,
      hint: `kubectl apply -f - <<< '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"default-deny","namespace":"${mesh}"},"spec":{"podSelector":{},"policyTypes":["Ingress","Egress"]}}'`,
      field: 'spec.policyTypes',
      expected: d,
    });
  }
  details.push(
    'NetworkPolicy is enforced only if the CNI implements it: the API cannot show that, only --probe can',
  );
  return failed(findings, ...details);
}

function isAllCidr(cidr: string | undefined): boolean {
  return cidr === '0.0.0.0/0' || cidr === '::/0';
}

/** No rule in the mesh namespace allows every peer on every port (`ingress: [{}]`, a 0.0.0.0/0 block). */
export function checkNoAllowAllNetworkPolicy(policies: KubeObject[], profile: Profile): CheckResult {
  const mesh = profile.namespaces.mesh;
  const findings: Finding[] = [];
  for (const p of policies.map(readNetworkPolicy).filter((x) => x.namespace === mesh)) {
    for (const d of p.types) {
      rulesOf(p, d).forEach((rule, i) => {
        const anyPeer =
          rule.peers.length === 0 ||
          rule.peers.some(
            (peer) =>
              isAllCidr(peer.cidr) ||
              (peer.namespace && isEmptySelector(peer.namespace) && (!peer.pod || isEmptySelector(peer.pod))),
          );
        if (!anyPeer || rule.ports.length > 0) return;
        const field = `spec.${d.toLowerCase()}[${i}]`;
        findings.push({
          object: p.ref,
          message: `${p.ref} ${field} allows all ${d.toLowerCase()} (${rule.peers.length === 0 ? 'no peers' : 'every namespace or address'}, every port) for ${isEmptySelector(p.podSelector) ? `every pod in ${mesh}` : 'the selected pods'}: it cancels the default deny`,
          hint: `restrict ${field} to the peers and ports that need it, or delete it: kubectl -n ${mesh} delete networkpolicy ${p.ref.split('/')[2] ?? ''}`,
          field,
          expected: 'named peers and ports',
          actual: '{}',
        });
      });
    }
  }
  return failed(
    findings,
    `${policies.filter((p) => p.metadata.namespace === mesh).length} NetworkPolicies in ${mesh}`,
  );
}

interface Flow {
  what: string;
  direction: Direction;
  protocol: string;
  port: number;
  /** Mesh pods that need the flow. */
  pods: KubeObject[];
  /** The other end; undefined = any peer is acceptable (DNS: the resolver differs per cluster). */
  peer?: { namespace: string; labels?: Record<string, string> };
}

function portMatches(ports: Port[], protocol: string, port: number): boolean {
  if (ports.length === 0) return true;
  return ports.some(
    (p) =>
      p.protocol === protocol &&
      (p.port === undefined && p.named === undefined
        ? true
        : p.port !== undefined &&
          (p.endPort !== undefined ? port >= p.port && port <= p.endPort : p.port === port)),
  );
}

function peerMatches(
  peers: Peer[],
  policyNs: string,
  want: Flow['peer'],
  nsLabels: Map<string, Record<string, string>>,
): boolean {
  if (peers.length === 0 || want === undefined) return true;
  return peers.some((p) => {
    if (p.cidr !== undefined) return isAllCidr(p.cidr);
    const nsOk = p.namespace
      ? matchesSelector(
          p.namespace,
          nsLabels.get(want.namespace) ?? { 'kubernetes.io/metadata.name': want.namespace },
        )
      : want.namespace === policyNs;
    if (!nsOk) return false;
    // Peers named only by namespace are every pod there; with a pod selector, the peer's labels decide.
    return !p.pod || want.labels === undefined || matchesSelector(p.pod, want.labels);
  });
}

/**
 * The flows the mesh needs are allowed despite the default deny: DNS (53 UDP and TCP), istiod
 * (15012), the ingress gateway to each workload port, Prometheus to the scrape ports, and the mesh
 * workloads to the data services. Only policies in the mesh namespace count (they are the ones the
 * default deny makes necessary).
 */
export function checkNetworkAllowances(
  policies: KubeObject[],
  pods: KubeObject[],
  namespaces: KubeObject[],
  profile: Profile,
): CheckResult {
  const mesh = profile.namespaces.mesh;
  const pols = policies.map(readNetworkPolicy).filter((p) => p.namespace === mesh);
  const running = runningPods(pods, mesh);
  if (running.length === 0) return noPodsToCheck(mesh);
  const nsLabels = new Map(namespaces.map((n) => [n.metadata.name, labelsOf(n.metadata.labels)]));
  const byApp = (app: string) => running.filter((p) => labelsOf(p.metadata.labels).app === app);
  const ns = profile.namespaces;
  const flows: Flow[] = [
    { what: 'DNS', direction: 'Egress', protocol: 'UDP', port: 53, pods: running },
    { what: 'DNS', direction: 'Egress', protocol: 'TCP', port: 53, pods: running },
    {
      what: 'istiod (xDS and certificates)',
      direction: 'Egress',
      protocol: 'TCP',
      port: 15012,
      pods: running,
      peer: { namespace: ns.istio },
    },
    ...profile.app.workloads.map((w): Flow => ({
      what: `the ingress gateway to ${w.name}`,
      direction: 'Ingress',
      protocol: 'TCP',
      port: w.port,
      pods: byApp(w.name),
      peer: { namespace: profile.istio.rootNamespace, labels: profile.istio.ingressGateway.selector },
    })),
    ...profile.security.scrapePorts.map((port): Flow => ({
      what: 'Prometheus scraping',
      direction: 'Ingress',
      protocol: 'TCP',
      port,
      pods: running,
      peer: { namespace: ns.monitoring, labels: profile.security.prometheusSelector },
    })),
    ...profile.app.dataServices.map((d): Flow => ({
      what: `${d.name} in ${ns.legacy}`,
      direction: 'Egress',
      protocol: 'TCP',
      port: d.port,
      pods: running,
      peer: { namespace: ns.legacy },
    })),
  ];
  const findings: Finding[] = [];
  const details: string[] = [];
  for (const flow of flows) {
    const allowedFor = (pod: KubeObject): string | undefined =>
      pols.find(
        (p) =>
          p.types.includes(flow.direction) &&
          matchesSelector(p.podSelector, labelsOf(pod.metadata.labels)) &&
          rulesOf(p, flow.direction).some(
            (r) =>
              portMatches(r.ports, flow.protocol, flow.port) &&
              peerMatches(r.peers, p.namespace, flow.peer, nsLabels),
          ),
      )?.ref;
    const label = `${flow.direction.toLowerCase()} ${flow.protocol} ${flow.port} (${flow.what})`;
    // Data services are needed by some workload, not necessarily all: one allowed pod is enough.
    const data = profile.app.dataServices.some((d) => flow.what.startsWith(d.name));
    const missing = flow.pods.filter((p) => !allowedFor(p));
    const ok = data ? missing.length < flow.pods.length : missing.length === 0;
    if (flow.pods.length === 0) {
      details.push(`${label}: no running pods to check`);
      continue;
    }
    if (ok) {
      const by = new Set(flow.pods.map(allowedFor).filter((x): x is string => x !== undefined));
      details.push(`${label}: allowed by ${[...by].join(', ')}`);
      continue;
    }
    findings.push({
      object: objectName('Namespace', mesh),
      message: `no NetworkPolicy in ${mesh} allows ${label} for ${missing.map((p) => p.metadata.name).join(', ')}: under the default deny this traffic is dropped`,
      hint: `add a NetworkPolicy in ${mesh} with policyTypes [${flow.direction}] and a rule for ${flow.protocol} port ${flow.port}${flow.peer ? ` ${flow.direction === 'Ingress' ? 'from' : 'to'} namespace ${flow.peer.namespace}` : ''}`,
    });
  }
  return failed(findings, ...details);
}
