// The scenario generator: deterministic, valid for promtool, shaped like Istio's telemetry.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ENVOY_DEFAULT_BUCKETS_MS,
  generateScenario,
  histogramQuantile,
  writeOpenMetrics,
} from '../support/openmetrics.ts';
import {
  PRESET_NAMES,
  healthyCanary,
  preset,
  presetIntent,
  presetParams,
} from '../support/openmetrics-presets.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function sampleLines(text: string, filter: (line: string) => boolean): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#') && filter(l));
}

describe('generateScenario', () => {
  const s = healthyCanary();

  it('is deterministic for a seed and changes with it', () => {
    expect(sha(healthyCanary().openmetrics)).toBe(sha(s.openmetrics));
    expect(sha(healthyCanary({ seed: 7 }).openmetrics)).not.toBe(sha(s.openmetrics));
  });

  it('ends with # EOF and uses second timestamps on a 15 s grid from warm-up to end', () => {
    expect(s.openmetrics.endsWith('\n# EOF\n')).toBe(true);
    const times = new Set(sampleLines(s.openmetrics, () => true).map((l) => Number(l.split(' ').at(-1))));
    const first = s.params.start.getTime() / 1000 - s.params.warmupSeconds;
    const last = s.params.end.getTime() / 1000;
    expect(Math.min(...times)).toBe(first);
    expect(Math.max(...times)).toBe(last);
    expect(times.size).toBe((last - first) / 15 + 1);
    expect(s.dataStart).toEqual(new Date('2026-11-29T09:55:00Z'));
  });

  it('declares the families like Istio and Envoy export them', () => {
    const types = s.openmetrics.split('\n').filter((l) => l.startsWith('# TYPE'));
    expect(types).toEqual([
      '# TYPE istio_requests counter',
      '# TYPE istio_request_duration_milliseconds histogram',
      '# TYPE envoy_cluster_upstream_rq_pending_overflow unknown',
      '# TYPE envoy_cluster_upstream_cx_overflow unknown',
      '# TYPE envoy_cluster_outlier_detection_ejections_active gauge',
    ]);
    const les = new Set(
      sampleLines(s.openmetrics, (l) => l.startsWith('istio_request_duration_milliseconds_bucket')).map(
        (l) => /le="([^"]+)"/.exec(l)?.[1],
      ),
    );
    expect([...les]).toEqual([...ENVOY_DEFAULT_BUCKETS_MS.map(String), '+Inf']);
  });

  it('labels the legacy destination as having no sidecar and the mesh one with its identity', () => {
    const gatewayLines = sampleLines(s.openmetrics, (l) =>
      l.startsWith('istio_requests_total{reporter="source"'),
    );
    const legacy = gatewayLines.find((l) => l.includes('destination_service_namespace="zamaz"'));
    const mesh = gatewayLines.find((l) => l.includes('destination_service_namespace="zamaz-mesh"'));
    for (const label of [
      'destination_workload="unknown"',
      'destination_principal="unknown"',
      'destination_service="zamaz-api.zamaz.svc.cluster.local"',
      'destination_service_name="zamaz-api"',
      'source_workload="istio-ingressgateway"',
      'source_principal="spiffe://zamaz.local/ns/istio-system/sa/istio-ingressgateway"',
      'connection_security_policy="unknown"',
      'request_protocol="http"',
      'response_flags="-"',
    ]) {
      expect(legacy).toContain(label);
    }
    expect(mesh).toContain('destination_workload="zamaz-api"');
    expect(mesh).toContain('destination_principal="spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-api"');
    const destination = sampleLines(s.openmetrics, (l) =>
      l.startsWith('istio_requests_total{reporter="destination"'),
    );
    expect(destination.every((l) => l.includes('connection_security_policy="mutual_tls"'))).toBe(true);
  });

  it('tallies consistently', () => {
    for (const side of ['legacy', 'mesh'] as const) {
      const t = s.expected[side];
      expect(Object.values(t.byCode).reduce((a, b) => a + b, 0)).toBe(t.requests);
      expect(t.bucketsCumulative.at(-1)).toBe(t.requests);
      expect(t.errors5xx).toBe(Object.values(t.byFlags5xx).reduce((a, b) => a + b, 0));
    }
    const all = s.tally(s.dataStart, s.params.end);
    expect(all.mesh.requests).toBeGreaterThan(s.expected.mesh.requests);
    const halves = [
      s.tally(s.params.start, new Date('2026-11-29T10:15:00Z')),
      s.tally(new Date('2026-11-29T10:15:00Z'), s.params.end),
    ];
    expect(halves[0]!.mesh.requests + halves[1]!.mesh.requests).toBe(s.expected.mesh.requests);
    expect(() => s.tally(new Date('2026-11-29T10:00:07Z'), s.params.end)).toThrow(/not sample times/);
  });

  it('follows its parameters: traffic step, error ratio, rates', () => {
    const expectedMesh = s.params.totalRps * s.params.meshShare * 1800;
    expect(Math.abs(s.expected.mesh.requests - expectedMesh)).toBeLessThan(4 * Math.sqrt(expectedMesh));
    const heavy = generateScenario({ mesh: { errorRatio: 0.1 }, meshShare: 0.5 });
    expect(heavy.expected.mesh.errors5xx / heavy.expected.mesh.requests).toBeCloseTo(0.1, 2);
  });

  it('rejects parameters that would not line up with the 15 s grid', () => {
    expect(() => generateScenario({ start: new Date('2026-11-29T10:00:07Z') })).toThrow(/multiples of 15 s/);
    expect(() => generateScenario({ meshShare: 1.5 })).toThrow(/meshShare/);
  });
});

