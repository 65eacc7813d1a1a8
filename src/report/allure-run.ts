import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ItemStatus } from '../checklist/index.ts';
import { checkLabels } from './allure-labels.ts';
import { findingsMarkdown, redactText, type Attachment } from './evidence.ts';
import { renderChecklistMarkdown } from './render-summary.ts';
import { environmentEntries, type RunEnvironment } from './run-environment.ts';
import type { CheckRecord } from './types.ts';

/**
 * The run-level files Allure reads beside the test results (the allure2 results format Allure 3
 * reads): `environment.properties` (the Environment widget) and a `*-globals.json` whose attachments
 * are the run's checklist and summary and whose errors are the run errors.
 */
export interface AllureRunFiles {
  environment: RunEnvironment;
  checklist: readonly ItemStatus[];
  summaryMarkdown: string;
  errors: readonly string[];
  runId: string;
  title: string;
}

/** Java properties escaping: backslash, separators and line breaks. */
function property(key: string, value: string): string {
  const esc = (s: string, isKey: boolean) =>
    s
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(isKey ? /([ =:#!])/g : /^([ #!])/g, '\\$1');
  return `${esc(key, true)}=${esc(redactText(value), false)}`;
}

/**
 * Allure's error categories, named for what the statuses mean here: INCONCLUSIVE is Allure's
 * "broken". Allure 3 takes categories from its config file (allurerc), not from the results.
 */
export const CATEGORIES = [
  {
    id: 'meshgate-inconclusive',
    name: 'Inconclusive: meshgate could not see enough to decide',
    matchers: { statuses: ['broken'] },
  },
  {
    id: 'meshgate-failed',
    name: 'Failed: the cluster does not meet the checklist item',
    matchers: { statuses: ['failed'] },
  },
];

export function writeAllureRunFiles(dir: string, files: AllureRunFiles): void {
  mkdirSync(dir, { recursive: true });
  const env = [...environmentEntries(files.environment), ['run', files.runId] as [string, string]];
  writeFileSync(
    path.join(dir, 'environment.properties'),
    `${env.map(([k, v]) => property(k, v)).join('\n')}\n`,
  );
  const now = Date.now();
  const attach = (name: string, body: string) => {
    const source = `${randomUUID()}-attachment.md`;
    writeFileSync(path.join(dir, source), body);
    return { name, source, type: 'text/markdown', timestamp: now };
  };
  const globals = {
    attachments: [
      attach(
        'checklist.md',
        `# Migration checklist\n\n${files.title}\n\n${renderChecklistMarkdown(files.checklist)}\n`,
      ),
      attach('summary.md', files.summaryMarkdown),
    ],
    errors: files.errors.map((message) => ({ message: redactText(message), timestamp: now })),
  };
  writeFileSync(path.join(dir, `${randomUUID()}-globals.json`), JSON.stringify(globals, null, 2));
}

const ALLURE_STATUS: Record<CheckRecord['status'], string> = {
  passed: 'passed',
  failed: 'failed',
  // INCONCLUSIVE is Allure's "broken", never passed (docs/reports.md).
  inconclusive: 'broken',
  skipped: 'skipped',
};

/** The check ids that already have an Allure result in `dir` (written by the suites' reporter). */
function checksWithResults(dir: string): Set<string> {
  const ids = new Set<string>();
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    if (!f.endsWith('-result.json')) continue;
    try {
      const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as {
        labels?: { name: string; value: string }[];
      };
      const check = r.labels?.find((l) => l.name === 'check')?.value;
      if (check) ids.add(check);
    } catch {
      // not ours to judge: Allure reads it or reports it
    }
  }
  return ids;
}

/**
 * Allure results for the checks no suite wrote one for (the canary command's metrics, judged without
 * vitest), in the allure2 results format Allure 3 reads: same labels as the suites' (epic = phase,
 * feature = step, story = checklist item), INCONCLUSIVE as broken, the findings with their fix as the
 * description, and the run's decision traces attached to failed and inconclusive ones.
 */
export function writeAllureCheckResults(
  dir: string,
  checks: readonly CheckRecord[],
  opts: { startedAt: number; stoppedAt: number; traces?: readonly Attachment[] },
): void {
  mkdirSync(dir, { recursive: true });
  const have = checksWithResults(dir);
  for (const c of checks) {
    if (have.has(c.id)) continue;
    const attachments = [
      ...(c.details.length
        ? [{ name: 'seen', contentType: 'text/plain' as const, body: c.details.join('\n') }]
        : []),
      ...(c.status === 'failed' || c.status === 'inconclusive' ? (opts.traces ?? []) : []),
    ].map((a) => {
      const ext =
        a.contentType === 'application/json' ? 'json' : a.contentType === 'text/markdown' ? 'md' : 'txt';
      const source = `${randomUUID()}-attachment.${ext}`;
      writeFileSync(path.join(dir, source), redactText(a.body));
      return { name: a.name, source, type: a.contentType };
    });
    const message = c.findings.map((f) => `${f.object}: ${f.message}`).join('\n');
    const result = {
      uuid: randomUUID(),
      historyId: createHash('md5').update(c.id).digest('hex'),
      testCaseId: createHash('md5').update(c.id).digest('hex'),
      name: `${c.id}: ${c.title}`,
      fullName: `${c.suite}/${c.id}`,
      status: ALLURE_STATUS[c.status],
      statusDetails: message ? { message: redactText(message) } : {},
      stage: 'finished',
      description: c.findings.length ? findingsMarkdown(c.findings) : undefined,
      labels: [{ name: 'suite', value: c.suite }, ...checkLabels(c.id, c.suite)],
      steps: [],
      parameters: [],
      links: [],
      attachments,
      start: opts.startedAt,
      stop: opts.stoppedAt,
    };
    writeFileSync(path.join(dir, `${result.uuid}-result.json`), JSON.stringify(result, null, 2));
  }
}
