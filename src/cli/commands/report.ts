import {
  ExitCode,
  ReportBuildError,
  RunNotFound,
  buildReport,
  type ExitCodeValue,
} from '../../report/index.ts';
import type { GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';

export interface ReportOptions {
  /** Accepted for compatibility: the report is always one self-contained file now. */
  singleFile?: boolean;
  history?: string;
}

/** `meshgate report [RUN]`: the run's self-contained HTML report (src/report/report-command.ts). */
export async function report(
  global: GlobalOptions,
  run: string | undefined,
  opts: ReportOptions,
  io: Io,
): Promise<ExitCodeValue> {
  const history = opts.history === undefined ? 0 : Number(opts.history);
  if (!Number.isInteger(history) || history < 0) {
    io.err(`error: --history ${opts.history}: a whole number of earlier runs, such as 5\n`);
    return ExitCode.Usage;
  }
  try {
    const res = await buildReport({ reportDir: global.reportDir, run, history });
    io.out(`report: ${res.report}\n`);
    if (res.summary) io.out(`summary: ${res.summary}\n`);
    if (history > 0)
      io.out(`history: ${res.history.length ? res.history.join(', ') : 'no earlier run of this command'}\n`);
    return ExitCode.Pass;
  } catch (err) {
    if (err instanceof RunNotFound || err instanceof ReportBuildError) {
      io.err(`error: ${err.message}\n`);
      return ExitCode.Inconclusive;
    }
    throw err;
  }
}
