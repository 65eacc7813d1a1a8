// How often the canary judge stops a healthy step, how often it catches a real regression, and how
// fast `monitor` fails a bad one — the default profile on simulated traffic (no Prometheus: the samples
// the four queries would return are drawn directly, per interval, from known distributions).
//
//   npx tsx bench/canary-simulation.ts            (CANARY_BENCH_RUNS=N to change the run count: 500)
//
// Traffic model (documented in docs/canary.md): 2 services, each with the default load (50 req/s over
// the profile's two paths: 25 req/s per service), 10 % to the mesh; baseline 5xx ratio 0.3 %; latency
// lognormal, median 45 ms, σ 0.45 (p99 ≈ 128 ms), with a per-interval, per-side median drift of
// ±5 % (σ) so intervals are noisier than pure sampling. Intervals of 1 minute.
import {
  judgeCanary,
  type ServiceSamples,
  type SideHistogram,
  type StepSamples,
} from '../src/canary/index.ts';
import { validateProfile } from '../src/profile/index.ts';
import { ENVOY_DEFAULT_BUCKETS_MS } from '../test/support/openmetrics.ts';
import { Random } from '../test/support/openmetrics-random.ts';

const RUNS = Number(process.env.CANARY_BENCH_RUNS ?? 500);
const SERVICES = ['zamaz-api', 'zamaz-frontend'];
// CANARY_BENCH_ALPHA overrides canary.familyAlpha, to see the trade-off between false alarms and power.
const alphaOverride = process.env.CANARY_BENCH_ALPHA
  ? { familyAlpha: Number(process.env.CANARY_BENCH_ALPHA) }
  : {};
const profile = validateProfile({ canary: { services: SERVICES, ...alphaOverride } }, 'bench');
const rnd = new Random(20261202);
const BOUNDS = ENVOY_DEFAULT_BUCKETS_MS;

interface SideModel {
  rps: number;
  errorRatio: number;
  medianMs: number;
  sigma: number;
}

interface Regression {
  /** Which service regresses (the other stays healthy). */
  service: string;
  errorRatio?: number;
  latencyFactor?: number;
  /** From this interval on (0-based); default 0. */
  fromInterval?: number;
}

function binomial(n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n <= 60) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rnd.next() < p) k++;
    return k;
  }
  // Poisson where one outcome is rare, normal otherwise: accurate enough for counts of this size.
  if (n * p < 20) return Math.min(n, rnd.poisson(n * p));
  if (n * (1 - p) < 20) return Math.max(0, n - rnd.poisson(n * (1 - p)));
  const sd = Math.sqrt(n * p * (1 - p));
  return Math.max(0, Math.min(n, Math.round(n * p + sd * rnd.normal())));
}

const erf = (x: number): number => {
  // Abramowitz–Stegun 7.1.26, |error| < 1.5e-7: enough for bucket probabilities.
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
};
const lognormalCdf = (x: number, median: number, sigma: number) =>
  0.5 * (1 + erf(Math.log(x / median) / (sigma * Math.SQRT2)));

/** Cumulative bucket counts of `n` lognormal latencies (multinomial by conditional binomials). */
function histogram(n: number, median: number, sigma: number): number[] {
  const out: number[] = [];
  let left = n;
  let prevCdf = 0;
  let cum = 0;
  for (const b of BOUNDS) {
    const cdf = lognormalCdf(b, median, sigma);
    const p = prevCdf >= 1 ? 0 : (cdf - prevCdf) / (1 - prevCdf);
    const k = binomial(left, Math.min(1, Math.max(0, p)));
    left -= k;
    cum += k;
    out.push(cum);
    prevCdf = cdf;
  }
  out.push(n);
  return out;
}

function sideSamples(m: SideModel, intervals: number, regression?: Regression) {
  const requests: number[] = [];
  const errors: number[] = [];
  const perInterval: number[][] = [];
  for (let i = 0; i < intervals; i++) {
    const active = regression !== undefined && i >= (regression.fromInterval ?? 0);
    const n = rnd.poisson(m.rps * 60);
    const ratio = active && regression.errorRatio !== undefined ? regression.errorRatio : m.errorRatio;
    const e = binomial(n, ratio);
    const drift = Math.exp(0.05 * rnd.normal());
    const factor = active && regression.latencyFactor !== undefined ? regression.latencyFactor : 1;
    requests.push(n);
    errors.push(e);
    perInterval.push(histogram(n, m.medianMs * drift * factor, m.sigma));
  }
  const hist: SideHistogram = { bounds: BOUNDS, perInterval };
  const errorsTotal = errors.reduce((a, b) => a + b, 0);
  return { counts: { requests, errors, errorsByFlags: { '-': errorsTotal } }, hist };
}

