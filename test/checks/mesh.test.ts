import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import {
  checkCircuitBreakerStats,
  checkGateway,
  checkInjectionLabel,
  checkOutlierDetection,
  checkSidecars,
  checkSpireEntries,
  checkTrustDomain,
  checkWeights,
  controlPlane,
  parseAdminClusterStats,
  parseEntries,
  parsePrometheusClusterStats,
} from '../../src/checks/mesh/index.ts';
import { defaultProfile as profile } from '../../src/profile/index.ts';

const ns = (labels: Record<string, string>): KubeObject => ({
  kind: 'Namespace',
  metadata: { name: 'zamaz-mesh', labels },
});
const injector: KubeObject = {
  kind: 'MutatingWebhookConfiguration',
  metadata: { name: 'istio-sidecar-injector' },
  webhooks: [
    {
      name: 'rev.namespace.sidecar-injector.istio.io',
      namespaceSelector: {
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'In', values: ['default'] },
          { key: 'istio-injection', operator: 'DoesNotExist' },
        ],
      },
    },
    {
      name: 'namespace.sidecar-injector.istio.io',
      namespaceSelector: { matchLabels: { 'istio-injection': 'enabled' } },
    },
  ],
};

const istiod: KubeObject = {
  kind: 'Deployment',
  metadata: {
    name: 'istiod',
    namespace: 'istio-system',
    labels: { app: 'istiod', 'istio.io/rev': 'default' },
  },
  spec: {
    template: { spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.20.1' }] } },
  },
};
const cp = controlPlane(undefined, [istiod], [injector], profile);

const pod = (
  name: string,
  spec: Record<string, unknown>,
  extra: Partial<KubeObject['metadata']> = {},
  status: Record<string, unknown> = {},
): KubeObject => ({
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'zamaz-mesh',
    uid: `uid-${name}`,
    labels: { app: 'zamaz-api', 'security.istio.io/tlsMode': 'istio' },
    annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' },
    ...extra,
  },
  spec: { serviceAccountName: 'zamaz-api', ...spec },
  status: { phase: 'Running', ...status },
});

describe('mesh checks: namespace and injection', () => {
  it('injection: istio-injection or istio.io/rev passes; both is IST0123; none is IST0102', () => {
    expect(checkInjectionLabel(ns({ 'istio-injection': 'enabled' }), [injector], cp, profile).status).toBe(
      'passed',
    );
    expect(checkInjectionLabel(ns({ 'istio.io/rev': 'default' }), [injector], cp, profile).status).toBe(
      'passed',
    );
    const both = checkInjectionLabel(
      ns({ 'istio-injection': 'enabled', 'istio.io/rev': 'default' }),
      [injector],
      cp,
      profile,
    );
    expect(both.findings[0]?.message).toContain('(istioctl analyze: IST0123)');
    const none = checkInjectionLabel(ns({}), [injector], cp, profile);
    expect(none.findings[0]?.message).toBe(
      'zamaz-mesh is not labelled for injection (istio-injection=<unset>): new pods get no sidecar (istioctl analyze: IST0102)',
    );
    const unknownRev = checkInjectionLabel(ns({ 'istio.io/rev': 'canary' }), [injector], cp, profile);
    expect(unknownRev.findings[0]?.message).toContain('no control plane revision "canary" is installed');
  });

  it('sidecars: native sidecars pass; a missing proxy names the opt-out or the creation order', () => {
    const ready = {
      containerStatuses: [{ name: 'api', ready: true }],
      initContainerStatuses: [{ name: 'istio-proxy', ready: true }],
      conditions: [{ type: 'Ready', status: 'True' }],
    };
    const native = pod(
      'a',
      { containers: [{ name: 'api' }], initContainers: [{ name: 'istio-proxy', restartPolicy: 'Always' }] },
      {},
      ready,
    );
    const r = checkSidecars([native], ns({ 'istio-injection': 'enabled' }), profile);
    expect(r.status).toBe('passed');
    expect(r.details[0]).toBe('1/1 pods injected and ready (1 native sidecars)');
    const bare = pod(
      'b',
      { containers: [{ name: 'api' }] },
      { creationTimestamp: '2026-11-20T10:00:01Z', annotations: {} },
    );
    const labelled = ns({ 'istio-injection': 'enabled' });
    labelled.metadata = {
      ...labelled.metadata,
      managedFields: [
        {
          time: '2026-11-20T10:00:30Z',
          fieldsV1: { 'f:metadata': { 'f:labels': { 'f:istio-injection': {} } } },
        },
      ],
    } as KubeObject['metadata'];
    const late = checkSidecars([bare], labelled, profile);
    expect(late.findings[0]?.message).toBe(
      'Pod/zamaz-mesh/b has no istio-proxy sidecar: it was created 2026-11-20T10:00:01Z, before injection was enabled on zamaz-mesh (2026-11-20T10:00:30Z); injection happens on Pod CREATE only (istioctl analyze: IST0103)',
    );
    const out = pod(
      'c',
      { containers: [{ name: 'api' }] },
      { labels: { 'sidecar.istio.io/inject': 'false' }, annotations: {} },
    );
    expect(checkSidecars([out], labelled, profile).findings[0]?.message).toContain(
      'opts out with the label sidecar.istio.io/inject=false',
    );
  });
});

