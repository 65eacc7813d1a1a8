import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { checklistStates } from '../checklist/index.ts';
import { systemClock, type Clock } from '../core/index.ts';
import { writeAllureCheckResults, writeAllureRunFiles } from './allure-run.ts';
import { decisionTraceEvidence, redact } from './evidence.ts';
import { renderJunit } from './junit.ts';
import { renderSummaryMarkdown } from './render-summary.ts';
import { redactUrl, type RunEnvironment } from './run-environment.ts';
import type { CheckRecord, Verdict } from './types.ts';

/**
 * One directory per command run: `<report-dir>/runs/<UTC time>-<command>[-step-N]/`, holding
 * everything that run produced and nothing from another:
 *
 *   allure-results/   what the suites wrote (the gate points the vitest reporter here), plus the run's
 *                     environment, categories and checklist (written by finish)
 *   result.json       the command's `--output json` document
 *   junit.xml         one testsuite per suite, one testcase per check
 *   summary.md        verdict, environment, what failed with its fix, the whole checklist
 *   traces/           decision traces (canary verdict documents, the gate's plan)
 *   audit.jsonl       the audit lines of this run's writes
 *   run.json          what ran, when, against what, and the verdict
 *   report.html       `meshgate report` (or `--report`): the self-contained Allure report
 *
 * `<report-dir>/latest` points at the last finished run (a symlink; a file holding the relative path
 * where symlinks cannot be made). Old runs are pruned past `reports.keepRuns` per command.
 */

export const RUN_SCHEMA = 'meshgate.dev/run/v1';
export const DEFAULT_KEEP_RUNS = 20;
/** `20261202T003446.123Z-verify`, `20261202T003446.123Z-canary-step-25`. */
const RUN_ID = /^\d{8}T\d{6}(\.\d{3})?Z-[a-z][a-z-]*?(-step-\d+)?(-\d+)?$/;

export interface RunMeta {
  schema: typeof RUN_SCHEMA;
  id: string;
  command: string;
  step?: number;
  /** The command line, with credentials removed from URLs. */
  argv: string[];
  startedAt: string;
  finishedAt?: string;
  verdict?: Verdict;
  exitCode?: number;
  /** What the report's title says: command, step, verdict, cluster, time. */
  title?: string;
  environment?: RunEnvironment;
}

export interface StartRunOptions {
  /** `--report-dir` (default `reports`). */
  reportDir: string;
  command: string;
  /** The traffic step the command gates (canary, shift). */
  step?: number | undefined;
  argv?: readonly string[] | undefined;
  clock?: Clock | undefined;
}

/** How a run ended: what the gate decided and what it printed. */
export interface RunOutcome {
  verdict: Verdict;
  exitCode: number;
  /** Every check of the run (suites, and the canary's metrics as checks: see canaryChecks). */
  checks: readonly CheckRecord[];
  /** Problems that kept checks from running at all. */
  errors: readonly string[];
  /** The `--output json` document, written as result.json. */
  document: unknown;
  environment: RunEnvironment;
  /** One line of why (the canary's reason, a refusal), for the title page. */
  reason?: string | undefined;
}

export interface FinishOptions {
  /** Runs kept per command, this one included (profile `reports.keepRuns`). */
  keepRuns?: number | undefined;
}

function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

/** Credentials in URL flags never reach run.json. */
function safeArgv(argv: readonly string[]): string[] {
  return argv.map((a) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(a) ? redactUrl(a) : a));
}

export function runTitle(
  meta: Pick<RunMeta, 'command' | 'step' | 'startedAt'>,
  verdict: Verdict,
  env: RunEnvironment,
): string {
  const step = meta.step !== undefined ? ` step ${meta.step} %` : '';
  const where = `${env.cluster.context ? `${env.cluster.context} ` : ''}(${redactUrl(env.cluster.server)})`;
  const when = `${meta.startedAt
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC')}`;
  return `meshgate ${meta.command}${step} — ${verdict} — ${where} — ${when}`;
}

export class RunDirectory {
  readonly dir: string;
  readonly allureResults: string;
  readonly paths: {
    result: string;
    junit: string;
    summary: string;
    traces: string;
    audit: string;
    meta: string;
    report: string;
  };
  private finished = false;

  private constructor(
    readonly reportDir: string,
    readonly meta: RunMeta,
  ) {
    this.dir = path.join(reportDir, 'runs', meta.id);
    this.allureResults = path.join(this.dir, 'allure-results');
    this.paths = {
      result: path.join(this.dir, 'result.json'),
      junit: path.join(this.dir, 'junit.xml'),
      summary: path.join(this.dir, 'summary.md'),
      traces: path.join(this.dir, 'traces'),
      audit: path.join(this.dir, 'audit.jsonl'),
      meta: path.join(this.dir, 'run.json'),
      report: path.join(this.dir, 'report.html'),
    };
  }

