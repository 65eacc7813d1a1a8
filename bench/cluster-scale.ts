// `meshgate verify prereq mesh security` at real sizes, next to the kubectl floor: one
// `kubectl get <the kinds meshgate read> -A -o json` against the same simulator in the same run.
// Scenarios are generated at bench time from scenarios/healthy (see lib/scenarios.ts): healthy itself,
// 50 / 500 / 5,000 more pods (10 a namespace), and 200 more pods in the mesh namespace; each served at
// 0 and 20 ms per answer. Per case: the simulator's start, meshgate's and kubectl's wall time and peak
// RSS (medians), the ratio (median of the pairs, run in turn), and API requests by kind as the
// simulator counted them. Prints figures only (and writes them as JSON); goals are judged on ratios.
//   npm run bench
//   npx tsx bench/cluster-scale.ts --runs 3 --only healthy,mesh-200 --latency 20 --json reports/bench/x.json
//   npx tsx bench/cluster-scale.ts --engine vitest …   (the suites in a vitest worker, as before issue 13)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ClusterClient, loadKubeConfig, Resources } from '../src/cluster/index.ts';
import { proxiedPods } from '../src/checks/pod-reads.ts';
import { defaultProfile } from '../src/profile/index.ts';
import { startPrometheus, type StartedPrometheus } from '../test/support/prometheus.ts';
import { envoyBreakerSeries } from './lib/envoy-series.ts';
import { loadScenario, startSimulator, type RequestCount, type RequestCounts } from '../src/sim/index.ts';
import { machine, measure, median, type ProcessRun } from './lib/measure.ts';
import { HEALTHY, writeBulkOverlay, writeLatencyLayer, writeMeshOverlay } from './lib/scenarios.ts';
import { printTable } from './lib/table.ts';

const SUITES = ['prereq', 'mesh', 'security'];
const ROOT = path.resolve(import.meta.dirname, '..');
const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

/** The issue's goals: meshgate's wall time over the kubectl floor's, and requests per extra mesh pod. */
const GOALS: Record<string, number> = { healthy: 2, 'pods-5000': 1.5, 'mesh-200': 3, 'mesh-200-prom': 3 };
const GOAL_REQUESTS_PER_MESH_POD = 1.5;

interface Case {
  name: string;
  /** Pods beyond healthy's. */
  extraPods: number;
  /** Extra pods in the mesh namespace (those cost per-pod exec and proxy calls). */
  extraMeshPods: number;
  layers: (dir: string) => string[];
  /**
   * Serve the proxies' Envoy breaker stats from a real Prometheus (`--prometheus`), fresh for the
   * case's runs; without it the profile's in-cluster default URL does not resolve here and every
   * proxy is read directly, as on a workstation with no Prometheus.
   */
  prometheus?: boolean;
}

const CASES: Case[] = [
  { name: 'healthy', extraPods: 0, extraMeshPods: 0, layers: () => [HEALTHY] },
  ...[50, 500, 5000].map((pods): Case => ({
    name: `pods-${pods}`,
    extraPods: pods,
    extraMeshPods: 0,
    layers: (dir) => {
      const overlay = path.join(dir, `pods-${pods}`);
      writeBulkOverlay(overlay, pods, pods / 10);
      return [overlay];
    },
  })),
  {
    name: 'mesh-200',
    extraPods: 200,
    extraMeshPods: 200,
    layers: (dir) => {
      const overlay = path.join(dir, 'mesh-200');
      writeMeshOverlay(overlay, 200);
      return [overlay];
    },
  },
  {
    name: 'mesh-200-prom',
    extraPods: 200,
    extraMeshPods: 200,
    prometheus: true,
    layers: (dir) => {
      const overlay = path.join(dir, 'mesh-200-prom');
      writeMeshOverlay(overlay, 200);
      return [overlay];
    },
  },
];

/** Seconds the backfilled stats stay fresh: samples run this far past the start (15 s apart). */
const PROMETHEUS_SERIES_AHEAD_S = 3_600;

