// The terminal form of each command's result (with -o json the CLI prints the document instead).

import path from 'node:path';
import type { CanaryCommandDocument } from '../gate/canary-step.ts';
import type { MonitorDocument } from '../gate/monitor.ts';
import type { GateRunResult } from '../gate/run.ts';
import type { TrafficMoveDocument } from '../gate/shift.ts';
import type { TestStepDocument } from '../gate/test-step.ts';
import { renderChecksText, renderGateText, renderInterruption } from '../report/render-text.ts';
import type { GateReport } from '../report/types.ts';
import type { CommandEnv } from './run-command.ts';

function errorsAndNotes(r: GateRunResult, ce: CommandEnv): void {
  for (const n of r.notes) ce.io.err(`${n}\n`);
  for (const e of r.errors) ce.io.err(`error: ${e}\n`);
}

export function renderVerify(r: GateRunResult<GateReport>, ce: CommandEnv): void {
  ce.io.out(renderGateText(r.document));
}

export async function renderCanary(r: GateRunResult<CanaryCommandDocument>, ce: CommandEnv): Promise<void> {
  if (r.canary && r.verdictFile) {
    const { renderVerdictText } = await import('../gate/canary.ts');
    ce.io.out(renderVerdictText(r.canary, r.verdictFile));
  } else {
    ce.io.out(`canary step ${r.document.step}: ${r.document.verdict} — ${r.document.reason}\n`);
  }
  errorsAndNotes(r, ce);
  if (r.interrupted) ce.io.err(renderInterruption(r.interrupted));
}

export async function renderMove(r: GateRunResult<TrafficMoveDocument>, ce: CommandEnv): Promise<void> {
  const d = r.document;
  const { io, global } = ce;
  if (r.checks.length && d.outcome !== 'applied' && d.outcome !== 'dry-run')
    io.err(renderChecksText(r.checks, []));
  if (r.canary && r.verdictFile) {
    const { renderVerdictText } = await import('../gate/canary.ts');
    io.err(renderVerdictText(r.canary, r.verdictFile));
  }
  // The file the audit line really went to (--report-dir honoured), and this run's copy of it.
  const audit = r.auditFile ?? path.join(global.reportDir, 'audit.jsonl');
  const scaled = Object.entries(d.scaled ?? {})
    .map(([name, s]) => `${name} ${s.from} → ${s.to}`)
    .join(', ');
  switch (d.outcome) {
    case 'dry-run':
      io.out(`dry run: would patch ${d.object} (merge patch):\n${JSON.stringify(d.patch, null, 2)}\n`);
      break;
    case 'refused':
      io.out(`${d.action} refused: ${d.reason}\n`);
      break;
    case 'interrupted':
      io.out(`${d.action} interrupted: ${d.reason}\n`);
      break;
    case 'conflict':
      break;
    default:
      if (r.command === 'rollback')
        io.out(
          `${d.action} ${d.outcome}: ${d.object} mesh weight ${d.from} % → ${d.to} %` +
            (scaled ? `; scaled ${scaled}` : '') +
            `\n  ${d.reason}\n  audit: ${d.by} at ${d.at} (${audit})\n`,
        );
      else
        io.out(
          `shifted ${d.object}: mesh weight ${d.from} % → ${d.to} % (${d.verdict ? `gate ${d.verdict}` : 'no gate'}; ${d.reason}; audit: ${audit})\n`,
        );
  }
  errorsAndNotes(r, ce);
  if (r.interrupted) io.err(renderInterruption(r.interrupted));
}

export function renderMonitor(r: GateRunResult<MonitorDocument>, ce: CommandEnv): void {
  ce.io.out(`monitor: ${r.document.verdict} — ${r.document.reason}\ntimeline: ${r.document.file ?? ''}\n`);
  errorsAndNotes(r, ce);
  if (r.interrupted) ce.io.err(renderInterruption(r.interrupted));
}

/** Step 7: the smoke run, the security suite (its own summary line), then exactly one verdict line. */
export function renderTestStep(r: GateRunResult<TestStepDocument>, ce: CommandEnv): void {
  const d = r.document;
  ce.io.out(`Step 7 smoke run: ${d.smoke.verdict} — ${d.smoke.reason}\n`);
  ce.io.out(renderChecksText(d.security.checks, d.security.errors, 'security suite'));
  ce.io.out(
    `verdict: ${d.verdict}  (Step 7 initial testing: smoke run ${d.smoke.verdict}, security suite ${d.security.verdict})\n`,
  );
  if (r.interrupted) ce.io.err(renderInterruption(r.interrupted));
}