describe('mesh checks: traffic', () => {
  const dr = (od: Record<string, unknown>, subsets?: unknown[]): KubeObject => ({
    kind: 'DestinationRule',
    metadata: { name: 'zamaz-api', namespace: 'zamaz-mesh' },
    spec: {
      host: 'zamaz-api.zamaz-mesh.svc.cluster.local',
      trafficPolicy: { outlierDetection: od },
      ...(subsets ? { subsets } : {}),
    },
  });
  const front = {
    ...dr({
      consecutive5xxErrors: 5,
      consecutiveGatewayErrors: 5,
      interval: '30s',
      baseEjectionTime: '30s',
      maxEjectionPercent: 50,
    }),
  };
  front.metadata = { name: 'zamaz-frontend', namespace: 'zamaz-mesh' };

  it('outlier detection: durations compare parsed; wrong values, no-effect gateway errors and subset overrides fail', () => {
    const good = dr({
      consecutive5xxErrors: 5,
      consecutiveGatewayErrors: 5,
      interval: '30000ms',
      baseEjectionTime: '0.5m',
      maxEjectionPercent: 50,
    });
    expect(checkOutlierDetection([good, front], profile).status).toBe('passed');
    const bad = checkOutlierDetection(
      [
        dr({
          consecutive5xxErrors: 3,
          consecutiveGatewayErrors: 5,
          interval: '30s',
          baseEjectionTime: '30s',
          maxEjectionPercent: 50,
        }),
        front,
      ],
      profile,
    );
    expect(bad.findings.map((f) => f.message)).toEqual([
      'DestinationRule/zamaz-mesh/zamaz-api sets trafficPolicy.outlierDetection.consecutive5xxErrors to 3, the profile expects 5',
      'DestinationRule/zamaz-mesh/zamaz-api trafficPolicy.outlierDetection sets consecutiveGatewayErrors 5 >= consecutive5xxErrors 3: gateway errors (502/503/504) are 5xx too, so the 5xx rule always ejects first and consecutiveGatewayErrors has no effect',
    ]);
    const sub = checkOutlierDetection(
      [
        dr(
          {
            consecutive5xxErrors: 5,
            consecutiveGatewayErrors: 5,
            interval: '30s',
            baseEjectionTime: '30s',
            maxEjectionPercent: 50,
          },
          [
            {
              name: 'v1',
              trafficPolicy: {
                outlierDetection: {
                  consecutive5xxErrors: 5,
                  consecutiveGatewayErrors: 5,
                  interval: '1s',
                  maxEjectionPercent: 50,
                },
              },
            },
          ],
        ),
        front,
      ],
      profile,
    );
    expect(sub.findings.map((f) => f.field)).toEqual([
      'spec.subsets[v1].trafficPolicy.outlierDetection.interval',
    ]);
    expect(sub.findings[0]?.message).toContain(
      "(this subset-level block replaces the rule's outlierDetection)",
    );
  });

  it('weights: a sum other than 100 fails with the real share', () => {
    const vs = (legacy: number, mesh: number): KubeObject => ({
      kind: 'VirtualService',
      metadata: { name: 'zamaz', namespace: 'zamaz-mesh' },
      spec: {
        http: [
          {
            name: 'api',
            route: [
              { destination: { host: 'zamaz-api.zamaz.svc.cluster.local' }, weight: legacy },
              { destination: { host: 'zamaz-api.zamaz-mesh.svc.cluster.local' }, weight: mesh },
            ],
          },
        ],
      },
    });
    expect(checkWeights([vs(90, 10)], profile).status).toBe('passed');
    const r = checkWeights([vs(80, 10)], profile);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.message).toContain('route api weights sum to 90, not 100');
    expect(r.findings[0]?.message).toContain('the mesh gets 11.1% instead of 10%');
    expect(checkWeights([vs(70, 30)], profile).findings[0]?.message).toBe(
      'the mesh weight is 30%, not one of the planned steps 0, 10, 25, 50, 75, 100',
    );
  });

  it('gateway: a selector matching no pod is IST0101', () => {
    const gw: KubeObject = {
      kind: 'Gateway',
      metadata: { name: 'zamaz-gateway', namespace: 'zamaz-mesh' },
      spec: {
        selector: { istio: 'nope' },
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['zamaz.example.com'] }],
      },
    };
    const gwPod: KubeObject = {
      kind: 'Pod',
      metadata: { name: 'gw', namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
      status: { phase: 'Running' },
    };
    const r = checkGateway([gw], [gwPod], [], profile);
    expect(r.findings[0]?.message).toContain('selector istio=nope matches no gateway pod');
    expect(r.findings[0]?.message).toContain('(istioctl analyze: IST0101)');
  });
});

