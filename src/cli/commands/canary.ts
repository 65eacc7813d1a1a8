import { ClusterClient, ClusterError, Resources, loadKubeConfig } from '../../cluster/index.ts';
import { renderVerdictText } from '../../report/render-canary.ts';
import { previousStep, readTrafficStep } from '../../traffic/index.ts';
import type { Profile } from '../../profile/index.ts';
import { ExitCode, type ExitCodeValue } from '../../report/index.ts';
import { analysisProfile, usageErrorsToExit3, type AnalysisOptions } from '../analysis-options.ts';
import { CanaryUsageError, evaluateCanary } from '../canary-gate.ts';
import type { GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';
import { withScenario } from '../scenario.ts';
import { applyGatedShift, rollbackAfterFail } from './shift.ts';

export { CanaryUsageError };
export type { AnalysisOptions };

export interface CanaryOptions extends AnalysisOptions {
  step: string;
  apply?: boolean;
  rollbackOnFail?: boolean;
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

/**
 * `meshgate canary --step N`: checks the VirtualService is at the step before N, optionally runs load,
 * analyses the window in Prometheus, writes the verdict document and exits 0 / 1 / 2 (3: usage, a
 * wrong current step, or a query the backend rejects). `--apply` moves to N on PASS;
 * `--rollback-on-fail` runs the emergency rollback on FAIL.
 */
export function canary(global: GlobalOptions, opts: CanaryOptions, io: Io): Promise<ExitCodeValue> {
  return usageErrorsToExit3(io, () => run(global, opts, io));
}

async function run(global: GlobalOptions, opts: CanaryOptions, io: Io): Promise<ExitCodeValue> {
  const { profile, file, end } = await analysisProfile(global, opts);
  const { step, expected } = parseStep(opts.step, profile);

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
    if (traffic.meshWeight !== undefined && traffic.meshWeight !== expected) {
      throw new CanaryUsageError(
        `VirtualService ${meshNs}/${vsName} sends ${traffic.meshWeight} % to the mesh, but --step ${step} analyses the ` +
          `step before it, ${expected} %: run \`meshgate canary --step ${nextStep(profile, traffic.meshWeight) ?? '<next step>'}\` ` +
          `to judge the current weight`,
      );
    }
    const gate = await evaluateCanary(
      { profile, profileFile: file, cluster, reportDir: global.reportDir, io },
      { step, vs, window: opts.window, end, load: opts.load },
    );
    io.out(
      global.output === 'json'
        ? `${JSON.stringify(gate.doc, null, 2)}\n`
        : renderVerdictText(gate.doc, gate.file),
    );
    if (gate.configurationError !== null) io.err(`error: ${gate.configurationError}\n`);
    if (opts.apply && gate.doc.verdict === 'PASS' && gate.configurationError === null) {
      return applyGatedShift(
        { profile, cluster, global, io },
        { to: step, verdict: gate.doc.verdict, verdictFile: gate.file },
      );
    }
    if (opts.rollbackOnFail && gate.doc.verdict === 'FAIL') {
      await rollbackAfterFail({ profile, cluster, global, io }, gate.file);
    }
    return gate.exitCode;
  });
}

function nextStep(profile: Profile, weight: number): number | undefined {
  const steps = profile.traffic.steps;
  return weight === 0 ? steps[0] : steps[steps.indexOf(weight) + 1];
}
