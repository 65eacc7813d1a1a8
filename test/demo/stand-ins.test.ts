// The demo's stand-ins on their own: the router follows the VirtualService it watches on the
// simulator and exports the gateway's view; the mesh stand-ins export the sidecar's view; each fault
// changes what it says it changes. No Prometheus here: the scrape-to-verdict chain is tested by
// running the demo (demo.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { request } from 'undici';
import { FaultSwitch, type FaultName } from '../../demo/faults.ts';
import { Registry } from '../../demo/metrics.ts';
import { scrapeConfig } from '../../demo/prometheus.ts';
import { startRouter, type StartedRouter } from '../../demo/router.ts';
import { startAppStandIn, type StartedAppStandIn } from '../../demo/services.ts';
import { watchVirtualService, type StartedVirtualServiceWatch } from '../../demo/virtual-service-watch.ts';
import { SCENARIO } from '../../demo/world.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';

const HOST = 'zamaz.example.com';
const gateway = {
  workload: 'istio-ingressgateway',
  namespace: 'istio-system',
  serviceAccount: 'istio-ingressgateway',
};

describe('metrics exposition', () => {
  it('renders counters, gauges and cumulative histogram buckets in the text format', () => {
    const r = new Registry();
    const c = r.counter('requests_total', 'Requests');
    c.inc({ code: '200', path: 'a"b\\c' });
    c.inc({ path: 'a"b\\c', code: '200' }, 2);
    r.gauge('active', 'Active').set({}, 3);
    const h = r.histogram('duration_ms', 'Duration', [10, 100]);
    h.observe({ side: 'x' }, 5);
    h.observe({ side: 'x' }, 50);
    h.observe({ side: 'x' }, 500);
    expect(r.render()).toBe(
      [
        '# HELP requests_total Requests',
        '# TYPE requests_total counter',
        'requests_total{code="200",path="a\\"b\\\\c"} 3',
        '# HELP active Active',
        '# TYPE active gauge',
        'active 3',
        '# HELP duration_ms Duration',
        '# TYPE duration_ms histogram',
        'duration_ms_bucket{side="x",le="10"} 1',
        'duration_ms_bucket{side="x",le="100"} 2',
        'duration_ms_bucket{side="x",le="+Inf"} 3',
        'duration_ms_sum{side="x"} 555',
        'duration_ms_count{side="x"} 3',
        '',
      ].join('\n'),
    );
  });

  it('writes one scrape job per component with the stats path', () => {
    const yml = scrapeConfig([
      { name: 'istio-ingressgateway', targets: ['http://127.0.0.1:1000/stats/prometheus'] },
      {
        name: 'mesh-sidecars',
        targets: ['http://127.0.0.1:2000/stats/prometheus', 'http://127.0.0.1:3000/stats/prometheus'],
      },
    ]);
    expect(yml).toContain('scrape_interval: 500ms');
    expect(yml).toContain('  - job_name: "mesh-sidecars"\n    metrics_path: "/stats/prometheus"');
    expect(yml).toContain('targets: ["127.0.0.1:2000","127.0.0.1:3000"]');
  });
});

describe('faults', () => {
  it('start when the mesh weight reaches --at, on the named service only, at their stated rates', () => {
    const f = new FaultSwitch('mesh-5xx', 25, 'zamaz-api');
    f.observeWeight(10);
    expect(f.active).toBe(false);
    expect(Array.from({ length: 40 }, () => f.appError('zamaz-api')).filter(Boolean)).toHaveLength(0);
    f.observeWeight(25);
    expect(f.active).toBe(true);
    expect(Array.from({ length: 40 }, () => f.appError('zamaz-api')).filter(Boolean)).toHaveLength(2);
    expect(f.appError('zamaz-frontend')).toBe(false);
    expect(f.overflow('zamaz-api')).toBe(false);
    expect(new FaultSwitch(undefined, 10, 'zamaz-api').latencyFactor('zamaz-api')).toBe(1);
  });
});

