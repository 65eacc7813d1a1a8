import type { GlobalOptions } from './global-options.ts';
import type { Io } from './output.ts';

/**
 * Runs `body` against the cluster the flags name, or, with --scenario, against the built-in
 * simulator serving that scenario for the duration of the command.
 */
export async function withScenario<T>(
  scenario: string[] | undefined,
  global: GlobalOptions,
  io: Io,
  body: (kubeconfig: string | undefined, context: string | undefined) => Promise<T>,
): Promise<T> {
  if (!scenario?.length) return body(global.kubeconfig, global.context);
  const { startSimulator } = await import('../sim/index.ts');
  const sim = await startSimulator({ scenario });
  if (global.output === 'text') io.err(`simulated cluster for ${scenario.join(' + ')} at ${sim.url}\n`);
  try {
    return await body(sim.kubeconfigPath, undefined);
  } finally {
    await sim.stop();
  }
}
