// The canary step's cost in Prometheus: queries per step and their time, the four-query plan against
// the old per-metric plan, on a backfilled data set of 50 workloads (25 services, each deployed on the
// legacy and the mesh side) at 15 s resolution.
//
//   npx tsx bench/canary-queries.ts      CANARY_BENCH_DAYS=30 for the 30-day set (default 1: the
//                                        30-day set is ~230 M samples, ~45 GB of OpenMetrics to import)
//
// The data are generated as OpenMetrics one day per file, imported with
// `promtool tsdb create-blocks-from openmetrics` (one day's file at a time, then deleted, so the disk
// holds one day of text), and served by a real Prometheus on a free port. The imported blocks are
// cached (CANARY_BENCH_CACHE, default <tmpdir>/meshgate-bench-cache/canary-<days>d-v<N>): a second
// run starts Prometheus on them at once. Delete the directory to regenerate.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { request } from 'undici';
import { createPrometheusClient, type MetricsSource } from '../src/metrics/index.ts';
import { gatherCanaryInputs, resolveWindow } from '../src/metrics/canary/index.ts';
import { validateProfile } from '../src/profile/index.ts';
import { runLegacyPlan } from '../test/canary-analysis/legacy-plan.ts';
import { ENVOY_DEFAULT_BUCKETS_MS } from '../test/support/openmetrics.ts';
import { importOpenMetrics, requirePromtool, startPrometheus } from '../test/support/prometheus.ts';

