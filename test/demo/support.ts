// Runs `npm run demo` (or the demo's entry point directly) as a child process, as a user would, and
// reads back what it left: its summary, the audit lines meshgate wrote, and its process ledger.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DemoSummary } from '../../demo/driver.ts';
import type { AuditRecord } from '../../src/traffic/index.ts';
import { isRunning, runningInGroup } from '../support/processes.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Small windows and rates that still give every judge its minimum data (see demo/README.md). */
export const FAST = ['--window', '10s', '--rate', '120', '--detect', '15', '--no-color'];

export interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  reportDir: string;
  summary: DemoSummary | undefined;
  audit: AuditRecord[];
  /** Processes the demo started (from its ledger). */
  started: Array<{ pid: number; what: string }>;
}

export interface RunOptions {
  /** `npm run demo -- …` (what the README shows) instead of node on the entry point. */
  viaNpm?: boolean;
  /** Sends `signal` once stdout matches `when`. */
  interrupt?: { when: RegExp; signal: NodeJS.Signals };
  env?: NodeJS.ProcessEnv;
  /** The test's signal: when the test times out, the demo is told to stop (SIGTERM) and clean up. */
  signal?: AbortSignal;
}

function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

export function runDemo(args: string[], opts: RunOptions = {}): Promise<DemoRun> {
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-demo-test-'));
  const all = [...args, '--report-dir', reportDir];
  const [cmd, argv] = opts.viaNpm
    ? ['npm', ['run', '--silent', 'demo', '--', ...all]]
    : [process.execPath, ['--import', 'tsx', path.join(ROOT, 'demo/main.ts'), ...all]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv as string[], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.interrupt && !sent && opts.interrupt.when.test(stdout)) {
        sent = true;
        child.kill(opts.interrupt.signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      const summaryFile = path.join(reportDir, 'demo-summary.json');
      resolve({
        code,
        signal,
        stdout,
        stderr,
        reportDir,
        summary: existsSync(summaryFile)
          ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as DemoSummary)
          : undefined,
        audit: readJsonLines<AuditRecord>(path.join(reportDir, 'audit.jsonl')),
        started: readJsonLines<{ event: string; pid: number; what: string }>(
          path.join(reportDir, 'processes.jsonl'),
        ).filter((e) => e.event === 'start'),
      });
    });
  });
}

/**
 * Processes (or process groups) the demo started that are still running. Zombies do not count: the
 * demo kills a command's whole group when the command exits, and what it kills is reparented to
 * PID 1, which reaps it when it gets to it (seconds later in a container).
 */
export function survivors(run: DemoRun): Array<{ pid: number; what: string }> {
  return run.started.filter((p) => isRunning(p.pid) || runningInGroup(p.pid).length > 0);
}

/** The lines meshgate printed inside one stage of the demo's output (without the "│" prefix). */
export function stageOutput(stdout: string, stageTitle: RegExp): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('━━') && stageTitle.test(l));
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('━━')) break;
    const m = /^ {2}│ ?(.*)$/.exec(l);
    if (m) out.push(m[1] ?? '');
  }
  return out;
}
