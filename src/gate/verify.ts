// `meshgate verify [suites...]`: the suites' checks against the cluster, through one client and cache
// (in this process, or one vitest worker with --engine vitest), one gate report. A run that is stopped
// reports what it had checked and names what it had not finished.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterError } from '../cluster/index.ts';
import { Interrupted } from '../core/index.ts';
import { summarise, verdictOf, type GateReport, type SuiteName } from '../report/types.ts';
import { withCluster } from './cluster.ts';
import { endFlag, loadGateProfile, windowFlag, type TargetInputs } from './inputs.ts';
import type { GateRun, GateRunResult } from './run.ts';
import { runSuites } from './suites.ts';
import { defaultTimeouts } from './timeouts.ts';

export interface VerifyRequest extends TargetInputs {
  suites: SuiteName[];
  /** Run the security suite's active probes (creates and deletes a throwaway pod). */
  probe?: boolean | undefined;
  /** Read every proxy for workload settings, not one pod per ReplicaSet (mesh suite). */
  allPods?: boolean | undefined;
  /** Canary suite: Prometheus URL, window end and length. */
  prometheus?: string | undefined;
  end?: string | undefined;
  window?: string | undefined;
}

export async function verify(run: GateRun, req: VerifyRequest): Promise<GateRunResult<GateReport>> {
  const { profile, file } = await loadGateProfile(req, { prometheus: req.prometheus }, run.env);
  run.facts.profile = profile;
  if (req.end !== undefined) endFlag(req.end);
  if (req.window !== undefined) windowFlag(req.window, profile);
  run.useDefaultTimeout(defaultTimeouts.verify());
  run.plan.checks.push(...req.suites.map((s) => `suite ${s}`));
  run.plan.files.push(
    path.join(run.reportDir, 'last-gate.json'),
    ...(run.runDirectory ? [run.runDirectory.dir] : []),
  );
  return withCluster(run, req, async (session) => {
    const base = {
      schema: 'meshgate.dev/gate-report/v1' as const,
      suites: req.suites,
      cluster: session.identity,
      profile: file ?? 'defaults',
      startedAt: run.startedAt.toISOString(),
    };
    const finish = (report: GateReport, pending: string[]): GateRunResult<GateReport> => {
      const result = run.finish({
        verdict: report.verdict,
        document: report,
        profile: report.profile,
        cluster: report.cluster,
        checks: report.checks,
        errors: report.errors,
        pending,
      });
      if (result.interrupted) {
        report.interrupted = result.interrupted;
        // Anything not finished is not verified: never a pass, whatever did finish.
        if (report.verdict === 'PASS') report.verdict = result.verdict = 'INCONCLUSIVE';
      }
      report.finishedAt = result.finishedAt;
      mkdirSync(run.reportDir, { recursive: true });
      writeFileSync(path.join(run.reportDir, 'last-gate.json'), JSON.stringify(report, null, 2));
      return result;
    };
    // One cheap request first: an unreachable cluster is reported once, not once per check.
    run.progress.stage(`cluster ${session.identity.server}: checking it answers`);
    try {
      const version = await run.step(`the API server ${session.identity.server} (/version)`, () =>
        session.client.version(),
      );
      run.facts.kubernetesVersion = version.gitVersion;
    } catch (err) {
      if (err instanceof Interrupted)
        return finish(
          {
            ...base,
            verdict: 'INCONCLUSIVE',
            summary: summarise([]),
            checks: [],
            errors: [],
            finishedAt: '',
          },
          req.suites.map((s) => `suite ${s}: not started`),
        );
      if (!(err instanceof ClusterError)) throw err;
      return finish(
        {
          ...base,
          verdict: 'INCONCLUSIVE',
          summary: summarise([]),
          checks: [],
          errors: [err.message],
          finishedAt: '',
        },
        [],
      );
    }
    const suites = await runSuites(
      run,
      req.suites,
      {
        profile,
        profileFile: file,
        kubeconfig: session.kubeconfig,
        context: session.context,
        reportDir: run.reportDir,
        probe: req.probe ?? false,
        allPods: req.allPods ?? false,
        canary: { end: req.end, window: req.window },
      },
      session.client,
    );
    const errors =
      suites.checks.length === 0 && suites.errors.length === 0 && !run.interruption
        ? [`no checks ran in ${req.suites.join(', ')}`]
        : suites.errors;
    return finish(
      {
        ...base,
        verdict: verdictOf(suites.checks, errors.length ? errors : run.interruption ? ['interrupted'] : []),
        summary: summarise(suites.checks),
        checks: suites.checks,
        errors,
        finishedAt: '',
      },
      suites.pending,
    );
  });
}
