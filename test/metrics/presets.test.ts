// The default catalog against every preset in one real Prometheus: each template is valid PromQL
// on the installed version, and each preset shows what its scenario is about through the catalog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MultipleSeries,
  createPrometheusClient,
  defaultCatalog,
  render,
  requireSingleValue,
  valuesByLabel,
  type PrometheusClient,
  type PromQLTemplate,
} from '../../src/metrics/index.ts';
import { histogramQuantile, type Scenario, type Side } from '../support/openmetrics.ts';
import { PRESET_NAMES, preset, presetIntent, type PresetName } from '../support/openmetrics-presets.ts';
import { startPrometheus, type StartedPrometheus } from '../support/prometheus.ts';

const scenarios = Object.fromEntries(PRESET_NAMES.map((n) => [n, preset(n)])) as Record<PresetName, Scenario>;

let prom: StartedPrometheus;
let client: PrometheusClient;

beforeAll(async () => {
  prom = await startPrometheus({ openmetrics: PRESET_NAMES.map((n) => scenarios[n].openmetrics) });
  client = createPrometheusClient({ url: prom.url });
});

afterAll(async () => {
  await client?.close();
  await prom?.stop();
});

function expectCount(actual: number | undefined, expected: number): void {
  expect(actual, `expected ≈ ${expected}`).toBeDefined();
  expect(Math.abs((actual as number) - expected), `${actual} vs expected ${expected}`).toBeLessThanOrEqual(
    Math.max(0.01 * expected, 1.5),
  );
}

function vars(s: Scenario, side: Side) {
  return { ...s.vars[side], quantile: 0.99 };
}

async function instant(s: Scenario, t: PromQLTemplate, side: Side = 'mesh') {
  return client.query(render(t, vars(s, side) as never), s.params.end);
}

async function single(s: Scenario, t: PromQLTemplate, side: Side = 'mesh'): Promise<number> {
  return requireSingleValue(await instant(s, t, side));
}

async function byLabel(s: Scenario, t: PromQLTemplate, label: string, side: Side = 'mesh') {
  return Object.fromEntries(valuesByLabel(await instant(s, t, side), label));
}

const MESH_CLUSTER = 'outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local';

describe('default catalog on the installed Prometheus', () => {
  it('accepts every template, instant and range, on healthyCanary', async () => {
    const s = scenarios.healthyCanary;
    for (const t of Object.values(defaultCatalog)) {
      const promql = render(t, vars(s, 'mesh') as never);
      if (t.query === 'instant') {
        const result = await client.query(promql, s.params.end);
        expect(result.type, t.name).toBe('vector');
        if (t.series === 'one') expect(requireSingleValue(result), t.name).toBeGreaterThanOrEqual(0);
      } else {
        const result = await client.queryRange(
          promql,
          new Date(s.params.start.getTime() + 60_000),
          s.params.end,
          60,
        );
        expect(result.series.length, t.name).toBeGreaterThan(0);
      }
    }
  });
});

