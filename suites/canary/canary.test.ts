// The canary gate as a suite: judges the current window through the same analysis as `meshgate
// canary` (one Prometheus round per run, shared by the tests) and attaches the decision trace.
import * as allure from 'allure-js-commons';
import { describe } from 'vitest';
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
import { gate } from '../support/gate.ts';
import type { SuiteContext } from '../support/context.ts';

interface Evaluation {
  analysis: CanaryAnalysis;
  trace: TraceEntry[];
  window: string;
}

let evaluation: Promise<Evaluation> | undefined;

function evaluate(ctx: SuiteContext): Promise<Evaluation> {
  evaluation ??= (async () => {
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

function metricGate(kind: MetricKind, id: string, title: string): void {
  gate('canary', id, title, async (ctx) => {
    const { analysis, trace, window } = await evaluate(ctx);
    const records = analysis.metrics.filter((m) => m.metric === kind);
    await allure.attachment(
      'decision-trace.json',
      JSON.stringify(
        { verdict: analysis.verdict, reason: analysis.reason, window, metrics: records },
        null,
        2,
      ),
      'application/json',
    );
    // The step's queries serve every metric and service at once: attach them all.
    await allure.attachment('queries.json', JSON.stringify(trace, null, 2), 'application/json');
    return resultOf(records, window);
  });
}

describe('Canary: the mesh serves as well as the legacy path', () => {
  metricGate(
    'error-ratio',
    'canary.error-ratio',
    'Mesh 5xx ratio is not above legacy (two-proportion test, enough traffic)',
  );
  metricGate('latency', 'canary.latency', 'Mesh per-interval latency quantile is within tolerance of legacy');
  metricGate('mtls', 'canary.mtls', 'Every request reaching the mesh workloads uses mutual TLS');
  metricGate('overflow', 'canary.overflow', 'No sustained circuit-breaker overflow towards the mesh');
});
