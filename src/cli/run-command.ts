// The one path of every gate command: a run with the flags' budget and the CLI's signal, a progress
// display, the gate, the run's directory written (reports/runs/<id>/), the result rendered (one JSON
// document with -o json), the HTML report with --report, the exit code returned.

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
  /** The command line as typed (run.json records it, credentials removed). */
  argv?: readonly string[] | undefined;
  /** `--report`: build the run's self-contained HTML report at the end. */
  report?: boolean | undefined;
}

export interface GateCommandOptions {
  /** false: no --timeout for the whole run (serve-webhook: it is per call). */
  runTimeout?: boolean;
  /** The traffic step the command gates, for the run directory's name. */
  step?: number | undefined;
  /** false: no run directory (serve-webhook keeps its verdict documents only). */
  recordRun?: boolean;
}

export async function runGateCommand<D>(
  ce: CommandEnv,
  command: GateRun['command'],
  body: (run: GateRun, gate: typeof Gate) => Promise<GateRunResult<D>>,
  renderText: (result: GateRunResult<D>, ce: CommandEnv) => void | Promise<void>,
  opts: GateCommandOptions = {},
): Promise<ExitCodeValue> {
  const gate = await import('../gate/index.ts');
  const { global, io } = ce;
  const timeoutMs = global.timeout !== undefined ? gate.durationFlag(global.timeout, '--timeout') : undefined;
  const progress = await progressFor(io, command, { quiet: global.quiet });
  let run: GateRun | undefined;
  let result: GateRunResult<D>;
  try {
    run = new gate.GateRun({
      command,
      reportDir: global.reportDir,
      timeoutMs: opts.runTimeout === false ? undefined : timeoutMs,
      signal: ce.signal,
      progress,
      env: ce.env,
      recordRun: opts.recordRun ?? true,
      step: opts.step,
      argv: ce.argv,
      engine: global.engine,
    });
    result = await body(run, gate);
    gate.recordRun(run, result);
  } catch (err) {
    // A run that never judged (a usage error, a bad profile) leaves no directory behind.
    run?.runDirectory?.discard();
    throw err;
  } finally {
    progress.close();
    run?.dispose();
  }
  if (global.output === 'json') io.out(`${JSON.stringify(result.document, null, 2)}\n`);
  else await renderText(result, ce);
  // Where the run's files are, on stderr so stdout keeps its contract (one document with -o json).
  if (result.runDir) io.err(`run: ${result.runDir} (result.json, junit.xml, summary.md)\n`);
  if (ce.report && result.runDir) await buildRunReport(ce, result.runDir);
  return result.exitCode;
}

/**
 * `--report`: the run's report.html, built after the verdict. A report that cannot be built is said
 * on stderr and leaves the exit code alone: the gate decided, the report only shows it.
 */
async function buildRunReport(ce: CommandEnv, runDir: string): Promise<void> {
  const { buildReport, ReportBuildError, RunNotFound } = await import('../report/index.ts');
  try {
    const res = await buildReport({ reportDir: ce.global.reportDir, run: runDir, signal: ce.signal });
    ce.io.err(`report: ${res.report}\n`);
  } catch (err) {
    if (!(err instanceof ReportBuildError || err instanceof RunNotFound)) throw err;
    ce.io.err(`error: report not built: ${err.message}\n`);
  }
}