/** A Prometheus holding 0-valued breaker stats of every proxy of the simulator, now and for the next hour. */
async function prometheusFor(kubeconfig: string): Promise<StartedPrometheus> {
  const cluster = new ClusterClient(loadKubeConfig({ kubeconfig }));
  const pods = proxiedPods(
    [
      ...(await cluster.list(Resources.pods, { namespace: defaultProfile.namespaces.mesh })),
      ...(await cluster.list(Resources.pods, { namespace: defaultProfile.namespaces.istio })),
    ],
    defaultProfile,
  ).map((p) => ({ namespace: p.metadata.namespace ?? '', name: p.metadata.name }));
  const now = Math.floor(Date.now() / 1000);
  return startPrometheus({
    openmetrics: envoyBreakerSeries(pods, {
      endS: now + PROMETHEUS_SERIES_AHEAD_S,
      spanS: PROMETHEUS_SERIES_AHEAD_S + 60,
    }),
  });
}

interface Pair {
  meshgate: ProcessRun;
  kubectl: ProcessRun;
  meshgateRequests: RequestCounts;
  kubectlRequests: RequestCounts;
}

interface CaseResult {
  name: string;
  latencyMs: number;
  pods: number;
  simStartS: number;
  /** CPU seconds of the simulator's start (this process), steadier than wall time on a shared machine. */
  simStartCpuS: number;
  kinds: string[];
  verdict: string;
  pairs: Pair[];
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(flag('--runs') ?? '3');
const only = flag('--only')?.split(',');
const latencies = (flag('--latency') ?? '0,20').split(',').map(Number);
// What runs the suites' checks in meshgate (`--engine`): the CLI itself (default) or a vitest worker.
const engine = flag('--engine') ?? 'direct';
const jsonOut = flag('--json') ?? path.join(ROOT, 'reports', 'bench', 'cluster-scale.json');

/** The counts of what happened between two snapshots. */
function delta(before: RequestCounts, after: RequestCounts): RequestCounts {
  const key = (c: RequestCount) => `${c.verb} ${c.resource} ${c.subresource}`;
  const earlier = new Map(before.requests.map((c) => [key(c), c.count]));
  const requests = after.requests
    .map((c) => ({ ...c, count: c.count - (earlier.get(key(c)) ?? 0) }))
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count || key(a).localeCompare(key(b)));
  return { total: after.total - before.total, requests };
}

/** The kinds a run read (list or get of a resource, no subresource), as kubectl names them. */
function kindsRead(counts: RequestCounts): string[] {
  const kinds = counts.requests
    .filter(
      (c) => (c.verb === 'list' || c.verb === 'get') && c.subresource === '' && !c.resource.startsWith('/'),
    )
    .map((c) => c.resource);
  return [...new Set(kinds)].sort();
}

const label = (c: RequestCount): string =>
  `${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ''}`;
const sum = (counts: RequestCounts, test: (c: RequestCount) => boolean): number =>
  counts.requests.filter(test).reduce((n, c) => n + c.count, 0);

