import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterClient, ClusterError, Resources, loadKubeConfig } from '../../cluster/index.ts';
import type { LoadRequest, LoadResult, LoadRunner, LoadRunnerName } from '../../load/types.ts';
import { LOAD_RUNNER_NAMES } from '../../load/types.ts';
import { createPrometheusClient } from '../../metrics/index.ts';
import {
  buildDocument,
  canaryServices,
  gatherCanaryInputs,
  judgeCanary,
  MissingCredential,
  WindowError,
  parseEnd,
  previousStep,
  prometheusOptions,
  readTrafficStep,
  renderVerdictText,
  resolveWindow,
  verdictFileName,
  type CanaryVerdictDocument,
  type LoadSummary,
} from '../../metrics/canary/index.ts';
import { loadProfile, type Profile } from '../../profile/index.ts';
import { ExitCode, exitCodeOf, type ExitCodeValue } from '../../report/index.ts';
import { profileOverrides, type GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';
import { withScenario } from '../scenario.ts';

export interface CanaryOptions {
  step: string;
  window?: string;
  end?: string;
  prometheus?: string;
  load: string;
  scenario?: string[];
}

/** A usage or state problem: printed as `error: …`, exit 3. */
export class CanaryUsageError extends Error {
  override readonly name = 'CanaryUsageError';
}

/** `--load none`: no generated traffic; the window holds whatever real traffic there was. */
export const noLoad: LoadRunner = {
  name: 'none',
  async run(req: LoadRequest): Promise<LoadResult> {
    const now = new Date().toISOString();
    return {
      runner: 'none',
      script: req.script ?? 'canary',
      step: req.step,
      runId: req.runId,
      requested: { rate: 0, duration: '0s' },
      achieved: { rate: null, requests: 0 },
      errorRate: null,
      latencyMs: { p50: null, p95: null, p99: null, max: null },
      thresholds: [],
      ok: true,
      notes: ['no load generated (--load none): the window holds only real traffic'],
      startedAt: now,
      finishedAt: now,
    };
  },
};

/**
 * The runners `--load` can use, by name. A runner from src/load plugs in with one entry here
 * (e.g. `k6: async () => new K6Runner()`); names without an entry are refused with exit 3.
 */
export const LOAD_RUNNERS: Partial<Record<LoadRunnerName, () => Promise<LoadRunner>>> = {
  none: async () => noLoad,
};

function loadRunner(name: string): () => Promise<LoadRunner> {
  const known = (LOAD_RUNNER_NAMES as readonly string[]).includes(name);
  const factory = known ? LOAD_RUNNERS[name as LoadRunnerName] : undefined;
  const available = Object.keys(LOAD_RUNNERS).join(', ');
  if (!factory) {
    throw new CanaryUsageError(
      known
        ? `--load ${name}: this meshgate has no ${name} runner for the canary command; available: ${available}`
        : `--load ${name}: unknown load runner; choose from ${LOAD_RUNNER_NAMES.join(', ')} (available here: ${available})`,
    );
  }
  return factory;
}

function parseStep(text: string, profile: Profile): { step: number; expected: number } {
  const step = Number(text);
  const steps = profile.traffic.steps;
  const expected = Number.isInteger(step) ? previousStep(steps, step) : undefined;
  if (expected === undefined) {
    throw new CanaryUsageError(
      `--step ${text} is not a step of the profile (traffic.steps: ${steps.join(', ')})`,
    );
  }
  return { step, expected };
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
 * `meshgate canary --step N`: checks the VirtualService is at the step before N, optionally runs load,
 * analyses the window in Prometheus, writes the verdict document and exits 0 / 1 / 2 (3: usage, a
 * wrong current step, or a query the backend rejects).
 */
export async function canary(global: GlobalOptions, opts: CanaryOptions, io: Io): Promise<ExitCodeValue> {
  try {
    return await run(global, opts, io);
  } catch (err) {
    if (err instanceof CanaryUsageError || err instanceof WindowError || err instanceof MissingCredential) {
      io.err(`error: ${err.message}\n`);
      return ExitCode.Usage;
    }
    throw err;
  }
}

async function run(global: GlobalOptions, opts: CanaryOptions, io: Io): Promise<ExitCodeValue> {
  const overrides = profileOverrides(global);
  if (opts.prometheus) overrides.prometheus = { url: opts.prometheus };
  const { profile, file } = await loadProfile({ configPath: global.config, overrides });
  const { step, expected } = parseStep(opts.step, profile);
  const runnerFactory = loadRunner(opts.load);
  const endFlag = opts.end !== undefined ? parseEnd(opts.end) : undefined;
  // Fail on a malformed --window before touching the cluster.
  if (opts.window !== undefined)
    resolveWindow({ end: new Date(), window: opts.window, fallback: profile.canary.window });
  const clientOptions = prometheusOptions(profile);

  return withScenario(opts.scenario, global, io, async (kubeconfig, context) => {
    const cluster = new ClusterClient(loadKubeConfig({ kubeconfig, context }));
    const vsName = profile.traffic.virtualService;
    const meshNs = profile.namespaces.mesh;
    let vs;
    try {
      vs = await cluster.find(Resources.virtualServices, vsName, meshNs);
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      io.err(
        `error: cannot read VirtualService ${meshNs}/${vsName} to check the current step: ${err.message}\n`,
      );
      return ExitCode.Inconclusive;
    }
    if (!vs) {
      throw new CanaryUsageError(
        `VirtualService ${meshNs}/${vsName} does not exist: check traffic.virtualService and namespaces.mesh in the profile`,
      );
    }
    const traffic = readTrafficStep(vs, meshNs);
    if (traffic.meshWeight === undefined) {
      throw new CanaryUsageError(
        `VirtualService ${meshNs}/${vsName} routes disagree on the mesh weight (${traffic.routes
          .map((r) => `${r.route}: ${r.mesh} %`)
          .join(', ')}): bring every route to ${expected} % before analysing step ${step}`,
      );
    }
    if (traffic.meshWeight !== expected) {
      throw new CanaryUsageError(
        `VirtualService ${meshNs}/${vsName} sends ${traffic.meshWeight} % to the mesh, but --step ${step} analyses the ` +
          `step before it, ${expected} %: run \`meshgate canary --step ${nextStep(profile, traffic.meshWeight) ?? '<next step>'}\` ` +
          `to judge the current weight`,
      );
    }

    const runner = await runnerFactory();
    const load = await runner.run(
      { step: expected, runId: `canary-${step}-${Date.now()}` },
      { profile, cluster, onProgress: (line) => io.err(`${line}\n`) },
    );
    const window = resolveWindow({
      end: endFlag ?? new Date(),
      window: opts.window,
      lastShiftAt: traffic.lastShiftAt,
      fallback: profile.canary.window,
    });
    const client = createPrometheusClient(clientOptions);
    let doc: CanaryVerdictDocument;
    let configurationError: string | null;
    try {
      const inputs = await gatherCanaryInputs({ source: client, profile, window });
      const analysis = judgeCanary(inputs, profile);
      doc = buildDocument(analysis, {
        step,
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
          name: vsName,
          routes: traffic.routes,
          lastShiftAt: traffic.lastShiftAt ?? null,
        },
        prometheus: client.options,
        load: loadSummary(load),
        trace: inputs.trace,
        profile: file ?? 'defaults',
        analysedAt: new Date(),
      });
      configurationError = analysis.verdict === 'FAIL' ? null : analysis.configurationError;
    } finally {
      await client.close();
    }
    const out = write(doc, global);
    io.out(global.output === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : renderVerdictText(doc, out));
    // A rejected query never heals by waiting: exit 3 (configuration), unless a FAIL was seen anyway.
    if (configurationError !== null) {
      io.err(`error: ${configurationError}\n`);
      return ExitCode.Usage;
    }
    return exitCodeOf(doc.verdict);
  });
}

function nextStep(profile: Profile, weight: number): number | undefined {
  const steps = profile.traffic.steps;
  return weight === 0 ? steps[0] : steps[steps.indexOf(weight) + 1];
}

function write(doc: CanaryVerdictDocument, global: GlobalOptions): string {
  const dir = path.join(global.reportDir, 'verdicts');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, verdictFileName(doc.step, new Date(doc.window.end)));
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
