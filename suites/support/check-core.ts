// One check, from its body's answer (or throw) to a CheckRecord and its Allure evidence, shared by
// both engines: the vitest `test()` wrapper (gate.ts) and the CLI's direct engine
// (src/gate/direct.ts). Each engine supplies a recorder for the Allure side; what is recorded, and
// when, is decided here once.

import { stringify } from 'yaml';
import { isInterrupted } from '../../src/core/index.ts';
import type { Inconclusive } from '../../src/checks/inconclusive.ts';
import type { CheckResult } from '../../src/checks/types.ts';
import { checkLabels } from '../../src/report/allure-labels.ts';
import type { Attachment } from '../../src/report/evidence.ts';
import type { CheckRecord, SuiteName } from '../../src/report/types.ts';
import type { SuiteContext } from './context.ts';
import { Evidence, attachEvidence } from './evidence.ts';
import type { GateSpec } from './gate-spec.ts';
import { crashFinding, toInconclusive } from './outcome.ts';

/** Where a check's labels, description and attachments go (allure-js-commons, or an SDK writer). */
export interface CheckRecorder {
  label(name: string, value: string): PromiseLike<void> | void;
  description(markdown: string): PromiseLike<void> | void;
  attachment(name: string, body: string, contentType: Attachment['contentType']): PromiseLike<void> | void;
}

/**
 * How a check ended. `result`: the body answered (its status is in the record). `unseen`: it could
 * not see (a ClusterError or Inconclusive), inconclusive with a hint. `crashed`: it threw anything
 * else (our bug). `interrupted`: the run was stopped under it; the engine reports it as not finished.
 */
export type CheckEnd =
  | { kind: 'result'; record: CheckRecord }
  | { kind: 'unseen'; record: CheckRecord; error: Inconclusive }
  | { kind: 'crashed'; record: CheckRecord; error: unknown }
  | { kind: 'interrupted'; record: CheckRecord; error: unknown };

/** The record of a check that has started and not yet answered: inconclusive until it does. */
export function startedRecord(suite: SuiteName, id: string, title: string): CheckRecord {
  return { id, title, suite, status: 'inconclusive', findings: [], details: [] };
}

/**
 * Runs one check: labels first (epic = phase, feature = step, story = checklist items, severity:
 * src/report/allure-labels.ts), then the body, then what it saw ('seen'), its findings
 * ('findings.yaml') and, on the failure path only, the evidence (description, objects, what the body
 * collected). Fills `record` in place, so an engine that shows it before the end sees it started.
 * Never throws: how the ending is reported (a vitest assertion, an Allure status) is the engine's.
 */
export async function runCheck(
  record: CheckRecord,
  body: GateSpec['body'],
  context: () => Promise<SuiteContext>,
  recorder: CheckRecorder,
): Promise<CheckEnd> {
  const { id, suite } = record;
  await recorder.label('suite', suite);
  for (const l of checkLabels(id, suite)) await recorder.label(l.name, l.value);
  const evidence = new Evidence();
  let ctx: SuiteContext | undefined;
  let result: CheckResult;
  try {
    ctx = await context();
    result = await body(ctx, evidence);
  } catch (err) {
    // Stopped by the run: not evidence either way; the engine reports it as not finished.
    if (isInterrupted(err)) return { kind: 'interrupted', record, error: err };
    await attachAlways(recorder, evidence);
    const inc = toInconclusive(err);
    if (!inc) {
      // A crash is not evidence either way: inconclusive, and loud about being our bug.
      record.findings = [crashFinding(id, err)];
      return { kind: 'crashed', record, error: err };
    }
    record.findings = [{ object: id, message: inc.message, hint: inc.hint }];
    await recorder.attachment('inconclusive', `${inc.message}\nfix: ${inc.hint}`, 'text/plain');
    await attachEvidence(recorder, ctx?.cluster, record.findings, evidence);
    return { kind: 'unseen', record, error: inc };
  }
  record.status = result.status;
  record.findings = result.findings;
  record.details = result.details;
  await attachAlways(recorder, evidence);
  if (result.details.length) await recorder.attachment('seen', result.details.join('\n'), 'text/plain');
  if (result.findings.length)
    await recorder.attachment('findings.yaml', stringify(result.findings), 'application/yaml');
  if (result.status === 'failed' || result.status === 'inconclusive')
    await attachEvidence(recorder, ctx.cluster, result.findings, evidence);
  return { kind: 'result', record };
}

/** What a body attaches whatever the outcome (the canary's decision trace and queries). */
async function attachAlways(recorder: CheckRecorder, evidence: Evidence): Promise<void> {
  for (const a of evidence.always) await recorder.attachment(a.name, a.body, a.contentType);
}
