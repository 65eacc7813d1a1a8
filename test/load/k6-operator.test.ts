// The k6-operator runner against the cluster simulator, with a simulated controller in the test
// that advances the TestRun's status.stage, and a real Prometheus holding the run's remote-write
// series for the central aggregation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterClient,
  Resources,
  loadKubeConfig,
  objectPath,
  type KubeObject,
  type RetryPolicy,
} from '../../src/cluster/index.ts';
import { K6OperatorRunner, type LoadContext } from '../../src/load/index.ts';
import { createPrometheusClient, type PrometheusClient } from '../../src/metrics/index.ts';
import { defaultProfile, type Profile } from '../../src/profile/index.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import { startPrometheus, type StartedPrometheus } from '../support/prometheus.ts';

const FAST_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 5,
  deadlineMs: 5_000,
  attemptTimeoutMs: 5_000,
};
const NS = 'meshgate';
const STAGES = ['initialization', 'initialized', 'created', 'started', 'finished'];
const T = 1795946400; // 2026-11-29T10:00:00Z, where the remote-write series lie

type Mode = 'finish' | 'error' | 'stall';

/**
 * Stands in for the k6-operator: lists TestRuns, and for each new one records it and its script
 * ConfigMap, then patches status.stage (through the status subresource) one stage at a time.
 */
function startController(kubeconfig: string, mode: Mode) {
  const client = new ClusterClient(loadKubeConfig({ kubeconfig }), { retry: FAST_RETRY });
  const ref = Resources.testRuns;
  const seen: KubeObject[] = [];
  const scripts: KubeObject[] = [];
  const handled = new Set<string>();
  const advancing: Promise<void>[] = [];
  let stopped = false;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const patchStage = (name: string, stage: string) =>
    client.transport.json({
      method: 'PATCH',
      path: `${objectPath(ref, name, NS)}/status`,
      body: { status: { stage } },
      contentType: 'application/merge-patch+json',
      info: {
        verb: 'patch',
        group: ref.group,
        resource: ref.plural,
        namespace: NS,
        name,
        subresource: 'status',
        path: '',
      },
    });
  const advance = async (tr: KubeObject): Promise<void> => {
    const spec = tr.spec as { script: { configMap: { name: string } } };
    scripts.push(await client.get(Resources.configMaps, spec.script.configMap.name, NS));
    const stages =
      mode === 'finish' ? STAGES : mode === 'error' ? ['initialization', 'error'] : STAGES.slice(0, 4);
    for (const stage of stages) {
      await sleep(20);
      await patchStage(tr.metadata.name, stage);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      client.invalidate();
      for (const tr of await client.list(ref, { namespace: NS })) {
        if (handled.has(tr.metadata.name)) continue;
        handled.add(tr.metadata.name);
        seen.push(tr);
        advancing.push(advance(tr));
      }
      await sleep(25);
    }
  })();
  return {
    seen,
    scripts,
    stop: async () => {
      stopped = true;
      await loop;
      await Promise.all(advancing);
    },
  };
}

function series(name: string, labels: Record<string, string>, values: number[]): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return values.map((v, i) => `${name}{${l}} ${v} ${T + i * 5}`).join('\n');
}

/**
 * Remote-write series of run "run-77" as two k6 runner pods would write them (cumulative since each
 * started), plus a louder other run that the run_id filter must leave out.
 */
