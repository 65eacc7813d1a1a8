// The change-board reviewer's view: a run's report.html, opened from disk in a real browser, shows
// this run only, its verdict and environment, the failing checklist item with its evidence and fix,
// and INCONCLUSIVE as broken. Built once for the file (two suite runs, one report, one browser).
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDirectory, summarise, type GateReport } from '../../src/report/index.ts';
import { runCli } from '../support/cli.ts';
import { CHROMIUM, CHROMIUM_ARGS, validateJunit } from './support.ts';

const reportDir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-report-e2e-'));
const EARLIER = 'scenarios/broken/mesh-spire-entry-missing';
const THIS = 'scenarios/broken/mesh-pod-without-sidecar';
const SIDE_CAR_TITLE = 'mesh.app.sidecars: Every mesh pod has a ready injected sidecar (IST0103)';
const SIDE_CAR_FIX = 'remove the opt-out from the pod template';

/**
 * A gate run into its own run directory, the way src/gate does it: start, run the suites with the run
 * directory as their report dir (so Allure results land in it), finish with the JSON document.
 */
interface GateRun {
  run: RunDirectory;
  doc: GateReport;
  code: number | null;
}

function startRun(scenario: string): {
  run: RunDirectory;
  done: Promise<Awaited<ReturnType<typeof runCli>>>;
} {
  const run = RunDirectory.start({
    reportDir,
    command: 'verify',
    argv: ['verify', 'mesh', '--scenario', scenario],
  });
  return {
    run,
    done: runCli(['verify', 'mesh', '--scenario', scenario, '-o', 'json', '--report-dir', run.dir]),
  };
}

function finishRun(run: RunDirectory, res: Awaited<ReturnType<typeof runCli>>): GateRun {
  const doc = JSON.parse(res.stdout) as GateReport;
  run.finish({
    verdict: doc.verdict,
    exitCode: res.code ?? 2,
    checks: doc.checks,
    errors: doc.errors,
    document: doc,
    environment: {
      meshgateVersion: '0.1.0',
      profileFile: doc.profile,
      cluster: doc.cluster,
      kubernetesVersion: 'v1.28.3',
      istioVersion: '1.20.1',
      prometheusUrl: 'https://reader:hunter2@prometheus.example:9090',
    },
  });
  return { run, doc, code: res.code };
}

let earlier: GateRun;
let current: GateRun;
let reportOut: Awaited<ReturnType<typeof runCli>>;
let browser: Browser;
let page: Page;
let html: string;
const remote: string[] = [];

beforeAll(async () => {
  // Both suite runs at once; the earlier one starts (and finishes) first, so latest is the second.
  const a = startRun(EARLIER);
  const b = startRun(THIS);
  const [resA, resB] = await Promise.all([a.done, b.done]);
  earlier = finishRun(a.run, resA);
  current = finishRun(b.run, resB);
  reportOut = await runCli(['report', '--history', '1', '--report-dir', reportDir]);
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
    const earlierFailure = earlier.doc.checks.find((c) => c.status === 'failed');
    expect(earlierFailure?.id).toBe('mesh.spire.entries');
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

  it('the earlier run kept its own results and the SPIRE entries it judged, as evidence', () => {
    const dir = earlier.run.allureResults;
    const results = readdirSync(dir)
      .filter((f) => f.endsWith('-result.json'))
      .map(
        (f) =>
          JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { name: string; steps: { name: string }[] },
      );
    expect(results).toHaveLength(earlier.doc.checks.length);
    const spire = results.find((r) => r.name.startsWith('mesh.spire.entries:'));
    expect(spire?.steps.map((s) => s.name)).toContain('spire-entries.yaml');
    // Only a failing check carries evidence: the passing sidecar check of that run has none.
    const sidecars = results.find((r) => r.name.startsWith('mesh.app.sidecars:'));
    expect(sidecars?.steps.map((s) => s.name).filter((n) => n.endsWith('.yaml'))).toEqual([]);
  });

  it('report of an unknown run says which runs exist', async () => {
    const res = await runCli(['report', 'no-such-run', '--report-dir', reportDir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      `error: no run "no-such-run" in ${path.join(reportDir, 'runs')}; recent runs: ${earlier.run.id}, ${current.run.id}`,
    );
  });
});
