// `meshgate canary` end to end: the CLI against one real Prometheus holding every preset (each at its
// own hour) and the simulated cluster at the 10 % step. Most runs call the CLI's main() in-process
// (the same code, without a process start each); the healthy run, a usage error and `verify canary`
// (which runs the canary suite in vitest) go through a real process.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryVerdictDocument } from '../../src/canary/index.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import { runMain } from '../faults/support.ts';
import { runCli } from '../support/cli.ts';
import { PRESET_NAMES, preset, type PresetName } from '../support/openmetrics-presets.ts';
import { startPrometheus, type StartedPrometheus } from '../support/prometheus.ts';

const scenarios = Object.fromEntries(PRESET_NAMES.map((n) => [n, preset(n)])) as Record<
  PresetName,
  ReturnType<typeof preset>
>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-canary-e2e-'));
// The presets hold one service, zamaz-api; the default profile would also ask for zamaz-frontend.
const config = path.join(dir, 'meshgate.config.ts');
writeFileSync(config, "export default { canary: { services: ['zamaz-api'] } };\n");

let prom: StartedPrometheus;
// One simulator for most runs (starting one per CLI run costs seconds); one test uses --scenario.
let sim: StartedSimulator;

beforeAll(async () => {
  [prom, sim] = await Promise.all([
    startPrometheus({ openmetrics: PRESET_NAMES.map((n) => scenarios[n].openmetrics) }),
    startSimulator({ scenario: ['scenarios/healthy'] }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([prom?.stop(), sim?.stop()]);
});

let runs = 0;
async function canary(
  name: PresetName | 'down',
  extra: string[] = [],
  url?: string,
  cluster: string[] = ['--kubeconfig', sim.kubeconfigPath],
  inProcess = true,
) {
  const end = name === 'down' ? scenarios.healthyCanary.params.end : scenarios[name].params.end;
  const reportDir = path.join(dir, `reports-${runs++}`);
  const args = [
    'canary',
    '--step',
    '25',
    '--load',
    'none',
    '--prometheus',
    url ?? prom.url,
    '--end',
    end.toISOString(),
    '--window',
    '30m',
    ...cluster,
    '--config',
    config,
    '--report-dir',
    reportDir,
    '-o',
    'json',
    ...extra,
  ];
  const res = inProcess ? await runMain(args) : await runCli(args);
  let doc: CanaryVerdictDocument;
  try {
    doc = JSON.parse(res.stdout) as CanaryVerdictDocument;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${res.code}):\n${res.stdout}\n${res.stderr}`);
  }
  const metric = (prefix: string) => {
    const m = doc.metrics.find((x) => x.name.startsWith(prefix));
    if (!m) throw new Error(`no metric ${prefix} in ${doc.metrics.map((x) => x.name).join(', ')}`);
    return m;
  };
  return { ...res, doc, metric, reportDir };
}

describe.concurrent('meshgate canary (CLI, real Prometheus, simulated cluster)', { timeout: 180_000 }, () => {
  it('healthy canary: PASS, exit 0, every metric passed, the documented JSON and the verdict file', async () => {
    const { code, doc, reportDir } = await canary(
      'healthyCanary',
      [],
      undefined,
      ['--scenario', 'scenarios/healthy'],
      false,
    );
    expect(doc.verdict).toBe('PASS');
    expect(code).toBe(0);
    expect(doc.step).toBe(25);
    expect(doc.currentWeight).toBe(10);
    expect(doc.window).toMatchObject({
      start: '2026-11-29T10:00:00.000Z',
      end: '2026-11-29T10:30:00.000Z',
      source: 'flag',
    });
    expect(doc.metrics.map((m) => [m.name, m.verdict])).toEqual([
      ['error-ratio/zamaz-api', 'PASS'],
      ['latency-p99/zamaz-api', 'PASS'],
      ['mtls/zamaz-api', 'PASS'],
      ['circuit-breaker-overflow/zamaz-api', 'PASS'],
    ]);
    for (const m of doc.metrics) {
      expect(m).toHaveProperty('baseline');
      expect(m).toHaveProperty('canary');
      expect(m.samples).not.toBeNull();
      expect(m.reason).not.toBe('');
    }
    expect(doc.reason).toMatch(/^PASS — all 4 required metrics passed/);
    // The decision trace: every rendered query with its raw answer.
    // Four queries serve every metric, service and side of the step.
    expect(doc.trace.map((t) => t.template)).toEqual([
      'canary_requests',
      'canary_latency_buckets',
      'canary_circuit_breakers',
      'canary_freshness',
    ]);
    // The freshness rule uses the scrape interval Prometheus reports (its configuration), not a default.
    expect(doc.freshness.source).toBe('prometheus');
    expect(doc.trace.every((t) => t.promql.length > 0 && t.result !== undefined)).toBe(true);
    const files = readdirSync(path.join(reportDir, 'verdicts'));
    expect(files).toEqual(['step-25-20261129T103000Z.json']);
    const written = JSON.parse(
      readFileSync(path.join(reportDir, 'verdicts', files[0]!), 'utf8'),
    ) as CanaryVerdictDocument;
    expect(written).toEqual(doc);
  });

  it('app 5xx regression: FAIL, exit 1, the app is to blame', async () => {
    const { code, doc, metric } = await canary('appRegression');
    expect([doc.verdict, code]).toEqual(['FAIL', 1]);
    expect(metric('error-ratio').verdict).toBe('FAIL');
    expect(doc.reason).toContain("the app's");
    expect(metric('error-ratio').reason).toMatch(/carry no Envoy flag \(the app answered 5xx\)/);
  });

  it('proxy-made 503 UO/UF: FAIL, exit 1, the mesh and its circuit breaker are to blame', async () => {
    const { code, doc, metric } = await canary('proxyOverflow');
    expect([doc.verdict, code]).toEqual(['FAIL', 1]);
    expect(doc.reason).toContain("the mesh's");
    expect(doc.reason).toContain('circuit-breaker-overflow/zamaz-api: sustained overflow');
    expect(metric('error-ratio').reason).toMatch(/carry UO \(upstream overflow: circuit breaker\)/);
    expect(metric('circuit-breaker-overflow').verdict).toBe('FAIL');
    expect(metric('circuit-breaker-overflow').reason).toMatch(/Outlier detection ejected up to 1 host/);
  });

  it('p99 latency regression: FAIL, exit 1, latency only', async () => {
    const { code, doc, metric } = await canary('latencyRegression');
    expect([doc.verdict, code]).toEqual(['FAIL', 1]);
    expect(metric('error-ratio').verdict).toBe('PASS');
    expect(metric('latency-p99').verdict).toBe('FAIL');
    expect(doc.reason).toMatch(/^FAIL — latency-p99\/zamaz-api: canary higher by/);
    expect(metric('latency-p99').reason).toMatch(/interpolated/);
  });

  it('plaintext requests: FAIL, exit 1, naming the source workload', async () => {
    const { code, doc, metric } = await canary('plaintext');
    expect([doc.verdict, code]).toEqual(['FAIL', 1]);
    expect(metric('mtls').verdict).toBe('FAIL');
    expect(doc.reason).toMatch(
      /mtls\/zamaz-api \(critical\): \d[\d,]* plaintext requests from zamaz-batch\/report-exporter/,
    );
  });

  it('too little traffic: INCONCLUSIVE, exit 2, saying how many more requests are needed', async () => {
    const { code, doc, metric } = await canary('lowTraffic');
    expect([doc.verdict, code]).toEqual(['INCONCLUSIVE', 2]);
    expect(metric('error-ratio').verdict).toBe('INCONCLUSIVE');
    expect(doc.reason).toMatch(/needs [\d,]+ more canary and [\d,]+ more baseline requests/);
    expect(metric('error-ratio').reason).toMatch(/Not enough traffic yet/);
  });

  it('Prometheus down: INCONCLUSIVE, exit 2, naming the URL', async () => {
    const down = 'http://127.0.0.1:9'; // discard port: nothing listens
    const { code, doc } = await canary('down', [], down);
    expect([doc.verdict, code]).toEqual(['INCONCLUSIVE', 2]);
    expect(doc.reason).toContain(`could not query Prometheus: cannot reach Prometheus at ${down}`);
    expect(
      doc.metrics.every((m) => m.verdict === 'INCONCLUSIVE' && m.error?.kind === 'PrometheusUnreachable'),
    ).toBe(true);
  });

  it('several series: INCONCLUSIVE, exit 2, naming the series', async () => {
    const { code, doc, metric } = await canary('multipleSeries');
    expect([doc.verdict, code]).toEqual(['INCONCLUSIVE', 2]);
    expect(metric('error-ratio').error?.kind).toBe('MultipleSeries');
    expect(doc.reason).toContain(
      'several series where one was expected: {source_workload_namespace="istio-ingress"}, {source_workload_namespace="istio-system"}',
    );
  });

  it('several series narrowed by canary.gatewayNamespace: judged again', async () => {
    const narrowed = path.join(dir, 'narrowed.config.ts');
    writeFileSync(
      narrowed,
      "export default { canary: { services: ['zamaz-api'], gatewayNamespace: 'istio-system' } };\n",
    );
    const { doc } = await canary('multipleSeries', ['--config', narrowed]);
    expect(doc.metrics.every((m) => m.error === null)).toBe(true);
  });

  it('the same --end gives the same verdict (reproducible)', async () => {
    const [a, b] = await Promise.all([canary('appRegression'), canary('appRegression')]);
    const strip = (d: CanaryVerdictDocument) => ({ ...d, analysedAt: undefined, load: undefined });
    expect(strip(b.doc)).toEqual(strip(a.doc));
  });

  it('wrong current step: exit 3 naming the current weight and the expected one', async () => {
    const res = await runMain([
      'canary',
      '--step',
      '50',
      '--load',
      'none',
      '--prometheus',
      prom.url,
      '--kubeconfig',
      sim.kubeconfigPath,
    ]);
    expect(res.code).toBe(3);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(
      'VirtualService zamaz-mesh/zamaz sends 10 % to the mesh, but --step 50 analyses the step before it, 25 %',
    );
  });

  it('usage errors exit 3: a runner that is not available, a step not in the profile, a bad --end', async () => {
    const k6 = await runCli(['canary', '--step', '25', '--load', 'k6'], {
      env: { K6_BIN: '', PATH: '/usr/bin:/bin' },
    });
    expect([k6.code, k6.stderr]).toEqual([3, expect.stringContaining('--load k6: no k6 executable found')]);
    const unknown = await runMain(['canary', '--step', '25', '--load', 'jmeter']);
    expect([unknown.code, unknown.stderr]).toEqual([
      3,
      expect.stringContaining('--load jmeter: unknown load runner'),
    ]);
    const step = await runMain(['canary', '--step', '30']);
    expect([step.code, step.stderr]).toEqual([
      3,
      expect.stringContaining('--step 30 is not a step of the profile'),
    ]);
    const end = await runMain(['canary', '--step', '25', '--end', 'yesterday']);
    expect([end.code, end.stderr]).toEqual([
      3,
      expect.stringContaining('--end "yesterday" is neither RFC 3339'),
    ]);
  });

  it('text output: a table a person can paste into a ticket', async () => {
    const res = await runMain([
      'canary',
      '--step',
      '25',
      '--load',
      'none',
      '--prometheus',
      prom.url,
      '--end',
      scenarios.plaintext.params.end.toISOString(),
      '--window',
      '30m',
      '--kubeconfig',
      sim.kubeconfigPath,
      '--config',
      config,
      '--report-dir',
      path.join(dir, 'text'),
    ]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^VERDICT +METRIC +BASELINE \(legacy\) +CANARY \(mesh\) +SUMMARY$/m);
    expect(res.stdout).toMatch(/^FAIL +mtls\/zamaz-api \* +- +\d+\.\d+ % mTLS, [\d,]+ plaintext/m);
    expect(res.stdout).toMatch(/^verdict: FAIL/m);
  });

  it('runs as the canary suite through `verify canary`, one check per metric', async () => {
    const verifyCanary = (name: PresetName) =>
      runCli([
        'verify',
        'canary',
        '--prometheus',
        prom.url,
        '--end',
        scenarios[name].params.end.toISOString(),
        '--window',
        '30m',
        '--kubeconfig',
        sim.kubeconfigPath,
        '--config',
        config,
        '--report-dir',
        path.join(dir, `suite-${name}`),
        '-o',
        'json',
      ]);
    const [good, bad] = await Promise.all([verifyCanary('healthyCanary'), verifyCanary('plaintext')]);
    const report = (r: { stdout: string }) =>
      JSON.parse(r.stdout) as {
        verdict: string;
        checks: { id: string; status: string; findings: { message: string }[] }[];
      };
    expect(good.code, good.stderr).toBe(0);
    expect(report(good).checks.map((c) => [c.id, c.status])).toEqual([
      ['canary.error-ratio', 'passed'],
      ['canary.latency', 'passed'],
      ['canary.mtls', 'passed'],
      ['canary.overflow', 'passed'],
    ]);
    expect(bad.code).toBe(1);
    const mtls = report(bad).checks.find((c) => c.id === 'canary.mtls');
    expect(mtls?.status).toBe('failed');
    expect(mtls?.findings[0]?.message).toContain('zamaz-batch/report-exporter');
  });
});