function remoteWriteData(): string {
  const out: string[] = [];
  const ramp = (final: number) => [0.2, 0.4, 0.6, 0.8, 1].map((f) => Math.round(final * f));
  const seriesFor = (
    run: string,
    instance: string,
    name: string,
    reqs: number,
    failed: number,
    p: number[],
  ) => {
    const labels = {
      run_id: run,
      step: '25',
      instance,
      method: 'GET',
      name,
      scenario: 'canary',
      status: '200',
    };
    return {
      reqs: series('k6_http_reqs_total', labels, ramp(reqs)),
      failed: series('k6_http_req_failed_rate', labels, [failed, failed, failed, failed, failed]),
      p50: series('k6_http_req_duration_p50', labels, [p[0] ?? 0]),
      p95: series('k6_http_req_duration_p95', labels, [p[1] ?? 0]),
      p99: series('k6_http_req_duration_p99', labels, [p[2] ?? 0]),
      max: series('k6_http_req_duration_max', labels, [p[3] ?? 0]),
    };
  };
  const all = [
    seriesFor('run-77', 'runner-1', '/api/health', 1500, 0.02, [0.02, 0.1, 0.18, 0.9]),
    seriesFor('run-77', 'runner-1', '/', 1500, 0, [0.015, 0.08, 0.15, 0.5]),
    seriesFor('run-77', 'runner-2', '/api/health', 1500, 0, [0.021, 0.12, 0.24, 0.7]),
    seriesFor('run-77', 'runner-2', '/', 1500, 0, [0.014, 0.07, 0.2, 0.4]),
    seriesFor('other-run', 'runner-1', '/', 90000, 0.5, [1, 5, 9, 20]),
  ];
  for (const [metric, type] of [
    ['reqs', 'counter'],
    ['failed', 'gauge'],
    ['p50', 'gauge'],
    ['p95', 'gauge'],
    ['p99', 'gauge'],
    ['max', 'gauge'],
  ] as const) {
    const family =
      metric === 'reqs'
        ? 'k6_http_reqs'
        : metric === 'failed'
          ? 'k6_http_req_failed_rate'
          : `k6_http_req_duration_${metric}`;
    out.push(`# TYPE ${family} ${type}`, ...all.map((s) => s[metric]));
  }
  return `${out.join('\n')}\n# EOF\n`;
}

