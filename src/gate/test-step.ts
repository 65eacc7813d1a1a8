// `meshgate test`: the guide's Step 7, initial testing: the smoke run against the mesh services
// directly, plus the security suite (mTLS and policies).

import { Interrupted } from '../core/index.ts';
import { summarise, verdictOf, worstVerdict, type CheckRecord, type Verdict } from '../report/types.ts';
import { withCluster } from './cluster.ts';
import { analysisPlan, loadGateProfile, type AnalysisInputs, type TargetInputs } from './inputs.ts';
import { loadRunnerFor } from './load.ts';
import type { GateRun, GateRunResult } from './run.ts';
import { smokeGate, type SmokeOutcome } from './smoke.ts';
import { runSuites } from './suites.ts';
import { defaultTimeouts } from './timeouts.ts';

export type TestStepRequest = TargetInputs & AnalysisInputs;

export interface TestStepDocument {
  schema: 'meshgate.dev/smoke-test/v1';
  verdict: Verdict;
  smoke: SmokeOutcome;
  security: {
    verdict: Verdict;
    summary: Record<CheckRecord['status'], number>;
    checks: CheckRecord[];
    errors: string[];
  };
  interrupted?: GateRunResult['interrupted'];
}

export async function testStep(run: GateRun, req: TestStepRequest): Promise<GateRunResult<TestStepDocument>> {
  const { profile, file } = await loadGateProfile(req, req, run.env);
  run.facts.profile = profile;
  const analysis = analysisPlan(req, profile);
  await loadRunnerFor(analysis.load, profile, run.env);
  run.useDefaultTimeout(defaultTimeouts.test());
  run.plan.checks.push('the Step 7 smoke run', 'suite security');
  return withCluster(run, req, async (session) => {
    let smoke: SmokeOutcome = { verdict: 'INCONCLUSIVE', reason: 'not run' };
    let checks: CheckRecord[] = [];
    let errors: string[] = [];
    const pending: string[] = [];
    try {
      smoke = await smokeGate(run, profile, session.client, analysis.load);
      const suites = await runSuites(run, ['security'], {
        profile,
        profileFile: file,
        kubeconfig: session.kubeconfig,
        context: session.context,
        reportDir: run.reportDir,
        probe: false,
      });
      checks = suites.checks;
      errors = suites.errors;
      pending.push(...suites.pending);
    } catch (err) {
      if (!(err instanceof Interrupted)) throw err;
      if (smoke.reason === 'not run')
        smoke = { verdict: 'INCONCLUSIVE', reason: `${err.message} before the smoke run finished` };
      pending.push('suite security: not started');
    }
    const suites = verdictOf(checks, run.interruption && checks.length === 0 ? ['interrupted'] : errors);
    const verdict =
      run.interruption && worstVerdict(smoke.verdict, suites) === 'PASS'
        ? 'INCONCLUSIVE'
        : worstVerdict(smoke.verdict, suites);
    const doc: TestStepDocument = {
      schema: 'meshgate.dev/smoke-test/v1',
      verdict,
      smoke,
      security: { verdict: suites, summary: summarise(checks), checks, errors },
    };
    const result = run.finish({
      verdict,
      document: doc,
      profile: file ?? 'defaults',
      cluster: session.identity,
      checks,
      errors,
      pending,
    });
    if (result.interrupted) doc.interrupted = result.interrupted;
    return result;
  });
}
