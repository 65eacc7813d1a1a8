// The suites of one run. By default the CLI runs their checks itself (direct.ts); with `--engine
// vitest`, in ONE vitest worker: every suite file shares one module graph and so one
// cluster client and its per-run cache (a kind, exec or proxy answer is read once per run). Results
// come back per suite (CheckRecord.suite). A stopped run cancels vitest (its own cancellation API),
// and every check that had not finished is INCONCLUSIVE, named.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { TestCase, TestModule, Vitest } from 'vitest/node';
import type { ClusterClient } from '../cluster/index.ts';
import type { Interrupted } from '../core/index.ts';
import type { CheckRecord, SuiteName } from '../report/types.ts';
import { RUN_CONTEXT_ENV, type RunContext } from '../run/context.ts';
import type { GateRun } from './run.ts';

/** The meshgate package root, where vitest.config.ts and suites/ live (from src/ or the dist bundle). */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The vitest project that holds every suite (vitest.config.ts). */
export const SUITES_PROJECT = 'suites';

/** After a cancel, how long vitest gets to report what finished before the run returns without it. */
const CANCEL_GRACE_MS = 500;
const CLOSE_GRACE_MS = 300;

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'vitest.config.ts'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`meshgate: no vitest.config.ts above ${from}`);
  }
}

export interface SuiteRun {
  checks: CheckRecord[];
  /** Problems that kept tests from running (a suite file that failed to load). */
  errors: string[];
  /** What had not finished when the run was stopped (empty otherwise). */
  pending: string[];
}

const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type Listeners = Record<(typeof SIGNALS)[number], Set<unknown>>;

const signalListeners = (): Listeners => ({
  SIGINT: new Set(process.listeners('SIGINT')),
  SIGTERM: new Set(process.listeners('SIGTERM')),
});

/**
 * Vitest and vite install SIGINT/SIGTERM handlers that exit the process at once. A gate handles
 * signals itself (it cancels the run through vitest's API and reports what had not finished), so the
 * handlers added while vitest starts are removed; vitest removes its own on close, finding none.
 */
function dropVitestSignalHandlers(before: Listeners): void {
  for (const sig of SIGNALS)
    for (const l of process.listeners(sig))
      if (!before[sig].has(l)) process.off(sig, l as (...args: unknown[]) => void);
}

const later = (ms: number): Promise<'late'> =>
  new Promise((resolve) => setTimeout(() => resolve('late'), ms).unref());

function suiteOf(mod: TestModule): SuiteName {
  const m = /[\\/]suites[\\/]([^\\/]+)[\\/]/.exec(mod.moduleId);
  return (m?.[1] ?? 'mesh') as SuiteName;
}

const abortedByRun = (t: TestCase): boolean =>
  (t.result().errors ?? []).some((e) => e.name === 'TestRunAbortError' || e.name === 'Interrupted');

/** A check the run stopped before it finished: INCONCLUSIVE, saying so (both engines). */
export function unfinishedRecord(
  suite: SuiteName,
  id: string,
  title: string,
  why: { message: string },
  started: boolean,
): CheckRecord {
  return {
    id,
    title,
    suite,
    status: 'inconclusive',
    findings: [
      {
        object: id,
        message: `${why.message} ${started ? 'while this check was running' : 'before this check ran'}: not verified`,
        hint: 'run the gate again (with a longer --timeout if the cluster answers slowly)',
      },
    ],
    details: [],
  };
}

function unfinished(suite: SuiteName, t: TestCase, why: Interrupted, started: boolean): CheckRecord {
  const meta = t.meta().meshgate;
  const id = meta?.id ?? t.name.split(':')[0] ?? t.name;
  return unfinishedRecord(suite, id, meta?.title ?? t.name.replace(/^[^:]*:\s*/, ''), why, started);
}

