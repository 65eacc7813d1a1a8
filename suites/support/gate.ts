import * as allure from 'allure-js-commons';
import { expect, test } from 'vitest';
import { Interrupted, type InterruptCause } from '../../src/core/index.ts';
import { Inconclusive } from '../../src/checks/inconclusive.ts';
import { renderFindings } from '../../src/report/render-text.ts';
import type { CheckRecord, SuiteName } from '../../src/report/types.ts';
import { runCheck, startedRecord, type CheckRecorder } from './check-core.ts';
import { abortRun, suiteContext } from './context.ts';
import type { GateSpec } from './gate-spec.ts';

declare module 'vitest' {
  interface TaskMeta {
    meshgate?: CheckRecord;
  }
}

/** The vitest engine's Allure side: allure-js-commons' runtime, which allure-vitest collects. */
const allureRecorder: CheckRecorder = {
  label: (name, value) => allure.label(name, value),
  description: (markdown) => allure.description(markdown),
  attachment: (name, body, contentType) => allure.attachment(name, body, contentType),
};

/**
 * Declares one checklist item as a vitest test: the shared check core (check-core.ts) runs the body
 * and records the result for the CLI and Allure; this wrapper turns how it ended into vitest's terms
 * (an assertion on the findings, a skip, a thrown Inconclusive).
 */
export function gate(suite: SuiteName, id: string, title: string, body: GateSpec['body']): void {
  test(`${id}: ${title}`, async ({ task, skip, signal }) => {
    const record = startedRecord(suite, id, title);
    task.meta.meshgate = record;
    // The CLI cancelled the run (signal or --timeout): stop every read of the run, not just this test's.
    signal.addEventListener(
      'abort',
      () => {
        const reason: unknown = signal.reason;
        if (reason instanceof Error && reason.name === 'TestRunAbortError') {
          const cause = (reason as Error & { reason?: string }).reason;
          abortRun(new Interrupted((cause ?? 'cancelled') as InterruptCause));
        }
      },
      { once: true },
    );
    const end = await runCheck(record, body, suiteContext, allureRecorder);
    if (end.kind !== 'result') throw end.error;
    const result = end.record;
    if (result.status === 'skipped') skip(result.details.join('; '));
    if (result.status === 'inconclusive') throw new Inconclusive(renderFindings(result.findings));
    expect(result.findings, renderFindings(result.findings)).toEqual([]);
  });
}
