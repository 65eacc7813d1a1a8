import { ExitCode, type ExitCodeValue } from '../../report/index.ts';
import type { Io } from '../output.ts';

export interface SimOptions {
  scenario: string[];
  port?: string;
  kubeconfigOut?: string;
  requestLog?: string;
}

/** `meshgate sim`: serves a scenario until SIGINT/SIGTERM. */
export async function sim(opts: SimOptions, io: Io, signal: AbortSignal): Promise<ExitCodeValue> {
  const { startSimulator } = await import('../../sim/index.ts');
  const port = opts.port === undefined ? undefined : Number(opts.port);
  const started = await startSimulator({
    scenario: opts.scenario,
    ...(port !== undefined ? { port } : {}),
    ...(opts.kubeconfigOut ? { kubeconfigOut: opts.kubeconfigOut } : {}),
    ...(opts.requestLog ? { requestLog: opts.requestLog } : {}),
  });
  io.out(`serving ${opts.scenario.join(' + ')} at ${started.url}\n`);
  io.out(`kubeconfig: ${started.kubeconfigPath}\n`);
  io.out(`try: kubectl --kubeconfig ${started.kubeconfigPath} get pods -A\n`);
  if (opts.requestLog)
    io.out(`request log: ${opts.requestLog} (counts: kubectl get --raw /debug/requests)\n`);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await started.stop();
  return ExitCode.Pass;
}