interface Traffic {
  perServiceRps: number;
  meshShare: number;
  baseline: Omit<SideModel, 'rps'>;
  canary: Omit<SideModel, 'rps'>;
}

const DEFAULT_TRAFFIC: Traffic = {
  perServiceRps: 25,
  meshShare: 0.1,
  baseline: { errorRatio: 0.003, medianMs: 45, sigma: 0.45 },
  canary: { errorRatio: 0.003, medianMs: 45, sigma: 0.45 },
};

function step(t: Traffic, intervals: number, regression?: Regression): StepSamples {
  const end = Date.UTC(2026, 11, 2, 12, 0, 0);
  const grid = Array.from({ length: intervals }, (_, i) => end - (intervals - 1 - i) * 60_000);
  const services: ServiceSamples[] = SERVICES.map((service) => {
    const reg = regression?.service === service ? regression : undefined;
    const b = sideSamples({ ...t.baseline, rps: t.perServiceRps * (1 - t.meshShare) }, intervals);
    const c = sideSamples({ ...t.canary, rps: t.perServiceRps * t.meshShare }, intervals, reg);
    const meshRequests = c.counts.requests.reduce((a, x) => a + x, 0);
    return {
      service,
      gateway: { ok: true, value: { baseline: b.counts, canary: c.counts } },
      latency: { ok: true, value: { baseline: b.hist, canary: c.hist } },
      mesh: {
        ok: true,
        value: {
          requests: meshRequests,
          bySecurityPolicy: { mutual_tls: meshRequests },
          plaintextBySource: {},
          errorsByFlags: {},
        },
      },
      overflow: {
        ok: true,
        value: { series: { 'upstream_cx_overflow c': grid.map(() => 0) }, ejections: {} },
      },
      freshness: [
        {
          series: `s/${service}`,
          usedBy: ['error-ratio', 'latency', 'mtls'],
          newestSampleMs: end,
          precision: 'exact',
        },
      ],
    };
  });
  return {
    window: { start: new Date(end - intervals * 60_000), end: new Date(end), durationMs: intervals * 60_000 },
    intervalSeconds: 60,
    grid,
    scrapeInterval: { ms: 15_000, source: 'prometheus' },
    services,
  };
}

/** Share of runs with each verdict. */
function rates(runs: number, make: () => StepSamples, look: 'final' | 'interim' = 'final') {
  const n = { PASS: 0, FAIL: 0, INCONCLUSIVE: 0 };
  for (let i = 0; i < runs; i++) n[judgeCanary(make(), profile, { look }).verdict] += 1;
  return { fail: n.FAIL / runs, pass: n.PASS / runs, inconclusive: n.INCONCLUSIVE / runs };
}

/**
 * `monitor` on a step: every minute, the window since the weight change is judged; the step stops
 * at the failure budget (profile traffic.failureBudget: 2 FAILs in a row or 3 in all).
 */