  get id(): string {
    return this.meta.id;
  }

  /**
   * Creates the run's directory (and allure-results/) and records that the run started. Two runs
   * started in the same millisecond get `-2`, `-3` suffixes rather than sharing a directory.
   */
  static start(opts: StartRunOptions): RunDirectory {
    const clock = opts.clock ?? systemClock;
    const now = clock.now();
    const reportDir = path.resolve(opts.reportDir);
    const base = `${compactTime(now)}-${opts.command}${opts.step !== undefined ? `-step-${opts.step}` : ''}`;
    mkdirSync(path.join(reportDir, 'runs'), { recursive: true });
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      try {
        mkdirSync(path.join(reportDir, 'runs', id));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      const meta: RunMeta = {
        schema: RUN_SCHEMA,
        id,
        command: opts.command,
        ...(opts.step !== undefined ? { step: opts.step } : {}),
        argv: safeArgv(opts.argv ?? []),
        startedAt: new Date(now).toISOString(),
      };
      const run = new RunDirectory(reportDir, meta);
      mkdirSync(run.allureResults);
      run.writeMeta();
      return run;
    }
  }

  /** Appends an audit line of this run (the traffic layer also keeps the long-lived audit.jsonl). */
  audit(record: object): void {
    appendFileSync(this.paths.audit, `${JSON.stringify(redact(record))}\n`);
  }

