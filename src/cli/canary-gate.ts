import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterClient, KubeObject } from '../cluster/index.ts';
import { findK6, selectRunner, type LoadResult, type LoadRunner } from '../load/index.ts';
import { createPrometheusClient } from '../metrics/index.ts';
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
import { readTrafficStep } from '../traffic/index.ts';
import type { Profile } from '../profile/index.ts';
import { ExitCode, exitCodeOf, type ExitCodeValue } from '../report/index.ts';
import type { Io } from './output.ts';

/** A usage or state problem: printed as `error: …`, exit 3. */
export class CanaryUsageError extends Error {
  override readonly name = 'CanaryUsageError';
}

export interface CanaryGateRequest {
  /** The step the verdict gates (the weight to move to). */
  step: number;
  /** The VirtualService, already read; its weight is the one being judged. */
  vs: KubeObject;
  window?: string | undefined;
  end?: Date | undefined;
  /** `--load` value: auto, k6, k6-operator, builtin or none. */
  load: string;
}

export interface CanaryGateResult {
  doc: CanaryVerdictDocument;
  file: string;
  exitCode: ExitCodeValue;
  /** Set when a query was rejected (never heals by waiting): the command exits 3 unless a FAIL was seen. */
  configurationError: string | null;
}

/** The runner for `--load`; a name that is not a runner, or k6 without a binary, is a usage error. */
export async function loadRunnerFor(name: string, profile: Profile): Promise<LoadRunner> {
  if (name === 'k6' && !(await findK6(profile, process.env))) {
    throw new CanaryUsageError(
      '--load k6: no k6 executable found (load.k6.binary in the profile, K6_BIN, or k6 on PATH); ' +
        'install k6, or use --load builtin (or auto, which falls back to it)',
    );
  }
  try {
    return await selectRunner(name, { profile });
  } catch (err) {
    if (err instanceof RangeError) throw new CanaryUsageError(err.message);
    throw err;
  }
}

function loadSummary(r: LoadResult): LoadSummary {
  const status = r.runner === 'none' ? 'skipped' : r.ok ? 'completed' : 'failed';
  const summary =
    r.runner === 'none'
      ? 'no load generated'
      : `${r.achieved.requests} requests at ${r.achieved.rate?.toFixed(1) ?? 'n/a'} req/s${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`;
  return { runner: r.runner, status, summary, details: r };
}

/**
 * Runs load (if asked), analyses the window in Prometheus and writes the verdict document. Shared by
 * `canary`, `shift`, `complete`, `monitor` and `serve-webhook`, so every gate judges the same way.
 */
export async function evaluateCanary(
  ctx: {
    profile: Profile;
    profileFile: string | undefined;
    cluster: ClusterClient;
    reportDir: string;
    io: Io;
  },
  req: CanaryGateRequest,
): Promise<CanaryGateResult> {
  const { profile, cluster, io } = ctx;
  const meshNs = profile.namespaces.mesh;
  const traffic = readTrafficStep(req.vs, meshNs);
  if (traffic.meshWeight === undefined) {
    throw new CanaryUsageError(
      `VirtualService ${meshNs}/${req.vs.metadata.name} routes disagree on the mesh weight (${traffic.routes
        .map((r) => `${r.route}: ${r.mesh} %`)
        .join(', ')}): bring every route to one step first`,
    );
  }
  const runner = await loadRunnerFor(req.load, profile);
  const load = await runner.run(
    { step: traffic.meshWeight, runId: `canary-${req.step}-${Date.now()}` },
    { profile, cluster, onProgress: (line) => io.err(`${line}\n`) },
  );
  const window = resolveWindow({
    end: req.end ?? new Date(),
    window: req.window,
    lastShiftAt: traffic.lastShiftAt,
    fallback: profile.canary.window,
  });
  const client = createPrometheusClient(prometheusOptions(profile));
  try {
    const inputs = await gatherCanaryInputs({ source: client, profile, window });
    const analysis = judgeCanary(inputs, profile);
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
      load: loadSummary(load),
      trace: inputs.trace,
      profile: ctx.profileFile ?? 'defaults',
      analysedAt: new Date(),
    });
    const configurationError = analysis.verdict === 'FAIL' ? null : analysis.configurationError;
    const file = writeVerdict(doc, ctx.reportDir);
    return {
      doc,
      file,
      configurationError,
      exitCode: configurationError !== null ? ExitCode.Usage : exitCodeOf(doc.verdict),
    };
  } finally {
    await client.close();
  }
}

export function writeVerdict(doc: CanaryVerdictDocument, reportDir: string): string {
  const dir = path.join(reportDir, 'verdicts');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, verdictFileName(doc.step, new Date(doc.window.end)));
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