const DAYS = Number(process.env.CANARY_BENCH_DAYS ?? 1);
const SERVICES = Array.from({ length: 25 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
const REPEATS = 5;
const STEP = 15;
const END = Date.UTC(2026, 11, 1, 12, 0, 0) / 1000;
const LEGACY = 'zamaz';
const MESH = 'zamaz-mesh';
/** Bump when the generated series change, so a stale cache is not measured. */
const DATA_VERSION = 1;
const CACHE_DIR =
  process.env.CANARY_BENCH_CACHE ??
  join(tmpdir(), 'meshgate-bench-cache', `canary-${DAYS}d-v${DATA_VERSION}`);
/**
 * promtool's block window for a day's file: 2h·3^5 = 486 h, so a day is one pass over its text (two
 * where it straddles a window edge) instead of twelve at the default 2 h.
 */
const IMPORT_BLOCK_DURATION = '486h';

interface Series {
  name: string;
  labels: string;
  rate: number;
  value: number;
}

/** Deterministic jitter (xorshift) so the increments vary like traffic. */
let seed = 0x9e3779b9;
function jitter(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return ((seed >>> 0) / 4294967296) * 2;
}

function seriesSet(): Series[] {
  const out: Series[] = [];
  const gw = 'source_workload="istio-ingressgateway",source_workload_namespace="istio-system"';
  for (const svc of SERVICES) {
    for (const [ns, rps] of [
      [LEGACY, 22.5],
      [MESH, 2.5],
    ] as const) {
      const dst = `destination_service_namespace="${ns}",destination_service_name="${svc}",destination_workload="${ns === MESH ? svc : 'unknown'}"`;
      for (const [code, share] of [
        ['200', 0.997],
        ['500', 0.003],
      ] as const) {
        out.push({
          name: 'istio_requests_total',
          labels: `reporter="source",${gw},${dst},response_code="${code}",response_flags="-",connection_security_policy="unknown"`,
          rate: rps * share,
          value: 0,
        });
        if (ns === MESH) {
          out.push({
            name: 'istio_requests_total',
            labels: `reporter="destination",${gw},${dst},response_code="${code}",response_flags="-",connection_security_policy="mutual_tls"`,
            rate: rps * share,
            value: 0,
          });
        }
      }
      // Latency buckets of a lognormal around 45 ms (cumulative shares), count and sum.
      const shares = [0, 0, 0.001, 0.006, 0.12, 0.55, 0.96, 0.998, 0.9995, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
      const base = `reporter="source",${gw},${dst},response_code="200",response_flags="-"`;
      ENVOY_DEFAULT_BUCKETS_MS.forEach((le, i) =>
        out.push({
          name: 'istio_request_duration_milliseconds_bucket',
          labels: `${base},le="${le}"`,
          rate: rps * (shares[i] ?? 1),
          value: 0,
        }),
      );
      out.push({
        name: 'istio_request_duration_milliseconds_bucket',
        labels: `${base},le="+Inf"`,
        rate: rps,
        value: 0,
      });
      out.push({ name: 'istio_request_duration_milliseconds_count', labels: base, rate: rps, value: 0 });
      out.push({ name: 'istio_request_duration_milliseconds_sum', labels: base, rate: rps * 52, value: 0 });
    }
    const cluster = `cluster_name="outbound|8080||${svc}.${MESH}.svc.cluster.local"`;
    for (const name of ['envoy_cluster_upstream_rq_pending_overflow', 'envoy_cluster_upstream_cx_overflow']) {
      out.push({ name, labels: cluster, rate: 0, value: 0 });
    }
    out.push({
      name: 'envoy_cluster_outlier_detection_ejections_active',
      labels: cluster,
      rate: 0,
      value: 0,
    });
  }
  return out;
}

const TYPES: Record<string, string> = {
  istio_requests: 'counter',
  istio_request_duration_milliseconds: 'histogram',
  envoy_cluster_upstream_rq_pending_overflow: 'unknown',
  envoy_cluster_upstream_cx_overflow: 'unknown',
  envoy_cluster_outlier_detection_ejections_active: 'gauge',
};
const FAMILY = (name: string) =>
  name.startsWith('istio_requests_total')
    ? 'istio_requests'
    : name.startsWith('istio_request_duration_milliseconds')
      ? 'istio_request_duration_milliseconds'
      : name;

/** Writes one day of samples, family by family (OpenMetrics wants each family's lines together). */
async function writeDay(file: string, series: Series[], from: number, to: number): Promise<number> {
  const out = createWriteStream(file);
  let lines = 0;
  const byFamily = new Map<string, Series[]>();
  for (const s of series) byFamily.set(FAMILY(s.name), [...(byFamily.get(FAMILY(s.name)) ?? []), s]);
  for (const [family, members] of byFamily) {
    if (!out.write(`# TYPE ${family} ${TYPES[family] ?? 'unknown'}\n`)) await once(out, 'drain');
    for (const s of members) {
      // Histogram buckets must stay cumulative: the same jitter per step for one side's histogram
      // would be needed for exactness; a small per-series jitter keeps them close, and promtool does
      // not check monotonicity across series. The queries only need realistic volumes.
      let chunk = '';
      let v = s.value;
      for (let t = from; t <= to; t += STEP) {
        v += s.rate * STEP * (s.name.includes('_bucket') || s.name.endsWith('_count') ? 1 : jitter());
        chunk += `${s.name}{${s.labels}} ${Math.round(v)} ${t}\n`;
        lines++;
        if (chunk.length > 1 << 16) {
          if (!out.write(chunk)) await once(out, 'drain');
          chunk = '';
        }
      }
      s.value = v;
      if (!out.write(chunk)) await once(out, 'drain');
    }
  }
  out.end('# EOF\n');
  await once(out, 'finish');
  return lines;
}

interface Timed extends MetricsSource {
  queries: number;
  ms: number;
}

function timed(source: MetricsSource): Timed {
  const t: Timed = {
    queries: 0,
    ms: 0,
    async query(promql, time) {
      const start = performance.now();
      try {
        return await source.query(promql, time);
      } finally {
        t.queries++;
        t.ms += performance.now() - start;
      }
    },
    async queryRange(promql, start, end, step) {
      const s0 = performance.now();
      try {
        return await source.queryRange(promql, start, end, step);
      } finally {
        t.queries++;
        t.ms += performance.now() - s0;
      }
    },
    isOnline: () => source.isOnline(),
  };
  return t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;

/**
 * Prometheus' own evaluation time so far (ms): prometheus_engine_query_duration_seconds_sum over the
 * prepare, inner_eval and result_sort slices, leaving out queue_time (waiting for a query slot).
 */
async function engineMs(url: string): Promise<number> {
  const res = await request(`${url}/metrics`);
  const text = await res.body.text();
  let seconds = 0;
  for (const line of text.split('\n')) {
    const m =
      /^prometheus_engine_query_duration_seconds_sum\{slice="(prepare_time|inner_eval|result_sort)"\} (\S+)$/.exec(
        line,
      );
    if (m) seconds += Number(m[2]);
  }
  return seconds * 1000;
}

interface DataSet {
  samples: number;
  openmetricsBytes: number;
  generateSeconds: number;
  importSeconds: number;
  cached: boolean;
  blocks: number;
}

/**
 * Generates and imports the data set into {@link CACHE_DIR}/data unless a complete one is there
 * (marked by `dataset.json`, written last). Day files are written to a scratch directory and
 * deleted once imported.
 */
async function dataSet(series: Series[]): Promise<DataSet> {
  const marker = join(CACHE_DIR, 'dataset.json');
  const dataDir = join(CACHE_DIR, 'data');
  if (existsSync(marker)) {
    const saved = JSON.parse(await readFile(marker, 'utf8')) as DataSet;
    return { ...saved, cached: true, blocks: await countBlocks(dataDir) };
  }
  await rm(CACHE_DIR, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const promtool = await requirePromtool();
  const scratch = await mkdtemp(join(tmpdir(), 'meshgate-canary-bench-'));
  let samples = 0;
  let bytes = 0;
  let generateMs = 0;
  let importMs = 0;
  try {
    const start = END - Math.round((DAYS * 86_400) / STEP) * STEP;
    for (let d = 0; start + d * 86_400 < END; d++) {
      const file = join(scratch, `day-${d}.om`);
      const from = start + d * 86_400 + (d === 0 ? 0 : STEP);
      const g0 = performance.now();
      samples += await writeDay(file, series, from, Math.min(END, start + (d + 1) * 86_400));
      bytes += (await stat(file)).size;
      const i0 = performance.now();
      generateMs += i0 - g0;
      await importOpenMetrics(promtool, file, dataDir, IMPORT_BLOCK_DURATION);
      importMs += performance.now() - i0;
      await rm(file, { force: true });
      process.stderr.write(`  day ${d + 1}/${DAYS}: ${(samples / 1e6).toFixed(1)} M samples so far\n`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const saved = {
    samples,
    openmetricsBytes: bytes,
    generateSeconds: generateMs / 1000,
    importSeconds: importMs / 1000,
    cached: false,
    blocks: await countBlocks(dataDir),
  };
  await writeFile(marker, JSON.stringify(saved));
  return saved;
}

async function countBlocks(dataDir: string): Promise<number> {
  return (await readdir(dataDir)).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length;
}

export async function runQueryBench() {
  const series = seriesSet();
  const data = await dataSet(series);
  const s0 = performance.now();
  const prom = await startPrometheus({ tsdbDir: join(CACHE_DIR, 'data'), readyTimeoutMs: 600_000 });
  const startSeconds = (performance.now() - s0) / 1000;
  const client = createPrometheusClient({
    url: prom.url,
    timeoutMs: 120_000,
    retry: { deadlineMs: 300_000 },
  });
  const rows: string[][] = [
    [
      'plan',
      'services judged',
      'window',
      'queries/step',
      'Prometheus eval time',
      'client time (sum)',
      'step wall time',
    ],
  ];
  const out: Record<string, unknown> = {
    days: DAYS,
    series: series.length,
    ...data,
    prometheusStartSeconds: startSeconds,
    prometheus: prom.version,
    cache: CACHE_DIR,
  };
  try {
    const end = new Date(END * 1000);
    for (const judged of [2, 25]) {
      const services = SERVICES.slice(0, judged);
      const profile = validateProfile({ canary: { services } }, 'bench');
      for (const windowText of ['10m', '30m']) {
        const window = resolveWindow({ end, window: windowText, fallback: '10m' });
        const measure = async (plan: 'new' | 'old') => {
          const walls: number[] = [];
          const sums: number[] = [];
          const evals: number[] = [];
          let queries = 0;
          for (let r = 0; r <= REPEATS; r++) {
            const src = timed(client);
            const e0 = await engineMs(prom.url);
            const w0 = performance.now();
            if (plan === 'new') await gatherCanaryInputs({ source: src, profile, window });
            else
              await runLegacyPlan({
                source: src,
                start: window.start,
                end: window.end,
                intervalSeconds: 60,
                gatewayWorkload: 'istio-ingressgateway',
                legacyNamespace: LEGACY,
                meshNamespace: MESH,
                services,
                quantile: 0.99,
              });
            const wall = performance.now() - w0;
            const evalMs = (await engineMs(prom.url)) - e0;
            if (r === 0) continue; // warm-up
            walls.push(wall);
            evals.push(evalMs);
            sums.push(src.ms);
            queries = src.queries;
          }
          return { queries, evalMs: median(evals), clientMs: median(sums), wallMs: median(walls) };
        };
        for (const plan of ['old', 'new'] as const) {
          const m = await measure(plan);
          out[`${plan} ${judged} services ${windowText}`] = m;
          rows.push([
            plan === 'new' ? 'four queries (new)' : 'per metric (old)',
            String(judged),
            windowText,
            String(m.queries),
            `${m.evalMs.toFixed(0)} ms`,
            `${m.clientMs.toFixed(0)} ms`,
            `${m.wallMs.toFixed(0)} ms`,
          ]);
        }
      }
    }
  } finally {
    await client.close();
    await prom.stop();
  }
  return { rows, out };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, out } = await runQueryBench();
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  console.log(
    `canary queries per step: ${out.days} day(s) of 15 s data, 50 workloads, ${out.series} series, ` +
      `${(Number(out.samples) / 1e6).toFixed(1)} M samples (${(Number(out.openmetricsBytes) / 2 ** 30).toFixed(1)} GiB OpenMetrics; ` +
      (out.cached
        ? `blocks cached in ${String(out.cache)}, ${String(out.blocks)} blocks; `
        : `generated in ${Number(out.generateSeconds).toFixed(0)} s, imported in ${Number(out.importSeconds).toFixed(0)} s into ${String(out.blocks)} blocks; `) +
      `Prometheus started in ${Number(out.prometheusStartSeconds).toFixed(0)} s); ` +
      `median of ${REPEATS} after a warm-up; ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  );
  console.log(
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n'),
  );
  if (process.env.CANARY_BENCH_JSON) console.log(JSON.stringify(out));
}
