// The canary gate as data: judges the current window through the same analysis as `meshgate canary`
// (one Prometheus round per run, shared by the four checks) and keeps the decision trace as evidence.
// canary.test.ts declares these as vitest tests; the CLI's direct engine runs them in-process.
import { Resources } from '../../src/cluster/index.ts';
import type { CheckResult, Finding } from '../../src/checks/types.ts';
import { createPrometheusClient } from '../../src/metrics/index.ts';
import {
  judgeCanary,
  type CanaryAnalysis,
  type MetricKind,
  type MetricRecord,
} from '../../src/canary/index.ts';
import {
  gatherCanaryInputs,
  parseEnd,
  prometheusOptions,
  resolveWindow,
  type TraceEntry,
} from '../../src/metrics/canary/index.ts';
import { readTrafficStep } from '../../src/traffic/index.ts';
import type { SuiteContext } from '../support/context.ts';
import type { GateGroup, GateSpec } from '../support/gate-spec.ts';

interface Evaluation {
  analysis: CanaryAnalysis;
  trace: TraceEntry[];
  window: string;
}

/** One evaluation per run: a run has one cluster client, whichever engine runs the checks. */
const evaluations = new WeakMap<SuiteContext['cluster'], Promise<Evaluation>>();

function evaluate(ctx: SuiteContext): Promise<Evaluation> {
  const known = evaluations.get(ctx.cluster);
  if (known) return known;
  const evaluation = (async () => {
    const { profile, run, cluster } = ctx;
    // The window starts at the last weight change when the VirtualService records it.
    const vs = await cluster.find(
      Resources.virtualServices,
      profile.traffic.virtualService,
      profile.namespaces.mesh,
    );
    const window = resolveWindow({
      end: run.canary?.end ? parseEnd(run.canary.end) : new Date(),
      window: run.canary?.window,
      lastShiftAt: vs ? readTrafficStep(vs, profile.namespaces.mesh).lastShiftAt : undefined,
      fallback: profile.canary.window,
    });
    const client = createPrometheusClient(prometheusOptions(profile));
    try {
      const inputs = await gatherCanaryInputs({ source: client, profile, window });
      return {
        analysis: judgeCanary(inputs, profile),
        trace: inputs.trace,
        window: `${window.start.toISOString()} → ${window.end.toISOString()} (${window.source})`,
      };
    } finally {
      await client.close();
    }
  })();
  evaluations.set(ctx.cluster, evaluation);
  return evaluation;
}

function finding(m: MetricRecord): Finding {
  return { object: `canary/${m.name}`, message: m.reason, hint: m.hint ?? '' };
}

/** Worst verdict of a metric over the services: FAIL, then INCONCLUSIVE, then PASS. */
function resultOf(records: MetricRecord[], window: string): CheckResult {
  const details = [`window ${window}`, ...records.map((m) => `${m.verdict} ${m.name}: ${m.summary}`)];
  const failedOnes = records.filter((m) => m.verdict === 'FAIL');
  if (failedOnes.length > 0) return { status: 'failed', findings: failedOnes.map(finding), details };
  const unseen = records.filter((m) => m.verdict === 'INCONCLUSIVE');
  if (unseen.length > 0 || records.length === 0) {
    return { status: 'inconclusive', findings: unseen.map(finding), details };
  }
  return { status: 'passed', findings: [], details };
}

function metricGate(kind: MetricKind, id: string, title: string): GateSpec {
  return {
    id,
    title,
    body: async (ctx, evidence) => {
      const { analysis, trace, window } = await evaluate(ctx);
      const records = analysis.metrics.filter((m) => m.metric === kind);
      evidence?.keep(
        {
          name: 'decision-trace.json',
          contentType: 'application/json',
          body: JSON.stringify(
            { verdict: analysis.verdict, reason: analysis.reason, window, metrics: records },
            null,
            2,
          ),
        },
        // The step's queries serve every metric and service at once: attach them all.
        { name: 'queries.json', contentType: 'application/json', body: JSON.stringify(trace, null, 2) },
      );
      return resultOf(records, window);
    },
  };
}

export const CANARY_GATES: GateGroup[] = [
  {
    title: 'Canary: the mesh serves as well as the legacy path',
    gates: [
      metricGate(
        'error-ratio',
        'canary.error-ratio',
        'Mesh 5xx ratio is not above legacy (two-proportion test, enough traffic)',
      ),
      metricGate(
        'latency',
        'canary.latency',
        'Mesh per-interval latency quantile is within tolerance of legacy',
      ),
      metricGate('mtls', 'canary.mtls', 'Every request reaching the mesh workloads uses mutual TLS'),
      metricGate('overflow', 'canary.overflow', 'No sustained circuit-breaker overflow towards the mesh'),
    ],
  },
];
