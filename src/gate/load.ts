// Load during a gate: the runner `--load` names, run with the run's signal, its progress on the
// display, and a verdict a gate can use (a run that cannot be judged is INCONCLUSIVE).

import type { ClusterClient } from '../cluster/index.ts';
import {
  findK6,
  LoadRunnerUnavailable,
  selectRunner,
  type LoadRequest,
  type LoadResult,
  type LoadRunner,
} from '../load/index.ts';
import type { Profile } from '../profile/index.ts';
import { UsageError } from './errors.ts';
import type { GateRun } from './run.ts';

/** The runner for `--load`; a name that is not a runner, or k6 without a binary, is a usage error. */
export async function loadRunnerFor(
  name: string,
  profile: Profile,
  env: NodeJS.ProcessEnv,
): Promise<LoadRunner> {
  if (name === 'k6' && !(await findK6(profile, env))) {
    throw new UsageError(
      '--load',
      '--load k6: no k6 executable found (load.k6.binary in the profile, K6_BIN, or k6 on PATH); ' +
        'install k6, or use --load builtin (or auto, which falls back to it)',
    );
  }
  try {
    return await selectRunner(name, { profile, env });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError('--load', err.message);
    throw err;
  }
}

/** One line about a finished load run, for the display and the verdict document. */
export function describeLoad(r: LoadResult): string {
  if (r.runner === 'none') return 'no load generated';
  const rate = r.achieved.rate === null ? 'n/a' : r.achieved.rate.toFixed(1);
  const errors = r.errorRate === null ? 'errors n/a' : `${(r.errorRate * 100).toFixed(2)} % errors`;
  return `${r.achieved.requests} requests at ${rate} req/s, ${errors}: ${r.verdict}${r.reason ? ` (${r.reason})` : ''}`;
}

/**
 * Runs load for a gate. The runner gets the run's signal (it stops and says so); the run waits for
 * it as one step, so a signal returns at once. A runner that cannot start is INCONCLUSIVE.
 */
export async function runLoad(
  run: GateRun,
  runner: LoadRunner,
  req: LoadRequest,
  ctx: { profile: Profile; cluster?: ClusterClient | undefined },
): Promise<LoadResult | { unavailable: string }> {
  if (runner.name !== 'none') run.progress.stage(`load: ${runner.name} (${req.script ?? 'canary'})`);
  try {
    const result = await run.step(`the ${runner.name} load run`, () =>
      runner.run(req, {
        profile: ctx.profile,
        cluster: ctx.cluster,
        signal: run.signal,
        env: run.env,
        onProgress: (line) => run.progress.status(`load: ${line}`),
      }),
    );
    if (runner.name !== 'none') run.progress.line(`load: ${describeLoad(result)}`);
    return result;
  } catch (err) {
    if (err instanceof LoadRunnerUnavailable) return { unavailable: err.message };
    throw err;
  }
}
