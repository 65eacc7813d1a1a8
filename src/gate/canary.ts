// The canary verdict for one step: load (if asked), the window analysed in Prometheus, the judge's
// verdict, the verdict document. The one place the gate calls src/metrics and the judge, so moving
// the judge or the Prometheus client changes only these imports.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterClient, KubeObject } from '../cluster/index.ts';
import type { LoadResult } from '../load/index.ts';
import {
  createPrometheusClient,
  type MetricsSource,
  type PrometheusClientOptions,
} from '../metrics/index.ts';
import {
  buildDocument,
  judgeCanary,
  verdictFileName,
  type CanaryVerdictDocument,
  type LoadSummary,
} from '../canary/index.ts';
import {
  canaryServices,
  gatherCanaryInputs,
  prometheusOptions,
  resolveWindow,
} from '../metrics/canary/index.ts';
import { renderVerdictText } from '../report/render-canary.ts';
import type { Profile } from '../profile/index.ts';
import { worstVerdict, type Verdict } from '../report/types.ts';
import { readTrafficStep } from '../traffic/index.ts';
import { UsageError } from './errors.ts';
import { describeLoad, loadRunnerFor, runLoad } from './load.ts';
import type { GateRun } from './run.ts';

export { renderVerdictText };
export type { CanaryVerdictDocument };

export interface CanaryGateRequest {
  /** The step the verdict gates (the weight to move to). */
  step: number;
  /** The VirtualService, already read; its weight is the one being judged. */
  vs: KubeObject;
  window?: string | undefined;
  end?: Date | undefined;
  /** `--load` value: auto, k6, k6-operator, builtin or none. */
  load: string;
  /** `interim` for a look while the step still runs (monitor's evaluations before its last). */
  look?: 'interim' | 'final' | undefined;
}

export interface CanaryGateContext {
  profile: Profile;
  profileFile: string | undefined;
  cluster: ClusterClient;
}

export interface CanaryGateResult {
  doc: CanaryVerdictDocument;
  file: string;
  /** The step's verdict: the judge's, made worse by a load run that failed or cannot be judged. */
  verdict: Verdict;
  /** Set when a query was rejected (never heals by waiting): the command exits 3 unless a FAIL was seen. */
  configurationError: string | null;
  load: LoadResult | undefined;
}

function loadSummary(r: LoadResult | { unavailable: string }, runner: string): LoadSummary {
  if ('unavailable' in r) return { runner, status: 'inconclusive', summary: r.unavailable };
  const status =
    r.runner === 'none'
      ? 'skipped'
      : r.verdict === 'PASS'
        ? 'completed'
        : r.verdict === 'FAIL'
          ? 'failed'
          : 'inconclusive';
  const notes = r.notes.length ? `; ${r.notes.join('; ')}` : '';
  return {
    runner: r.runner,
    status,
    summary: `${describeLoad(r)}${r.runner === 'none' ? '' : notes}`,
    details: r,
  };
}

/** Counts answered queries on the display; the judge never sees the difference. */
function counted(source: MetricsSource, run: GateRun): MetricsSource {
  let answered = 0;
  const tick = <T>(p: Promise<T>): Promise<T> =>
    p.finally(() => run.progress.status(`Prometheus: ${++answered} queries answered`));
  const counting: MetricsSource = {
    query: (q, t) => tick(source.query(q, t)),
    queryRange: (q, s, e, step) => tick(source.queryRange(q, s, e, step)),
    isOnline: () => source.isOnline(),
  };
  // The freshness rule reads Prometheus' scrape interval through the source's configYaml: dropping
  // it here made every gate assume the 1m default and allow samples up to 2m old.
  const config = (source as { configYaml?: () => Promise<string> }).configYaml;
  return config ? Object.assign(counting, { configYaml: () => config.call(source) }) : counting;
}

/**
 * Runs load (if asked), analyses the window in Prometheus and writes the verdict document. Shared by
 * `canary`, `shift`, `complete`, `monitor` and `serve-webhook`, so every gate judges the same way.
 * A stopped run rejects with Interrupted and writes no verdict document.
 */
