// Named scenarios of the canary analysis, each at its own fixed past time so that several can be
// loaded into one Prometheus and queried at their own `end` without touching each other.
import {
  generateScenario,
  scenarioParams,
  type Scenario,
  type ScenarioInput,
  type ScenarioParams,
} from './openmetrics.ts';

export type PresetName =
  | 'healthyCanary'
  | 'appRegression'
  | 'proxyOverflow'
  | 'latencyRegression'
  | 'plaintext'
  | 'lowTraffic'
  | 'multipleSeries';

export type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

/** What a correct canary judge concludes from a preset, and why. */
export interface PresetIntent {
  readonly verdict: Verdict;
  /** Whose fault a FAIL is: the application's or the mesh's (proxy, mTLS, configuration). */
  readonly attribution?: 'app' | 'mesh';
  readonly reason: string;
}

interface Preset {
  readonly intent: PresetIntent;
  readonly input: ScenarioInput;
}

/** 30-minute windows, two hours apart (one TSDB block range each), on 2026-11-29. */
function slot(hour: number): Pick<ScenarioParams, 'start' | 'end'> {
  const hh = String(hour).padStart(2, '0');
  return { start: new Date(`2026-11-29T${hh}:00:00Z`), end: new Date(`2026-11-29T${hh}:30:00Z`) };
}

const PRESETS: Readonly<Record<PresetName, Preset>> = {
  healthyCanary: {
    intent: {
      verdict: 'PASS',
      reason:
        'mesh error ratio and latency match legacy (0.3 % app 5xx both, median 47 vs 45 ms), 100 % mTLS, no overflow',
    },
    input: { name: 'healthyCanary', seed: 101, ...slot(10) },
  },
  appRegression: {
    intent: {
      verdict: 'FAIL',
      attribution: 'app',
      reason:
        'mesh 5xx at 4 % vs 0.3 % legacy, all with response_flags "-" (the app answered 500/503 itself)',
    },
    input: {
      name: 'appRegression',
      seed: 102,
      ...slot(0),
      mesh: {
        errorRatio: 0.04,
        errorMix: [
          { code: 500, flags: '-', share: 0.8 },
          { code: 503, flags: '-', share: 0.2 },
        ],
      },
    },
  },
  proxyOverflow: {
    intent: {
      verdict: 'FAIL',
      attribution: 'mesh',
      reason:
        'mesh 5xx at 3.5 %, mostly 503 UO/UF made by the gateway proxy; upstream_rq_pending_overflow rises with the UO count ' +
        'and upstream_cx_overflow at 2/s: the DestinationRule connection pool (http1MaxPendingRequests, maxConnections) is too tight',
    },
    input: {
      name: 'proxyOverflow',
      seed: 103,
      ...slot(2),
      mesh: {
        errorRatio: 0.035,
        errorMix: [
          { code: 503, flags: 'UO', share: 0.75 },
          { code: 503, flags: 'UF', share: 0.15 },
          { code: 500, flags: '-', share: 0.1 },
        ],
      },
      circuitBreaker: { cxOverflowPerSecond: 2, ejectionsActive: 1 },
    },
  },
  latencyRegression: {
    intent: {
      verdict: 'FAIL',
      reason:
        'errors unchanged, but 6 % of mesh requests take ~1.2 s: mesh p99 ≈ 1.5–2.5 s vs legacy ≈ 130 ms',
    },
    input: {
      name: 'latencyRegression',
      seed: 104,
      ...slot(4),
      mesh: { latency: { medianMs: 47, sigma: 0.45, tail: { share: 0.06, medianMs: 1200, sigma: 0.35 } } },
    },
  },
  plaintext: {
    intent: {
      verdict: 'FAIL',
      attribution: 'mesh',
      reason:
        'report-exporter (namespace zamaz-batch) calls the mesh service in plaintext (connection_security_policy="none", ' +
        'source_principal="unknown"): mTLS is not 100 %',
    },
    input: {
      name: 'plaintext',
      seed: 105,
      ...slot(6),
      extraSources: [
        {
          workload: 'zamaz-frontend',
          namespace: 'zamaz-mesh',
          serviceAccount: 'zamaz-frontend',
          rps: 2,
          mtls: true,
        },
        {
          workload: 'report-exporter',
          namespace: 'zamaz-batch',
          serviceAccount: 'report-exporter',
          rps: 0.5,
          mtls: false,
        },
      ],
    },
  },
  lowTraffic: {
    intent: {
      verdict: 'INCONCLUSIVE',
      reason:
        'about 36 mesh requests in 30 min (0.2 rps × 10 %): too few to detect a regression; many 1-minute intervals are empty',
    },
    input: { name: 'lowTraffic', seed: 106, ...slot(8), totalRps: 0.2, meshShare: 0.1, extraSources: [] },
  },
  multipleSeries: {
    intent: {
      verdict: 'INCONCLUSIVE',
      reason:
        'two gateways named istio-ingressgateway (istio-system and istio-ingress) route the service: single-series queries ' +
        'return two series (MultipleSeries) until the selection is narrowed',
    },
    input: {
      name: 'multipleSeries',
      seed: 107,
      ...slot(12),
      gateways: [
        {
          workload: 'istio-ingressgateway',
          namespace: 'istio-system',
          serviceAccount: 'istio-ingressgateway',
          share: 0.6,
          pods: 1,
        },
        {
          workload: 'istio-ingressgateway',
          namespace: 'istio-ingress',
          serviceAccount: 'istio-ingressgateway',
          share: 0.4,
          pods: 1,
        },
      ],
    },
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as readonly PresetName[];

export function presetIntent(name: PresetName): PresetIntent {
  return PRESETS[name].intent;
}

/** A preset's parameters, optionally adjusted (e.g. another `start`, `seed` or `meshShare`). */
export function presetParams(name: PresetName, overrides: ScenarioInput = {}): ScenarioParams {
  const base = PRESETS[name].input;
  return scenarioParams({
    ...base,
    ...overrides,
    legacy: { ...base.legacy, ...overrides.legacy },
    mesh: { ...base.mesh, ...overrides.mesh },
    circuitBreaker: { ...base.circuitBreaker, ...overrides.circuitBreaker },
  });
}

/**
 * A preset as it is (no overrides), generated once per worker: the test files of a worker share their
 * modules (the unit project runs with isolate: false), and several of them load the same presets into
 * Prometheus (seconds of generation each). A Scenario is read-only data.
 */
const generated = new Map<PresetName, Scenario>();

/** Generates a preset scenario. */
export function preset(name: PresetName, overrides: ScenarioInput = {}): Scenario {
  if (Object.keys(overrides).length > 0) return generateScenario(presetParams(name, overrides));
  let s = generated.get(name);
  if (!s) generated.set(name, (s = generateScenario(presetParams(name))));
  return s;
}

export const healthyCanary = (o?: ScenarioInput) => preset('healthyCanary', o);
export const appRegression = (o?: ScenarioInput) => preset('appRegression', o);
export const proxyOverflow = (o?: ScenarioInput) => preset('proxyOverflow', o);
export const latencyRegression = (o?: ScenarioInput) => preset('latencyRegression', o);
export const plaintext = (o?: ScenarioInput) => preset('plaintext', o);
export const lowTraffic = (o?: ScenarioInput) => preset('lowTraffic', o);
export const multipleSeries = (o?: ScenarioInput) => preset('multipleSeries', o);
