import type { Finding } from '../checks/types.ts';
import { redactText } from './evidence.ts';
import type { CheckRecord, Verdict } from './types.ts';

/**
 * JUnit XML for CI (GitLab test reports, Jenkins junit, GitHub test summaries), valid against the
 * Jenkins JUnit schema (test/report/fixtures/jenkins-junit.xsd):
 * - one `<testsuite>` per suite, one `<testcase>` per check, `classname` = the suite;
 * - FAIL → `<failure>` with each finding's object, message, expected/found and fix;
 * - INCONCLUSIVE → `<error type="inconclusive">` with what could not be seen and why;
 * - skipped → `<skipped>` with the reason;
 * - problems that kept checks from running at all (run errors) → a `meshgate` testsuite with one
 *   `<error type="inconclusive">` each, so a CI view never shows an unrunnable gate as green.
 * So `tests` = checks + run errors; failures/errors/skipped add up like result.json's summary.
 * Checks carry no duration of their own: only the whole document has a `time`.
 */
export interface JunitInput {
  /** `meshgate verify`, `meshgate canary --step 25`: the name of the whole document. */
  name: string;
  verdict: Verdict;
  checks: readonly CheckRecord[];
  errors: readonly string[];
  /** When the run started (testsuite timestamp) and how long it took. */
  startedAt: string;
  durationSeconds: number;
  /** Extra facts for every testsuite's `<properties>` (run id, cluster, profile). */
  properties?: Readonly<Record<string, string>>;
}

// XML 1.0 allows only these characters; anything else (ANSI escapes from a tool) is dropped.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const attr = (attrs: Record<string, string | number>): string =>
  Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

function findingText(f: Finding): string {
  const lines = [`${f.object}: ${f.message}`];
  if (f.expected !== undefined || f.actual !== undefined)
    lines.push(`  expected ${f.expected ?? '?'}${f.field ? ` at ${f.field}` : ''}, found ${f.actual ?? '?'}`);
  if (f.hint) lines.push(`  fix: ${f.hint}`);
  return redactText(lines.join('\n'));
}

/** The first finding, one line, for the `message` attribute CI views show in lists. */
function headline(c: CheckRecord, fallback: string): string {
  const f = c.findings[0];
  if (!f) return fallback;
  const more = c.findings.length > 1 ? ` (and ${c.findings.length - 1} more)` : '';
  return redactText(`${f.object}: ${f.message}${more}`);
}

function testcase(c: CheckRecord): string {
  const open = `    <testcase${attr({ name: `${c.id}: ${c.title}`, classname: c.suite, time: '0' })}`;
  const body = c.findings.map(findingText).join('\n\n');
  switch (c.status) {
    case 'passed':
      return c.details.length
        ? `${open}>\n      <system-out>${xmlEscape(c.details.join('\n'))}</system-out>\n    </testcase>`
        : `${open}/>`;
    case 'failed':
      return `${open}>\n      <failure${attr({ type: 'failed', message: headline(c, 'failed') })}>${xmlEscape(body)}</failure>\n    </testcase>`;
    case 'inconclusive':
      return `${open}>\n      <error${attr({ type: 'inconclusive', message: headline(c, 'could not be verified') })}>${xmlEscape(body)}</error>\n    </testcase>`;
    case 'skipped':
      return `${open}>\n      <skipped>${xmlEscape(c.details.join('; ') || 'skipped')}</skipped>\n    </testcase>`;
  }
}

interface Suite {
  name: string;
  cases: string[];
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export function renderJunit(input: JunitInput): string {
  const suites: Suite[] = [];
  for (const c of input.checks) {
    let s = suites.find((x) => x.name === c.suite);
    if (!s) suites.push((s = { name: c.suite, cases: [], tests: 0, failures: 0, errors: 0, skipped: 0 }));
    s.cases.push(testcase(c));
    s.tests++;
    if (c.status === 'failed') s.failures++;
    if (c.status === 'inconclusive') s.errors++;
    if (c.status === 'skipped') s.skipped++;
  }
  if (input.errors.length) {
    suites.push({
      name: 'meshgate',
      cases: input.errors.map(
        (e, i) =>
          `    <testcase${attr({ name: `run error ${i + 1}`, classname: 'meshgate', time: '0' })}>\n      <error${attr({ type: 'inconclusive', message: redactText(e) })}>${xmlEscape(redactText(e))}</error>\n    </testcase>`,
      ),
      tests: input.errors.length,
      failures: 0,
      errors: input.errors.length,
      skipped: 0,
    });
  }
  const props = { verdict: input.verdict, ...input.properties };
  const properties = `    <properties>\n${Object.entries(props)
    .map(([name, value]) => `      <property${attr({ name, value: redactText(value) })}/>`)
    .join('\n')}\n    </properties>`;
  const total = (k: 'tests' | 'failures' | 'errors') => suites.reduce((n, s) => n + s[k], 0);
  const time = input.durationSeconds.toFixed(3);
  const body = suites.map(
    (s) =>
      `  <testsuite${attr({
        name: s.name,
        tests: s.tests,
        failures: s.failures,
        errors: s.errors,
        skipped: s.skipped,
        timestamp: input.startedAt.replace(/\.\d+Z$/, '').replace(/Z$/, ''),
      })}>\n${properties}\n${s.cases.join('\n')}\n  </testsuite>`,
  );
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites${attr({ name: input.name, tests: total('tests'), failures: total('failures'), errors: total('errors'), time })}>\n` +
    `${body.join('\n')}${body.length ? '\n' : ''}</testsuites>\n`
  );
}