/** Tests written without gate() still report: a failed plain assertion is a failed check. */
function recordOf(suite: SuiteName, test: TestCase, interrupted: Interrupted | undefined): CheckRecord {
  const meta = test.meta().meshgate;
  const result = test.result();
  if (interrupted) {
    if (result.state === 'pending') return unfinished(suite, test, interrupted, false);
    if (result.state === 'skipped' && meta?.status !== 'skipped')
      return unfinished(suite, test, interrupted, meta !== undefined);
    if (result.state === 'failed' && abortedByRun(test)) return unfinished(suite, test, interrupted, true);
  }
  if (meta)
    return {
      ...meta,
      status: meta.status === 'inconclusive' && result.state === 'passed' ? 'passed' : meta.status,
    };
  const state = result.state;
  return {
    id: test.fullName,
    title: test.name,
    suite,
    status: state === 'passed' ? 'passed' : state === 'skipped' ? 'skipped' : 'failed',
    findings: (result.errors ?? []).map((e) => ({ object: test.fullName, message: e.message, hint: '' })),
    details: [],
  };
}

/** What runs the suites' checks: the CLI itself (default), or vitest (`--engine vitest`). */
export type SuiteEngine = 'direct' | 'vitest';

export const SUITE_ENGINES: readonly SuiteEngine[] = ['direct', 'vitest'];

/**
 * Runs the suites' checks with the run's engine (GateRun.engine). `client` is the run's cluster client
 * when the caller has one; the direct engine reads through it (the vitest engine's worker makes its own).
 */
export async function runSuites(
  run: GateRun,
  suites: SuiteName[],
  ctx: RunContext,
  client?: ClusterClient,
): Promise<SuiteRun> {
  if (run.engine === 'vitest') return runVitest(run, suites, ctx);
  const { runDirect } = await import('./direct.ts');
  return runDirect(run, suites, ctx, client);
}

/**
 * Runs the suites through vitest's Node API with the run context in a file, reports progress (suite
 * and check n/N), and reads each test's result and meshgate metadata back. Vitest's own output is
 * discarded: the CLI renders results.
 */
