import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterClient, ClusterError, loadKubeConfig } from '../../cluster/index.ts';
import { loadProfile } from '../../profile/index.ts';
import {
  exitCodeOf,
  renderGateText,
  summarise,
  verdictOf,
  type ExitCodeValue,
  type GateReport,
  type SuiteName,
} from '../../report/index.ts';
import { profileOverrides, type GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';
import { runSuites } from '../run-suites.ts';
import { withScenario } from '../scenario.ts';

export interface VerifyOptions {
  scenario?: string[];
  probe?: boolean;
  prometheus?: string;
  end?: string;
  window?: string;
}

/** `meshgate verify [suites...]`: runs the suites and maps the result to the exit-code contract. */
export async function verify(
  suites: SuiteName[],
  global: GlobalOptions,
  opts: VerifyOptions,
  io: Io,
): Promise<ExitCodeValue> {
  const overrides = profileOverrides(global);
  if (opts.prometheus) overrides.prometheus = { url: opts.prometheus };
  const { profile, file } = await loadProfile({ configPath: global.config, overrides });
  return withScenario(opts.scenario, global, io, async (kubeconfig, context) => {
    const kc = loadKubeConfig({ kubeconfig, context });
    const server = kc.getCurrentCluster()?.server ?? '';
    const startedAt = new Date().toISOString();
    const base = {
      schema: 'meshgate.dev/gate-report/v1' as const,
      suites,
      cluster: { server, ...(kc.getCurrentContext() ? { context: kc.getCurrentContext() } : {}) },
      profile: file ?? 'defaults',
      startedAt,
    };
    // One cheap request first: an unreachable cluster is reported once, not once per check.
    try {
      await new ClusterClient(kc).version();
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      const report: GateReport = {
        ...base,
        verdict: 'INCONCLUSIVE',
        summary: summarise([]),
        checks: [],
        errors: [err.message],
        finishedAt: new Date().toISOString(),
      };
      return emit(report, global, io);
    }
    const run = await runSuites(suites, {
      profile,
      profileFile: file,
      kubeconfig,
      context,
      reportDir: global.reportDir,
      probe: opts.probe ?? false,
      canary: { end: opts.end, window: opts.window },
    });
    const report: GateReport = {
      ...base,
      verdict: verdictOf(run.checks, run.errors),
      summary: summarise(run.checks),
      checks: run.checks,
      errors:
        run.checks.length === 0 && run.errors.length === 0
          ? [`no checks ran in ${suites.join(', ')}`]
          : run.errors,
      finishedAt: new Date().toISOString(),
    };
    return emit(report, global, io);
  });
}

function emit(report: GateReport, global: GlobalOptions, io: Io): ExitCodeValue {
  mkdirSync(global.reportDir, { recursive: true });
  writeFileSync(path.join(global.reportDir, 'last-gate.json'), JSON.stringify(report, null, 2));
  io.out(global.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderGateText(report));
  return exitCodeOf(report.verdict);
}
