// The canary step end to end in-process: OpenMetrics fixtures with known answers, backfilled into a
// real Prometheus, gathered with the four-query plan and judged. Each labelled case of issue 11 has
// its window here, at its own hour, so one Prometheus serves them all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  judgeCanary,
  judgeErrorRatio,
  judgeLatency,
  perIntervalQuantile,
  type CanaryAnalysis,
} from '../../src/canary/index.ts';
import { createPrometheusClient, type PrometheusClient } from '../../src/metrics/index.ts';
import { gatherCanaryInputs, resolveWindow, type CanaryInputs } from '../../src/metrics/canary/index.ts';
import { validateProfile, type Profile } from '../../src/profile/index.ts';
import { generateScenario, type Scenario, type ScenarioInput } from '../support/openmetrics.ts';
import { PRESET_NAMES, preset, type PresetName } from '../support/openmetrics-presets.ts';
import { startPrometheus, type StartedPrometheus } from '../support/prometheus.ts';
import { runLegacyPlan } from './legacy-plan.ts';

const at = (iso: string) => new Date(iso);
const slot = (day: number, hour: number) => {
  const start = new Date(Date.UTC(2026, 10, day, hour, 0, 0));
  return { start, end: new Date(start.getTime() + 30 * 60_000) };
};
const noisy = (seed: number, hour: number): ScenarioInput => ({
  name: `noisy-${seed}`,
  seed,
  ...slot(30, hour),
  meshShare: 0.1,
  legacy: {
    errorRatio: 0.004,
    latency: { medianMs: 45, sigma: 0.6, tail: { share: 0.02, medianMs: 400, sigma: 0.5 } },
  },
  mesh: {
    errorRatio: 0.004,
    // 4 % slower, the same noise.
    latency: { medianMs: 46.8, sigma: 0.6, tail: { share: 0.02, medianMs: 416, sigma: 0.5 } },
  },
});

const presets = Object.fromEntries(PRESET_NAMES.map((n) => [n, preset(n)])) as Record<PresetName, Scenario>;
const labelled = {
  // Every series stops 10 minutes before --end: the data end at 14:20, the window ends at 14:30.
  stale: generateScenario({
    name: 'stale',
    seed: 201,
    start: at('2026-11-29T13:50:00Z'),
    end: at('2026-11-29T14:20:00Z'),
  }),
  // Mesh p99 four times legacy's for the last 8 minutes of 30.
  lateRegression: generateScenario({
    name: 'lateRegression',
    seed: 202,
    ...slot(29, 16),
    meshShare: 0.1,
    phases: [
      {
        from: at('2026-11-29T16:22:00Z'),
        mesh: { latency: { medianMs: 180, sigma: 0.45 } },
      },
    ],
  }),
  noisy1: generateScenario(noisy(301, 0)),
  noisy2: generateScenario(noisy(302, 2)),
  noisy3: generateScenario(noisy(303, 4)),
  noisy4: generateScenario(noisy(304, 6)),
  // The mesh destination is scraped (its series exist) but gets no request: "no requests".
  noRequests: generateScenario({
    name: 'noRequests',
    seed: 205,
    ...slot(30, 8),
    meshShare: 0,
    extraSources: [],
  }),
  // A blip: mesh 5xx at 5 % between minutes 5 and 10 only, over by the end of the window.
  blip: generateScenario({
    name: 'blip',
    seed: 206,
    ...slot(30, 10),
    phases: [
      { from: at('2026-11-30T10:05:00Z'), mesh: { errorRatio: 0.05 } },
      { from: at('2026-11-30T10:10:00Z'), mesh: { errorRatio: 0.003 } },
    ],
  }),
};

let prom: StartedPrometheus;
let client: PrometheusClient;
const profile: Profile = validateProfile({ canary: { services: ['zamaz-api'] } }, 'test');

beforeAll(async () => {
  prom = await startPrometheus({
    openmetrics: [...Object.values(presets), ...Object.values(labelled)].map((s) => s.openmetrics),
  });
  client = createPrometheusClient({ url: prom.url });
}, 300_000);