async function runCase(c: Case, dir: string, latencyMs: number, healthyPods: number): Promise<CaseResult> {
  const latencyLayer = path.join(dir, `latency-${latencyMs}`);
  writeLatencyLayer(latencyLayer, latencyMs);
  const layers = [...c.layers(dir), latencyLayer];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const sim = await startSimulator({ scenario: layers });
  const simStartS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const simStartCpuS = (cpu.user + cpu.system) / 1e6;
  const home = mkdtempSync(path.join(os.tmpdir(), 'meshgate-bench-kubectl-'));
  const kubeEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    KUBECACHEDIR: path.join(home, 'cache'),
  };
  const reportDir = path.join(dir, 'reports');
  const prom = c.prometheus ? await prometheusFor(sim.kubeconfigPath) : undefined;
  const result: CaseResult = {
    name: c.name,
    latencyMs,
    pods: healthyPods + c.extraPods,
    simStartS,
    simStartCpuS,
    kinds: [],
    verdict: '',
    pairs: [],
  };
  try {
    let kubectlArgs: string[] = [];
    for (let i = 0; i < runs; i++) {
      let before = sim.requestCounts();
      const meshgate = await measure(
        process.execPath,
        [
          'bin/meshgate.js',
          'verify',
          ...SUITES,
          '--kubeconfig',
          sim.kubeconfigPath,
          '--output',
          'json',
          '--report-dir',
          reportDir,
          ...(prom ? ['--prometheus', prom.url] : []),
          '--engine',
          engine,
        ],
        { cwd: ROOT },
      );
      const meshgateRequests = delta(before, sim.requestCounts());
      if (i === 0) {
        result.kinds = kindsRead(meshgateRequests);
        try {
          const report = JSON.parse(meshgate.stdout) as { verdict: string; summary: Record<string, number> };
          result.verdict = `${report.verdict} (${Object.entries(report.summary)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')})`;
        } catch {
          result.verdict = `exit ${meshgate.code}: ${meshgate.stderr.trim().split('\n').at(-1) ?? ''}`;
        }
        kubectlArgs = ['--kubeconfig', sim.kubeconfigPath, 'get', result.kinds.join(','), '-A', '-o', 'json'];
        // Once untimed: kubectl's discovery cache is then warm, as on any workstation that used it.
        await measure(KUBECTL, kubectlArgs, { env: kubeEnv });
      }
      before = sim.requestCounts();
      const kubectl = await measure(KUBECTL, kubectlArgs, { env: kubeEnv });
      if (kubectl.code !== 0) throw new Error(`kubectl failed: ${kubectl.stderr}`);
      result.pairs.push({
        meshgate,
        kubectl,
        meshgateRequests,
        kubectlRequests: delta(before, sim.requestCounts()),
      });
      process.stderr.write(
        `  ${c.name} @${latencyMs} ms run ${i + 1}/${runs}: meshgate ${meshgate.wallS.toFixed(1)} s, kubectl ${kubectl.wallS.toFixed(1)} s\n`,
      );
    }
  } finally {
    await prom?.stop();
    await sim.stop();
    rmSync(home, { recursive: true, force: true });
  }
  return result;
}

const fmt = (v: number | null, digits = 2): string =>
  v === null || Number.isNaN(v) ? '-' : v.toFixed(digits);

function summaryRows(results: CaseResult[]): string[][] {
  return results.map((r) => {
    const ratios = r.pairs.map((p) => p.meshgate.wallS / p.kubectl.wallS);
    const first = r.pairs[0];
    const requests = first?.meshgateRequests ?? { total: 0, requests: [] };
    const goal = GOALS[r.name];
    const ratio = median(ratios);
    return [
      r.name,
      `${r.latencyMs}`,
      `${r.pods}`,
      `${fmt(r.simStartS)} (${fmt(r.simStartCpuS)})`,
      fmt(median(r.pairs.map((p) => p.meshgate.wallS))),
      fmt(median(r.pairs.map((p) => p.kubectl.wallS))),
      fmt(ratio),
      fmt(median(r.pairs.map((p) => p.meshgate.cpuS ?? NaN)), 1),
      fmt(median(r.pairs.map((p) => p.kubectl.cpuS ?? NaN)), 1),
      goal === undefined ? '' : `≤ ${goal} ${ratio <= goal ? 'met' : 'not met'}`,
      fmt(median(r.pairs.map((p) => p.meshgate.peakRssMb ?? NaN)), 0),
      fmt(median(r.pairs.map((p) => p.kubectl.peakRssMb ?? NaN)), 0),
      `${requests.total}`,
      `${sum(requests, (c) => c.subresource === 'exec')}`,
      `${sum(requests, (c) => c.subresource === 'proxy')}`,
      `${sum(requests, (c) => c.resource.startsWith('selfsubject') || c.resource.includes('subjectaccessreviews'))}`,
      `${first?.kubectlRequests.total ?? 0}`,
    ];
  });
}

