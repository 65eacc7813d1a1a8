// Whole-process figures for the benches: wall time measured here; CPU time (user + system, the whole
// process tree) and peak RSS (its largest single process) from GNU time, as getrusage reports them;
// exit code and output. On a shared machine CPU seconds move less than wall seconds.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const GNU_TIME = '/usr/bin/time';

export interface ProcessRun {
  wallS: number;
  /** null when GNU time is not installed. */
  cpuS: number | null;
  /** null when GNU time is not installed. */
  peakRssMb: number | null;
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export async function measure(command: string, args: string[], opts: RunOptions = {}): Promise<ProcessRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-bench-time-'));
  const timeFile = path.join(dir, 'time');
  const withTime = existsSync(GNU_TIME);
  const [file, argv] = withTime
    ? [GNU_TIME, ['-f', '%U %S %M', '-o', timeFile, command, ...args]]
    : [command, args];
  const started = performance.now();
  try {
    return await new Promise<ProcessRun>((resolve, reject) => {
      const child = spawn(file, argv, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', reject);
      child.on('close', (code) => {
        const wallS = (performance.now() - started) / 1000;
        // The last line: GNU time prints "Command exited with non-zero status N" before it.
        const [user, sys, kb] = withTime
          ? (readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '').split(' ').map(Number)
          : [];
        const cpu = (user ?? NaN) + (sys ?? NaN);
        resolve({
          wallS,
          cpuS: Number.isFinite(cpu) ? cpu : null,
          peakRssMb: kb !== undefined && Number.isFinite(kb) ? kb / 1024 : null,
          code: code ?? -1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The machine, for the record next to the figures. */
export function machine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2));
  return (
    `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `${os.type()} ${os.release()}, Node ${process.version}; load average ${load.join(' ')}`
  );
}