describe('presets', () => {
  it('healthyCanary: same error ratio and latency on both sides, all mTLS, no overflow', async () => {
    const s = scenarios.healthyCanary;
    expect(presetIntent('healthyCanary').verdict).toBe('PASS');
    const ratio = async (side: Side) =>
      (await single(s, defaultCatalog.gateway_5xx, side)) /
      (await single(s, defaultCatalog.gateway_requests, side));
    expect(Math.abs((await ratio('mesh')) - (await ratio('legacy')))).toBeLessThan(0.002);
    expect(
      await byLabel(s, defaultCatalog.mesh_requests_by_security_policy, 'connection_security_policy'),
    ).toEqual({
      mutual_tls: expect.any(Number),
    });
    expect(await byLabel(s, defaultCatalog.cb_pending_overflow, 'cluster_name')).toEqual({
      [MESH_CLUSTER]: 0,
    });
    const p99 = async (side: Side) => single(s, defaultCatalog.gateway_latency_quantile, side);
    expect((await p99('mesh')) / (await p99('legacy'))).toBeLessThan(1.2);
  });

  it('appRegression: mesh 5xx with flags "-" at the gateway and at the app’s own sidecar', async () => {
    const s = scenarios.appRegression;
    expect(presetIntent('appRegression')).toMatchObject({ verdict: 'FAIL', attribution: 'app' });
    const gateway = await byLabel(s, defaultCatalog.gateway_5xx_by_flags, 'response_flags');
    expect(Object.keys(gateway)).toEqual(['-']);
    expectCount(gateway['-'], s.expected.mesh.byFlags5xx['-'] ?? NaN);
    const destination = await byLabel(s, defaultCatalog.mesh_5xx_by_flags, 'response_flags');
    expectCount(destination['-'], s.expected.meshDestination.byFlags5xx['-'] ?? NaN);
    const meshRatio =
      (await single(s, defaultCatalog.gateway_5xx)) / (await single(s, defaultCatalog.gateway_requests));
    const legacyRatio =
      (await single(s, defaultCatalog.gateway_5xx, 'legacy')) /
      (await single(s, defaultCatalog.gateway_requests, 'legacy'));
    expect(meshRatio).toBeGreaterThan(0.03);
    expect(legacyRatio).toBeLessThan(0.006);
  });

  it('proxyOverflow: 503 UO/UF made by the gateway proxy, overflow counters rising, app unaffected', async () => {
    const s = scenarios.proxyOverflow;
    expect(presetIntent('proxyOverflow')).toMatchObject({ verdict: 'FAIL', attribution: 'mesh' });
    const gateway = await byLabel(s, defaultCatalog.gateway_5xx_by_flags, 'response_flags');
    expect(Object.keys(gateway).sort()).toEqual(['-', 'UF', 'UO']);
    for (const flags of ['UO', 'UF', '-'])
      expectCount(gateway[flags], s.expected.mesh.byFlags5xx[flags] ?? NaN);
    // The proxy answered UO/UF itself: the app's sidecar saw only the app's own few errors.
    const destination = await byLabel(s, defaultCatalog.mesh_5xx_by_flags, 'response_flags');
    expect(Object.keys(destination)).toEqual(['-']);
    expect(destination['-']).toBeLessThan((gateway.UO ?? 0) / 5);

    const pending = await byLabel(s, defaultCatalog.cb_pending_overflow, 'cluster_name');
    expect(Object.keys(pending)).toEqual([MESH_CLUSTER]);
    expectCount(pending[MESH_CLUSTER], s.expected.circuitBreaker.pendingOverflow);
    expectCount(pending[MESH_CLUSTER], gateway.UO ?? NaN);
    const cx = await byLabel(s, defaultCatalog.cb_cx_overflow, 'cluster_name');
    expectCount(cx[MESH_CLUSTER], s.expected.circuitBreaker.cxOverflow);
    expect(await byLabel(s, defaultCatalog.cb_ejections_active, 'cluster_name')).toEqual({
      [MESH_CLUSTER]: 1,
    });
  });

  it('latencyRegression: mesh p99 far above legacy, median unchanged', async () => {
    const s = scenarios.latencyRegression;
    expect(presetIntent('latencyRegression').verdict).toBe('FAIL');
    const quantile = (side: Side, q: number) =>
      client
        .query(
          render(defaultCatalog.gateway_latency_quantile, { ...s.vars[side], quantile: q }),
          s.params.end,
        )
        .then(requireSingleValue);
    const [meshP99, legacyP99] = [await quantile('mesh', 0.99), await quantile('legacy', 0.99)];
    expect(meshP99).toBeCloseTo(histogramQuantile(0.99, s.expected.mesh.bucketsCumulative), 0);
    expect(legacyP99).toBeCloseTo(histogramQuantile(0.99, s.expected.legacy.bucketsCumulative), 0);
    expect(meshP99).toBeGreaterThan(5 * legacyP99);
    expect((await quantile('mesh', 0.5)) / (await quantile('legacy', 0.5))).toBeLessThan(1.2);
  });

  it('plaintext: a named source workload calls the mesh service without mTLS', async () => {
    const s = scenarios.plaintext;
    expect(presetIntent('plaintext')).toMatchObject({ verdict: 'FAIL', attribution: 'mesh' });
    const policies = await byLabel(
      s,
      defaultCatalog.mesh_requests_by_security_policy,
      'connection_security_policy',
    );
    expectCount(policies.none, s.expected.meshDestination.bySecurityPolicy.none ?? NaN);
    expectCount(policies.mutual_tls, s.expected.meshDestination.bySecurityPolicy.mutual_tls ?? NaN);
    const sources = await instant(s, defaultCatalog.mesh_requests_by_source);
    const plain =
      sources.type === 'vector'
        ? sources.series.filter((x) => x.labels.connection_security_policy === 'none')
        : [];
    expect(plain.map((x) => x.labels)).toEqual([
      {
        source_workload_namespace: 'zamaz-batch',
        source_workload: 'report-exporter',
        connection_security_policy: 'none',
      },
    ]);
  });

  it('lowTraffic: only a few dozen mesh requests in the window', async () => {
    const s = scenarios.lowTraffic;
    expect(presetIntent('lowTraffic').verdict).toBe('INCONCLUSIVE');
    const mesh = await single(s, defaultCatalog.gateway_requests);
    expectCount(mesh, s.expected.mesh.requests);
    expect(mesh).toBeLessThan(100);
  });

  it('multipleSeries: every single-series gateway template returns one series per gateway', async () => {
    const s = scenarios.multipleSeries;
    expect(presetIntent('multipleSeries').verdict).toBe('INCONCLUSIVE');
    const single = Object.values(defaultCatalog).filter((x) => x.series === 'one' && x.query === 'instant');
    expect(single.length).toBeGreaterThanOrEqual(3);
    for (const t of single) {
      const result = await instant(s, t);
      expect(() => requireSingleValue(result), t.name).toThrow(MultipleSeries);
    }
  });
});
