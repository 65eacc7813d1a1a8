// One gated run: its plan, its AbortSignal (the caller's signal or the --timeout deadline, whichever
// comes first), what it is waiting for right now, the audit lines it wrote and the writes it made.
// Nothing here exits the process: the CLI turns the result into an exit code.

import { formatDuration, Interrupted, RunController, throwIfInterrupted } from '../core/index.ts';
import type { CanaryVerdictDocument } from '../canary/index.ts';
import {
  ExitCode,
  exitCodeOf,
  type CheckRecord,
  type ExitCodeValue,
  type InterruptionReport,
  type Verdict,
} from '../report/types.ts';
import { RunDirectory } from '../report/run-directory.ts';
import { appendAudit, type AuditRecord } from '../traffic/audit.ts';
import { silentProgress, type ProgressSink } from './progress.ts';
import type { RunFacts } from './run-record.ts';
import type { SuiteEngine } from './suites.ts';

export type GateCommand =
  'verify' | 'canary' | 'shift' | 'complete' | 'monitor' | 'rollback' | 'test' | 'serve-webhook';

/** What a run will check and what it may write, known before it starts (`--dry-run` prints it). */
export interface GatePlan {
  /** Suites, checks, load runs and queries the verdict rests on. */
  checks: string[];
  /** Cluster writes the run will make if its gate passes (object and change). */
  writes: string[];
  /** Files the run writes (reports, verdict documents, audit lines). */
  files: string[];
}

export interface GateRunOptions {
  command: GateCommand;
  /** Where reports, verdict documents and the audit log go. */
  reportDir: string;
  /** --timeout in ms for the whole run; undefined = no deadline. */
  timeoutMs?: number | undefined;
  /** The caller's cancellation (the CLI's SIGINT/SIGTERM handler, a test). */
  signal?: AbortSignal | undefined;
  progress?: ProgressSink | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * Give the run its own directory `<reportDir>/runs/<UTC time>-<command>[-step-N]/` (docs/reports.md).
   * The CLI asks for it on every gate command but `serve-webhook`, which answers many calls and keeps
   * their verdict documents only; a webhook call's own run never has one.
   */
  recordRun?: boolean | undefined;
  /** The traffic step the command gates (`canary --step`, `shift <weight>`), for the directory's name. */
  step?: number | undefined;
  /** The command line, for run.json (URLs lose their credentials there). */
  argv?: readonly string[] | undefined;
  /** What runs the suites' checks (`--engine`): the CLI itself (default) or vitest. */
  engine?: SuiteEngine | undefined;
}

/** Everything a report of one run needs; `document` is what `--output json` prints. */
export interface GateRunResult<D = unknown> {
  command: GateCommand;
  /** The traffic step the run gated, when it gated one. */
  step?: number | undefined;
  verdict: Verdict;
  exitCode: ExitCodeValue;
  document: D;
  checks: CheckRecord[];
  /** The canary verdict document and its file, when the run judged a canary window. */
  canary?: CanaryVerdictDocument | undefined;
  verdictFile?: string | undefined;
  audit: AuditRecord[];
  /** Cluster writes the run made, in order. */
  writes: string[];
  cluster?: { server: string; context?: string } | undefined;
  profile: string;
  plan: GatePlan;
  startedAt: string;
  finishedAt: string;
  interrupted?: InterruptionReport | undefined;
  /** Problems that kept the run from judging (shown on stderr as `error: …`). */
  errors: string[];
  /** Lines for stderr in text mode beyond the document (a suite's failures before a refused shift). */
  notes: string[];
  /** The cumulative audit log the run appended to (`<reportDir>/audit.jsonl`), when it wrote a line. */
  auditFile?: string | undefined;
  /** This run's directory under `<reportDir>/runs` (absent for serve-webhook). */
  runDir?: string | undefined;
}

