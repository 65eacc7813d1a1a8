// The change-board reviewer's view, end to end through the real commands: `meshgate verify` (in
// process, through main() with an injected Io) writes its own run directory, `meshgate report` builds
// that run's report.html, and the file, opened from disk in a real browser, shows this run only, its
// verdict and environment, the failing checklist item with its evidence and fix, and INCONCLUSIVE as
// broken. An earlier run (a cheap `verify prereq` with another failure) shares the report directory,
// so "this run only" is something the test can see fail.
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDirectory } from '../../src/report/index.ts';
import { readRunMeta, summarise, type GateReport } from '../../src/report/index.ts';
import { attestedConfig } from '../support/cli.ts';
import { runMain } from '../faults/support.ts';
import { CHROMIUM, CHROMIUM_ARGS, validateJunit } from './support.ts';

const reportDir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-report-e2e-'));
const EARLIER = 'scenarios/broken/prereq-no-default-storageclass';
const THIS = 'scenarios/broken/mesh-pod-without-sidecar';
const SIDE_CAR_TITLE = 'mesh.app.sidecars: Every mesh pod has a ready injected sidecar (IST0103)';
const SIDE_CAR_FIX = 'remove the opt-out from the pod template';
// Credentials in the Prometheus URL must never reach a report.
const PROMETHEUS = 'https://reader:hunter2@prometheus.example:9090';
const { config } = attestedConfig();

/** One gate run as the CLI made it: its run directory (from the `run:` line) and its document. */
interface GateRun {
  run: { id: string; dir: string; allureResults: string; paths: RunDirectory['paths'] };
  doc: GateReport;
  code: number;
  stderr: string;
}

async function verifyRun(args: string[]): Promise<GateRun> {
  const res = await runMain([
    'verify',
    ...args,
    '-o',
    'json',
    '--config',
    config,
    '--prometheus',
    PROMETHEUS,
    '--report-dir',
    reportDir,
  ]);
  const dir = /^run: (.+) \(result\.json, junit\.xml, summary\.md\)$/m.exec(res.stderr)?.[1];
  if (!dir) throw new Error(`no run directory printed:\n${res.stderr}`);
  const id = path.basename(dir);
  const paths = {
    result: path.join(dir, 'result.json'),
    junit: path.join(dir, 'junit.xml'),
    summary: path.join(dir, 'summary.md'),
    traces: path.join(dir, 'traces'),
    audit: path.join(dir, 'audit.jsonl'),
    meta: path.join(dir, 'run.json'),
    report: path.join(dir, 'report.html'),
  };
  return {
    run: { id, dir, allureResults: path.join(dir, 'allure-results'), paths },
    doc: JSON.parse(res.stdout) as GateReport,
    code: res.code,
    stderr: res.stderr,
  };
}

let earlier: GateRun;
let current: GateRun;
let reportOut: Awaited<ReturnType<typeof runMain>>;
let browser: Browser;
let page: Page;
let html: string;
const remote: string[] = [];