function breakdownRows(results: CaseResult[], names: string[]): { head: string[]; rows: string[][] } {
  const chosen = names
    .map((n) => results.find((r) => r.name === n && r.latencyMs === latencies[0]))
    .filter((r): r is CaseResult => r !== undefined);
  const counts = chosen.map((r) => r.pairs[0]?.meshgateRequests ?? { total: 0, requests: [] });
  const labels = [...new Set(counts.flatMap((c) => c.requests.map(label)))];
  const of = (c: RequestCounts, l: string) => c.requests.find((x) => label(x) === l)?.count ?? 0;
  labels.sort(
    (a, b) => of(counts[0] as RequestCounts, b) - of(counts[0] as RequestCounts, a) || a.localeCompare(b),
  );
  return {
    head: ['request (verb resource/subresource)', ...chosen.map((r) => r.name)],
    rows: [
      ...labels.map((l) => [l, ...counts.map((c) => String(of(c, l)))]),
      ['total', ...counts.map((c) => String(c.total))],
    ],
  };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-bench-scale-'));
try {
  // The bundled CLI, as installed: bin/meshgate.js runs dist/ when it is up to date.
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const healthyPods = (await loadScenario(HEALTHY)).objects.filter((o) => o.kind === 'Pod').length;
  const results: CaseResult[] = [];
  const started = machine();
  for (const c of CASES.filter((x) => only === undefined || only.includes(x.name))) {
    for (const latencyMs of latencies) results.push(await runCase(c, dir, latencyMs, healthyPods));
  }

  console.log(
    `verify ${SUITES.join(' ')} (--engine ${engine}) against the simulator, next to one kubectl get of the same kinds`,
  );
  console.log(`machine at start: ${started}`);
  console.log(`machine at end:   ${machine()}`);
  console.log(
    `${runs} run(s) each, meshgate and kubectl in turn; times and RSS are medians, ratio the median of the pairs`,
  );
  printTable(
    [
      'case',
      'ms/answer',
      'pods',
      'sim start s (CPU)',
      'meshgate s',
      'kubectl s',
      'ratio',
      'meshgate CPU s',
      'kubectl CPU s',
      'goal',
      'meshgate MB',
      'kubectl MB',
      'requests',
      'exec',
      'proxy',
      'reviews',
      'kubectl req',
    ],
    summaryRows(results),
  );
  const healthy = results.find((r) => r.name === 'healthy');
  for (const name of ['mesh-200', 'mesh-200-prom']) {
    const mesh = results.find((r) => r.name === name && r.latencyMs === healthy?.latencyMs);
    if (!healthy || !mesh) continue;
    const extra =
      ((mesh.pairs[0]?.meshgateRequests.total ?? 0) - (healthy.pairs[0]?.meshgateRequests.total ?? 0)) / 200;
    console.log(
      `requests per extra mesh pod, ${name}: ${extra.toFixed(2)} (goal ≤ ${GOAL_REQUESTS_PER_MESH_POD}: ${extra <= GOAL_REQUESTS_PER_MESH_POD ? 'met' : 'not met'})`,
    );
  }
  if (healthy)
    console.log(`kinds read by verify (the kubectl floor reads these): ${healthy.kinds.join(', ')}`);
  const { head, rows } = breakdownRows(results, ['healthy', 'pods-5000', 'mesh-200', 'mesh-200-prom']);
  console.log(`\nAPI requests by kind, one verify run (${latencies[0]} ms per answer):`);
  printTable(head, rows);
  for (const r of results) console.log(`${r.name} @${r.latencyMs} ms: ${r.verdict}`);

  mkdirSync(path.dirname(jsonOut), { recursive: true });
  writeFileSync(
    jsonOut,
    JSON.stringify(
      {
        machine: { start: started, end: machine() },
        runs,
        results: results.map((r) => ({
          ...r,
          pairs: r.pairs.map((p) => ({
            meshgate: {
              wallS: p.meshgate.wallS,
              cpuS: p.meshgate.cpuS,
              peakRssMb: p.meshgate.peakRssMb,
              code: p.meshgate.code,
            },
            kubectl: {
              wallS: p.kubectl.wallS,
              cpuS: p.kubectl.cpuS,
              peakRssMb: p.kubectl.peakRssMb,
              code: p.kubectl.code,
            },
            meshgateRequests: p.meshgateRequests,
            kubectlRequests: p.kubectlRequests,
          })),
        })),
      },
      null,
      2,
    ),
  );
  console.log(`figures written to ${path.relative(ROOT, jsonOut)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
