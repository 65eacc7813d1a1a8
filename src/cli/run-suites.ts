import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startVitest, type TestModule } from 'vitest/node';
import { RUN_CONTEXT_ENV, type RunContext } from '../run/context.ts';
import type { CheckRecord, SuiteName } from '../report/types.ts';

/** The meshgate package root, where vitest.config.ts and suites/ live (from src/ or the dist bundle). */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'vitest.config.ts'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`meshgate: no vitest.config.ts above ${from}`);
  }
}

export interface SuiteRun {
  checks: CheckRecord[];
  /** Problems that kept tests from running (a suite file that failed to load). */
  errors: string[];
}

const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

function statusOf(state: string | undefined): CheckRecord['status'] {
  return state === 'passed' ? 'passed' : state === 'skipped' ? 'skipped' : 'failed';
}

/** Tests written without gate() still report: a failed plain assertion is a failed check. */
function recordOf(
  suite: SuiteName,
  test: ReturnType<TestModule['children']['allTests']> extends Iterable<infer T> ? T : never,
): CheckRecord {
  const meta = test.meta().meshgate;
  const result = test.result();
  if (meta)
    return {
      ...meta,
      status: meta.status === 'inconclusive' && result.state === 'passed' ? 'passed' : meta.status,
    };
  return {
    id: test.fullName,
    title: test.name,
    suite,
    status: statusOf(result.state),
    findings: (result.errors ?? []).map((e) => ({ object: test.fullName, message: e.message, hint: '' })),
    details: [],
  };
}

/**
 * Runs suites through vitest's Node API with the run context in a file, and reads each test's
 * result and meshgate metadata back. Vitest's own output is discarded: the CLI renders results.
 */
export async function runSuites(suites: SuiteName[], ctx: RunContext): Promise<SuiteRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-run-'));
  const ctxFile = path.join(dir, 'context.json');
  writeFileSync(ctxFile, JSON.stringify(ctx), { mode: 0o600 });
  const previous = process.env[RUN_CONTEXT_ENV];
  process.env[RUN_CONTEXT_ENV] = ctxFile;
  try {
    const vitest = await startVitest(
      'test',
      [],
      {
        root: PACKAGE_ROOT,
        config: path.join(PACKAGE_ROOT, 'vitest.config.ts'),
        project: suites,
        watch: false,
        reporters: [['allure-vitest/reporter', { resultsDir: path.join(ctx.reportDir, 'allure-results') }]],
        passWithNoTests: true,
      },
      {},
      { stdout: sink(), stderr: sink() },
    );
    const checks: CheckRecord[] = [];
    const errors: string[] = [];
    for (const mod of vitest.state.getTestModules()) {
      const suite = mod.project.name as SuiteName;
      for (const e of mod.errors()) errors.push(`${path.relative(PACKAGE_ROOT, mod.moduleId)}: ${e.message}`);
      for (const t of mod.children.allTests()) checks.push(recordOf(suite, t));
    }
    for (const e of vitest.state.getUnhandledErrors())
      errors.push(`unhandled error: ${(e as Error).message ?? String(e)}`);
    await vitest.close();
    return { checks, errors };
  } finally {
    if (previous === undefined) delete process.env[RUN_CONTEXT_ENV];
    else process.env[RUN_CONTEXT_ENV] = previous;
    rmSync(dir, { recursive: true, force: true });
  }
}
