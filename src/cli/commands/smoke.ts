import { ClusterClient, loadKubeConfig, type ClusterClient as Client } from '../../cluster/index.ts';
import { LoadRunnerUnavailable } from '../../load/index.ts';
import type { Profile } from '../../profile/index.ts';
import {
  ExitCode,
  exitCodeOf,
  renderChecksText,
  summarise,
  verdictOf,
  type ExitCodeValue,
  type Verdict,
} from '../../report/index.ts';
import { loadRunnerFor } from '../canary-gate.ts';
import type { GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';
import { runSuites } from '../run-suites.ts';
import { withScenario } from '../scenario.ts';
import { analysisProfile, usageErrorsToExit3 } from '../analysis-options.ts';

export interface SmokeOutcome {
  verdict: Verdict;
  reason: string;
}

/**
 * The guide's Step 7: a smoke run against the mesh services directly (health and main paths),
 * before any user traffic moves. `--load none` cannot smoke-test anything: inconclusive.
 */
export async function smokeGate(
  profile: Profile,
  cluster: Client,
  load: string,
  io: Io,
): Promise<SmokeOutcome> {
  if (load === 'none') {
    return {
      verdict: 'INCONCLUSIVE',
      reason: 'not run (--load none): pass --load builtin or k6 to smoke-test the mesh',
    };
  }
  const runner = await loadRunnerFor(load, profile);
  try {
    const r = await runner.run(
      { step: 0, runId: `smoke-${Date.now()}`, script: 'smoke' },
      { profile, cluster, onProgress: (line) => io.err(`${line}\n`) },
    );
    const failed = r.thresholds
      .filter((t) => !t.ok)
      .map((t) => `${t.metric} ${t.expression} (actual ${t.actual ?? 'n/a'})`);
    if (r.ok)
      return {
        verdict: 'PASS',
        reason: `${r.achieved.requests} requests, every check and threshold held (${r.runner})`,
      };
    return {
      verdict: 'FAIL',
      reason: `${r.runner}: ${[...failed, ...r.notes].join('; ') || 'the smoke run did not pass'}`,
    };
  } catch (err) {
    if (err instanceof LoadRunnerUnavailable) return { verdict: 'INCONCLUSIVE', reason: err.message };
    throw err;
  }
}

/** `meshgate test`: Step 7, initial testing: the smoke run plus the security suite (mTLS and policies). */
export function testStep(
  global: GlobalOptions,
  opts: { load: string; scenario?: string[] },
  io: Io,
): Promise<ExitCodeValue> {
  return usageErrorsToExit3(io, async () => {
    const { profile, file } = await analysisProfile(global, opts);
    return withScenario(opts.scenario, global, io, async (kubeconfig, context) => {
      const cluster = new ClusterClient(loadKubeConfig({ kubeconfig, context }));
      const smoke = await smokeGate(profile, cluster, opts.load, io);
      const run = await runSuites(['security'], {
        profile,
        profileFile: file,
        kubeconfig,
        context,
        reportDir: global.reportDir,
        probe: false,
      });
      const suites = verdictOf(run.checks, run.errors);
      const verdict: Verdict =
        smoke.verdict === 'FAIL' || suites === 'FAIL'
          ? 'FAIL'
          : smoke.verdict === 'INCONCLUSIVE' || suites === 'INCONCLUSIVE'
            ? 'INCONCLUSIVE'
            : 'PASS';
      const doc = {
        schema: 'meshgate.dev/smoke-test/v1',
        verdict,
        smoke,
        security: { verdict: suites, summary: summarise(run.checks), checks: run.checks, errors: run.errors },
      };
      if (global.output === 'json') io.out(`${JSON.stringify(doc, null, 2)}\n`);
      else {
        io.out(`Step 7 smoke run: ${smoke.verdict} — ${smoke.reason}\n`);
        io.out(renderChecksText(run.checks, run.errors));
        io.out(`initial testing: ${verdict}\n`);
      }
      return verdict === 'PASS' ? ExitCode.Pass : exitCodeOf(verdict);
    });
  });
}
