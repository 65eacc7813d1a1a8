// The two engines that run the suites' checks — the CLI itself (`--engine direct`, the default) and a
// vitest worker (`--engine vitest`) — give the same answers and the same Allure results on a broken
// cluster: the same checks, statuses and findings, and per test the same name, fullName, ids, labels,
// description and attachments (only the framework and thread labels say which engine ran it).
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckRecord, GateReport } from '../../src/report/types.ts';
import { runCli } from '../support/cli.ts';

interface AllureResult {
  name: string;
  status: string;
  stage: string;
  fullName: string;
  testCaseId: string;
  historyId: string;
  titlePath: string[];
  description?: string;
  labels: { name: string; value: string }[];
  steps: { attachments: { name: string; type: string }[] }[];
}

/** What a report reader sees of one Allure test, keyed by its check id. */
function allureOf(runDir: string): Map<string, unknown> {
  const dir = path.join(runDir, 'allure-results');
  const out = new Map<string, unknown>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('-result.json'))) {
    const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as AllureResult;
    const check = r.labels.find((l) => l.name === 'check')?.value ?? r.name;
    out.set(check, {
      name: r.name,
      status: r.status,
      stage: r.stage,
      fullName: r.fullName,
      testCaseId: r.testCaseId,
      historyId: r.historyId,
      titlePath: r.titlePath,
      description: r.description,
      labels: r.labels
        .filter((l) => l.name !== 'framework' && l.name !== 'thread')
        .map((l) => `${l.name}=${l.value}`)
        .sort(),
      attachments: r.steps.flatMap((s) => s.attachments.map((a) => `${a.name} (${a.type})`)),
    });
  }
  return out;
}

const SUITES = ['prereq', 'mesh', 'security'] as const;

async function verifyWith(engine: 'direct' | 'vitest') {
  const reportDir = mkdtempSync(path.join(os.tmpdir(), `meshgate-engine-${engine}-`));
  const r = await runCli([
    'verify',
    ...SUITES,
    '--scenario',
    'scenarios/broken/forbidden',
    '--engine',
    engine,
    '--report-dir',
    reportDir,
    '-o',
    'json',
  ]);
  expect(r.code, r.stderr).toBe(1);
  const report = JSON.parse(r.stdout) as GateReport;
  const runs = path.join(reportDir, 'runs');
  const [run] = readdirSync(runs);
  if (!run) throw new Error(`no run directory in ${runs}`);
  return { report, allure: allureOf(path.join(runs, run)) };
}

const outcome = (c: CheckRecord) => ({
  id: c.id,
  status: c.status,
  findings: c.findings.map((f) => `${f.object}: ${f.message}`),
});

describe('--engine direct and --engine vitest', { timeout: 240_000 }, () => {
  it('give the same checks, statuses, findings and Allure results on scenarios/broken/forbidden', async () => {
    const direct = await verifyWith('direct');
    const vitest = await verifyWith('vitest');
    // The scenario has each kind of ending: failed, inconclusive (forbidden reads), skipped, passed.
    expect(new Set(direct.report.checks.map((c) => c.status))).toEqual(
      new Set(['passed', 'failed', 'inconclusive', 'skipped']),
    );
    expect(direct.report.verdict).toBe('FAIL');
    expect(vitest.report.verdict).toBe('FAIL');
    expect(direct.report.summary).toEqual(vitest.report.summary);
    for (const suite of SUITES) {
      const of = (r: GateReport) => r.checks.filter((c) => c.suite === suite).map(outcome);
      expect(of(direct.report), suite).toEqual(of(vitest.report));
    }
    // The direct engine reports the suites in the order asked, each in declaration order.
    expect([...new Set(direct.report.checks.map((c) => c.suite))]).toEqual([...SUITES]);
    expect(direct.allure.size).toBe(direct.report.checks.length);
    expect([...direct.allure.keys()].sort()).toEqual([...vitest.allure.keys()].sort());
    for (const [check, d] of direct.allure) expect(d, check).toEqual(vitest.allure.get(check));
  });
});
