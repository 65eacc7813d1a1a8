import { describe, expect, it } from 'vitest';
import { BadQuery, NoData, PrometheusUnreachable } from '../../src/metrics/index.ts';
import { judgeCanary, type StepSamples } from '../../src/canary/index.ts';
import { Interrupted } from '../../src/core/index.ts';
import type { MetricsSource } from '../../src/metrics/index.ts';
import {
  gatherCanaryInputs,
  longestScrapeInterval,
  parseEnd,
  resolveWindow,
  unseenOf,
  WindowError,
} from '../../src/metrics/canary/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { previousStep, readTrafficStep } from '../../src/traffic/index.ts';

describe('window', () => {
  const end = new Date('2026-11-29T10:30:00Z');
  it('parses --end as RFC 3339 with an offset or Unix seconds, and refuses local times', () => {
    expect(parseEnd('2026-11-29T10:30:00Z').toISOString()).toBe('2026-11-29T10:30:00.000Z');
    expect(parseEnd('2026-11-29T11:30:00+01:00').toISOString()).toBe('2026-11-29T10:30:00.000Z');
    expect(parseEnd(String(end.getTime() / 1000)).toISOString()).toBe(end.toISOString());
    expect(() => parseEnd('2026-11-29T10:30:00')).toThrow(WindowError);
  });
  it('--window wins, then the last shift before the end, then the profile default', () => {
    expect(
      resolveWindow({ end, window: '30m', lastShiftAt: '2026-11-29T10:20:00Z', fallback: '10m' }),
    ).toMatchObject({
      start: new Date('2026-11-29T10:00:00Z'),
      source: 'flag',
    });
    expect(resolveWindow({ end, lastShiftAt: '2026-11-29T10:12:30Z', fallback: '10m' })).toMatchObject({
      start: new Date('2026-11-29T10:12:30Z'),
      durationMs: 17.5 * 60_000,
      source: 'last-shift',
    });
    const after = resolveWindow({ end, lastShiftAt: '2026-11-29T11:00:00Z', fallback: '10m' });
    expect(after).toMatchObject({ start: new Date('2026-11-29T10:20:00Z'), source: 'profile-default' });
    expect(after.note).toMatch(/not before the window's end/);
  });
});

describe('traffic step', () => {
  const vs = (weights: [number, number][], annotations?: Record<string, string>) => ({
    metadata: { name: 'zamaz', namespace: 'zamaz-mesh', ...(annotations ? { annotations } : {}) },
    spec: {
      http: weights.map(([legacy, mesh], i) => ({
        name: `r${i}`,
        route: [
          { destination: { host: 'zamaz-api.zamaz.svc.cluster.local' }, weight: legacy },
          { destination: { host: 'zamaz-api.zamaz-mesh.svc.cluster.local' }, weight: mesh },
        ],
      })),
    },
  });
  it('reads the mesh weight every route agrees on, and the last-shift annotation', () => {
    const step = readTrafficStep(
      vs(
        [
          [90, 10],
          [90, 10],
        ],
        { 'meshgate.dev/last-shift-at': '2026-11-29T10:00:00Z' },
      ),
      'zamaz-mesh',
    );
    expect(step).toMatchObject({ meshWeight: 10, lastShiftAt: '2026-11-29T10:00:00Z' });
    expect(
      readTrafficStep(
        vs([
          [90, 10],
          [75, 25],
        ]),
        'zamaz-mesh',
      ).meshWeight,
    ).toBeUndefined();
  });
  it('the step before N is the previous profile step, or 0', () => {
    expect(previousStep([10, 25, 50, 75, 100], 25)).toBe(10);
    expect(previousStep([10, 25, 50, 75, 100], 10)).toBe(0);
    expect(previousStep([10, 25, 50, 75, 100], 30)).toBeUndefined();
  });
});

describe('judgeCanary maps what could not be seen', () => {
  const window = resolveWindow({ end: new Date('2026-11-29T10:30:00Z'), window: '30m', fallback: '10m' });
  const end = window.end.getTime();
  const failing = (error: Error): StepSamples => ({
    window,
    intervalSeconds: 60,
    grid: [end - 120_000, end - 60_000, end],
    scrapeInterval: { ms: 15_000, source: 'prometheus' },
    services: [
      {
        service: 'zamaz-api',
        gateway: { ok: false, error: unseenOf(error) },
        latency: { ok: false, error: unseenOf(new NoData('q', 'empty')) },
        mesh: {
          ok: true,
          value: {
            requests: 100,
            bySecurityPolicy: { mutual_tls: 100 },
            plaintextBySource: {},
            errorsByFlags: {},
          },
        },
        overflow: { ok: true, value: { series: { c: [0, 0, 0] }, ejections: {} } },
        freshness: [{ series: 's', usedBy: ['mtls'], newestSampleMs: end, precision: 'exact' }],
      },
    ],
  });
  it('unreachable Prometheus: INCONCLUSIVE naming the URL, never PASS', () => {
    const a = judgeCanary(
      failing(new PrometheusUnreachable('http://prom:9090', 'refused', 1)),
      defaultProfile,
    );
    expect(a.verdict).toBe('INCONCLUSIVE');
    expect(a.reason).toContain('cannot reach Prometheus at http://prom:9090');
    expect(a.configurationError).toBeNull();
  });
  it('a rejected query is a configuration error (exit 3 in the CLI) and INCONCLUSIVE', () => {
    const a = judgeCanary(failing(new BadQuery('sum(', 'parse error', 400, 'bad_data')), defaultProfile);
    expect(a.verdict).toBe('INCONCLUSIVE');
    expect(a.configurationError).toMatch(/Prometheus rejected the query/);
    expect(a.metrics[0]).toMatchObject({ verdict: 'INCONCLUSIVE', error: { kind: 'BadQuery' } });
    expect(a.metrics[1]).toMatchObject({ name: 'latency-p99/zamaz-api', error: { kind: 'NoData' } });
  });
});

describe('profile', () => {
  it('names the field of an invalid canary setting or template', async () => {
    const { validateProfile } = await import('../../src/profile/index.ts');
    expect(() => validateProfile({ canary: { errorRatio: { confidence: 2 } } }, 't')).toThrow(
      /canary\.errorRatio\.confidence/,
    );
    expect(() =>
      validateProfile(
        { canary: { metrics: { gateway_requests: { vars: { nope: 'label' }, promql: 'x{a="{{nope}}"}' } } } },
        't',
      ),
    ).toThrow(/canary\.metrics\.gateway_requests: .*variable "nope"/);
  });
});

describe('gathering', () => {
  const window = resolveWindow({ end: new Date('2026-11-29T10:30:00Z'), window: '30m', fallback: '10m' });
  const counting = (onQuery?: () => void) => {
    const calls: string[] = [];
    const source: MetricsSource = {
      query: async (q) => {
        calls.push(q);
        onQuery?.();
        return { type: 'vector', query: q, time: window.end, series: [], warnings: [] };
      },
      queryRange: async (q, start, end, stepSeconds) => {
        calls.push(q);
        onQuery?.();
        return { type: 'matrix', query: q, start, end, stepSeconds, series: [], warnings: [] };
      },
      isOnline: async () => true,
    };
    return { source, calls };
  };

  it('sends no query once the run is stopped, and rejects with its Interrupted', async () => {
    const controller = new AbortController();
    const reason = new Interrupted('SIGTERM');
    controller.abort(reason);
    const { source, calls } = counting();
    await expect(
      gatherCanaryInputs({ source, profile: defaultProfile, window, signal: controller.signal }),
    ).rejects.toBe(reason);
    expect(calls).toEqual([]);
  });

  it('rejects with the Interrupted when the run stops while queries are in flight', async () => {
    const controller = new AbortController();
    const { source } = counting(() => controller.abort(new Interrupted('SIGINT')));
    const err = await gatherCanaryInputs({
      source,
      profile: defaultProfile,
      window,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Interrupted);
  });

  it('answers empty Prometheus data with "no samples" per metric, from four queries', async () => {
    const { source, calls } = counting();
    const inputs = await gatherCanaryInputs({ source, profile: defaultProfile, window });
    expect(calls).toHaveLength(4);
    expect(inputs.scrapeInterval).toEqual({ ms: 60_000, source: 'default' });
    const s = inputs.services[0]!;
    expect(s.gateway.ok || s.gateway.error.summary).toBe('no samples: nothing was scraped in the window');
    expect(s.freshness.every((f) => f.newestSampleMs === null)).toBe(true);
  });
});

describe('the interval grid', () => {
  // Prometheus answers a range query at start, start + step, ... ≤ end: a fake that does the same,
  // with 10 requests (no 5xx) per interval on each side of zamaz-api at the gateway.
  const prometheusLike = () => {
    const ranges: { start: Date; end: Date; step: number }[] = [];
    const source: MetricsSource = {
      query: async (q, time) => ({ type: 'vector', query: q, time, series: [], warnings: [] }),
      queryRange: async (q, start, end, stepSeconds) => {
        ranges.push({ start, end, step: stepSeconds });
        const samples: { timeMs: number; value: number }[] = [];
        for (let t = start.getTime(); t <= end.getTime(); t += stepSeconds * 1000)
          samples.push({ timeMs: t, value: 10 });
        const side = (ns: string) => ({
          labels: {
            reporter: 'source',
            source_workload: 'istio-ingressgateway',
            destination_service_namespace: ns,
            destination_service_name: 'zamaz-api',
            code_class: '2xx',
            response_flags: '-',
          },
          samples,
        });
        const series = q.includes('istio_requests_total') ? [side('zamaz'), side('zamaz-mesh')] : [];
        return { type: 'matrix', query: q, start, end, stepSeconds, series, warnings: [] };
      },
      isOnline: async () => true,
    };
    return { source, ranges };
  };
  const profileWith = (interval: string) => ({
    ...defaultProfile,
    canary: { ...defaultProfile.canary, interval },
  });

  it('lines up with what Prometheus answers when the interval does not divide the window', async () => {
    const end = new Date('2026-11-29T10:30:00Z');
    // 10 s judged in 3 s intervals: three whole intervals ending at the end (10:29:51 → 10:30:00).
    const window = resolveWindow({ end, window: '10s', fallback: '10m' });
    const { source, ranges } = prometheusLike();
    const inputs = await gatherCanaryInputs({ source, profile: profileWith('3s'), window });
    expect(ranges[0]).toEqual({ start: new Date('2026-11-29T10:29:54Z'), end, step: 3 });
    const api = inputs.services.find((s) => s.service === 'zamaz-api')!;
    if (!api.gateway.ok) throw new Error(api.gateway.error.message);
    // Every interval has its sample (none NaN): 3 × 10 requests on each side.
    expect(api.gateway.value.baseline.requests).toEqual([10, 10, 10]);
    expect(api.gateway.value.canary.requests).toEqual([10, 10, 10]);
  });

  it('when it divides the window, covers it from one interval after the start to the end', async () => {
    const end = new Date('2026-11-29T10:30:00Z');
    const window = resolveWindow({ end, window: '12s', fallback: '10m' });
    const { source, ranges } = prometheusLike();
    const inputs = await gatherCanaryInputs({ source, profile: profileWith('3s'), window });
    expect(ranges[0]).toEqual({ start: new Date('2026-11-29T10:29:51Z'), end, step: 3 });
    const api = inputs.services.find((s) => s.service === 'zamaz-api')!;
    if (!api.gateway.ok) throw new Error(api.gateway.error.message);
    expect(api.gateway.value.canary.requests).toEqual([10, 10, 10, 10]);
  });
});

describe('scrape interval', () => {
  it('takes the longest scrape_interval of the configuration, global and per job', () => {
    expect(longestScrapeInterval('global:\n  scrape_interval: 15s\nscrape_configs: []\n')).toBe(15_000);
    expect(
      longestScrapeInterval(
        'global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: a\n    scrape_interval: 30s\n  - job_name: b\n',
      ),
    ).toBe(30_000);
    // Prometheus' own default when the global section does not set one.
    expect(longestScrapeInterval('scrape_configs: []\n')).toBe(60_000);
  });
});
