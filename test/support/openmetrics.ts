// Deterministic OpenMetrics scenarios of an Envoy→Istio canary, in the shape Istio really exports,
// for `promtool tsdb create-blocks-from openmetrics`. promtool wants sample timestamps in *seconds*
// (milliseconds are silently read as seconds, tens of thousands of years ahead) and the text must end
// with `# EOF`; `writeOpenMetrics` enforces both.
import { promDuration } from '../../src/metrics/index.ts';
import { Random } from './openmetrics-random.ts';

/** Envoy's default histogram buckets, as Istio exports `istio_request_duration_milliseconds`. */
export const ENVOY_DEFAULT_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

/** Scrape interval of the generated data. */
export const STEP_SECONDS = 15;

// ---------------------------------------------------------------------------------------------
// Writer

export type OmLabels = Readonly<Record<string, string>>;

export interface OmScalarMetric {
  readonly labels: OmLabels;
  /** `t` in Unix seconds, strictly increasing. */
  readonly points: readonly { readonly t: number; readonly value: number }[];
}

export interface OmHistogramMetric {
  readonly labels: OmLabels;
  /** `cumulative` has one count per bucket of the family plus `+Inf` last. */
  readonly points: readonly {
    readonly t: number;
    readonly cumulative: readonly number[];
    readonly sum: number;
  }[];
}

export type OmFamily =
  | {
      readonly name: string;
      /** `unknown` for Envoy counters such as `envoy_cluster_upstream_cx_overflow` that lack `_total`. */
      readonly type: 'counter' | 'gauge' | 'unknown';
      readonly help?: string;
      readonly metrics: readonly OmScalarMetric[];
    }
  | {
      readonly name: string;
      readonly type: 'histogram';
      readonly help?: string;
      readonly buckets: readonly number[];
      readonly metrics: readonly OmHistogramMetric[];
    };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Unix seconds beyond this (year 5138) are milliseconds by mistake. */
const MAX_SECONDS = 1e11;

