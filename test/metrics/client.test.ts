// The client against a real Prometheus loaded with generated Istio telemetry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadQuery,
  MultipleSeries,
  NoData,
  createPrometheusClient,
  defaultCatalog,
  render,
  requireSingleSeries,
  requireSingleValue,
  valuesByLabel,
  type PrometheusClient,
} from '../../src/metrics/index.ts';
import { histogramQuantile, type Scenario } from '../support/openmetrics.ts';
import { healthyCanary, lowTraffic, multipleSeries } from '../support/openmetrics-presets.ts';
import { startPrometheus, type StartedPrometheus } from '../support/prometheus.ts';

const healthy = healthyCanary();
const low = lowTraffic();
const multi = multipleSeries();

let prom: StartedPrometheus;
let client: PrometheusClient;

beforeAll(async () => {
  prom = await startPrometheus({ openmetrics: [healthy.openmetrics, low.openmetrics, multi.openmetrics] });
  client = createPrometheusClient({ url: prom.url });
});

afterAll(async () => {
  await client?.close();
  await prom?.stop();
});

/**
 * Prometheus 2.x evaluates `increase(x[30m])` over samples on both window edges and reproduces the
 * generator's counts exactly; 3.x leaves the left edge out and extrapolates. Allow for both.
 */
function expectCount(actual: number, expected: number): void {
  expect(Math.abs(actual - expected), `${actual} vs expected ${expected}`).toBeLessThanOrEqual(
    Math.max(0.01 * expected, 1.5),
  );
}

const at = (s: Scenario) => s.params.end;

describe('instant queries at an explicit end', () => {
  it('is online and reports its build', async () => {
    expect(await client.isOnline()).toBe(true);
    const info = await client.buildInfo();
    expect(prom.version).toContain(info.version);
  });

  it('counts the requests the gateway sent to each side over the window', async () => {
    for (const side of ['legacy', 'mesh'] as const) {
      const result = await client.query(
        render(defaultCatalog.gateway_requests, healthy.vars[side]),
        at(healthy),
      );
      expectCount(requireSingleValue(result), healthy.expected[side].requests);
      expect(result.type === 'vector' && result.series[0]?.labels).toEqual({
        source_workload_namespace: 'istio-system',
      });
    }
    // The traffic step: the mesh side got its share.
    const { legacy, mesh } = healthy.expected;
    expect(mesh.requests / (legacy.requests + mesh.requests)).toBeCloseTo(healthy.params.meshShare, 2);
  });

  it('counts 5xx per side', async () => {
    for (const side of ['legacy', 'mesh'] as const) {
      const result = await client.query(render(defaultCatalog.gateway_5xx, healthy.vars[side]), at(healthy));
      expectCount(requireSingleValue(result), healthy.expected[side].errors5xx);
    }
  });

  it('gives the latency quantile Prometheus interpolates from the buckets', async () => {
    const vars = { ...healthy.vars.mesh, quantile: 0.99 };
    const p99 = requireSingleValue(
      await client.query(render(defaultCatalog.gateway_latency_quantile, vars), at(healthy)),
    );
    expect(p99).toBeCloseTo(histogramQuantile(0.99, healthy.expected.mesh.bucketsCumulative), 0);
    const buckets = valuesByLabel(
      await client.query(render(defaultCatalog.gateway_latency_buckets, healthy.vars.mesh), at(healthy)),
      'le',
    );
    expect(buckets.size).toBe(20);
    expectCount(buckets.get('+Inf') ?? NaN, healthy.expected.mesh.requests);
  });

  it('reads scalars and keeps NaN as no data', async () => {
    const two = await client.query('1 + 1', at(healthy));
    expect(two.type).toBe('scalar');
    expect(requireSingleValue(two)).toBe(2);
    const nan = await client.query('0 / 0', at(healthy));
    expect(() => requireSingleValue(nan)).toThrow(NoData);
  });

  it('raises NoData, naming the query, for a series that does not exist', async () => {
    const promql = render(defaultCatalog.gateway_requests, {
      ...healthy.vars.mesh,
      service: 'no-such-service',
    });
    const result = await client.query(promql, at(healthy));
    expect(() => requireSingleValue(result)).toThrow(NoData);
    expect(() => requireSingleValue(result)).toThrow(promql);
  });

  it('raises NoData for an instant selector beyond the lookback delta (5m) after the data', async () => {
    const gauge = 'max(envoy_cluster_outlier_detection_ejections_active)';
    const end = at(healthy).getTime();
    expect(requireSingleValue(await client.query(gauge, new Date(end + 4 * 60_000)))).toBe(0);
    const after = await client.query(gauge, new Date(end + 6 * 60_000));
    expect(() => requireSingleValue(after)).toThrow(NoData);
  });

  it('raises MultipleSeries listing both gateways when two route the service', async () => {
    const result = await client.query(render(defaultCatalog.gateway_requests, multi.vars.mesh), at(multi));
    expect(() => requireSingleValue(result)).toThrow(MultipleSeries);
    try {
      requireSingleValue(result);
    } catch (err) {
      expect((err as MultipleSeries).series).toEqual(
        expect.arrayContaining([
          { source_workload_namespace: 'istio-system' },
          { source_workload_namespace: 'istio-ingress' },
        ]),
      );
      expect((err as Error).message).toContain('{source_workload_namespace="istio-ingress"}');
    }
    const perGateway = valuesByLabel(result, 'source_workload_namespace');
    for (const [ns, counts] of Object.entries(multi.expected.byGatewayNamespace)) {
      expectCount(perGateway.get(ns) ?? NaN, counts.mesh);
    }
  });
});

