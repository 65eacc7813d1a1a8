import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { CATEGORIES } from './allure-run.ts';
import type { RunMeta } from './run-directory.ts';

/**
 * Builds `report.html` for a run with the Allure 3 CLI (`allure awesome --single-file`): one file
 * with the data, scripts and styles inlined, which renders from disk (file://) without a server and
 * can be attached to a change ticket.
 *
 * Allure's template always adds a Google Analytics tag; a report of a production change must not call
 * out when a reviewer opens it (nor fail to render offline), so the tag is removed, and a report that
 * still names a remote script or stylesheet is refused.
 */
export interface BuildReportOptions {
  dir: string;
  meta: RunMeta;
  /** Earlier runs of the same command, oldest first, whose results give the report's history trend. */
  history?: readonly { dir: string; meta: RunMeta }[];
  signal?: AbortSignal | undefined;
  /** Allure's own output, for `--debug` or progress. */
  onOutput?: ((text: string) => void) | undefined;
  /** Where to write the HTML; default `<dir>/report.html`. */
  outFile?: string | undefined;
}

export class ReportBuildError extends Error {
  override readonly name = 'ReportBuildError';
}

/** The Allure CLI entry: the package exports only its library, its CLI is cli.js at the package root. */
export function allureCli(): string {
  const require = createRequire(import.meta.url);
  return path.resolve(path.dirname(require.resolve('allure')), '..', 'cli.js');
}

function runAllure(args: string[], cwd: string, opts: BuildReportOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [allureCli(), ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    let output = '';
    const take = (d: Buffer) => {
      output += d.toString();
      opts.onOutput?.(d.toString());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new ReportBuildError(
            `allure ${args[0]} exited ${code ?? 'on a signal'}: ${output.trim().split('\n').slice(-5).join(' | ')}`,
          ),
        );
    });
  });
}

const ANALYTICS =
  /\s*<script async src="https:\/\/www\.googletagmanager\.com\/[^"]*"><\/script>\s*<script>[\s\S]*?gtag\('config'[\s\S]*?<\/script>/;
const REMOTE_ASSET = /<(script|link|img|iframe)\b[^>]*\s(src|href)="(https?:)?\/\/[^"]*"/i;

/** The single-file HTML without the analytics tag; throws if any remote asset is left. */
export function selfContained(html: string): string {
  const out = html.replace(ANALYTICS, '');
  const remote = REMOTE_ASSET.exec(out);
  if (remote)
    throw new ReportBuildError(`the generated report loads a remote asset (${remote[0]}): refusing it`);
  return out;
}

/** One history data point per earlier run, cached in its directory so it is computed once. */
async function historyFile(tmp: string, opts: BuildReportOptions): Promise<string | undefined> {
  const runs = opts.history ?? [];
  if (runs.length === 0) return undefined;
  const file = path.join(tmp, 'history.jsonl');
  const points: string[] = [];
  for (const run of runs) {
    const cached = path.join(run.dir, 'history-point.jsonl');
    if (!existsSync(cached)) {
      const scratch = mkdtempSync(path.join(tmp, 'h-'));
      await runAllure(
        [
          'history',
          path.join(run.dir, 'allure-results'),
          '--history-path',
          path.join(scratch, 'point.jsonl'),
          '--report-name',
          run.meta.title ?? run.meta.id,
        ],
        scratch,
        opts,
      );
      copyFileSync(path.join(scratch, 'point.jsonl'), cached);
    }
    points.push(readFileSync(cached, 'utf8').trim());
  }
  writeFileSync(file, `${points.filter(Boolean).join('\n')}\n`);
  return file;
}

export async function buildHtmlReport(opts: BuildReportOptions): Promise<string> {
  const results = path.join(opts.dir, 'allure-results');
  if (!existsSync(results) || readdirSync(results).length === 0)
    throw new ReportBuildError(`no Allure results in ${results}: the run wrote none`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'meshgate-report-'));
  try {
    const history = await historyFile(tmp, opts);
    const out = path.join(tmp, 'out');
    // Our own config file, so an allurerc in the user's folder never changes the report.
    const config = path.join(tmp, 'allurerc.json');
    writeFileSync(config, JSON.stringify({ categories: CATEGORIES }));
    await runAllure(
      [
        'awesome',
        results,
        '--config',
        config,
        '--single-file',
        '--output',
        out,
        '--report-name',
        opts.meta.title ?? `meshgate ${opts.meta.command}`,
        '--report-language',
        'en',
        '--group-by',
        'epic,feature',
        ...(history ? ['--history-path', history] : []),
      ],
      tmp,
      opts,
    );
    const file = opts.outFile ?? path.join(opts.dir, 'report.html');
    writeFileSync(file, selfContained(readFileSync(path.join(out, 'index.html'), 'utf8')));
    return file;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
