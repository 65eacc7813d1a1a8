import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ItemStatus } from '../checklist/index.ts';
import { redactText } from './evidence.ts';
import { renderChecklistMarkdown } from './render-summary.ts';
import { environmentEntries, type RunEnvironment } from './run-environment.ts';

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
