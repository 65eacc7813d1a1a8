import type { ItemStatus } from '../checklist/index.ts';
import { redactText } from './evidence.ts';
import type { RunEnvironment } from './run-environment.ts';
import { environmentEntries } from './run-environment.ts';
import { summarise, type CheckRecord, type Verdict } from './types.ts';

/** What summary.md (and the report's title) says about one run. */
export interface SummaryInput {
  title: string;
  runId: string;
  verdict: Verdict;
  exitCode?: number | undefined;
  /** One line: why the verdict (the canary's reason, the gate's refusal). */
  reason?: string | undefined;
  startedAt: string;
  finishedAt: string;
  environment: RunEnvironment;
  checks: readonly CheckRecord[];
  errors: readonly string[];
  checklist: readonly ItemStatus[];
  /** Files of the run directory, relative to it. */
  files: readonly string[];
}

const cell = (text: string): string => redactText(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

const MARK: Record<CheckRecord['status'], string> = {
  passed: 'PASS',
  failed: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  skipped: 'SKIP',
};

function problemsSection(checks: readonly CheckRecord[], errors: readonly string[]): string[] {
  const bad = checks.filter((c) => c.status === 'failed' || c.status === 'inconclusive');
  if (bad.length === 0 && errors.length === 0) return [];
  const out = ['## What failed or could not be verified', ''];
  for (const e of errors) out.push(`- **run error**: ${redactText(e)}`);
  if (errors.length) out.push('');
  for (const c of bad) {
    out.push(`### ${MARK[c.status]} \`${c.id}\`: ${c.title}`, '');
    for (const f of c.findings) {
      out.push(`- **${f.object}**: ${redactText(f.message)}`);
      if (f.expected !== undefined || f.actual !== undefined)
        out.push(
          `  expected \`${f.expected ?? '?'}\`${f.field ? ` at \`${f.field}\`` : ''}, found \`${f.actual ?? '?'}\``,
        );
      if (f.hint) out.push(`  **Fix:** ${redactText(f.hint)}`);
    }
    if (c.findings.length === 0) out.push('- (no finding recorded)');
    out.push('');
  }
  return out;
}

/** The whole checklist of the guide with each item's state in this run, one table per step. */
export function renderChecklistMarkdown(checklist: readonly ItemStatus[]): string {
  const out: string[] = [];
  let feature = '';
  for (const s of checklist) {
    const heading = `${s.item.epic} › ${s.item.feature}`;
    if (heading !== feature) {
      feature = heading;
      out.push('', `### ${heading}`, '', '| State | Item | How it is verified |', '|---|---|---|');
    }
    out.push(`| ${s.state} | ${cell(s.item.text)} | ${cell(s.note)} |`);
  }
  const count = (state: string) => checklist.filter((s) => s.state === state).length;
  const states = ['PASS', 'FAIL', 'INCONCLUSIVE', 'PARTIAL', 'SKIPPED', 'NOT RUN', 'MANUAL'];
  return [
    `${checklist.length} items: ${states
      .map((st) => `${count(st)} ${st.toLowerCase()}`)
      .filter((t) => !t.startsWith('0 '))
      .join(', ')}.`,
    ...out,
  ].join('\n');
}

export function renderSummaryMarkdown(input: SummaryInput): string {
  const s = summarise([...input.checks]);
  const env = environmentEntries(input.environment);
  const out = [
    `# ${input.title}`,
    '',
    `**Verdict: ${input.verdict}**${input.exitCode !== undefined ? ` (exit ${input.exitCode})` : ''}${input.reason ? `: ${redactText(input.reason)}` : ''}`,
    '',
    `Run \`${input.runId}\`, ${input.startedAt} → ${input.finishedAt}`,
    '',
    '| | |',
    '|---|---|',
    ...env.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
    '',
    '## Checks',
    '',
    `${s.passed} passed, ${s.failed} failed, ${s.inconclusive} inconclusive, ${s.skipped} skipped (${input.checks.length} checks${input.errors.length ? `, ${input.errors.length} run errors` : ''}).`,
    '',
    ...problemsSection(input.checks, input.errors),
    '## Migration checklist',
    '',
    renderChecklistMarkdown(input.checklist),
    '',
    '## Files',
    '',
    ...input.files.map((f) => `- [${f}](${f})`),
    '',
  ];
  return out.join('\n');
}
