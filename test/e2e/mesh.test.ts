import { describe, expect, it } from 'vitest';
import { MESH_GATES } from '../../suites/mesh/mesh-gates.ts';
import { gatesOnScenario } from '../support/run-gates.ts';

const healthy = 'scenarios/healthy';
const broken = (name: string): string => `scenarios/broken/${name}`;

const MESH_CHECKS = [
  'mesh.istio.namespace',
  'mesh.istio.istiod-ready',
  'mesh.istio.crds',
  'mesh.istio.webhooks',
  'mesh.istio.mesh-config',
  'mesh.istio.ingress-gateway',
  'mesh.istio.cni',
  'mesh.istio.proxy-versions',
  'mesh.spire.namespace',
  'mesh.spire.server',
  'mesh.spire.agents',
  'mesh.spire.csi-driver',
  'mesh.spire.trust-domain',
  'mesh.spire.cluster-spiffeids',
  'mesh.spire.entries',
  'mesh.namespace.injection',
  'mesh.namespace.pod-security',
  'mesh.namespace.restricted-cni',
  'mesh.traffic.gateway',
  'mesh.traffic.virtual-service',
  'mesh.traffic.weights',
  'mesh.traffic.destination-rules',
  'mesh.traffic.outlier-detection',
  'mesh.traffic.connection-pool',
  'mesh.observability.stack',
  'mesh.app.deployments',
  'mesh.app.restarts',
  'mesh.app.probes',
  'mesh.app.sidecars',
  'mesh.app.sidecar-resources',
  'mesh.app.spire-template',
  'mesh.app.service-accounts',
  'mesh.app.uid',
  'mesh.app.telemetry',
  'mesh.app.health',
  'mesh.app.identities',
  'mesh.envoy.circuit-breakers',
  'mesh.envoy.cluster-limits',
];

// The mesh suite's checks run in-process against one simulator per scenario: what a check says is the
// same as through the CLI, without a vitest boot per scenario. The CLI's process boundary (exit codes,
// suites kept apart in one run) is tested by prereq.test.ts, security.test.ts and one-worker-cache.test.ts.
const gates = (scenario: string) => gatesOnScenario(scenario, MESH_GATES);

