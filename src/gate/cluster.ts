// The cluster a run talks to: the one the kubeconfig names, or the built-in simulator serving a
// scenario for the length of the run. Its client carries the run's signal and deadline.

import { ClusterClient, loadKubeConfig } from '../cluster/index.ts';
import { describeError, UsageError } from './errors.ts';
import type { TargetInputs } from './inputs.ts';
import type { GateRun } from './run.ts';

export interface ClusterSession {
  client: ClusterClient;
  /** The kubeconfig file the suite worker should use (the simulator's with --scenario). */
  kubeconfig: string | undefined;
  context: string | undefined;
  /** For reports: server URL and context name. */
  identity: { server: string; context?: string };
}

/**
 * Runs `body` with a session on the cluster `target` names; with --scenario, the simulator is
 * started first and stopped afterwards. A scenario that cannot be loaded is a usage error naming it.
 */
export async function withCluster<T>(
  run: GateRun,
  target: TargetInputs,
  body: (session: ClusterSession) => Promise<T>,
): Promise<T> {
  if (!target.scenario?.length) return body(session(run, target.kubeconfig, target.context));
  const { startSimulator } = await import('../sim/index.ts');
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  try {
    sim = await startSimulator({ scenario: target.scenario });
  } catch (err) {
    throw new UsageError(
      `--scenario ${target.scenario.join(' ')}`,
      // The first line: a YAML error's code frame follows it, and one line is what a CI log needs.
      `--scenario ${target.scenario.join(' + ')}: ${describeError(err).split('\n')[0] ?? ''}`,
      { cause: err },
    );
  }
  // An object no served kind matches is a typo in the scenario, not something to check against.
  const unknownKind = sim.warnings.find((w) => w.includes('no served resource has kind'));
  if (unknownKind) {
    await sim.stop();
    throw new UsageError(
      `--scenario ${target.scenario.join(' ')}`,
      `--scenario ${target.scenario.join(' + ')}: ${unknownKind}`,
    );
  }
  run.progress.line(`simulated cluster for ${target.scenario.join(' + ')} at ${sim.url}`);
  try {
    return await body(session(run, sim.kubeconfigPath, undefined));
  } finally {
    await sim.stop();
  }
}

function session(run: GateRun, kubeconfig: string | undefined, context: string | undefined): ClusterSession {
  const kc = loadKubeConfig({ kubeconfig, context });
  const client = new ClusterClient(kc, { signal: run.signal, deadlineAt: run.deadlineAt });
  const name = kc.getCurrentContext();
  return {
    client,
    kubeconfig,
    context,
    identity: { server: client.server, ...(name ? { context: name } : {}) },
  };
}