afterAll(async () => {
  await client?.close();
  await prom?.stop();
});

async function analyse(
  end: Date,
  p: Profile = profile,
  window = '30m',
): Promise<{ inputs: CanaryInputs; analysis: CanaryAnalysis }> {
  const w = resolveWindow({ end, window, fallback: '10m' });
  const inputs = await gatherCanaryInputs({ source: client, profile: p, window: w });
  return { inputs, analysis: judgeCanary(inputs, p) };
}

const verdicts = (a: CanaryAnalysis) => a.metrics.map((m) => [m.name, m.verdict]);

describe('the four-query step on the presets', () => {
  it('healthy: PASS on every metric, from four queries, with the trace and fresh series', async () => {
    const { inputs, analysis } = await analyse(presets.healthyCanary.params.end);
    expect(verdicts(analysis)).toEqual([
      ['error-ratio/zamaz-api', 'PASS'],
      ['latency-p99/zamaz-api', 'PASS'],
      ['mtls/zamaz-api', 'PASS'],
      ['circuit-breaker-overflow/zamaz-api', 'PASS'],
    ]);
    expect(analysis.verdict).toBe('PASS');
    expect(inputs.trace.map((t) => t.template)).toEqual([
      'canary_requests',
      'canary_latency_buckets',
      'canary_circuit_breakers',
      'canary_freshness',
    ]);
    expect(inputs.trace.every((t) => t.promql.length > 0 && t.result !== undefined)).toBe(true);
    expect(inputs.scrapeInterval).toEqual({ ms: 15_000, source: 'prometheus' });
    expect(analysis.freshness.maxStalenessMs).toBe(30_000);
    expect(analysis.freshness.series.every((f) => !f.stale && f.precision === 'exact' && f.ageMs === 0)).toBe(
      true,
    );
    expect(analysis.family.tests.length).toBeGreaterThanOrEqual(5);
  });

  it('app regression: FAIL, the app is to blame', async () => {
    const { analysis } = await analyse(presets.appRegression.params.end);
    expect(analysis.verdict).toBe('FAIL');
    expect(analysis.reason).toContain("the app's");
    const er = analysis.metrics.find((m) => m.metric === 'error-ratio');
    expect(er?.reason).toMatch(/carry no Envoy flag \(the app answered 5xx\)/);
  });

  it('proxy overflow: FAIL, the mesh and its circuit breaker', async () => {
    const { analysis } = await analyse(presets.proxyOverflow.params.end);
    expect(analysis.verdict).toBe('FAIL');
    expect(analysis.reason).toContain("the mesh's");
    const of = analysis.metrics.find((m) => m.metric === 'overflow');
    expect(of?.verdict).toBe('FAIL');
    expect(of?.reason).toMatch(/Outlier detection ejected up to 1 host/);
  });

  it('latency regression: FAIL on latency only', async () => {
    const { analysis } = await analyse(presets.latencyRegression.params.end);
    expect(verdicts(analysis)).toEqual([
      ['error-ratio/zamaz-api', 'PASS'],
      ['latency-p99/zamaz-api', 'FAIL'],
      ['mtls/zamaz-api', 'PASS'],
      ['circuit-breaker-overflow/zamaz-api', 'PASS'],
    ]);
    expect(analysis.metrics[1]?.reason).toMatch(/interpolated/);
    expect(analysis.reason).toMatch(/^FAIL — latency-p99\/zamaz-api: canary higher by/);
  });

  it('plaintext: FAIL naming the source workload', async () => {
    const { analysis } = await analyse(presets.plaintext.params.end);
    expect(analysis.verdict).toBe('FAIL');
    expect(analysis.reason).toMatch(
      /mtls\/zamaz-api \(critical\): \d[\d,]* plaintext requests from zamaz-batch\/report-exporter/,
    );
  });

  it('low traffic: INCONCLUSIVE, saying how many more requests are needed', async () => {
    const { analysis } = await analyse(presets.lowTraffic.params.end);
    expect(analysis.verdict).toBe('INCONCLUSIVE');
    expect(analysis.reason).toMatch(/needs [\d,]+ more canary and [\d,]+ more baseline requests/);
  });

  it('two gateways: INCONCLUSIVE naming both series, judged once narrowed', async () => {
    const { analysis } = await analyse(presets.multipleSeries.params.end);
    expect(analysis.verdict).toBe('INCONCLUSIVE');
    const er = analysis.metrics.find((m) => m.metric === 'error-ratio');
    expect(er?.error?.kind).toBe('MultipleSeries');
    expect(analysis.reason).toContain(
      'several series where one was expected: {source_workload_namespace="istio-ingress"}, {source_workload_namespace="istio-system"}',
    );
    const narrowed = validateProfile(
      { canary: { services: ['zamaz-api'], gatewayNamespace: 'istio-system' } },
      't',
    );
    const again = await analyse(presets.multipleSeries.params.end, narrowed);
    expect(again.analysis.metrics.every((m) => m.error === null)).toBe(true);
  });
});