describe('router and stand-ins on the simulator', () => {
  let sim: StartedSimulator;
  let kc: KubeConfig;
  const faults: Record<string, FaultSwitch> = {};
  let current: FaultSwitch;
  const switchboard = new Proxy({} as FaultSwitch, {
    get: (_t, p) => {
      const v = (current as unknown as Record<string | symbol, unknown>)[p];
      return typeof v === 'function' ? v.bind(current) : v;
    },
  });
  const standIns: StartedAppStandIn[] = [];
  let router: StartedRouter;
  let watch: StartedVirtualServiceWatch;

  const setWeight = async (mesh: number) => {
    const patch = {
      spec: {
        http: ['api', 'frontend'].map((name) => ({
          name,
          match: [{ uri: { prefix: name === 'api' ? '/api' : '/' } }],
          route: [
            {
              destination: {
                host: `zamaz-${name}.zamaz.svc.cluster.local`,
                port: { number: name === 'api' ? 8080 : 80 },
              },
              weight: 100 - mesh,
            },
            {
              destination: {
                host: `zamaz-${name}.zamaz-mesh.svc.cluster.local`,
                port: { number: name === 'api' ? 8080 : 80 },
              },
              weight: mesh,
            },
          ],
        })),
      },
    };
    await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
      {
        group: 'networking.istio.io',
        version: 'v1beta1',
        namespace: 'zamaz-mesh',
        plural: 'virtualservices',
        name: 'zamaz',
        body: patch,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    // The router learns of the change from its watch, not from us.
    while (router.meshWeight() !== mesh) await new Promise((r) => setTimeout(r, 20));
  };

  const send = async (path: string, n: number) => {
    const codes: number[] = [];
    const flags: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await request(`${router.url}${path}`, { headers: { host: HOST } });
      await res.body.dump();
      codes.push(res.statusCode);
      flags.push(String(res.headers['x-envoy-response-flags'] ?? ''));
    }
    return { codes, flags };
  };

  const stats = async (url: string) => (await (await request(url)).body.text()).split('\n');
  const count = (lines: string[], ...parts: string[]) =>
    lines
      .filter((l) => l.startsWith('istio_requests_total{') && parts.every((p) => l.includes(p)))
      .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0);
  const mesh = (name: string) => standIns.find((s) => s.side === 'mesh' && s.service.name === name)!;

  beforeAll(async () => {
    sim = await startSimulator({ scenario: SCENARIO });
    kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    for (const name of [undefined, 'mesh-5xx', 'overflow', 'plaintext', 'latency'] as const) {
      faults[name ?? 'none'] = new FaultSwitch(name as FaultName | undefined, 50, 'zamaz-api');
    }
    current = faults.none!;
    for (const [name, port, health, sa] of [
      ['zamaz-api', 8080, '/health', 'zamaz-api'],
      ['zamaz-frontend', 80, '/healthz', 'zamaz-frontend'],
    ] as const) {
      for (const [side, namespace] of [
        ['legacy', 'zamaz'],
        ['mesh', 'zamaz-mesh'],
      ] as const) {
        standIns.push(
          await startAppStandIn({
            workload: { workload: name, namespace, serviceAccount: sa },
            service: { name, namespace, port },
            healthPath: health,
            side,
            trustDomain: 'zamaz.local',
            faults: switchboard,
            latency: { minMs: 1, maxMs: 2 },
          }),
        );
      }
    }
    router = await startRouter({
      gateway,
      trustDomain: 'zamaz.local',
      upstreams: standIns,
      faults: switchboard,
    });
    watch = await watchVirtualService({
      kubeconfig: sim.kubeconfigPath,
      namespace: 'zamaz-mesh',
      name: 'zamaz',
      onChange: (s) => router.apply(s),
    });
  });

  afterAll(async () => {
    await watch?.stop();
    await router?.stop();
    await Promise.all(standIns.map((s) => s.stop()));
    await sim?.stop();
  });

  it("starts at the overlay's 0 % and sends everything to legacy", async () => {
    expect(router.meshWeight()).toBe(0);
    const { codes } = await send('/api/orders', 10);
    expect(codes).toEqual(Array(10).fill(200));
    expect(router.counts()).toEqual({
      legacy: { requests: 10, errors: 0 },
      mesh: { requests: 0, errors: 0 },
    });
    const gw = await stats(router.statsUrl);
    expect(
      count(
        gw,
        'reporter="source"',
        'destination_service_namespace="zamaz"',
        'destination_workload="unknown"',
      ),
    ).toBe(10);
    // The gateway's outbound clusters exist from the start, at 0, as Envoy's do.
    expect(gw).toContain(
      'envoy_cluster_upstream_rq_pending_overflow{cluster_name="outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local"} 0',
    );
  });

  it('follows a weight change on the simulator and splits exactly by the weights', async () => {
    await setWeight(25);
    const before = router.counts();
    await send('/api/orders', 20);
    await send('/', 20);
    const after = router.counts();
    expect(after.mesh.requests - before.mesh.requests).toBe(10);
    expect(after.legacy.requests - before.legacy.requests).toBe(30);
    const gw = await stats(router.statsUrl);
    expect(
      count(
        gw,
        'reporter="source"',
        'source_workload="istio-ingressgateway"',
        'source_workload_namespace="istio-system"',
        'destination_service_name="zamaz-api"',
        'destination_service_namespace="zamaz-mesh"',
        'destination_workload="zamaz-api"',
        'response_code="200"',
        'response_flags="-"',
        'connection_security_policy="unknown"',
      ),
    ).toBe(5);
    const side = await stats(mesh('zamaz-api').statsUrl!);
    expect(
      count(
        side,
        'reporter="destination"',
        'source_workload="istio-ingressgateway"',
        'source_principal="spiffe://zamaz.local/ns/istio-system/sa/istio-ingressgateway"',
        'destination_principal="spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-api"',
        'connection_security_policy="mutual_tls"',
      ),
    ).toBe(5);
    expect(
      side.some(
        (l) => l.startsWith('istio_request_duration_milliseconds_bucket{') && l.includes('le="+Inf"'),
      ),
    ).toBe(true);
  });

  it('answers health on the pod port without passing the sidecar', async () => {
    const res = await request(`${mesh('zamaz-api').podUrl}/health`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ status: 'ok' });
    const side = await stats(mesh('zamaz-api').statsUrl!);
    expect(count(side, 'reporter="destination"')).toBe(5);
  });

  it('mesh-5xx: the mesh app answers every 20th request with 500, which both views report without a flag', async () => {
    current = faults['mesh-5xx']!;
    await setWeight(50);
    const { codes, flags } = await send('/api/orders', 80);
    expect(codes.filter((c) => c === 500)).toHaveLength(2);
    expect(flags.every((f) => f === '')).toBe(true);
    expect(
      count(
        await stats(router.statsUrl),
        'response_code="500"',
        'response_flags="-"',
        'destination_service_namespace="zamaz-mesh"',
      ),
    ).toBe(2);
    expect(
      count(await stats(mesh('zamaz-api').statsUrl!), 'reporter="destination"', 'response_code="500"'),
    ).toBe(2);
  });

  it('overflow: the gateway answers every 10th mesh request itself with 503 UO and counts the overflow', async () => {
    current = faults.overflow!;
    current.observeWeight(50);
    const { codes, flags } = await send('/api/orders', 40);
    expect(codes.filter((c) => c === 503)).toHaveLength(2);
    expect(flags.filter((f) => f === 'UO')).toHaveLength(2);
    const gw = await stats(router.statsUrl);
    expect(
      count(gw, 'response_code="503"', 'response_flags="UO"', 'destination_service_name="zamaz-api"'),
    ).toBe(2);
    expect(gw).toContain(
      'envoy_cluster_upstream_rq_pending_overflow{cluster_name="outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local"} 2',
    );
  });

  it('plaintext: every 5th mesh request arrives without mTLS and the sidecar names its source', async () => {
    current = faults.plaintext!;
    current.observeWeight(50);
    await send('/api/orders', 20);
    const side = await stats(mesh('zamaz-api').statsUrl!);
    expect(
      count(
        side,
        'connection_security_policy="none"',
        'source_workload="istio-ingressgateway"',
        'source_workload_namespace="istio-system"',
        'source_principal="unknown"',
      ),
    ).toBe(2);
  });

  it('latency: the mesh app is three times slower', async () => {
    current = faults.latency!;
    current.observeWeight(50);
    expect(current.latencyFactor('zamaz-api')).toBe(3);
    expect(current.latencyFactor('zamaz-frontend')).toBe(1);
  });

  it('stale: the gateway stops answering on its stats port', async () => {
    await router.stopExporting();
    await expect(request(router.statsUrl)).rejects.toThrow();
    // Traffic still flows: only the exporter went quiet.
    const { codes } = await send('/', 4);
    expect(codes).toEqual(Array(4).fill(200));
  });
});