describe('mesh checks: SPIRE and Envoy', () => {
  it('entries: pod-uid and hand-made ns/sa entries both count; a missing one fails', () => {
    const p1 = pod('a', {});
    const p2 = pod('b', {});
    const entries = parseEntries(
      JSON.stringify({
        entries: [
          {
            id: '1',
            spiffe_id: { trust_domain: 'zamaz.local', path: '/ns/zamaz-mesh/sa/zamaz-api' },
            parent_id: {},
            selectors: [{ type: 'k8s', value: 'pod-uid:uid-a' }],
          },
        ],
      }),
    );
    const r = checkSpireEntries(entries, [p1, p2], profile);
    expect(r.findings.map((f) => f.object)).toEqual(['Pod/zamaz-mesh/b']);
    const handMade = parseEntries(
      JSON.stringify({
        entries: [
          {
            id: '2',
            spiffe_id: 'spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-api',
            selectors: [
              { type: 'k8s', value: 'ns:zamaz-mesh' },
              { type: 'k8s', value: 'sa:zamaz-api' },
            ],
          },
        ],
      }),
    );
    expect(checkSpireEntries(handMade, [p1, p2], profile).status).toBe('passed');
  });

  it('trust domain: SPIRE and Istio must both equal the profile', () => {
    const spire = (td: string): KubeObject => ({
      kind: 'ConfigMap',
      metadata: { name: 'spire-server' },
      data: { 'server.conf': `server {\n  trust_domain = "${td}"\n}` },
    });
    const mesh: KubeObject = {
      kind: 'ConfigMap',
      metadata: { name: 'istio' },
      data: { mesh: 'trustDomain: zamaz.local' },
    };
    expect(checkTrustDomain(spire('zamaz.local'), mesh, profile).status).toBe('passed');
    expect(checkTrustDomain(spire('example.org'), mesh, profile).findings[0]?.message).toContain(
      "SPIRE's trust domain is example.org",
    );
  });

  it('envoy stats: both formats parse alike; open breakers fail; no outbound stats is inconclusive with the annotation', () => {
    const c = 'outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local';
    const prom = parsePrometheusClusterStats(
      `envoy_cluster_circuit_breakers_default_rq_open{cluster_name="${c}"} 1\nenvoy_server_live{} 1\n`,
    );
    const admin = parseAdminClusterStats(
      `cluster.${c}.circuit_breakers.default.rq_open: 1\nserver.live: 1\n`,
    );
    expect(prom.get(c)?.get('circuit_breakers_default_rq_open')).toBe(1);
    expect(admin.get(c)?.get('circuit_breakers_default_rq_open')).toBe(1);
    const p = pod('a', {});
    const open = checkCircuitBreakerStats([{ pod: p, stats: prom }], profile);
    expect(open.status).toBe('failed');
    expect(open.findings[0]?.message).toContain(`circuit breaker open (default.rq_open) for ${c}`);
    const blind = checkCircuitBreakerStats(
      [{ pod: p, stats: parsePrometheusClusterStats('envoy_server_live{} 1\n') }],
      profile,
    );
    expect(blind.status).toBe('inconclusive');
    expect(blind.findings[0]?.hint).toContain('proxy.istio.io/config');
  });
  it('envoy stats: absent breaker gauges are inconclusive, never 0 (both stat sources), naming the pod, the stats and the fix', () => {
    const c = 'outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local';
    const gauges = ['cx_open', 'cx_pool_open', 'rq_pending_open', 'rq_open', 'rq_retry_open'];
    const full = parseAdminClusterStats(
      gauges.map((g) => `cluster.${c}.circuit_breakers.default.${g}: 0`).join('\n') +
        `\ncluster.${c}.outlier_detection.ejections_active: 0\n`,
    );
    const p = pod('api-1', {});
    expect(
      checkCircuitBreakerStats([{ pod: p, stats: full, source: 'exec pilot-agent' }], profile).status,
    ).toBe('passed');
    // What Istio's documented matcher (.*outlier_detection.*, .*upstream_rq_retry.*, .*upstream_cx_.*) keeps.
    const withoutBreakers = (text: string) => ({
      prom: parsePrometheusClusterStats(text),
      admin: parseAdminClusterStats(
        `cluster.${c}.outlier_detection.ejections_active: 0\ncluster.${c}.upstream_cx_overflow: 0\n`,
      ),
    });
    const { prom, admin } = withoutBreakers(
      `envoy_cluster_outlier_detection_ejections_active{cluster_name="${c}"} 0\n` +
        `envoy_cluster_upstream_cx_overflow{cluster_name="${c}"} 0\n`,
    );
    for (const [stats, source] of [
      [prom, 'Prometheus http://127.0.0.1:9090'],
      [admin, 'exec pilot-agent'],
    ] as const) {
      const r = checkCircuitBreakerStats([{ pod: p, stats, source }], profile);
      expect(r.status).toBe('inconclusive');
      const f = r.findings[0];
      expect(f?.object).toBe('Pod/zamaz-mesh/api-1');
      expect(f?.message).toContain(
        `(${source}) have no circuit_breakers_default_{cx_open,cx_pool_open,rq_pending_open,rq_open,rq_retry_open} for 1 of 1 outbound clusters (${c})`,
      );
      expect(f?.message).toContain('absent gauges are not read as 0');
      expect(f?.hint).toContain("add '.*circuit_breakers.*' to proxyStatsMatcher.inclusionRegexps");
      expect(r.details[0]).toBe('0/1 proxies read, 1 outbound clusters');
    }
    // Partly kept (a regexp for cx_open only): the rest is still unseen.
    const partial = parsePrometheusClusterStats(
      `envoy_cluster_circuit_breakers_default_cx_open{cluster_name="${c}"} 0\n`,
    );
    const r = checkCircuitBreakerStats([{ pod: p, stats: partial }], profile);
    expect(r.status).toBe('inconclusive');
    expect(r.findings[0]?.actual).toBe(
      'missing circuit_breakers_default_cx_pool_open, circuit_breakers_default_rq_pending_open, circuit_breakers_default_rq_open, circuit_breakers_default_rq_retry_open',
    );
  });
});
