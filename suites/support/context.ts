import { ClusterClient, loadKubeConfig } from '../../src/cluster/index.ts';
import type { Profile } from '../../src/profile/index.ts';
import { readRunContext, type RunContext } from '../../src/run/context.ts';

export interface SuiteContext {
  run: RunContext;
  profile: Profile;
  cluster: ClusterClient;
}

let shared: Promise<SuiteContext> | undefined;

/**
 * One context per run: suites share the module graph (isolate: false), so every suite file and
 * check reads through the same cluster client and its per-run cache.
 */
export function suiteContext(): Promise<SuiteContext> {
  shared ??= (async () => {
    const run = await readRunContext();
    const kc = loadKubeConfig({ kubeconfig: run.kubeconfig, context: run.context });
    return { run, profile: run.profile, cluster: new ClusterClient(kc) };
  })();
  return shared;
}