describe('errors from Prometheus', () => {
  it('reports a syntax error as BadQuery with Prometheus’ text and the query', async () => {
    const promql = 'sum(rate(istio_requests_total[5m])';
    const err = await client.query(promql, at(healthy)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadQuery);
    expect((err as BadQuery).status).toBe(400);
    expect((err as BadQuery).errorType).toBe('bad_data');
    expect((err as BadQuery).prometheusError).toMatch(/parse error/);
    expect((err as Error).message).toContain(`query: ${promql}`);
  });

  it('reports an execution error (422) as BadQuery', async () => {
    const promql = 'istio_requests_total + on (reporter) istio_requests_total';
    const err = await client.query(promql, at(healthy)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadQuery);
    expect((err as BadQuery).status).toBe(422);
    expect((err as BadQuery).prometheusError).toMatch(/many-to-many matching not allowed/);
  });

  it('reports a range selector in an instant query as BadQuery', async () => {
    await expect(client.query('istio_requests_total[1m]', at(healthy))).rejects.toThrow(BadQuery);
  });
});

describe('range queries', () => {
  it('returns one sample per step, each the rate over its interval', async () => {
    const start = new Date(healthy.params.start.getTime() + 60_000);
    const end = at(healthy);
    const matrix = await client.queryRange(
      render(defaultCatalog.gateway_requests_series, healthy.vars.mesh),
      start,
      end,
      60,
    );
    const samples = requireSingleSeries(matrix);
    expect(samples).toHaveLength(30);
    expect(samples.map((s) => s.timeMs)).toEqual(
      Array.from({ length: 30 }, (_, i) => start.getTime() + i * 60_000),
    );
    for (const s of samples) {
      const expected = healthy.tally(new Date(s.timeMs - 60_000), new Date(s.timeMs)).mesh.requests / 60;
      expect(Math.abs(s.value - expected)).toBeLessThanOrEqual(expected * 0.34 + 0.05);
      if (prom.version.includes(' 2.')) expect(s.value).toBeCloseTo(expected, 6);
    }
  });

  it('leaves intervals without requests out of per-interval latency, never as 0', async () => {
    const start = new Date(low.params.start.getTime() + 60_000);
    const matrix = await client.queryRange(
      render(defaultCatalog.gateway_latency_mean_series, low.vars.mesh),
      start,
      at(low),
      60,
    );
    const samples = requireSingleSeries(matrix);
    const withRequests = Array.from({ length: 30 }, (_, i) => start.getTime() + i * 60_000).filter(
      (t) => low.tally(new Date(t - 60_000), new Date(t)).mesh.requests > 0,
    );
    expect(withRequests.length).toBeLessThan(30);
    expect(samples.map((s) => s.timeMs)).toEqual(withRequests);
    expect(samples.every((s) => s.value > 0)).toBe(true);
    const raw = matrix.series[0]?.samples ?? [];
    expect(raw.some((s) => Number.isNaN(s.value))).toBe(true);
  });
});
