// The guide's Step 7 smoke run against the mesh services directly (health and main paths), before
// any user traffic moves. A run that cannot be judged is INCONCLUSIVE, never FAIL.

import type { ClusterClient } from '../cluster/index.ts';
import type { Profile } from '../profile/index.ts';
import type { Verdict } from '../report/types.ts';
import { loadRunnerFor, runLoad } from './load.ts';
import type { GateRun } from './run.ts';

export interface SmokeOutcome {
  verdict: Verdict;
  reason: string;
}

/** `--load none` cannot smoke-test anything: INCONCLUSIVE. */
export async function smokeGate(
  run: GateRun,
  profile: Profile,
  cluster: ClusterClient,
  load: string,
): Promise<SmokeOutcome> {
  if (load === 'none') {
    return {
      verdict: 'INCONCLUSIVE',
      reason: 'not run (--load none): pass --load builtin or k6 to smoke-test the mesh',
    };
  }
  const runner = await loadRunnerFor(load, profile, run.env);
  const r = await runLoad(
    run,
    runner,
    { step: 0, runId: `smoke-${Date.now()}`, script: 'smoke' },
    { profile, cluster },
  );
  if ('unavailable' in r) return { verdict: 'INCONCLUSIVE', reason: r.unavailable };
  if (r.verdict === 'PASS')
    return {
      verdict: 'PASS',
      reason: `${r.achieved.requests} requests, every check and threshold held (${r.runner})`,
    };
  const failed = r.thresholds
    .filter((t) => !t.ok)
    .map((t) => `${t.metric} ${t.expression} (actual ${t.actual ?? 'n/a'})`);
  return {
    verdict: r.verdict,
    reason: `${r.runner}: ${r.verdict === 'INCONCLUSIVE' ? `cannot be judged: ${r.reason}; ` : ''}${[...failed, ...r.notes].join('; ') || r.reason}`,
  };
}