function escapeOm(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function formatLabelSet(labels: OmLabels, extra?: readonly [string, string]): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_NAME.test(k)) throw new Error(`invalid label name ${JSON.stringify(k)}`);
    parts.push(`${k}="${escapeOm(v)}"`);
  }
  if (extra) parts.push(`${extra[0]}="${escapeOm(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
}

function checkTimes(family: string, times: readonly number[]): void {
  let previous = -Infinity;
  for (const t of times) {
    if (!Number.isFinite(t) || t < 0 || t >= MAX_SECONDS) {
      throw new Error(
        `${family}: timestamp ${t} is not Unix seconds (promtool reads OpenMetrics timestamps as seconds)`,
      );
    }
    if (t <= previous)
      throw new Error(`${family}: timestamps must increase within a series (${previous} then ${t})`);
    previous = t;
  }
}

/** Renders metric families as OpenMetrics text ending in `# EOF`. Metrics are written point by point. */
export function writeOpenMetrics(families: readonly OmFamily[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
    if (seen.has(family.name)) throw new Error(`metric family ${family.name} written twice`);
    seen.add(family.name);
    if (family.type === 'counter' && family.name.endsWith('_total')) {
      throw new Error(
        `counter family ${family.name}: name the family without _total; samples get the suffix`,
      );
    }
    out.push(`# TYPE ${family.name} ${family.type}`);
    if (family.help)
      out.push(`# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    if (family.type === 'histogram') {
      const les = [...family.buckets.map(String), '+Inf'];
      for (const metric of family.metrics) {
        checkTimes(
          family.name,
          metric.points.map((p) => p.t),
        );
        const bucketLabels = les.map((le) => formatLabelSet(metric.labels, ['le', le]));
        const plain = formatLabelSet(metric.labels);
        for (const p of metric.points) {
          if (p.cumulative.length !== les.length)
            throw new Error(`${family.name}: expected ${les.length} bucket counts`);
          p.cumulative.forEach((c, i) => out.push(`${family.name}_bucket${bucketLabels[i]} ${c} ${p.t}`));
          out.push(`${family.name}_count${plain} ${p.cumulative[les.length - 1]} ${p.t}`);
          out.push(`${family.name}_sum${plain} ${formatNumber(p.sum)} ${p.t}`);
        }
      }
    } else {
      const sampleName = family.type === 'counter' ? `${family.name}_total` : family.name;
      for (const metric of family.metrics) {
        checkTimes(
          family.name,
          metric.points.map((p) => p.t),
        );
        const prefix = `${sampleName}${formatLabelSet(metric.labels)} `;
        for (const p of metric.points) out.push(`${prefix}${formatNumber(p.value)} ${p.t}`);
      }
    }
  }
  out.push('# EOF', '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Istio canary scenario

/** A 5xx (or other) answer: its code, its Envoy response_flags and its share among errors. */
export interface ErrorShare {
  readonly code: number;
  /** `-` = the app answered; `UO` overflow, `UF` connect failure, `UH` no healthy upstream, `URX`, `NR`. */
  readonly flags: string;
  readonly share: number;
}

export interface LatencyModel {
  readonly medianMs: number;
  /** Log-space standard deviation. */
  readonly sigma: number;
  /** A slow mode mixed in, e.g. 5 % of requests around 1.2 s. */
  readonly tail?: { readonly share: number; readonly medianMs: number; readonly sigma: number };
}

export interface SideProfile {
  /** Fraction of this side's requests that fail. */
  readonly errorRatio: number;
  readonly errorMix: readonly ErrorShare[];
  readonly latency: LatencyModel;
}

export interface GatewaySpec {
  readonly workload: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Share of the traffic this gateway carries. */
  readonly share: number;
  readonly pods: number;
}

/** An in-mesh client of the mesh service other than the gateway (seen only by reporter="destination"). */
export interface ExtraSource {
  readonly workload: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly rps: number;
  /** false: plaintext (connection_security_policy="none", source_principal="unknown"). */
  readonly mtls: boolean;
}

export interface ScenarioParams {
  readonly name: string;
  readonly seed: number;
  /** Analysis window: the traffic step starts here. Multiples of 15 s. */
  readonly start: Date;
  readonly end: Date;
  /** Data before `start` at the same rates, so counters have samples before the window. */
  readonly warmupSeconds: number;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  readonly service: string;
  readonly port: number;
  readonly legacyNamespace: string;
  readonly meshNamespace: string;
  readonly gateways: readonly GatewaySpec[];
  readonly meshPods: number;
  /** Requests per second the gateway(s) route to the service, both sides together. */
  readonly totalRps: number;
  /** The traffic step: the mesh side's share of `totalRps`. */
  readonly meshShare: number;
  readonly legacy: SideProfile;
  readonly mesh: SideProfile;
  readonly extraSources: readonly ExtraSource[];
  /**
   * Changes from a point in time on (a late regression, a blip): from `from` (exclusive) the sides'
   * profiles are merged with these. Later phases override earlier ones.
   */
  readonly phases?: readonly {
    readonly from: Date;
    readonly legacy?: Partial<SideProfile>;
    readonly mesh?: Partial<SideProfile>;
  }[];
  readonly circuitBreaker: {
    /** upstream_cx_overflow rate on the gateways' outbound cluster to the mesh service. */
    readonly cxOverflowPerSecond: number;
    /** outlier_detection.ejections_active on that cluster during the second half of the window. */
    readonly ejectionsActive: number;
  };
}

export type ScenarioInput = Partial<Omit<ScenarioParams, 'legacy' | 'mesh' | 'circuitBreaker'>> & {
  readonly legacy?: Partial<SideProfile>;
  readonly mesh?: Partial<SideProfile>;
  readonly circuitBreaker?: Partial<ScenarioParams['circuitBreaker']>;
};

export const DEFAULT_SCENARIO: ScenarioParams = {
  name: 'custom',
  seed: 20261129,
  start: new Date('2026-11-29T10:00:00Z'),
  end: new Date('2026-11-29T10:30:00Z'),
  warmupSeconds: 300,
  trustDomain: 'zamaz.local',
  clusterDomain: 'cluster.local',
  service: 'zamaz-api',
  port: 8080,
  legacyNamespace: 'zamaz',
  meshNamespace: 'zamaz-mesh',
  gateways: [
    {
      workload: 'istio-ingressgateway',
      namespace: 'istio-system',
      serviceAccount: 'istio-ingressgateway',
      share: 1,
      pods: 1,
    },
  ],
  meshPods: 1,
  totalRps: 40,
  meshShare: 0.25,
  legacy: {
    errorRatio: 0.003,
    errorMix: [{ code: 500, flags: '-', share: 1 }],
    latency: { medianMs: 45, sigma: 0.45 },
  },
  mesh: {
    errorRatio: 0.003,
    errorMix: [{ code: 500, flags: '-', share: 1 }],
    latency: { medianMs: 47, sigma: 0.45 },
  },
  extraSources: [
    {
      workload: 'zamaz-frontend',
      namespace: 'zamaz-mesh',
      serviceAccount: 'zamaz-frontend',
      rps: 2,
      mtls: true,
    },
  ],
  circuitBreaker: { cxOverflowPerSecond: 0, ejectionsActive: 0 },
};

export type Side = 'legacy' | 'mesh';

export interface SideTally {
  readonly requests: number;
  readonly errors5xx: number;
  readonly byCode: Readonly<Record<string, number>>;
  readonly byFlags5xx: Readonly<Record<string, number>>;
  /** Cumulative counts per bucket of ENVOY_DEFAULT_BUCKETS_MS, then +Inf. */
  readonly bucketsCumulative: readonly number[];
  readonly sumMs: number;
}

/** What happened in a time range, by construction: the numbers queries must reproduce. */
export interface ScenarioTally {
  readonly legacy: SideTally;
  readonly mesh: SideTally;
  /** Requests per gateway namespace and side. */
  readonly byGatewayNamespace: Readonly<Record<string, { readonly legacy: number; readonly mesh: number }>>;
  /** As the mesh workload's sidecars report it (reporter="destination"). */
  readonly meshDestination: {
    readonly requests: number;
    readonly bySecurityPolicy: Readonly<Record<string, number>>;
    /** Keyed `namespace/workload/connection_security_policy`. */
    readonly bySource: Readonly<Record<string, number>>;
    readonly byFlags5xx: Readonly<Record<string, number>>;
  };
  /** Outbound clusters of the mesh service, all gateway pods together. */
  readonly circuitBreaker: {
    readonly pendingOverflow: number;
    readonly cxOverflow: number;
    readonly ejectionsActiveMax: number;
  };
}

export interface SideVars {
  readonly gatewayWorkload: string;
  readonly namespace: string;
  readonly service: string;
  readonly window: string;
  readonly interval: string;
}

export interface Scenario {
  readonly params: ScenarioParams;
  readonly openmetrics: string;
  /** First and last sample time of the data (window start minus warm-up, window end). */
  readonly dataStart: Date;
  readonly dataEnd: Date;
  /** Template variables for each side, window = the whole analysis window, interval = 1m. */
  readonly vars: { readonly legacy: SideVars; readonly mesh: SideVars };
  /** Tally of the analysis window. */
  readonly expected: ScenarioTally;
  /** Tally of (from, to]; both must be sample times (multiples of 15 s within the data). */
  tally(from: Date, to: Date): ScenarioTally;
  readonly seriesCount: number;
}

/** Fills in defaults: nested side profiles and circuit-breaker settings are merged field by field. */
export function scenarioParams(input: ScenarioInput = {}): ScenarioParams {
  const d = DEFAULT_SCENARIO;
  return {
    ...d,
    ...input,
    legacy: { ...d.legacy, ...input.legacy },
    mesh: { ...d.mesh, ...input.mesh },
    circuitBreaker: { ...d.circuitBreaker, ...input.circuitBreaker },
  };
}

function validate(p: ScenarioParams): void {
  const step = STEP_SECONDS * 1000;
  const problems: string[] = [];
  if (p.start.getTime() % step !== 0 || p.end.getTime() % step !== 0)
    problems.push('start and end must be multiples of 15 s');
  if (p.end.getTime() <= p.start.getTime()) problems.push('end must be after start');
  if (p.warmupSeconds % STEP_SECONDS !== 0 || p.warmupSeconds < 0)
    problems.push('warmupSeconds must be a multiple of 15');
  if (!(p.meshShare >= 0 && p.meshShare <= 1)) problems.push('meshShare must be in [0, 1]');
  if (!(p.totalRps >= 0)) problems.push('totalRps must be >= 0');
  if (p.gateways.length === 0) problems.push('at least one gateway');
  for (const side of [p.legacy, p.mesh]) {
    if (!(side.errorRatio >= 0 && side.errorRatio <= 1)) problems.push('errorRatio must be in [0, 1]');
    if (side.errorRatio > 0 && side.errorMix.reduce((s, e) => s + e.share, 0) <= 0)
      problems.push('errorMix needs shares');
    if (side.errorMix.some((e) => e.code === 200)) problems.push('errorMix codes must not be 200');
  }
  if (problems.length > 0) throw new Error(`scenario ${p.name}: ${problems.join('; ')}`);
}

interface CounterState {
  readonly labels: OmLabels;
  value: number;
  readonly points: { t: number; value: number }[];
}

interface HistogramState {
  readonly labels: OmLabels;
  readonly counts: number[];
  sum: number;
  readonly points: { t: number; cumulative: number[]; sum: number }[];
}

interface Pod {
  readonly name: string;
  readonly ip: string;
}

/** Tallies one step's events under flat keys; `max:` keys keep maxima instead of sums. */
type StepCounts = Map<string, number>;

const ERROR_LATENCY_MEDIAN_MS = 0.4; // proxy-made errors (UO, UF, …) are answered without an upstream

/** Generates a scenario. Same parameters, same text, byte for byte. */
export function generateScenario(input: ScenarioInput = {}): Scenario {
  const p = scenarioParams(input);
  validate(p);
  const rnd = new Random(p.seed);
  const names = new Random(p.seed ^ 0x5bd1e995);
  const buckets = ENVOY_DEFAULT_BUCKETS_MS;
  const t0 = p.start.getTime() / 1000 - p.warmupSeconds;
  const tEnd = p.end.getTime() / 1000;
  const steps = (tEnd - t0) / STEP_SECONDS;

  const fqdn = (ns: string) => `${p.service}.${ns}.svc.${p.clusterDomain}`;
  const spiffe = (ns: string, sa: string) => `spiffe://${p.trustDomain}/ns/${ns}/sa/${sa}`;
  let ipCounter = 0;
  const pod = (workload: string): Pod => {
    ipCounter += 1;
    return {
      name: `${workload}-${names.suffix(10)}-${names.suffix(5)}`,
      ip: `10.244.${Math.floor(ipCounter / 200) + 1}.${(ipCounter % 200) + 10}:15020`,
    };
  };
  const scrape = (namespace: string, pd: Pod) => ({
    instance: pd.ip,
    job: 'kubernetes-pods',
    namespace,
    pod: pd.name,
  });

  const gateways = p.gateways.map((g) => ({
    ...g,
    podList: Array.from({ length: g.pods }, () => pod(g.workload)),
  }));
  const meshPods = Array.from({ length: p.meshPods }, () => pod(p.service));
  const sides: Record<Side, { namespace: string; profile: SideProfile; rps: number }> = {
    legacy: { namespace: p.legacyNamespace, profile: p.legacy, rps: p.totalRps * (1 - p.meshShare) },
    mesh: { namespace: p.meshNamespace, profile: p.mesh, rps: p.totalRps * p.meshShare },
  };

  const requests = new Map<string, CounterState>();
  const histograms = new Map<string, HistogramState>();
  const gauges = new Map<string, CounterState>();
  const pendingOverflow = new Map<string, CounterState>();
  const cxOverflow = new Map<string, CounterState>();

  const sourceLabels = (g: GatewaySpec) => ({
    source_workload: g.workload,
    source_workload_namespace: g.namespace,
    source_principal: spiffe(g.namespace, g.serviceAccount),
    source_app: g.workload,
    source_version: 'unknown',
    source_canonical_service: g.workload,
    source_canonical_revision: 'latest',
    source_cluster: 'Kubernetes',
  });
  const destinationLabels = (side: Side) => {
    const ns = sides[side].namespace;
    const mesh = side === 'mesh';
    return {
      // The legacy pods have no sidecar: the gateway cannot learn their workload metadata.
      destination_workload: mesh ? p.service : 'unknown',
      destination_workload_namespace: mesh ? ns : 'unknown',
      destination_principal: mesh ? spiffe(ns, p.service) : 'unknown',
      destination_app: mesh ? p.service : 'unknown',
      destination_version: mesh ? 'v1' : 'unknown',
      destination_service: fqdn(ns),
      destination_service_name: p.service,
      destination_service_namespace: ns,
      destination_canonical_service: mesh ? p.service : 'unknown',
      destination_canonical_revision: mesh ? 'v1' : 'latest',
      destination_cluster: mesh ? 'Kubernetes' : 'unknown',
    };
  };
  const resultLabels = (code: number, flags: string, policy: string) => ({
    request_protocol: 'http',
    response_code: String(code),
    grpc_response_status: '',
    response_flags: flags,
    connection_security_policy: policy,
  });

  const phases = [...(p.phases ?? [])].sort((a, b) => a.from.getTime() - b.from.getTime());
  /** The side's profile for a step ending at `t` (Unix seconds). */
  const profileAt = (side: Side, t: number): SideProfile =>
    phases
      .filter((ph) => t > ph.from.getTime() / 1000)
      .reduce((prof, ph) => ({ ...prof, ...ph[side] }), sides[side].profile);
  const allMixes = (side: Side): SideProfile => ({
    ...sides[side].profile,
    errorMix: [sides[side].profile, ...phases.map((ph) => ph[side] ?? {})].flatMap((x) => x.errorMix ?? []),
  });
  const outcomes = (profile: SideProfile) => [{ code: 200, flags: '-', share: 0 }, ...profile.errorMix];
  const appOutcomes = (profile: SideProfile) => outcomes(profile).filter((o) => o.flags === '-');

  // Create every series up front, at 0 from the first sample: Envoy would create them on first use,
  // but the gateway of a real migration has served these routes long before the window.
  const gwKey = (g: GatewaySpec, pd: Pod, side: Side, code: number, flags: string) =>
    `${g.namespace}/${pd.name}/${side}/${code}/${flags}`;
  for (const g of gateways) {
    for (const pd of g.podList) {
      for (const side of ['legacy', 'mesh'] as const) {
        for (const o of outcomes(allMixes(side))) {
          const key = gwKey(g, pd, side, o.code, o.flags);
          if (requests.has(key)) continue;
          const labels = {
            reporter: 'source',
            ...sourceLabels(g),
            ...destinationLabels(side),
            ...resultLabels(o.code, o.flags, 'unknown'),
            ...scrape(g.namespace, pd),
          };
          requests.set(key, { labels, value: 0, points: [] });
          histograms.set(key, {
            labels,
            counts: new Array<number>(buckets.length + 1).fill(0),
            sum: 0,
            points: [],
          });
        }
        const cluster = `outbound|${p.port}||${fqdn(sides[side].namespace)}`;
        const envoyLabels = { cluster_name: cluster, ...scrape(g.namespace, pd) };
        const cbKey = `${g.namespace}/${pd.name}/${side}`;
        pendingOverflow.set(cbKey, { labels: envoyLabels, value: 0, points: [] });
        cxOverflow.set(cbKey, { labels: envoyLabels, value: 0, points: [] });
        gauges.set(cbKey, { labels: envoyLabels, value: 0, points: [] });
      }
    }
  }
  const destinationSources = [
    ...p.gateways.map((g) => ({ ...g, rps: 0, mtls: true })),
    ...p.extraSources.map((s) => ({ ...s, share: 0, pods: 0 })),
  ];
  const dstKey = (pd: Pod, src: { namespace: string; workload: string }, code: number) =>
    `dst/${pd.name}/${src.namespace}/${src.workload}/${code}`;
  for (const pd of meshPods) {
    for (const src of destinationSources) {
      for (const o of appOutcomes(allMixes('mesh'))) {
        const key = dstKey(pd, src, o.code);
        if (requests.has(key)) continue;
        const policy = src.mtls ? 'mutual_tls' : 'none';
        requests.set(key, {
          labels: {
            reporter: 'destination',
            ...sourceLabels({ ...src, share: 0, pods: 0 }),
            ...(src.mtls ? {} : { source_principal: 'unknown' }),
            ...destinationLabels('mesh'),
            ...resultLabels(o.code, '-', policy),
            ...scrape(p.meshNamespace, pd),
          },
          value: 0,
          points: [],
        });
      }
    }
  }

  const stepCounts: StepCounts[] = [];
  const add = (counts: StepCounts, key: string, n = 1) => counts.set(key, (counts.get(key) ?? 0) + n);
  const must = <T>(map: Map<string, T>, key: string): T => {
    const v = map.get(key);
    if (v === undefined) throw new Error(`generator bug: no series ${key}`);
    return v;
  };

  const latency = (model: LatencyModel): number =>
    model.tail && rnd.next() < model.tail.share
      ? rnd.lognormal(model.tail.medianMs, model.tail.sigma)
      : rnd.lognormal(model.medianMs, model.sigma);
  const bucketIndex = (ms: number) => {
    const i = buckets.findIndex((le) => ms <= le);
    return i === -1 ? buckets.length : i;
  };
  const pickOutcome = (profile: SideProfile, appOnly: boolean): ErrorShare => {
    const errors = appOnly ? profile.errorMix.filter((e) => e.flags === '-') : profile.errorMix;
    const ratio = appOnly
      ? profile.errorRatio *
        (errors.reduce((s, e) => s + e.share, 0) / (profile.errorMix.reduce((s, e) => s + e.share, 0) || 1))
      : profile.errorRatio;
    if (errors.length === 0 || rnd.next() >= ratio) return { code: 200, flags: '-', share: 0 };
    return rnd.weighted(errors, (e) => e.share);
  };

  const emit = (t: number) => {
    for (const s of [
      ...requests.values(),
      ...pendingOverflow.values(),
      ...cxOverflow.values(),
      ...gauges.values(),
    ]) {
      s.points.push({ t, value: s.value });
    }
    for (const h of histograms.values()) {
      let running = 0;
      const cumulative = h.counts.map((c) => (running += c));
      h.points.push({ t, cumulative, sum: h.sum });
    }
  };

  emit(t0);
  stepCounts.push(new Map());
  const ejectFrom = p.start.getTime() / 1000 + (tEnd - p.start.getTime() / 1000) / 2;
  for (let k = 1; k <= steps; k++) {
    const t = t0 + k * STEP_SECONDS;
    const counts: StepCounts = new Map();
    for (const side of ['legacy', 'mesh'] as const) {
      const { rps } = sides[side];
      const profile = profileAt(side, t);
      const n = rnd.poisson(rps * STEP_SECONDS);
      for (let i = 0; i < n; i++) {
        const g = rnd.weighted(gateways, (x) => x.share);
        const pd = g.podList[Math.floor(rnd.next() * g.podList.length)] as Pod;
        const o = pickOutcome(profile, false);
        const ms = o.flags === '-' ? latency(profile.latency) : rnd.lognormal(ERROR_LATENCY_MEDIAN_MS, 0.5);
        const key = gwKey(g, pd, side, o.code, o.flags);
        must(requests, key).value += 1;
        const h = must(histograms, key);
        const b = bucketIndex(ms);
        h.counts[b] = (h.counts[b] ?? 0) + 1;
        h.sum += ms;
        add(counts, `${side}.req`);
        add(counts, `${side}.code.${o.code}`);
        if (o.code >= 500) add(counts, `${side}.flags5xx.${o.flags}`);
        add(counts, `${side}.b.${b}`);
        add(counts, `${side}.sum`, ms);
        add(counts, `gw.${g.namespace}.${side}`);
        if (o.flags === 'UO') {
          must(pendingOverflow, `${g.namespace}/${pd.name}/${side}`).value += 1;
          if (side === 'mesh') add(counts, 'cb.pending');
        }
        if (side === 'mesh' && o.flags === '-') {
          const dst = meshPods[Math.floor(rnd.next() * meshPods.length)] as Pod;
          recordDestination(counts, dst, g, o.code, true);
        }
      }
    }
    for (const src of p.extraSources) {
      const n = rnd.poisson(src.rps * STEP_SECONDS);
      for (let i = 0; i < n; i++) {
        const o = pickOutcome(profileAt('mesh', t), true);
        const dst = meshPods[Math.floor(rnd.next() * meshPods.length)] as Pod;
        recordDestination(counts, dst, src, o.code, src.mtls);
      }
    }
    for (const g of gateways) {
      for (const pd of g.podList) {
        const perPod = p.circuitBreaker.cxOverflowPerSecond * STEP_SECONDS * (g.share / g.podList.length);
        const n = rnd.poisson(perPod);
        must(cxOverflow, `${g.namespace}/${pd.name}/mesh`).value += n;
        add(counts, 'cb.cx', n);
        const ejected = t > ejectFrom ? p.circuitBreaker.ejectionsActive : 0;
        must(gauges, `${g.namespace}/${pd.name}/mesh`).value = ejected;
        counts.set('max:cb.ejections', Math.max(counts.get('max:cb.ejections') ?? 0, ejected));
      }
    }
    emit(t);
    stepCounts.push(counts);
  }

  function recordDestination(
    counts: StepCounts,
    dst: Pod,
    src: { namespace: string; workload: string },
    code: number,
    mtls: boolean,
  ): void {
    must(requests, dstKey(dst, src, code)).value += 1;
    const policy = mtls ? 'mutual_tls' : 'none';
    add(counts, 'dst.req');
    add(counts, `dst.csp.${policy}`);
    add(counts, `dst.src.${src.namespace}/${src.workload}/${policy}`);
    if (code >= 500) add(counts, 'dst.flags5xx.-');
  }

  const labelsOf = <T extends { labels: OmLabels }>(m: Map<string, T>) => [...m.values()];
  const families: OmFamily[] = [
    {
      name: 'istio_requests',
      type: 'counter',
      help: 'Istio standard metric: requests, by reporter and workload metadata.',
      metrics: labelsOf(requests),
    },
    {
      name: 'istio_request_duration_milliseconds',
      type: 'histogram',
      help: 'Istio standard metric: request duration in milliseconds.',
      buckets,
      metrics: labelsOf(histograms),
    },
    // Envoy counters keep their names without _total; in OpenMetrics that makes them "unknown".
    {
      name: 'envoy_cluster_upstream_rq_pending_overflow',
      type: 'unknown',
      metrics: labelsOf(pendingOverflow),
    },
    { name: 'envoy_cluster_upstream_cx_overflow', type: 'unknown', metrics: labelsOf(cxOverflow) },
    { name: 'envoy_cluster_outlier_detection_ejections_active', type: 'gauge', metrics: labelsOf(gauges) },
  ];
  const openmetrics = writeOpenMetrics(families);

  const tally = (from: Date, to: Date): ScenarioTally => {
    const a = (from.getTime() / 1000 - t0) / STEP_SECONDS;
    const b = (to.getTime() / 1000 - t0) / STEP_SECONDS;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > steps || a > b) {
      throw new Error(`tally(${from.toISOString()}, ${to.toISOString()}): not sample times within the data`);
    }
    const sum = new Map<string, number>();
    for (let k = a + 1; k <= b; k++) {
      for (const [key, v] of stepCounts[k] ?? []) {
        sum.set(key, key.startsWith('max:') ? Math.max(sum.get(key) ?? 0, v) : (sum.get(key) ?? 0) + v);
      }
    }
    return summarize(sum, buckets.length);
  };

  const sideVars = (side: Side): SideVars => ({
    gatewayWorkload: (p.gateways[0] as GatewaySpec).workload,
    namespace: sides[side].namespace,
    service: p.service,
    window: promDuration(p.end.getTime() - p.start.getTime()),
    interval: '1m',
  });

  return {
    params: p,
    openmetrics,
    dataStart: new Date(t0 * 1000),
    dataEnd: p.end,
    vars: { legacy: sideVars('legacy'), mesh: sideVars('mesh') },
    expected: tally(p.start, p.end),
    tally,
    seriesCount:
      requests.size +
      histograms.size * (buckets.length + 3) +
      pendingOverflow.size +
      cxOverflow.size +
      gauges.size,
  };
}

function prefixed(sum: ReadonlyMap<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of sum) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

function summarize(sum: ReadonlyMap<string, number>, bucketCount: number): ScenarioTally {
  const get = (k: string) => sum.get(k) ?? 0;
  const side = (s: Side): SideTally => {
    let running = 0;
    const byFlags5xx = prefixed(sum, `${s}.flags5xx.`);
    return {
      requests: get(`${s}.req`),
      errors5xx: Object.values(byFlags5xx).reduce((a, b) => a + b, 0),
      byCode: prefixed(sum, `${s}.code.`),
      byFlags5xx,
      bucketsCumulative: Array.from({ length: bucketCount + 1 }, (_, i) => (running += get(`${s}.b.${i}`))),
      sumMs: get(`${s}.sum`),
    };
  };
  const byGatewayNamespace: Record<string, { legacy: number; mesh: number }> = {};
  for (const [k, v] of sum) {
    const m = /^gw\.(.+)\.(legacy|mesh)$/.exec(k);
    if (!m) continue;
    const entry = (byGatewayNamespace[m[1] as string] ??= { legacy: 0, mesh: 0 });
    entry[m[2] as Side] = v;
  }
  return {
    legacy: side('legacy'),
    mesh: side('mesh'),
    byGatewayNamespace,
    meshDestination: {
      requests: get('dst.req'),
      bySecurityPolicy: prefixed(sum, 'dst.csp.'),
      bySource: prefixed(sum, 'dst.src.'),
      byFlags5xx: prefixed(sum, 'dst.flags5xx.'),
    },
    circuitBreaker: {
      pendingOverflow: get('cb.pending'),
      cxOverflow: get('cb.cx'),
      ejectionsActiveMax: get('max:cb.ejections'),
    },
  };
}

/**
 * The quantile Prometheus' `histogram_quantile` gives for cumulative bucket counts (classic
 * histograms: linear interpolation inside the bucket; the +Inf bucket answers the highest finite
 * bound). NaN for an empty histogram.
 */
export function histogramQuantile(
  q: number,
  cumulative: readonly number[],
  bounds: readonly number[] = ENVOY_DEFAULT_BUCKETS_MS,
): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total === 0) return Number.NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * total;
  const b = cumulative.findIndex((c) => c >= rank);
  if (b === -1 || b >= bounds.length) return bounds[bounds.length - 1] ?? Number.NaN;
  const upper = bounds[b] as number;
  const lower = b === 0 ? 0 : (bounds[b - 1] as number);
  const below = b === 0 ? 0 : (cumulative[b - 1] as number);
  const inBucket = (cumulative[b] as number) - below;
  if (b === 0 && upper <= 0) return upper;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}
