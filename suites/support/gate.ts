import * as allure from 'allure-js-commons';
import { stringify } from 'yaml';
import { expect, test } from 'vitest';
import { Interrupted, isInterrupted, type InterruptCause } from '../../src/core/index.ts';
import { Inconclusive } from '../../src/checks/inconclusive.ts';
import type { CheckResult } from '../../src/checks/types.ts';
import { checkLabels } from '../../src/report/allure-labels.ts';
import { renderFindings } from '../../src/report/render-text.ts';
import type { CheckRecord, SuiteName } from '../../src/report/types.ts';
import { abortRun, suiteContext, type SuiteContext } from './context.ts';
import { Evidence, attachEvidence } from './evidence.ts';
import { crashFinding, toInconclusive } from './outcome.ts';

declare module 'vitest' {
  interface TaskMeta {
    meshgate?: CheckRecord;
  }
}

/**
 * Declares one checklist item as a vitest test: fetch (the body), check (a pure function the body
 * returns), then record the result for the CLI and Allure and assert on it.
 */
export function gate(
  suite: SuiteName,
  id: string,
  title: string,
  body: (ctx: SuiteContext, evidence: Evidence) => Promise<CheckResult>,
): void {
  test(`${id}: ${title}`, async ({ task, skip, signal }) => {
    const record: CheckRecord = { id, title, suite, status: 'inconclusive', findings: [], details: [] };
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
    await allure.label('suite', suite);
    // epic = phase, feature = step, story = checklist items, severity (src/report/allure-labels.ts)
    for (const l of checkLabels(id, suite)) await allure.label(l.name, l.value);
    const evidence = new Evidence();
    let ctx: SuiteContext | undefined;
    let result: CheckResult;
    try {
      ctx = await suiteContext();
      result = await body(ctx, evidence);
    } catch (err) {
      // Stopped by the run: not evidence either way; the CLI reports it as not finished.
      if (isInterrupted(err)) throw err;
      const inc = toInconclusive(err);
      if (!inc) {
        // A crash is not evidence either way: inconclusive, and loud about being our bug.
        record.findings = [crashFinding(id, err)];
        throw err;
      }
      record.findings = [{ object: id, message: inc.message, hint: inc.hint }];
      await allure.attachment('inconclusive', `${inc.message}\nfix: ${inc.hint}`, 'text/plain');
      await attachEvidence(ctx?.cluster, record.findings, evidence);
      throw inc;
    }
    record.status = result.status;
    record.findings = result.findings;
    record.details = result.details;
    if (result.details.length) await allure.attachment('seen', result.details.join('\n'), 'text/plain');
    if (result.findings.length)
      await allure.attachment('findings.yaml', stringify(result.findings), 'application/yaml');
    if (result.status === 'failed' || result.status === 'inconclusive')
      await attachEvidence(ctx.cluster, result.findings, evidence);
    if (result.status === 'skipped') skip(result.details.join('; '));
    if (result.status === 'inconclusive') throw new Inconclusive(renderFindings(result.findings));
    expect(result.findings, renderFindings(result.findings)).toEqual([]);
  });
}