describe('presets', () => {
  it('each has an intent and its own 30-minute slot on 2026-11-29', () => {
    const slots = PRESET_NAMES.map((n) => presetParams(n).start.toISOString());
    expect(new Set(slots).size).toBe(PRESET_NAMES.length);
    for (const n of PRESET_NAMES) {
      const p = presetParams(n);
      expect(p.end.getTime() - p.start.getTime()).toBe(30 * 60_000);
      expect(p.start.toISOString().startsWith('2026-11-29')).toBe(true);
      expect(presetIntent(n).reason.length).toBeGreaterThan(10);
    }
  });

  it('accept overrides, nested ones merged field by field', () => {
    const p = presetParams('appRegression', { mesh: { latency: { medianMs: 10, sigma: 0.1 } } });
    expect(p.mesh.errorRatio).toBe(0.04);
    expect(p.mesh.latency.medianMs).toBe(10);
  });

  it('lowTraffic leaves intervals without mesh requests', () => {
    const s = preset('lowTraffic');
    expect(s.expected.mesh.requests).toBeLessThan(100);
    const empty = Array.from({ length: 30 }, (_, i) => s.params.start.getTime() + (i + 1) * 60_000).filter(
      (t) => s.tally(new Date(t - 60_000), new Date(t)).mesh.requests === 0,
    );
    expect(empty.length).toBeGreaterThan(5);
  });
});

describe('writeOpenMetrics', () => {
  it('rejects millisecond timestamps, decreasing time and _total counter family names', () => {
    const metric = (t: number[]) => [{ labels: {}, points: t.map((x) => ({ t: x, value: 1 })) }];
    expect(() => writeOpenMetrics([{ name: 'x', type: 'gauge', metrics: metric([1795946400000]) }])).toThrow(
      /not Unix seconds/,
    );
    expect(() => writeOpenMetrics([{ name: 'x', type: 'gauge', metrics: metric([2, 1]) }])).toThrow(
      /must increase/,
    );
    expect(() => writeOpenMetrics([{ name: 'x_total', type: 'counter', metrics: metric([1]) }])).toThrow(
      /without _total/,
    );
  });

  it('escapes label values', () => {
    const text = writeOpenMetrics([
      { name: 'x', type: 'counter', metrics: [{ labels: { a: 'q"b\\n\n' }, points: [{ t: 1, value: 2 }] }] },
    ]);
    expect(text).toBe('# TYPE x counter\nx_total{a="q\\"b\\\\n\\n"} 2 1\n# EOF\n');
  });
});

describe('histogramQuantile', () => {
  it('interpolates inside the bucket like Prometheus', () => {
    // 10 requests ≤ 0.5 ms, 10 more ≤ 1 ms: the median is the 0.5 ms bound, p75 half way into (0.5, 1].
    const cumulative = [10, 20, ...new Array<number>(ENVOY_DEFAULT_BUCKETS_MS.length - 1).fill(20)];
    expect(histogramQuantile(0.5, cumulative)).toBe(0.5);
    expect(histogramQuantile(0.75, cumulative)).toBe(0.75);
    expect(histogramQuantile(0.5, new Array<number>(20).fill(0))).toBeNaN();
  });

  it('answers the highest finite bound for the +Inf bucket', () => {
    const cumulative = [...new Array<number>(19).fill(0), 5];
    expect(histogramQuantile(0.99, cumulative)).toBe(3_600_000);
  });
});
