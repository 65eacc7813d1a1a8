import type { Finding } from '../checks/types.ts';
import { summarise, verdictOf, type CheckRecord, type GateReport, type InterruptionReport } from './types.ts';

const MARK: Record<CheckRecord['status'], string> = {
  passed: 'PASS',
  failed: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  skipped: 'SKIP',
};

export function renderFinding(f: Finding): string {
  const lines = [`${f.object}: ${f.message}`];
  if (f.expected !== undefined || f.actual !== undefined) {
    lines.push(
      `    expected ${f.expected ?? '?'}${f.field ? ` at ${f.field}` : ''}, found ${f.actual ?? '?'}`,
    );
  }
  if (f.hint) lines.push(`    fix: ${f.hint}`);
  return lines.join('\n');
}

export function renderFindings(findings: Finding[]): string {
  return findings.map(renderFinding).join('\n');
}

/**
 * The terminal form of suite results: one line per check, findings indented under it, then a
 * verdict line over these checks.
 */
export function renderChecksText(
  checks: CheckRecord[],
  errors: string[] = [],
  /** What the last line is called: `verdict` for a gate of checks only, a part's name otherwise. */
  label = 'verdict',
): string {
  const out: string[] = [];
  let suite = '';
  for (const c of checks) {
    if (c.suite !== suite) {
      suite = c.suite;
      out.push('', `${suite}`);
    }
    out.push(`  ${MARK[c.status].padEnd(12)} ${c.id}  ${c.title}`);
    for (const d of c.details) out.push(`               ${d}`);
    for (const f of c.findings) {
      const [first, ...rest] = renderFinding(f).split('\n');
      out.push(`    - ${first ?? ''}`, ...rest.map((l) => `    ${l}`));
    }
  }
  for (const e of errors) out.push('', `error: ${e}`);
  const s = summarise(checks);
  out.push(
    '',
    `${label}: ${verdictOf(checks, errors)}  (${s.passed} passed, ${s.failed} failed, ${s.inconclusive} inconclusive, ${s.skipped} skipped)`,
  );
  return out.join('\n').replace(/^\n/, '') + '\n';
}

/** What a stopped run had not finished, for the terminal. */
export function renderInterruption(i: InterruptionReport): string {
  const lines = [`${i.message}: the run stopped before it finished; no verdict beyond INCONCLUSIVE`];
  if (i.pending.length) lines.push('not finished:', ...i.pending.map((p) => `  - ${p}`));
  return lines.join('\n') + '\n';
}

/** The gate report in the terminal. */
export function renderGateText(report: GateReport): string {
  const text = renderChecksText(report.checks, report.errors);
  return report.interrupted ? `${text}\n${renderInterruption(report.interrupted)}` : text;
}