/** Rejects with the signal's Interrupted as soon as it aborts; the work itself is left to settle. */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(Interrupted.from(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(Interrupted.from(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** How close to the deadline a stopped request counts as stopped by it (timer skew). */
const DEADLINE_SLACK_MS = 250;

export class GateRun {
  readonly command: GateCommand;
  readonly reportDir: string;
  readonly progress: ProgressSink;
  readonly env: NodeJS.ProcessEnv;
  /** What runs the suites' checks (`--engine`). */
  readonly engine: SuiteEngine;
  /** The run's budget in ms (--timeout, or the command's default once known). */
  timeoutMs: number | undefined;
  readonly startedAt = new Date();
  /** Epoch ms at which the run is out of time; undefined = no deadline. */
  deadlineAt: number | undefined;
  readonly plan: GatePlan = { checks: [], writes: [], files: [] };
  readonly audit: AuditRecord[] = [];
  readonly writes: string[] = [];
  /** This run's directory (result.json, junit.xml, summary.md, traces, audit lines, Allure results). */
  readonly runDirectory: RunDirectory | undefined;
  /** What the run learnt about where it ran, for the report's environment (see run-record.ts). */
  readonly facts: RunFacts = {};
  /** The cumulative audit log, once a line was appended to it. */
  auditFile: string | undefined;
  private readonly controller: RunController;
  private readonly deadline = new AbortController();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineMessage = '';
  private readonly waitingOn = new Map<number, string>();
  private seq = 0;

  constructor(opts: GateRunOptions) {
    this.command = opts.command;
    this.reportDir = opts.reportDir;
    this.progress = opts.progress ?? silentProgress;
    this.env = opts.env ?? process.env;
    this.engine = opts.engine ?? 'direct';
    this.runDirectory =
      opts.recordRun !== true
        ? undefined
        : RunDirectory.start({
            reportDir: opts.reportDir,
            command: opts.command,
            step: opts.step,
            argv: opts.argv,
          });
    if (opts.timeoutMs !== undefined) this.arm(opts.timeoutMs, '--timeout');
    const parents = [this.deadline.signal, ...(opts.signal ? [opts.signal] : [])];
    this.controller = new RunController({ parent: AbortSignal.any(parents) });
  }

  private arm(ms: number, what: string): void {
    this.timeoutMs = ms;
    this.deadlineAt = this.startedAt.getTime() + ms;
    const message = `the run deadline (${what} ${formatDuration(ms)}) expired`;
    this.deadlineMessage = message;
    const left = Math.max(0, this.deadlineAt - Date.now());
    this.deadlineTimer = setTimeout(() => this.deadline.abort(new Interrupted('deadline', message)), left);
    this.deadlineTimer.unref();
  }

  /**
   * The command's default budget, once the profile says how long its parts take (load duration,
   * monitor duration). An explicit --timeout wins. Call it before the cluster client is created.
   */
  useDefaultTimeout(ms: number): void {
    if (this.deadlineAt === undefined) this.arm(ms, 'default --timeout');
  }

  /** Aborts on the caller's signal or the deadline, with an Interrupted as its reason. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the run stopped early, when it did. */
  get interruption(): Interrupted | undefined {
    // The transport times its last attempt to the same deadline and may stop a few ms before the
    // run's own timer fires: a deadline that is (all but) due counts as reached.
    if (
      !this.signal.aborted &&
      this.deadlineAt !== undefined &&
      Date.now() >= this.deadlineAt - DEADLINE_SLACK_MS
    ) {
      this.deadline.abort(new Interrupted('deadline', this.deadlineMessage));
    }
    return this.signal.aborted ? Interrupted.from(this.signal) : undefined;
  }

  throwIfInterrupted(): void {
    throwIfInterrupted(this.signal);
  }

  /**
   * Runs one piece of work that the run waits for, named for the report ("Prometheus: 12 queries",
   * "VirtualService zamaz-mesh/zamaz"). It rejects with Interrupted the moment the run is stopped,
   * and the name stays in {@link waiting} so the report can say what was still waiting.
   */
  async step<T>(what: string, work: () => Promise<T>): Promise<T> {
    this.throwIfInterrupted();
    const id = ++this.seq;
    this.waitingOn.set(id, what);
    try {
      return await raceSignal(work(), this.signal);
    } finally {
      if (!this.signal.aborted) this.waitingOn.delete(id);
    }
  }

  /** What the run was waiting for when it stopped (or is waiting for now). */
  waiting(): string[] {
    return [...this.waitingOn.values()];
  }

  /**
   * Appends the audit line to `<reportDir>/audit.jsonl` (the cumulative log) and to this run's
   * `audit.jsonl`, and keeps it for the result.
   */
  recordAudit(record: AuditRecord): void {
    this.auditFile = appendAudit(this.reportDir, record);
    this.runDirectory?.audit(record);
    this.audit.push(record);
  }

  /**
   * Keeps a decision trace (a canary verdict document, a monitor timeline) in the run's `traces/`;
   * returns its path (undefined without a run directory). Names repeat in one run (monitor judges
   * the same step many times), so a repeat gets `-2`, `-3`.
   */
  trace(name: string, doc: unknown): string | undefined {
    const dir = this.runDirectory;
    if (!dir) return undefined;
    const used = (this.traceNames.get(name) ?? 0) + 1;
    this.traceNames.set(name, used);
    return dir.trace(used === 1 ? name : `${name}-${used}`, doc);
  }
  private readonly traceNames = new Map<string, number>();

  /** Notes a cluster write that was made (for the report and the interrupted audit line). */
  wrote(what: string): void {
    this.writes.push(what);
    this.progress.line(`wrote ${what}`);
  }

  /**
   * Marks a write command's writes as in flight until the returned function is called (after its
   * audit line is recorded). A second signal exits the process at once (src/cli/main.ts), without
   * awaiting the write; the audit line must still say what may have changed, so while writes are in
   * flight an 'exit' listener (synchronous, as 'exit' requires) records `record` with outcome
   * `interrupted`, the writes already seen and a reason that says the last one's fate is unknown.
   */
  writesInFlight(record: AuditRecord, what: string): () => void {
    const onExit = (): void => {
      const seen = this.writes.length ? `; already written: ${this.writes.join('; ')}` : '';
      this.recordAudit({
        ...record,
        at: new Date().toISOString(),
        outcome: 'interrupted',
        reason:
          `exited at once (second signal) while writing ${what}: whether that write was applied is unknown` +
          `${seen}. Check ${record.object} and the mesh Deployments' replicas, then run the command again`,
      });
    };
    process.once('exit', onExit);
    return () => process.off('exit', onExit);
  }

  /** The interruption part of a report: what stopped the run and what had not finished. */
  interruptionReport(pending: string[] = []): InterruptionReport | undefined {
    const i = this.interruption;
    if (!i) return undefined;
    const waiting = this.waiting().map((w) => `waiting for ${w}`);
    return { cause: i.trigger, message: i.message, pending: [...pending, ...waiting] };
  }

  /** The exit code of a verdict, or 130/143 when a signal stopped the run. */
  exitCodeFor(verdict: Verdict): ExitCodeValue {
    const i = this.interruption;
    if (i?.trigger === 'SIGINT') return ExitCode.Interrupted;
    if (i?.trigger === 'SIGTERM') return ExitCode.Terminated;
    return exitCodeOf(verdict);
  }

  /**
   * The result of the run: the common fields filled in, the exit code from the verdict (130/143
   * when a signal stopped the run), and the interruption report when it was stopped.
   */
  finish<D>(parts: {
    verdict: Verdict;
    document: D;
    profile: string;
    exitCode?: ExitCodeValue | undefined;
    step?: number | undefined;
    checks?: CheckRecord[] | undefined;
    canary?: CanaryVerdictDocument | undefined;
    verdictFile?: string | undefined;
    cluster?: { server: string; context?: string } | undefined;
    errors?: string[] | undefined;
    notes?: string[] | undefined;
    pending?: string[] | undefined;
  }): GateRunResult<D> {
    const interrupted = this.interruptionReport(parts.pending);
    return {
      command: this.command,
      step: parts.step,
      verdict: parts.verdict,
      exitCode:
        interrupted && interrupted.cause !== 'deadline'
          ? this.exitCodeFor(parts.verdict)
          : (parts.exitCode ?? exitCodeOf(parts.verdict)),
      document: parts.document,
      checks: parts.checks ?? [],
      canary: parts.canary,
      verdictFile: parts.verdictFile,
      audit: this.audit,
      writes: this.writes,
      cluster: parts.cluster,
      profile: parts.profile,
      plan: this.plan,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      interrupted,
      errors: parts.errors ?? [],
      notes: parts.notes ?? [],
      auditFile: this.auditFile,
      runDir: this.runDirectory?.dir,
    };
  }

  /** Stops the deadline timer once the run is over. */
  dispose(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.controller.dispose();
  }
}