describe('labelled cases (issue 11)', () => {
  it('stale data: every series stops 10 minutes before --end → INCONCLUSIVE naming the series and its newest sample', async () => {
    const { analysis } = await analyse(at('2026-11-29T14:30:00Z'));
    expect(analysis.verdict).toBe('INCONCLUSIVE');
    expect(analysis.reason).toMatch(/^INCONCLUSIVE — stale data: /);
    expect(analysis.reason).toContain(
      'istio_requests_total{reporter="source",source_workload="istio-ingressgateway",destination_service_namespace="zamaz-mesh",destination_service_name="zamaz-api"} has its newest sample at 2026-11-29T14:20:00.000Z',
    );
    expect(analysis.reason).toContain("10m before the window's end");
    expect(analysis.metrics.every((m) => m.verdict === 'INCONCLUSIVE')).toBe(true);
    // The same data judged at their own end pass: only the freshness rule stops them.
    const fresh = await analyse(at('2026-11-29T14:20:00Z'));
    expect(fresh.analysis.verdict).toBe('PASS');
  });

  it('late regression: mesh p99 4× legacy for the last 8 of 30 minutes → FAIL on the recent part', async () => {
    const { analysis } = await analyse(labelled.lateRegression.params.end);
    const lat = analysis.metrics.find((m) => m.metric === 'latency');
    expect(analysis.verdict).toBe('FAIL');
    expect(lat?.verdict).toBe('FAIL');
    expect(lat?.reason).toMatch(/Over the last 8m the canary's p99/);
    expect(analysis.metrics.find((m) => m.metric === 'error-ratio')?.verdict).toBe('PASS');
  });

  it.each(['noisy1', 'noisy2', 'noisy3', 'noisy4'] as const)(
    'healthy noisy window %s (same error rate, mesh 4 percent slower) → PASS',
    async (name) => {
      const { analysis } = await analyse(labelled[name].params.end);
      expect(verdicts(analysis)).toEqual([
        ['error-ratio/zamaz-api', 'PASS'],
        ['latency-p99/zamaz-api', 'PASS'],
        ['mtls/zamaz-api', 'PASS'],
        ['circuit-breaker-overflow/zamaz-api', 'PASS'],
      ]);
    },
  );

  it('"no requests" (scraped, zero traffic) is told apart from "no samples" (nothing scraped)', async () => {
    const { analysis } = await analyse(labelled.noRequests.params.end);
    const er = analysis.metrics.find((m) => m.metric === 'error-ratio');
    expect(er?.verdict).toBe('INCONCLUSIVE');
    expect(er?.reason).toMatch(/the canary saw 0 requests in the window/);
    expect(er?.error).toBeNull();
    const other = validateProfile({ canary: { services: ['no-such-service'] } }, 't');
    const none = await analyse(labelled.noRequests.params.end, other);
    const er2 = none.analysis.metrics.find((m) => m.metric === 'error-ratio');
    expect(er2?.verdict).toBe('INCONCLUSIVE');
    expect(er2?.summary).toBe('no samples: nothing was scraped in the window');
    expect(none.analysis.freshness.series[0]).toMatchObject({ newestSample: null, stale: true });
  });

  it('a blip that has ended still counts over the whole window, and the recent part is clean', async () => {
    const { analysis } = await analyse(labelled.blip.params.end);
    const er = analysis.metrics.find((m) => m.metric === 'error-ratio');
    expect(er?.verdict).toBe('FAIL');
    const details = er?.details as { recent: { significant: boolean } };
    expect(details.recent.significant).toBe(false);
    // Judged from after the blip, the window is clean.
    const after = await analyse(labelled.blip.params.end, profile, '20m');
    expect(after.analysis.metrics.find((m) => m.metric === 'error-ratio')?.verdict).toBe('PASS');
  });
});

describe('old per-metric plan vs the four-query plan, on the same data', () => {
  it.each(['healthyCanary', 'appRegression', 'proxyOverflow', 'latencyRegression', 'plaintext'] as const)(
    '%s: the same judge inputs, the same verdicts, from 4 queries instead of 13 per service + 3',
    async (name) => {
      const s = presets[name];
      const { inputs } = await analyse(s.params.end);
      const old = await runLegacyPlan({
        source: client,
        start: s.params.start,
        end: s.params.end,
        intervalSeconds: 60,
        gatewayWorkload: 'istio-ingressgateway',
        legacyNamespace: 'zamaz',
        meshNamespace: 'zamaz-mesh',
        services: ['zamaz-api'],
        quantile: 0.99,
      });
      expect(old.queries).toBe(16);
      expect(inputs.trace).toHaveLength(4);
      const o = old.services[0]!;
      const n = inputs.services[0]!;
      if (!n.gateway.ok || !n.latency.ok || !n.mesh.ok || !n.overflow.ok) throw new Error('not seen');
      const sum = (v: readonly number[]) => v.reduce((a, x) => (Number.isNaN(x) ? a : a + x), 0);
      for (const side of ['baseline', 'canary'] as const) {
        const g = n.gateway.value[side];
        expect(sum(g.requests)).toBeCloseTo(o[side].requests, 6);
        expect(sum(g.errors)).toBeCloseTo(o[side].errors, 6);
        expect(g.errorsByFlags).toEqual(o[side].flags);
        // histogram_quantile over rates vs our quantile over increases: equal up to rounding.
        const q = perIntervalQuantile(n.latency.value[side], 0.99);
        expect(q).toHaveLength(o[side].quantiles.length);
        q.forEach((v, i) => {
          const w = o[side].quantiles[i]!;
          if (Number.isNaN(w)) expect(v).toBeNaN();
          else expect(Math.abs(v - w)).toBeLessThan(1e-6 * Math.max(1, Math.abs(w)));
        });
      }
      expect(n.mesh.value.bySecurityPolicy).toEqual(o.bySecurityPolicy);
      expect(n.mesh.value.plaintextBySource).toEqual(o.plaintextBySource);
      expect(n.mesh.value.errorsByFlags).toEqual(o.meshFlags);
      expect(n.overflow.value.series).toEqual(o.overflow);
      expect(n.overflow.value.ejections).toEqual(o.ejections);
      // The same inputs give the same verdicts from the per-metric judges.
      const er = (c: { requests: number; errors: number }[]) =>
        judgeErrorRatio({ baseline: c[0]!, canary: c[1]! }).verdict;
      expect(
        er([
          { requests: sum(n.gateway.value.baseline.requests), errors: sum(n.gateway.value.baseline.errors) },
          { requests: sum(n.gateway.value.canary.requests), errors: sum(n.gateway.value.canary.errors) },
        ]),
      ).toBe(er([o.baseline, o.canary]));
      expect(
        judgeLatency({
          baseline: perIntervalQuantile(n.latency.value.baseline, 0.99),
          canary: perIntervalQuantile(n.latency.value.canary, 0.99),
        }).verdict,
      ).toBe(judgeLatency({ baseline: o.baseline.quantiles, canary: o.canary.quantiles }).verdict);
    },
  );
});