beforeAll(async () => {
  earlier = await verifyRun(['prereq', '--scenario', EARLIER, '--report']);
  current = await verifyRun(['mesh', '--scenario', THIS]);
  reportOut = await runMain(['report', '--history', '1', '--report-dir', reportDir]);
  html = existsSync(current.run.paths.report) ? readFileSync(current.run.paths.report, 'utf8') : '';
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  page.on('request', (r) => {
    if (!/^(file|data|blob):/.test(r.url())) remote.push(r.url());
  });
  await page.goto(`file://${current.run.paths.report}`);
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

/** The text of the first frame (descriptions and attachments render in their own) that has `marker`. */
async function frameText(marker: string): Promise<string> {
  for (const f of page.frames()) {
    const t = await f
      .locator('body')
      .innerText()
      .catch(() => '');
    if (t.includes(marker)) return t;
  }
  return '';
}

// One page, visited in order like a reviewer would: overview, the failing check, back, the
// inconclusive one, the categories, the checklist. (Each load of the 4 MB file is the slow part.)
describe.sequential('meshgate report: one self-contained HTML file per run', () => {
  it('builds report.html in the run directory and prints where, with the history it used', () => {
    expect(reportOut.code, reportOut.stderr).toBe(0);
    expect(reportOut.stdout).toBe(
      `report: ${current.run.paths.report}\nsummary: ${current.run.paths.summary}\nhistory: ${earlier.run.id}\n`,
    );
    expect(readdirSync(current.run.dir)).toContain('report.html');
    // No analytics tag, no remote script or stylesheet: it must render offline from a ticket.
    expect(html).not.toContain('googletagmanager');
    expect(html).not.toMatch(/<(script|link)\b[^>]*\s(src|href)="https?:/);
  });

  it('opens from file:// with this run’s title, verdict, environment and counts', async () => {
    const title = `meshgate verify — FAIL — meshgate-sim (${current.doc.cluster.server})`;
    await page.getByText(title).first().waitFor({ timeout: 120_000 });
    await page.getByText('Sort by').first().waitFor({ timeout: 60_000 });
    expect(await page.title()).toContain(title);
    const body = await page.locator('body').innerText();
    for (const text of ['Kubernetes', 'v1.28.3', 'Istio', '1.20.1', 'https://prometheus.example:9090']) {
      expect(body).toContain(text);
    }
    expect(body).not.toContain('hunter2');
    const s = summarise(current.doc.checks);
    expect(body).toMatch(
      new RegExp(
        `Total\\s+${current.doc.checks.length}\\s+Failed\\s+${s.failed}\\s+Broken\\s+${s.inconclusive}`,
      ),
    );
    // The earlier run's failure is not in this report (its check passed here).
    const earlierFailure = earlier.doc.checks.find((c) => c.id === 'prereq.storage-class');
    expect(earlierFailure?.status).toBe('failed');
    expect(html).not.toContain(earlierFailure?.findings[0]?.message ?? '(none)');
  });

  it('shows the failing check with its checklist labels, evidence and fix', async () => {
    await page.getByText(SIDE_CAR_TITLE).first().click({ timeout: 60_000 });
    await page.getByText('Blocker').first().waitFor({ timeout: 60_000 });
    const body = await page.locator('body').innerText();
    expect(body).toContain('Failed');
    expect(body).toContain(`fix: ${SIDE_CAR_FIX}`);
    expect(body).toMatch(/Pod-zamaz-mesh-zamaz-api-[a-z0-9-]+\.yaml/);
    expect(body).toContain('Phase 3: Application Deployment');
    // The description (findings with their fix) renders in its own frame.
    await expect.poll(() => frameText('Fix:'), { timeout: 60_000 }).toContain(SIDE_CAR_FIX);
  });

  it('shows INCONCLUSIVE as broken, with its reason, in a category that says so', async () => {
    await page.goBack();
    await page.getByText('mesh.app.health:').first().click({ timeout: 60_000 });
    await page.getByText('Broken').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('body').innerText()).toContain("the API server's pod proxy could not reach");
    await page.evaluate("location.hash = '#categories'");
    const category = 'Inconclusive: meshgate could not see enough to decide';
    await page.getByText(category).first().waitFor({ timeout: 60_000 });
    const body = await page.locator('body').innerText();
    expect(body).toMatch(new RegExp(`${category}\\s+1`));
    expect(body).not.toContain('Test errors');
  });

  it('carries the whole checklist with each item’s state', async () => {
    await page.evaluate("location.hash = '#globalAttachments'");
    await page.getByText('checklist.md').first().click({ timeout: 60_000 });
    await expect
      .poll(() => frameText('Sidecar injection status'), { timeout: 60_000 })
      .toMatch(/FAIL\s+Sidecar injection status\s+failed: mesh\.app\.sidecars/);
  });

  it('made no request off the machine', () => {
    expect(remote).toEqual([]);
  });
});

describe('the run directory beside the report', () => {
  it('junit.xml validates and its counts equal result.json', () => {
    const xml = readFileSync(current.run.paths.junit, 'utf8');
    expect(validateJunit(xml).ok).toBe(true);
    const doc = JSON.parse(readFileSync(current.run.paths.result, 'utf8')) as GateReport;
    expect(doc).toEqual(current.doc);
    const tests = doc.checks.length + doc.errors.length;
    expect(xml).toContain(
      `tests="${tests}" failures="${doc.summary.failed}" errors="${doc.summary.inconclusive + doc.errors.length}"`,
    );
    expect([...xml.matchAll(/<testcase /g)]).toHaveLength(tests);
    expect([...xml.matchAll(/<skipped>/g)]).toHaveLength(doc.summary.skipped);
  });

  it('summary.md names the failing item, its fix and the checklist', () => {
    const md = readFileSync(current.run.paths.summary, 'utf8');
    expect(md).toContain('### FAIL `mesh.app.sidecars`');
    expect(md).toContain(SIDE_CAR_FIX);
    expect(md).toContain('| FAIL | Sidecar injection status | failed: mesh.app.sidecars |');
    expect(md).not.toContain('hunter2');
  });

  it('each run kept its own Allure results; only a failing check carries its objects as evidence', () => {
    const results = (dir: string) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('-result.json'))
        .map(
          (f) =>
            JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as {
              name: string;
              steps: { name: string }[];
            },
        );
    const before = results(earlier.run.allureResults);
    const now = results(current.run.allureResults);
    expect(before).toHaveLength(earlier.doc.checks.length);
    expect(now).toHaveLength(current.doc.checks.length);
    expect(before.every((r) => r.name.startsWith('prereq.'))).toBe(true);
    expect(now.every((r) => r.name.startsWith('mesh.'))).toBe(true);
    const sidecars = now.find((r) => r.name.startsWith('mesh.app.sidecars:'));
    expect(sidecars?.steps.map((s) => s.name).join(' ')).toMatch(/Pod-zamaz-mesh-zamaz-api-[a-z0-9-]+\.yaml/);
    const passing = now.find((r) => r.name.startsWith('mesh.istio.namespace:'));
    expect(passing?.steps.map((s) => s.name).filter((n) => n.endsWith('.yaml'))).toEqual([]);
  });

  it('--report built the earlier run its own report.html at the end, and said where', () => {
    expect(earlier.stderr).toContain(`report: ${earlier.run.paths.report}\n`);
    const own = readFileSync(earlier.run.paths.report, 'utf8');
    expect(own).toContain('meshgate verify — FAIL');
    expect(own).not.toContain('hunter2');
  });

  it('run.json records the command without credentials; latest names this run', () => {
    const meta = readRunMeta(current.run.dir);
    expect(meta).toMatchObject({ command: 'verify', verdict: 'FAIL', exitCode: 1 });
    expect(meta?.argv).toContain('https://prometheus.example:9090');
    expect(JSON.stringify(meta)).not.toContain('hunter2');
    expect(path.resolve(reportDir, readlinkSync(path.join(reportDir, 'latest')))).toBe(current.run.dir);
    expect(current.code).toBe(1);
    expect(earlier.code).toBe(1);
  });

  it('report of an unknown run says which runs exist', async () => {
    const res = await runMain(['report', 'no-such-run', '--report-dir', reportDir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      `error: no run "no-such-run" in ${path.join(reportDir, 'runs')}; recent runs: ${earlier.run.id}, ${current.run.id}`,
    );
  });
});