function monitorRun(
  t: Traffic,
  minutes: number,
  regression: Regression | undefined,
  look: 'final' | 'interim',
) {
  const full = step(t, minutes, regression);
  const budget = profile.traffic.failureBudget;
  let consecutive = 0;
  let cumulative = 0;
  for (let k = 1; k <= minutes; k++) {
    const cut: StepSamples = {
      ...full,
      window: { start: full.window.start, end: new Date(full.grid[k - 1]!), durationMs: k * 60_000 },
      grid: full.grid.slice(0, k),
      services: full.services.map((s) => {
        if (!s.gateway.ok || !s.latency.ok) return s;
        const g = s.gateway.value;
        const l = s.latency.value;
        const slice = (c: typeof g.baseline) => ({
          requests: c.requests.slice(0, k),
          errors: c.errors.slice(0, k),
          errorsByFlags: c.errorsByFlags,
        });
        return {
          ...s,
          gateway: { ok: true, value: { baseline: slice(g.baseline), canary: slice(g.canary) } },
          latency: {
            ok: true,
            value: {
              baseline: { ...l.baseline, perInterval: l.baseline.perInterval.slice(0, k) },
              canary: { ...l.canary, perInterval: l.canary.perInterval.slice(0, k) },
            },
          },
          freshness: s.freshness.map((f) => ({ ...f, newestSampleMs: full.grid[k - 1]! })),
        };
      }),
    };
    const verdict = judgeCanary(cut, profile, { look: k === minutes ? 'final' : look }).verdict;
    if (verdict === 'FAIL') {
      consecutive++;
      cumulative++;
    } else consecutive = 0;
    if (consecutive >= budget.consecutive || cumulative >= budget.cumulative) return k;
  }
  return null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function runSimulation(runs = RUNS) {
  const rows: string[][] = [['case', 'window', 'runs', 'FAIL', 'PASS', 'INCONCLUSIVE', 'goal']];
  const out: Record<string, unknown> = { runs };
  const slower: Traffic = { ...DEFAULT_TRAFFIC, canary: { ...DEFAULT_TRAFFIC.canary, medianMs: 45 * 1.04 } };
  const cases: { name: string; traffic: Traffic; regression?: Regression; goal: string; runs: number }[] = [
    { name: 'healthy (identical sides)', traffic: DEFAULT_TRAFFIC, goal: 'FAIL ≤ 1 %', runs },
    { name: 'healthy, mesh 4 % slower', traffic: slower, goal: 'FAIL ≤ 1 %', runs },
    {
      name: '+1 pp 5xx on one service',
      traffic: DEFAULT_TRAFFIC,
      regression: { service: 'zamaz-api', errorRatio: 0.013 },
      goal: 'FAIL ≥ 80 %',
      runs: Math.ceil(runs / 3),
    },
    {
      name: '+50 % p99 on one service',
      traffic: DEFAULT_TRAFFIC,
      regression: { service: 'zamaz-api', latencyFactor: 1.5 },
      goal: 'FAIL ≥ 80 %',
      runs: Math.ceil(runs / 3),
    },
  ];
  for (const c of cases) {
    for (const minutes of [10, 30]) {
      const r = rates(c.runs, () => step(c.traffic, minutes, c.regression));
      out[`${c.name} / ${minutes}m`] = r;
      rows.push([
        c.name,
        `${minutes}m`,
        String(c.runs),
        pct(r.fail),
        pct(r.pass),
        pct(r.inconclusive),
        c.goal,
      ]);
    }
  }
  // monitor: +2 pp at 20 req/s per service (2 req/s to the mesh at 10 %), 30 one-minute looks.
  const monitorTraffic: Traffic = { ...DEFAULT_TRAFFIC, perServiceRps: 20 };
  const monitorRuns = Math.ceil(runs / 5);
  const monitorRows: string[][] = [
    ['monitor (30m, 1m looks, budget 2 in a row / 3)', 'looks', 'runs', 'stopped', 'median time to FAIL'],
  ];
  for (const look of ['final', 'interim'] as const) {
    const times: number[] = [];
    let stopped = 0;
    for (let i = 0; i < monitorRuns; i++) {
      const t = monitorRun(monitorTraffic, 30, { service: 'zamaz-api', errorRatio: 0.023 }, look);
      if (t !== null) {
        stopped++;
        times.push(t);
      }
    }
    const healthyStops = Array.from({ length: monitorRuns }, () =>
      monitorRun(monitorTraffic, 30, undefined, look),
    ).filter((t) => t !== null).length;
    const m = median(times);
    out[`monitor +2pp, ${look} looks`] = {
      stopped: stopped / monitorRuns,
      medianMinutes: m,
      healthyStops: healthyStops / monitorRuns,
    };
    monitorRows.push([
      `+2 pp 5xx at 20 req/s (healthy: ${pct(healthyStops / monitorRuns)} stopped)`,
      look === 'final' ? 'every look final (as monitor runs today)' : 'interim looks, last one final',
      String(monitorRuns),
      pct(stopped / monitorRuns),
      m === null ? 'never' : `${m} min`,
    ]);
  }
  return { rows, monitorRows, out };
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = Date.now();
  const { rows, monitorRows, out } = runSimulation();
  console.log(
    'canary judge, default profile, simulated traffic (2 services, 10 % step, 25 req/s per service)',
  );
  console.log(table(rows));
  console.log('');
  console.log(table(monitorRows));
  console.log(`\n(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  if (process.env.CANARY_BENCH_JSON) console.log(JSON.stringify(out));
}
