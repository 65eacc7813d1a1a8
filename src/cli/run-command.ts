// The one path of every gate command: a run with the flags' budget and the CLI's signal, a progress
// display, the gate, the result rendered (one JSON document with -o json), the exit code returned.

import type * as Gate from '../gate/index.ts';
import type { GateRun, GateRunResult } from '../gate/run.ts';
import type { ExitCodeValue } from '../report/types.ts';
import type { GlobalOptions } from './global-options.ts';
import type { Io } from './output.ts';
import { progressFor } from './progress.ts';

/** What a command is run with: output, flags, the process's (or a test's) cancellation. */
export interface CommandEnv {
  io: Io;
  global: GlobalOptions;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
}

export async function runGateCommand<D>(
  ce: CommandEnv,
  command: GateRun['command'],
  body: (run: GateRun, gate: typeof Gate) => Promise<GateRunResult<D>>,
  renderText: (result: GateRunResult<D>, ce: CommandEnv) => void | Promise<void>,
  opts: { runTimeout?: boolean } = {},
): Promise<ExitCodeValue> {
  const gate = await import('../gate/index.ts');
  const { global, io } = ce;
  const timeoutMs = global.timeout !== undefined ? gate.durationFlag(global.timeout, '--timeout') : undefined;
  const progress = await progressFor(io, command, { quiet: global.quiet });
  const run = new gate.GateRun({
    command,
    reportDir: global.reportDir,
    timeoutMs: opts.runTimeout === false ? undefined : timeoutMs,
    signal: ce.signal,
    progress,
    env: ce.env,
  });
  let result: GateRunResult<D>;
  try {
    result = await body(run, gate);
  } finally {
    progress.close();
    run.dispose();
  }
  if (global.output === 'json') io.out(`${JSON.stringify(result.document, null, 2)}\n`);
  else await renderText(result, ce);
  return result.exitCode;
}