export async function evaluateCanary(
  run: GateRun,
  ctx: CanaryGateContext,
  req: CanaryGateRequest,
): Promise<CanaryGateResult> {
  const { profile, cluster } = ctx;
  const meshNs = profile.namespaces.mesh;
  const traffic = readTrafficStep(req.vs, meshNs);
  if (traffic.meshWeight === undefined) {
    throw new UsageError(
      'VirtualService',
      `VirtualService ${meshNs}/${req.vs.metadata.name} routes disagree on the mesh weight (${traffic.routes
        .map((r) => `${r.route}: ${r.mesh} %`)
        .join(', ')}): bring every route to one step first`,
    );
  }
  const runner = await loadRunnerFor(req.load, profile, run.env);
  const load = await runLoad(
    run,
    runner,
    { step: traffic.meshWeight, runId: `canary-${req.step}-${Date.now()}` },
    { profile, cluster },
  );
  const window = resolveWindow({
    end: req.end ?? new Date(),
    window: req.window,
    lastShiftAt: traffic.lastShiftAt,
    fallback: profile.canary.window,
  });
  // `signal` stops in-flight queries where the client supports it; run.step stops the wait anyway.
  const options: PrometheusClientOptions & { signal?: AbortSignal } = {
    ...prometheusOptions(profile, run.env),
    signal: run.signal,
  };
  const client = createPrometheusClient(options);
  run.progress.stage(
    `Prometheus ${client.options.url}: window ${window.start.toISOString()} → ${window.end.toISOString()}`,
  );
  let closed = false;
  try {
    const inputs = await run.step(`Prometheus at ${client.options.url} (canary queries)`, () =>
      gatherCanaryInputs({ source: counted(client, run), profile, window, signal: run.signal }),
    );
    const analysis = judgeCanary(inputs, profile, { look: req.look ?? 'final' });
    const doc = buildDocument(analysis, {
      step: req.step,
      currentWeight: traffic.meshWeight,
      window,
      intervalSeconds: inputs.intervalSeconds,
      services: canaryServices(profile),
      thresholds: {
        errorRatio: profile.canary.errorRatio,
        latency: profile.canary.latency,
        overflow: profile.canary.overflow,
      },
      virtualService: {
        namespace: meshNs,
        name: req.vs.metadata.name,
        routes: traffic.routes,
        lastShiftAt: traffic.lastShiftAt ?? null,
      },
      prometheus: client.options,
      load: loadSummary(load, runner.name),
      trace: inputs.trace,
      profile: ctx.profileFile ?? 'defaults',
      analysedAt: new Date(),
    });
    // A load run that failed, or that cannot be judged, never lets the step pass.
    const loadVerdict: Verdict = 'unavailable' in load ? 'INCONCLUSIVE' : load.verdict;
    if (
      runner.name !== 'none' &&
      loadVerdict !== 'PASS' &&
      worstVerdict(doc.verdict, loadVerdict) !== doc.verdict
    ) {
      doc.verdict = worstVerdict(doc.verdict, loadVerdict);
      doc.reason = `${doc.verdict} — the ${runner.name} load run ${
        'unavailable' in load ? `could not start: ${load.unavailable}` : `was ${load.verdict}: ${load.reason}`
      }; the metrics said: ${doc.reason}`;
    }
    const configurationError = doc.verdict === 'FAIL' ? null : analysis.configurationError;
    const file = writeVerdict(doc, run.reportDir);
    run.trace(`canary-verdict-step-${req.step}`, doc);
    run.progress.line(`canary verdict for step ${req.step}: ${doc.verdict}`);
    return {
      doc,
      file,
      verdict: doc.verdict,
      configurationError,
      load: 'unavailable' in load ? undefined : load,
    };
  } catch (err) {
    // Stopped: an in-flight query may hold the pool open; do not wait for it.
    closed = true;
    void client.close().catch(() => undefined);
    throw err;
  } finally {
    if (!closed) await client.close();
  }
}

export function writeVerdict(doc: CanaryVerdictDocument, reportDir: string): string {
  const dir = path.join(reportDir, 'verdicts');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, verdictFileName(doc.step, new Date(doc.window.end)));
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
