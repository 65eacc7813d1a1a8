import { ClusterClient, loadKubeConfig } from '../../src/cluster/index.ts';
import type { Profile } from '../../src/profile/index.ts';
import { readRunContext, type RunContext } from '../../src/run/context.ts';
import { prefetch } from './reads.ts';

export interface SuiteContext {
  run: RunContext;
  profile: Profile;
  cluster: ClusterClient;
  /** The environment host tools are looked up in (prereq.tools); the process's own when absent. */
  env?: NodeJS.ProcessEnv | undefined;
}

let shared: Promise<SuiteContext> | undefined;
/** Stops every read of the run when the CLI cancels it (vitest's cancellation reaches each test). */
const runAbort = new AbortController();

/** Aborts the run's cluster client: in-flight reads, exec sessions and watches stop. */
export function abortRun(reason: unknown): void {
  if (!runAbort.signal.aborted) runAbort.abort(reason);
}

/**
 * One context per run: every suite of the run shares the module graph (one worker, isolate: false),
 * so every suite file and check reads through the same cluster client and its per-run cache. The
 * reads the run's suites declare start at once (suites/support/reads.ts).
 */
export function suiteContext(): Promise<SuiteContext> {
  shared ??= (async () => {
    const run = await readRunContext();
    const kc = loadKubeConfig({ kubeconfig: run.kubeconfig, context: run.context });
    const cluster = new ClusterClient(kc, { signal: runAbort.signal, deadlineAt: run.deadlineAt });
    if (run.suites?.length) prefetch(cluster, run.profile, run.suites);
    return { run, profile: run.profile, cluster };
  })();
  return shared;
}