  /** Writes a decision trace as `traces/<name>.json` and returns its path. */
  trace(name: string, doc: unknown): string {
    mkdirSync(this.paths.traces, { recursive: true });
    const file = path.join(this.paths.traces, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(redact(doc), null, 2)}\n`);
    return file;
  }

  /**
   * Writes result.json, junit.xml, summary.md and the Allure run files, records the verdict in
   * run.json, points `latest` here and prunes old runs. Call once, also for an interrupted run (with
   * an INCONCLUSIVE outcome saying so).
   */
  finish(outcome: RunOutcome, opts: FinishOptions = {}, clock: Clock = systemClock): void {
    if (this.finished) throw new Error(`run ${this.id} is already finished`);
    this.finished = true;
    const finishedAt = new Date(clock.now()).toISOString();
    const title = runTitle(this.meta, outcome.verdict, outcome.environment);
    Object.assign(this.meta, {
      finishedAt,
      verdict: outcome.verdict,
      exitCode: outcome.exitCode,
      title,
      environment: {
        ...outcome.environment,
        ...(outcome.environment.prometheusUrl
          ? { prometheusUrl: redactUrl(outcome.environment.prometheusUrl) }
          : {}),
      },
    });
    writeFileSync(this.paths.result, `${JSON.stringify(outcome.document, null, 2)}\n`);
    writeFileSync(
      this.paths.junit,
      renderJunit({
        name: title,
        verdict: outcome.verdict,
        checks: outcome.checks,
        errors: outcome.errors,
        startedAt: this.meta.startedAt,
        durationSeconds: (Date.parse(finishedAt) - Date.parse(this.meta.startedAt)) / 1000,
        properties: {
          run: this.id,
          command: this.meta.command,
          cluster: outcome.environment.cluster.server,
          profile: outcome.environment.profileFile,
        },
      }),
    );
    const checklist = checklistStates({
      command: this.meta.command,
      step: this.meta.step,
      verdict: outcome.verdict,
      checks: outcome.checks,
    });
    const summary = renderSummaryMarkdown({
      title,
      runId: this.id,
      verdict: outcome.verdict,
      exitCode: outcome.exitCode,
      reason: outcome.reason,
      startedAt: this.meta.startedAt,
      finishedAt,
      environment: outcome.environment,
      checks: outcome.checks,
      errors: outcome.errors,
      checklist,
      files: ['report.html', 'result.json', 'junit.xml', 'run.json', 'allure-results/']
        .concat(existsSync(this.paths.audit) ? ['audit.jsonl'] : [])
        .concat(
          existsSync(this.paths.traces) ? readdirSync(this.paths.traces).map((f) => `traces/${f}`) : [],
        ),
    });
    writeFileSync(this.paths.summary, summary);
    writeAllureCheckResults(this.allureResults, outcome.checks, {
      startedAt: Date.parse(this.meta.startedAt),
      stoppedAt: Date.parse(finishedAt),
      traces: existsSync(this.paths.traces)
        ? readdirSync(this.paths.traces).map((f) =>
            decisionTraceEvidence(
              JSON.parse(readFileSync(path.join(this.paths.traces, f), 'utf8')) as unknown,
              f,
            ),
          )
        : [],
    });
    writeAllureRunFiles(this.allureResults, {
      environment: outcome.environment,
      checklist,
      summaryMarkdown: summary,
      errors: outcome.errors,
      runId: this.id,
      title,
    });
    this.writeMeta();
    pointLatest(this.reportDir, this.id);
    pruneRuns(this.reportDir, opts.keepRuns ?? DEFAULT_KEEP_RUNS, this.meta.command);
  }

  /**
   * Removes the directory of a run that never judged (a usage error, a profile that does not load):
   * nothing in it would say more than the error already printed.
   */
  discard(): void {
    if (this.finished) return;
    this.finished = true;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private writeMeta(): void {
    writeFileSync(this.paths.meta, `${JSON.stringify(this.meta, null, 2)}\n`);
  }
}

/**
 * `<report-dir>/latest` → `runs/<id>`: a relative symlink replaced atomically (rename over the old
 * one); where symlinks cannot be made (Windows without the privilege), a file holding `runs/<id>`.
 */
export function pointLatest(reportDir: string, id: string): void {
  const latest = path.join(reportDir, 'latest');
  const target = path.join('runs', id);
  const tmp = `${latest}.${process.pid}.tmp`;
  try {
    symlinkSync(target, tmp, 'dir');
    renameSync(tmp, latest);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'ENOTDIR') throw err;
    writeLatestFile(latest, target);
  }
}

/** The fallback form of `latest`: a small file naming the run directory. */
export function writeLatestFile(latest: string, target: string): void {
  try {
    if (lstatSync(latest).isSymbolicLink()) unlinkSync(latest);
  } catch {
    // not there yet
  }
  writeFileSync(latest, `${target}\n`);
}

/** The run directory `latest` names (symlink or fallback file), or undefined when there is none. */
export function latestRunDir(reportDir: string): string | undefined {
  const latest = path.join(reportDir, 'latest');
  let stat;
  try {
    stat = lstatSync(latest);
  } catch {
    return undefined;
  }
  const target = stat.isSymbolicLink()
    ? readlinkSync(latest)
    : stat.isFile()
      ? readFileSync(latest, 'utf8').trim()
      : '';
  if (!target) return undefined;
  const dir = path.resolve(reportDir, target);
  return existsSync(path.join(dir, 'run.json')) ? dir : undefined;
}

export function readRunMeta(dir: string): RunMeta | undefined {
  try {
    const meta = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunMeta;
    return meta.schema === RUN_SCHEMA ? meta : undefined;
  } catch {
    return undefined;
  }
}

/** Every run under `<report-dir>/runs`, oldest first (ids sort by time). */
export function listRuns(reportDir: string): { dir: string; meta: RunMeta }[] {
  const runs = path.join(reportDir, 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs)
    .filter((name) => RUN_ID.test(name))
    .sort()
    .flatMap((name) => {
      const dir = path.join(runs, name);
      const meta = readRunMeta(dir);
      return meta ? [{ dir, meta }] : [];
    });
}

/**
 * Keeps the newest `keep` finished runs of `command` (runs still going are never touched, nor the one
 * `latest` names). Only directories named like runs are removed.
 */
export function pruneRuns(reportDir: string, keep: number, command: string): string[] {
  const latest = latestRunDir(reportDir);
  const same = listRuns(reportDir).filter((r) => r.meta.command === command && r.meta.finishedAt);
  const excess = same.slice(0, Math.max(0, same.length - Math.max(1, keep)));
  const removed: string[] = [];
  for (const r of excess) {
    if (latest && path.resolve(r.dir) === path.resolve(latest)) continue;
    rmSync(r.dir, { recursive: true, force: true });
    removed.push(r.meta.id);
  }
  return removed;
}

export class RunNotFound extends Error {
  override readonly name = 'RunNotFound';
}

/**
 * A run named on the command line: `latest` (default), a run id under `<report-dir>/runs`, or a
 * path to a run directory.
 */
export function resolveRun(reportDir: string, ref = 'latest'): { dir: string; meta: RunMeta } {
  const candidates =
    ref === 'latest' ? [latestRunDir(reportDir)] : [path.resolve(ref), path.join(reportDir, 'runs', ref)];
  for (const dir of candidates) {
    const meta = dir ? readRunMeta(dir) : undefined;
    if (dir && meta) return { dir, meta };
  }
  const known = listRuns(reportDir)
    .slice(-5)
    .map((r) => r.meta.id);
  throw new RunNotFound(
    ref === 'latest'
      ? `no finished run under ${path.join(reportDir, 'runs')} (${path.join(reportDir, 'latest')} names none): run a gate command first, e.g. meshgate verify`
      : `no run "${ref}" in ${path.join(reportDir, 'runs')}${known.length ? `; recent runs: ${known.join(', ')}` : ''}`,
  );
}