// Generous: on 2 busy cores, many simulators start at once.
describe.concurrent('meshgate verify mesh (its checks against the simulator)', { timeout: 180_000 }, () => {
  it('passes on the healthy reference cluster with exit 0, listing every check', async () => {
    const { exitCode, outcomes, check } = await gates(healthy);
    expect([...outcomes].filter(([, c]) => c.status !== 'passed')).toEqual([]);
    expect(exitCode).toBe(0);
    expect([...outcomes.keys()]).toEqual(MESH_CHECKS);
    expect(check('mesh.spire.entries').details[0]).toBe(
      '6 entries; 6/6 pods registered (6 by pod uid, 0 by ns/sa)',
    );
    expect(check('mesh.envoy.circuit-breakers').details[0]).toMatch(/^6\/6 proxies read/);
    // One pod per ReplicaSet asked; the other, Ready, by its readiness probe of the same endpoint.
    expect(check('mesh.app.health').details[0]).toBe(
      "2/2 health endpoints answered 2xx (zamaz-api :15020/app-health/api/readyz, zamaz-frontend :15020/app-health/web/readyz); 2 more pods Ready (the kubelet's readiness probe GETs the same endpoint)",
    );
    expect(check('mesh.app.health').details[1]).toMatch(
      /^read through the pod proxy .*: Pod\/zamaz-mesh\/zamaz-api-286jrvmmq6-fkv2l for ReplicaSet\/zamaz-mesh\/zamaz-api-286jrvmmq6 \(1 of 2\), .*; judged by their Ready condition .*: ReplicaSet\/zamaz-mesh\/zamaz-api-286jrvmmq6: zamaz-api-286jrvmmq6-hlf5t; /,
    );
    expect(check('mesh.observability.stack').details).toContain(
      'Kiali: not installed (optional; no Deployment kiali in monitoring or istio-system)',
    );
  });

  it.each([
    [
      broken('mesh-revision-label'),
      'mesh.namespace.injection',
      'istio.io/rev=default; injected by istio-sidecar-injector/rev.namespace',
    ],
    [broken('mesh-native-sidecars'), 'mesh.app.sidecars', '4/4 pods injected and ready (2 native sidecars)'],
    // Revision 1-20-1 selected through the tag `stable` (test/scenarios/revisions.test.ts has the rest).
    [
      'scenarios/revision-tag',
      'mesh.namespace.injection',
      'istio.io/rev=stable (tag stable → revision 1-20-1); injected by istio-revision-tag-stable/rev.namespace',
    ],
  ])('%s is a valid setup: exit 0', async (scenario, id, detail) => {
    const { exitCode, check } = await gates(scenario);
    expect(exitCode).toBe(0);
    expect(check(id).details[0]).toContain(detail);
  });

  it.each([
    [
      'mesh-pod-without-sidecar',
      'mesh.app.sidecars',
      'Pod/zamaz-mesh/zamaz-api-286jrvmmq6-fkv2l',
      'has no istio-proxy sidecar: it opts out with the label sidecar.istio.io/inject=false (istioctl analyze: IST0103)',
      'remove the opt-out from the pod template',
    ],
    [
      'mesh-pod-before-injection',
      'mesh.app.sidecars',
      'Pod/zamaz-mesh/zamaz-api-286jrvmmq6-fkv2l',
      'created 2026-11-20T10:00:01Z, before injection was enabled on zamaz-mesh (2026-11-20T10:00:30Z)',
      'kubectl rollout restart deployment/zamaz-api -n zamaz-mesh',
    ],
    [
      'mesh-two-injection-labels',
      'mesh.namespace.injection',
      'Namespace/zamaz-mesh',
      'has both istio-injection=enabled and istio.io/rev=canary',
      'kubectl label namespace zamaz-mesh istio.io/rev-',
    ],
    [
      'mesh-restricted-without-cni',
      'mesh.namespace.restricted-cni',
      'Namespace/zamaz-mesh',
      'enforces Pod Security "restricted" but Istio CNI (DaemonSet/istio-system/istio-cni-node) is not installed',
      'helm install istio-cni istio/cni',
    ],
    [
      'mesh-dr-circuit-breaker',
      'mesh.traffic.outlier-detection',
      'DestinationRule/zamaz-mesh/zamaz-api',
      'sets trafficPolicy.outlierDetection.consecutive5xxErrors to 3, the profile expects 5',
      'set trafficPolicy.outlierDetection.consecutive5xxErrors: 5',
    ],
    [
      'mesh-dr-subset-override',
      'mesh.traffic.outlier-detection',
      'DestinationRule/zamaz-mesh/zamaz-frontend',
      'sets subsets[v1].trafficPolicy.outlierDetection.consecutive5xxErrors to 1, the profile expects 5 (this subset-level block replaces',
      'kubectl -n zamaz-mesh edit destinationrule zamaz-frontend',
    ],
    [
      'mesh-vs-weights-90',
      'mesh.traffic.weights',
      'VirtualService/zamaz-mesh/zamaz',
      'route api weights sum to 90, not 100',
      'shift-traffic 10',
    ],
    [
      'mesh-gateway-selector',
      'mesh.traffic.gateway',
      'Gateway/zamaz-mesh/zamaz-gateway',
      'selector istio=ingress-gateway matches no gateway pod',
      '"selector":{"istio":"ingressgateway"}',
    ],
    [
      'mesh-spire-agent-missing',
      'mesh.spire.agents',
      'Node/node-c',
      'no ready SPIRE agent (DaemonSet/spire-system/spire-agent) on node node-c: zamaz-mesh/zamaz-frontend-5nntldq49l-kdt9z',
      'nodeSelector, affinity and tolerations',
    ],
    [
      'mesh-spire-entry-missing',
      'mesh.spire.entries',
      'Pod/zamaz-mesh/zamaz-frontend-5nntldq49l-7t5jp',
      'no SPIRE registration entry selects',
      'entry create -spiffeID spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-frontend',
    ],
    [
      'mesh-trust-domain-mismatch',
      'mesh.spire.trust-domain',
      'ConfigMap/spire-system/spire-server',
      "SPIRE's trust domain is example.org, Istio's is zamaz.local",
      'trust_domain = "zamaz.local"',
    ],
    [
      'mesh-breaker-open',
      'mesh.envoy.circuit-breakers',
      'Pod/zamaz-mesh/zamaz-frontend-5nntldq49l-7t5jp',
      'circuit breaker open (default.rq_pending_open) for outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local; overflows: upstream_rq_pending_overflow=37',
      'connectionPool limits',
    ],
    [
      'mesh-app-unhealthy',
      'mesh.app.health',
      'Pod/zamaz-mesh/zamaz-api-286jrvmmq6-fkv2l',
      'answers 503 on the rewritten readiness probe :15020/app-health/api/readyz (pilot-agent → api)',
      'kubectl -n zamaz-mesh logs zamaz-api-286jrvmmq6-fkv2l -c api',
    ],
    [
      'mesh-restarts-climbing',
      'mesh.app.restarts',
      'Pod/zamaz-mesh/zamaz-frontend-5nntldq49l-kdt9z',
      'container web has restarted 7 times (more than 3); last terminated OOMKilled (exit 137) at 2026-11-29T08:21:40Z',
      'kubectl -n zamaz-mesh logs zamaz-frontend-5nntldq49l-kdt9z -c web --previous',
    ],
    [
      'mesh-no-readiness-probe',
      'mesh.app.probes',
      'Deployment/zamaz-mesh/zamaz-frontend',
      'container web has no readinessProbe',
      'add readinessProbe: {httpGet: {path: /healthz, port: 3000}} to container web',
    ],
  ])('%s: fails %s (exit 1), naming the object and the fix', async (scenario, id, object, message, hint) => {
    const { exitCode, verdict, check } = await gates(broken(scenario));
    expect(verdict).toBe('FAIL');
    expect(exitCode).toBe(1);
    const c = check(id);
    expect(c.status).toBe('failed');
    const f = c.findings.find((x) => x.object === object);
    expect(f, JSON.stringify(c.findings, null, 1)).toBeDefined();
    expect(f?.message).toContain(message);
    expect(f?.hint).toContain(hint);
  });

  it('mesh-stats-not-exported: inconclusive (exit 2), naming the stats-matcher annotation', async () => {
    const { exitCode, verdict, check } = await gates(broken('mesh-stats-not-exported'));
    expect(exitCode).toBe(2);
    expect(verdict).toBe('INCONCLUSIVE');
    const c = check('mesh.envoy.circuit-breakers');
    expect(c.status).toBe('inconclusive');
    expect(c.findings.map((f) => f.object)).toEqual([
      'Pod/zamaz-mesh/zamaz-api-286jrvmmq6-fkv2l',
      'Pod/zamaz-mesh/zamaz-api-286jrvmmq6-hlf5t',
    ]);
    expect(c.findings[0]?.message).toContain('does not export cluster.outbound stats');
    expect(c.findings[0]?.hint).toContain(
      `proxy.istio.io/config: '{"proxyStatsMatcher":{"inclusionPrefixes":["cluster.outbound"]}}' to deployment/zamaz-api`,
    );
    // The clusters dump does not depend on the stats matcher: the pool check still sees the proxies.
    expect(check('mesh.envoy.cluster-limits').status).toBe('passed');
  });

  it('mesh-pod-proxy-blocked: app health inconclusive (exit 2), naming the NetworkPolicy cause; stats still read by exec', async () => {
    const { exitCode, verdict, outcomes, check } = await gates(broken('mesh-pod-proxy-blocked'));
    expect(exitCode).toBe(2);
    expect(verdict).toBe('INCONCLUSIVE');
    const c = check('mesh.app.health');
    expect(c.status).toBe('inconclusive');
    expect(c.findings).toHaveLength(4);
    expect(c.findings[0]?.object).toBe('Pod/zamaz-mesh/zamaz-api-286jrvmmq6-fkv2l');
    expect(c.findings[0]?.message).toContain(
      "the API server's pod proxy could not reach the rewritten readiness probe :15020/app-health/api/readyz",
    );
    expect(c.findings[0]?.message).toContain(
      'A default-deny NetworkPolicy in zamaz-mesh blocks the pod proxy',
    );
    expect(c.findings[0]?.hint).toContain(
      'kubectl -n zamaz-mesh exec zamaz-api-286jrvmmq6-fkv2l -c istio-proxy -- curl',
    );
    expect(check('mesh.envoy.circuit-breakers').status).toBe('passed');
    expect([...outcomes.values()].some((x) => x.status === 'failed')).toBe(false);
  });

  it('mesh-forbidden: inconclusive (exit 2) when meshgate may not list pods in the mesh namespace', async () => {
    const { exitCode, verdict, outcomes, check } = await gates(broken('mesh-forbidden'));
    expect(exitCode).toBe(2);
    expect(verdict).toBe('INCONCLUSIVE');
    const c = check('mesh.app.sidecars');
    expect(c.status).toBe('inconclusive');
    expect(c.findings[0]?.message).toContain('may not list pods in namespace zamaz-mesh');
    expect(c.findings[0]?.hint).toContain('grant the permission');
    expect([...outcomes.values()].some((x) => x.status === 'failed')).toBe(false);
  });

  it('is inconclusive (exit 2) on a custom resource with a mistyped field, naming the object and field', async () => {
    const { exitCode, verdict, outcomes, check } = await gates('scenarios/broken/malformed-virtualservice');
    expect(exitCode).toBe(2);
    expect(verdict).toBe('INCONCLUSIVE');
    const weights = check('mesh.traffic.weights');
    expect(weights.status).toBe('inconclusive');
    expect(weights.findings[0]?.message).toContain(
      'cannot read VirtualService/zamaz-mesh/zamaz (spec.http.0.route.1.weight: Invalid input: expected number, received string)',
    );
    expect(weights.findings[0]?.object).toBe('VirtualService/zamaz-mesh/zamaz');
    expect(weights.findings[0]?.field).toBe('spec.http.0.route.1.weight');
    expect(weights.findings[0]?.hint).toContain(
      'correct the field named above (kubectl -n zamaz-mesh edit virtualservice zamaz)',
    );
    expect([...outcomes.values()].filter((c) => c.status === 'failed')).toEqual([]);
  });
});