describe('k6-operator runner', () => {
  let sim: StartedSimulator;
  let prom: StartedPrometheus;
  let metrics: PrometheusClient;
  let cluster: ClusterClient;

  beforeAll(async () => {
    [sim, prom] = await Promise.all([
      startSimulator({ scenario: 'scenarios/healthy' }),
      startPrometheus({ openmetrics: remoteWriteData() }),
    ]);
    metrics = createPrometheusClient({ url: prom.url });
    cluster = new ClusterClient(loadKubeConfig({ kubeconfig: sim.kubeconfigPath }), { retry: FAST_RETRY });
  });
  afterAll(async () => {
    await metrics?.close();
    await prom?.stop();
    await sim?.stop();
  });

  function profileWith(
    load: Partial<Profile['load']>,
    operator: Partial<Profile['load']['operator']> = {},
  ): Profile {
    return {
      ...defaultProfile,
      load: { ...defaultProfile.load, ...load, operator: { ...defaultProfile.load.operator, ...operator } },
    };
  }

  /** Runs with a clock set back so that the run "ends" just after the recorded series. */
  async function run(mode: Mode, profile: Profile, runId = 'run-77') {
    const controller = startController(sim.kubeconfigPath, mode);
    const offset = Date.now() - (T + 25) * 1000;
    const progress: string[] = [];
    const ctx: LoadContext = {
      profile,
      cluster,
      metrics,
      clock: { now: () => Date.now() - offset, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      onProgress: (l) => progress.push(l),
    };
    try {
      const result = await new K6OperatorRunner().run({ step: 25, runId, rate: 50, duration: '2m' }, ctx);
      return { result, progress, seen: controller.seen, scripts: controller.scripts };
    } finally {
      await controller.stop();
    }
  }

  const remoteWrite = {
    k6: { remoteWrite: { url: 'http://prometheus-server.monitoring:9090/api/v1/write' } },
  };

  it('creates a ConfigMap and a TestRun, follows the stages, aggregates the run centrally, and cleans up', async () => {
    const { result, progress, seen, scripts } = await run(
      'finish',
      profileWith(remoteWrite, { parallelism: 2 }),
    );
    expect(seen).toHaveLength(1);
    const tr = seen[0] as KubeObject;
    expect(tr.metadata).toMatchObject({
      name: 'meshgate-run-77-s25',
      namespace: NS,
      labels: {
        'app.kubernetes.io/managed-by': 'meshgate',
        'meshgate.dev/run-id': 'run-77',
        'meshgate.dev/step': '25',
      },
    });
    expect(tr.spec).toMatchObject({
      parallelism: 2,
      script: { configMap: { name: 'meshgate-run-77-s25-script', file: 'canary.js' } },
      arguments: '--tag step=25 --tag run_id=run-77 --no-color --out experimental-prometheus-rw',
      cleanup: 'post',
    });
    const env = (tr.spec as { runner: { env: { name: string; value: string }[] } }).runner.env;
    const byName = Object.fromEntries(env.map((e) => [e.name, e.value]));
    expect(byName).toMatchObject({
      MESHGATE_STEP: '25',
      MESHGATE_RUN_ID: 'run-77',
      K6_PROMETHEUS_RW_SERVER_URL: 'http://prometheus-server.monitoring:9090/api/v1/write',
      K6_PROMETHEUS_RW_TREND_STATS: 'p(50),p(95),p(99),max',
    });
    expect(JSON.parse(byName.MESHGATE_LOAD_PROFILE ?? '{}')).toMatchObject({ rate: 50, duration: '2m' });
    expect((scripts[0]?.data as Record<string, string>)['canary.js']).toContain('constant-arrival-rate');

    expect(progress.filter((l) => l.startsWith('TestRun meshgate-run-77-s25:'))).toEqual(
      STAGES.map((s) => `TestRun meshgate-run-77-s25: ${s}`),
    );
    // 4 series × 1500 requests; 30 failed (2 % of one series); the other run is filtered out.
    expect(result).toMatchObject({
      runner: 'k6-operator',
      ok: true,
      verdict: 'PASS',
      achieved: { requests: 6000, rate: 50 },
      latencyMs: { p50: 21, p95: 120, p99: 240, max: 900 },
    });
    expect(result.errorRate).toBeCloseTo(0.005, 10);
    expect(result.thresholds.every((t) => t.ok)).toBe(true);
    expect(await cluster.find(Resources.testRuns, 'meshgate-run-77-s25', NS)).toBeUndefined();
    expect(await cluster.find(Resources.configMaps, 'meshgate-run-77-s25-script', NS)).toBeUndefined();
  });

  it('finished without remote write is not a pass: nothing says the thresholds held', async () => {
    const { result } = await run('finish', profileWith({}), 'no-rw');
    expect(result.ok).toBe(false);
    expect(result.verdict).toBe('INCONCLUSIVE');
    expect(result.reason).toContain('no remote-write series');
    expect(result.notes.join('\n')).toContain('finished says nothing about thresholds');
  });

  it('reports no series for a run Prometheus never heard of', async () => {
    const { result } = await run('finish', profileWith(remoteWrite), 'silent-run');
    expect(result.ok).toBe(false);
    expect(result.verdict).toBe('INCONCLUSIVE');
    expect(result.reason).toBe('no remote-write series of run silent-run in Prometheus');
    expect(result.errorRate).toBeNull();
    expect(result.notes.join('\n')).toContain('no k6 series with run_id="silent-run" in Prometheus');
  });

  it('an error stage cannot be judged; keep leaves the objects for inspection', async () => {
    const { result } = await run('error', profileWith(remoteWrite, { keep: true }), 'broken');
    expect(result.ok).toBe(false);
    expect(result.verdict).toBe('INCONCLUSIVE');
    expect(result.notes).toContain('TestRun meshgate/meshgate-broken-s25 ended at stage error');
    expect(await cluster.find(Resources.testRuns, 'meshgate-broken-s25', NS)).toBeDefined();
    expect(await cluster.find(Resources.configMaps, 'meshgate-broken-s25-script', NS)).toBeDefined();
    await cluster.delete(Resources.testRuns, 'meshgate-broken-s25', NS);
    await cluster.delete(Resources.configMaps, 'meshgate-broken-s25-script', NS);
  });

  it('a stalled TestRun hits the deadline, which names the last stage seen', async () => {
    const { result } = await run('stall', profileWith(remoteWrite, { deadline: '2s' }), 'stalled');
    expect(result.ok).toBe(false);
    expect(result.verdict).toBe('INCONCLUSIVE');
    expect(result.reason).toBe('the TestRun did not finish (last stage started): its end was not seen');
    expect(result.notes).toContain(
      'TestRun meshgate-stalled-s25 did not reach finished or error within 2s; last stage seen: started',
    );
    expect(await cluster.find(Resources.testRuns, 'meshgate-stalled-s25', NS)).toBeUndefined();
  });
});
