import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { buildHtmlReport } from './report-html.ts';
import { RunNotFound, listRuns, resolveRun, type RunMeta } from './run-directory.ts';

/** `meshgate report [RUN] [--history N]`: what to build and where. */
export interface ReportRequest {
  reportDir: string;
  /** `latest` (default), a run id, or a run directory. */
  run?: string | undefined;
  /** Earlier runs of the same command to show as the history trend (0: none). */
  history?: number | undefined;
  signal?: AbortSignal | undefined;
  onOutput?: ((text: string) => void) | undefined;
}

export interface ReportResult {
  /** The self-contained HTML file. */
  report: string;
  /** summary.md of the run (absent for a results folder without a run directory). */
  summary?: string;
  run?: RunMeta;
  /** Ids of the earlier runs whose results make up the history trend. */
  history: string[];
}

/**
 * Builds the HTML report of one run. Without a run directory (results written before run
 * directories existed), a non-empty `<report-dir>/allure-results` is still turned into
 * `<report-dir>/allure-report/index.html`, since that is where older meshgate wrote results.
 */
export async function buildReport(req: ReportRequest): Promise<ReportResult> {
  const reportDir = path.resolve(req.reportDir);
  let found: { dir: string; meta: RunMeta };
  try {
    found = resolveRun(reportDir, req.run);
  } catch (err) {
    const legacy = path.join(reportDir, 'allure-results');
    if (!(err instanceof RunNotFound) || (req.run !== undefined && req.run !== 'latest')) throw err;
    if (!existsSync(legacy) || readdirSync(legacy).length === 0) {
      throw new RunNotFound(
        `no Allure results in ${legacy} and no finished run under ${path.join(reportDir, 'runs')}: run a gate command first (npm run verify)`,
      );
    }
    const out = path.join(reportDir, 'allure-report');
    mkdirSync(out, { recursive: true });
    // A bare results folder has no run.json: the report is named by its folder.
    const meta: RunMeta = {
      schema: 'meshgate.dev/run/v1',
      id: 'allure-results',
      command: 'results',
      argv: [],
      startedAt: new Date().toISOString(),
      title: `meshgate results in ${legacy}`,
    };
    const built = await buildHtmlReport({
      dir: reportDir,
      meta,
      signal: req.signal,
      onOutput: req.onOutput,
      outFile: path.join(out, 'index.html'),
    });
    return { report: built, history: [] };
  }
  const n = req.history ?? 0;
  const history =
    n > 0
      ? listRuns(reportDir)
          .filter(
            (r) => r.meta.command === found.meta.command && r.meta.id < found.meta.id && r.meta.finishedAt,
          )
          .slice(-n)
      : [];
  const report = await buildHtmlReport({
    dir: found.dir,
    meta: found.meta,
    history,
    signal: req.signal,
    onOutput: req.onOutput,
  });
  const summary = path.join(found.dir, 'summary.md');
  return {
    report,
    ...(existsSync(summary) ? { summary } : {}),
    run: found.meta,
    history: history.map((r) => r.meta.id),
  };
}