async function runVitest(run: GateRun, suites: SuiteName[], ctx: RunContext): Promise<SuiteRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-run-'));
  const ctxFile = path.join(dir, 'context.json');
  writeFileSync(ctxFile, JSON.stringify({ ...ctx, suites, deadlineAt: run.deadlineAt }), { mode: 0o600 });
  const previous = process.env[RUN_CONTEXT_ENV];
  process.env[RUN_CONTEXT_ENV] = ctxFile;
  const progress = run.progress;
  let total = 0;
  let done = 0;
  const waitingFor = `suites ${suites.join(', ')}`;
  run.progress.stage(`suites ${suites.join(', ')}: starting vitest`);
  let vitest: Vitest | undefined;
  const listeners = signalListeners();
  // Vitest sets process.exitCode (1 when a cancelled run's collection "failed"): the gate's verdict
  // decides the exit code, so what it set is undone once it is closed (bin/meshgate.js also pins the
  // code, for a cancelled run that winds down after this returns).
  const exitCodeBefore = process.exitCode;
  try {
    const { createVitest } = await import('vitest/node');
    const creating = createVitest(
      'test',
      {
        root: PACKAGE_ROOT,
        config: path.join(PACKAGE_ROOT, 'vitest.config.ts'),
        project: SUITES_PROJECT,
        watch: false,
        passWithNoTests: true,
        reporters: [
          // Into the run's own directory, so a report never mixes runs (docs/reports.md).
          [
            'allure-vitest/reporter',
            {
              resultsDir: run.runDirectory?.allureResults ?? path.join(ctx.reportDir, 'allure-results'),
            },
          ],
          {
            onTestModuleCollected(mod: TestModule) {
              const n = [...mod.children.allTests()].length;
              total += n;
              progress.stage(`suite ${suiteOf(mod)}: ${n} checks`);
            },
            onTestCaseResult(t: TestCase) {
              done++;
              const meta = t.meta().meshgate;
              progress.status(
                `suite ${suiteOf(t.module)}: check ${done}/${total} ${meta?.id ?? t.name} ${t.result().state}`,
              );
            },
            onTestModuleEnd(mod: TestModule) {
              const s = { passed: 0, failed: 0, skipped: 0 };
              for (const t of mod.children.allTests()) {
                const st = t.result().state;
                if (st === 'passed' || st === 'failed' || st === 'skipped') s[st]++;
              }
              progress.line(
                `suite ${suiteOf(mod)}: ${s.passed} passed, ${s.failed} failed or inconclusive, ${s.skipped} skipped`,
              );
            },
          },
        ],
      },
      {},
      { stdout: sink(), stderr: sink() },
    );
    // Stopped while vitest was starting: close it as soon as it exists.
    creating.then(
      (v) => (vitest === undefined && run.signal.aborted ? void v.close() : undefined),
      () => undefined,
    );
    vitest = await run.step(waitingFor, () => creating);
    dropVitestSignalHandlers(listeners);
    const v = vitest;
    const cancel = (): void => {
      const reason = run.interruption?.trigger ?? 'cancelled';
      // A rejection here would be unhandled, and vitest's own unhandledRejection handler exits the
      // process with 1: the run is being stopped anyway, so a failed cancel is ignored.
      v.cancelCurrentRun(reason as Parameters<Vitest['cancelCurrentRun']>[0]).catch(() => undefined);
    };
    run.signal.addEventListener('abort', cancel, { once: true });
    const started = v.start(suites.map((s) => `suites/${s}/`));
    started.catch(() => undefined);
    dropVitestSignalHandlers(listeners);
    try {
      await raceAbortWithGrace(started, run.signal);
    } finally {
      run.signal.removeEventListener('abort', cancel);
    }
    return collect(v, suites, run.interruption);
  } catch (err) {
    if (!run.signal.aborted) throw err;
    // Stopped before vitest could even start: nothing ran.
    return {
      checks: [],
      errors: [],
      pending: suites.map((s) => `suite ${s}: not started`),
    };
  } finally {
    if (vitest) await Promise.race([vitest.close().catch(() => undefined), later(CLOSE_GRACE_MS)]);
    process.exitCode = exitCodeBefore;
    if (previous === undefined) delete process.env[RUN_CONTEXT_ENV];
    else process.env[RUN_CONTEXT_ENV] = previous;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits for the run; once stopped, gives vitest a short grace to report, then moves on. */
async function raceAbortWithGrace(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) {
    await Promise.race([work, later(CANCEL_GRACE_MS)]);
    return;
  }
  const aborted = new Promise<void>((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const first = await Promise.race([
    work.then(() => 'done' as const),
    aborted.then(() => 'aborted' as const),
  ]);
  if (first === 'aborted') await Promise.race([work, later(CANCEL_GRACE_MS)]);
}

function collect(vitest: Vitest, suites: SuiteName[], interrupted: Interrupted | undefined): SuiteRun {
  const checks: CheckRecord[] = [];
  const errors: string[] = [];
  const pending: string[] = [];
  const started = new Set<SuiteName>();
  for (const mod of vitest.state.getTestModules()) {
    const suite = suiteOf(mod);
    for (const e of mod.errors()) errors.push(`${path.relative(PACKAGE_ROOT, mod.moduleId)}: ${e.message}`);
    const tests = [...mod.children.allTests()];
    if (tests.length > 0) started.add(suite);
    const open: string[] = [];
    const running: string[] = [];
    for (const t of tests) {
      const record = recordOf(suite, t, interrupted);
      checks.push(record);
      const f = record.findings[0]?.message ?? '';
      if (interrupted && record.status === 'inconclusive' && f.startsWith(interrupted.message)) {
        open.push(record.id);
        if (f.includes('while this check was running')) running.push(record.id);
      }
    }
    if (open.length)
      pending.push(
        `suite ${suite}: ${open.length} of ${tests.length} checks not finished` +
          (running.length ? ` (running: ${running.join(', ')})` : ''),
      );
  }
  if (interrupted) {
    for (const s of suites) if (!started.has(s)) pending.push(`suite ${s}: not started`);
  } else {
    for (const e of vitest.state.getUnhandledErrors())
      errors.push(`unhandled error: ${(e as Error).message ?? String(e)}`);
  }
  return { checks, errors, pending };
}
