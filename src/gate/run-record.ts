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

const unresolved = (c: CheckRecord): boolean => c.status === 'failed' || c.status === 'inconclusive';

/** Why the run ended as it did, from its document (`reason`, `reasons`, a smoke run's) or interruption. */
function verdictReason(result: GateRunResult): string {
  const doc = (result.document ?? {}) as {
    reason?: unknown;
    reasons?: unknown;
    smoke?: { verdict?: unknown; reason?: unknown };
  };
  const parts: string[] = [];
  if (typeof doc.reason === 'string') parts.push(doc.reason);
  else if (Array.isArray(doc.reasons)) parts.push(...doc.reasons.filter((r) => typeof r === 'string'));
  if (typeof doc.smoke?.reason === 'string')
    parts.push(`Step 7 smoke run ${String(doc.smoke.verdict)}: ${doc.smoke.reason}`);
  if (result.interrupted) parts.push(result.interrupted.message);
  return parts.length ? parts.join('; ') : `the ${result.command} gate ended ${result.verdict}`;
}

/**
 * The gate's own verdict as one check, for a run whose checks do not carry it: `monitor` (its verdict
 * is a timeline's), `test` (the smoke run is not a check), `rollback`, or a FAIL/INCONCLUSIVE reached
 * before any check ran. Without it junit.xml would have no failing testcase for a failed gate, and a
 * CI job that reads only JUnit would see green.
 */
function verdictCheck(result: GateRunResult): CheckRecord {
  const step = result.step === undefined ? '' : ` step ${result.step}`;
  const reason = verdictReason(result);
  return {
    id: `${result.command}.verdict`,
    title: `meshgate ${result.command}${step}: gate verdict`,
    suite: 'canary',
    status: result.verdict === 'PASS' ? 'passed' : result.verdict === 'FAIL' ? 'failed' : 'inconclusive',
    findings:
      result.verdict === 'PASS'
        ? []
        : [
            {
              object: `meshgate ${result.command}${step}`,
              message: `the gate ended ${result.verdict}: ${reason}`,
              hint: 'read result.json and summary.md of this run for the evidence',
            },
          ],
    details: [reason],
  };
}

/**
 * The checks a run's reports show: the suites', plus a canary verdict's metrics as checks, plus the
 * gate's verdict when no check and no error explains it (a run with no check at all gets it too, so
 * a JUnit reader sees one testcase whatever the command).
 */
export function runChecks(result: GateRunResult): CheckRecord[] {
  const checks = [...result.checks];
  const canary = result.canary;
  if (canary && !checks.some((c) => c.suite === 'canary')) checks.push(...canaryChecks(canary.metrics));
  const explained =
    result.verdict === 'PASS' ? checks.length > 0 : checks.some(unresolved) || result.errors.length > 0;
  if (!explained) checks.push(verdictCheck(result));
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
