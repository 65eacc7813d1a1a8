// The direct engine: the suites' checks (their gate specs, suites/*/…-gates.ts) run in the CLI's own
// process, through the run's one cluster client and cache, a bounded number at a time. No vitest is
// booted: that cost 3.3 s of every verify (docs/performance.md). Results, progress, Allure results and
// the report of what a stopped run had not finished are those of the vitest engine (suites.ts).

import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { ClusterClient, Limiter, loadKubeConfig } from '../cluster/index.ts';
import type { Interrupted } from '../core/index.ts';
import type { CheckRecord, SuiteName } from '../report/types.ts';
import { renderFindings } from '../report/render-text.ts';
import type { RunContext } from '../run/context.ts';
import { runCheck, startedRecord, type CheckEnd } from '../../suites/support/check-core.ts';
import type { SuiteContext } from '../../suites/support/context.ts';
import type { GateSpec } from '../../suites/support/gate-spec.ts';
import { prefetch } from '../../suites/support/reads.ts';
import { SUITE_FILES, suiteGates } from '../../suites/support/registry.ts';
import { AllureResults, type AllureTest } from './allure-results.ts';
import type { GateRun } from './run.ts';
import { PACKAGE_ROOT, unfinishedRecord, type SuiteRun } from './suites.ts';

/**
 * Checks in flight at once. The checks wait on the API server, not the CPU; the cluster client bounds
 * its own per-pod calls, and the prefetch has already asked for the shared kinds, so this only keeps
 * a slow server from being asked for everything at once.
 */
export const CHECK_CONCURRENCY = 8;

interface Planned {
  suite: SuiteName;
  group: string;
  spec: GateSpec;
  state: 'waiting' | 'running' | 'done';
  record?: CheckRecord;
}

/** The Allure side of a check's ending (the statuses allure-vitest gives the same endings). */
function finishAllure(test: AllureTest, end: CheckEnd): void {
  const { record } = end;
  if (end.kind === 'result') {
    if (record.status === 'passed') test.finish('passed');
    else if (record.status === 'skipped') test.finish('skipped');
    else
      test.finish(record.status === 'failed' ? 'failed' : 'broken', {
        message: renderFindings(record.findings),
      });
    return;
  }
  const err = end.error instanceof Error ? end.error : new Error(String(end.error));
  test.finish('broken', { message: err.message, ...(err.stack ? { trace: err.stack } : {}) });
}

/**
 * Runs the suites' checks in-process. `client` is the run's cluster client when the caller has one
 * (verify does: its /version answer is already cached); otherwise one is made from the context.
 */
export async function runDirect(
  run: GateRun,
  suites: SuiteName[],
  ctx: RunContext,
  client?: ClusterClient,
): Promise<SuiteRun> {
  const progress = run.progress;
  // Every request in flight follows the run's signal through a listener of its own (removed when it
  // settles): with the checks in this process, dozens at once is normal, not a leak.
  setMaxListeners(0, run.signal);
  const cluster =
    client ??
    new ClusterClient(loadKubeConfig({ kubeconfig: ctx.kubeconfig, context: ctx.context }), {
      signal: run.signal,
      deadlineAt: run.deadlineAt,
    });
  const context: SuiteContext = {
    run: { ...ctx, suites, deadlineAt: run.deadlineAt },
    profile: ctx.profile,
    cluster,
    env: run.env,
  };
  prefetch(cluster, ctx.profile, suites);
  const planned: Planned[] = [];
  for (const suite of suites)
    for (const group of await suiteGates(suite, ctx.profile))
      for (const spec of group.gates) planned.push({ suite, group: group.title, spec, state: 'waiting' });
  const bySuite = new Map<SuiteName, Planned[]>(suites.map((s) => [s, planned.filter((p) => p.suite === s)]));
  for (const [suite, checks] of bySuite) progress.stage(`suite ${suite}: ${checks.length} checks`);

  const allure = new AllureResults(
    run.runDirectory?.allureResults ?? path.join(ctx.reportDir, 'allure-results'),
    PACKAGE_ROOT,
  );
  const limiter = new Limiter(CHECK_CONCURRENCY);
  const contextOf = (): Promise<SuiteContext> => Promise.resolve(context);
  let done = 0;
  // The report's files are not the verdict, but a run whose results cannot be written says so (as the
  // vitest engine does when its reporter fails), once.
  const errors: string[] = [];
  const one = async (p: Planned): Promise<void> => {
    if (run.signal.aborted) return;
    p.state = 'running';
    const record = startedRecord(p.suite, p.spec.id, p.spec.title);
    const test = allure.test(SUITE_FILES[p.suite], [p.group], `${p.spec.id}: ${p.spec.title}`);
    const end = await runCheck(record, p.spec.body, contextOf, test);
    // An ending after the run was stopped is not trusted either way (a read cut short may look like
    // "could not see"): the check counts as not finished.
    if (end.kind === 'interrupted' || run.signal.aborted) return;
    p.state = 'done';
    p.record = end.record;
    try {
      finishAllure(test, end);
    } catch (err) {
      if (!errors.length) errors.push(`allure-results: ${(err as Error).message}`);
    }
    done++;
    progress.status(`suite ${p.suite}: check ${done}/${planned.length} ${p.spec.id} ${end.record.status}`);
    const rest = bySuite.get(p.suite) ?? [];
    if (rest.every((c) => c.state === 'done')) {
      const n = (s: CheckRecord['status']) => rest.filter((c) => c.record?.status === s).length;
      progress.line(
        `suite ${p.suite}: ${n('passed')} passed, ${n('failed') + n('inconclusive')} failed or inconclusive, ${n('skipped')} skipped`,
      );
    }
  };
  const all = Promise.all(planned.map((p) => limiter.run(() => one(p))));
  all.catch(() => undefined);
  await untilDoneOrStopped(all, run.signal);
  const result = collect(planned, suites, run.interruption);
  try {
    await allure.flush();
  } catch (err) {
    if (!errors.length) errors.push(`allure-results: ${(err as Error).message}`);
  }
  return { ...result, errors };
}

function untilDoneOrStopped(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const stop = (): void => resolve();
    signal.addEventListener('abort', stop, { once: true });
    work.then(
      () => {
        signal.removeEventListener('abort', stop);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function collect(planned: Planned[], suites: SuiteName[], interrupted: Interrupted | undefined): SuiteRun {
  const checks: CheckRecord[] = [];
  const pending: string[] = [];
  for (const suite of suites) {
    const mine = planned.filter((p) => p.suite === suite);
    const open: string[] = [];
    const running: string[] = [];
    for (const p of mine) {
      if (p.state === 'done' && p.record) {
        checks.push(p.record);
        continue;
      }
      // Only a stopped run leaves checks unfinished.
      const why = interrupted ?? new Error('the run ended');
      checks.push(unfinishedRecord(suite, p.spec.id, p.spec.title, why, p.state === 'running'));
      open.push(p.spec.id);
      if (p.state === 'running') running.push(p.spec.id);
    }
    if (!interrupted) continue;
    if (open.length === mine.length && running.length === 0) pending.push(`suite ${suite}: not started`);
    else if (open.length)
      pending.push(
        `suite ${suite}: ${open.length} of ${mine.length} checks not finished` +
          (running.length ? ` (running: ${running.join(', ')})` : ''),
      );
  }
  return { checks, errors: [], pending };
}
