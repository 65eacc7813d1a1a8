// The end of every gated run: its directory under <reportDir>/runs gets result.json (the --output json
// document), junit.xml, summary.md and the Allure run files (src/report/run-directory.ts), `latest`
// moves to it and old runs are pruned past the profile's reports.keepRuns.

import type { Profile } from '../profile/index.ts';
import { canaryChecks } from '../report/canary-checks.ts';
import { DEFAULT_KEEP_RUNS } from '../report/run-directory.ts';
import { profileDigest, type RunEnvironment } from '../report/run-environment.ts';
import type { CheckRecord } from '../report/types.ts';
import { MESHGATE_VERSION } from '../run/constants.ts';
import type { GateRun, GateRunResult } from './run.ts';

/** What a run learnt about where it ran, filled in by the gate as it goes. */
export interface RunFacts {
  /** The effective profile (defaults + file + flags). */
  profile?: Profile | undefined;
  /** The API server's gitVersion, when the run asked for it. */
  kubernetesVersion?: string | undefined;
}

/** The checks a run's reports show: the suites', plus a canary verdict's metrics as checks. */
export function runChecks(result: GateRunResult): CheckRecord[] {
  const checks = [...result.checks];
  const canary = result.canary;
  if (canary && !checks.some((c) => c.suite === 'canary')) checks.push(...canaryChecks(canary.metrics));
  return checks;
}

export function runEnvironment(run: GateRun, result: GateRunResult): RunEnvironment {
  const p = run.facts.profile;
  return {
    meshgateVersion: MESHGATE_VERSION,
    profileFile: result.profile,
    ...(p ? { profileDigest: profileDigest(p) } : {}),
    cluster: result.cluster ?? { server: 'not reached' },
    ...(run.facts.kubernetesVersion ? { kubernetesVersion: run.facts.kubernetesVersion } : {}),
    // What the profile expects: the mesh suite compares istiod's image with it.
    ...(p ? { istioVersion: `${p.istio.version} (profile)` } : {}),
    ...(p?.prometheus.url ? { prometheusUrl: p.prometheus.url } : {}),
  };
}

function reasonOf(document: unknown): string | undefined {
  const reason = (document as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

/**
 * Writes the run's directory from its result (once; a run without a directory is left alone) and
 * returns the directory. The result.json is exactly what `--output json` prints.
 */
export function recordRun(run: GateRun, result: GateRunResult): string | undefined {
  const dir = run.runDirectory;
  if (!dir) return undefined;
  const checks = runChecks(result);
  // junit.xml counts the checks plus these errors, as result.json does (an interruption is already
  // in the checks it left INCONCLUSIVE, and in the reason).
  const errors = [...result.errors];
  dir.finish(
    {
      verdict: result.verdict,
      exitCode: result.exitCode,
      checks,
      errors,
      document: result.document,
      environment: runEnvironment(run, result),
      reason: reasonOf(result.document) ?? result.interrupted?.message,
    },
    { keepRuns: run.facts.profile?.reports.keepRuns ?? DEFAULT_KEEP_RUNS },
  );
  return dir.dir;
}
