// Every process the demo starts goes through here: each in its own process group (so a command's
// own children — vitest workers — stop with it), each written to a ledger (processes.jsonl in the
// run directory) so anyone can check afterwards that nothing was left running, and all of them
// stopped on exit, on Ctrl-C and on failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TrackedChild {
  readonly pid: number;
  readonly what: string;
  readonly exited: Promise<ChildExit>;
  /** Asks the process group to stop (SIGTERM), then kills it after `graceMs`. */
  stop(graceMs?: number): Promise<ChildExit>;
}

export interface SpawnOptions {
  /** What the process is, for the ledger and messages (e.g. "prometheus", "meshgate shift 10"). */
  what: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Each line of stdout / stderr. */
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
  /** A lower CPU priority (nice value, inherited by the process's own children). */
  nice?: number;
}

export const STOP_GRACE_MS = 5_000;

/** Signals a whole process group; false when it no longer exists. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export class ProcessLedger {
  private readonly live = new Map<number, { child: ChildProcess; what: string }>();
  private readonly onExit = () => this.killAllNow();

  /** `file`: where start and exit lines are appended (JSON lines). */
  constructor(private readonly file: string) {
    process.on('exit', this.onExit);
  }

  private note(entry: Record<string, unknown>): void {
    appendFileSync(this.file, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
  }

  spawn(command: string, args: readonly string[], opts: SpawnOptions): TrackedChild {
    const child = spawn(command, [...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C reaches the demo, which stops children in order, and a
      // group signal reaches the child's own children too.
      detached: true,
    });
    const pid = child.pid;
    if (pid === undefined) {
      throw new Error(`could not start ${opts.what} (${command})`);
    }
    if (opts.nice !== undefined) {
      try {
        os.setPriority(pid, opts.nice);
      } catch {
        // Not allowed here: it runs at the demo's priority, which only costs timing noise.
      }
    }
    this.live.set(pid, { child, what: opts.what });
    this.note({ event: 'start', pid, what: opts.what, command: [command, ...args].join(' ') });
    if (opts.onStdout) createInterface({ input: child.stdout }).on('line', opts.onStdout);
    else child.stdout.resume();
    if (opts.onStderr) createInterface({ input: child.stderr }).on('line', opts.onStderr);
    else child.stderr.resume();
    const exited = new Promise<ChildExit>((resolve) => {
      // Whatever the leader leaves behind in its group is an orphan: stop it with it. (A group id
      // cannot be reused while any member is alive, so this reaches only our processes.)
      child.once('exit', () => signalGroup(pid, 'SIGKILL'));
      // 'close' comes after 'exit' once stdout and stderr are drained: every line has been seen.
      child.once('close', (code, signal) => {
        this.live.delete(pid);
        this.note({ event: 'exit', pid, what: opts.what, code, signal });
        resolve({ code, signal });
      });
    });
    const stop = async (graceMs = STOP_GRACE_MS): Promise<ChildExit> => {
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    };
    return { pid, what: opts.what, exited, stop };
  }

  /** Processes still running, oldest first. */
  running(): Array<{ pid: number; what: string }> {
    return [...this.live.entries()].map(([pid, { what }]) => ({ pid, what }));
  }

  /** Stops every process still running: SIGTERM, then SIGKILL after the grace period. */
  async stopAll(graceMs = STOP_GRACE_MS): Promise<void> {
    const all = [...this.live.entries()];
    await Promise.all(
      all.map(
        ([pid, { child }]) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            signalGroup(pid, 'SIGTERM');
            setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs).unref();
          }),
      ),
    );
  }

  /** Last resort on process exit (synchronous): kill whatever is left. */
  killAllNow(): void {
    for (const pid of this.live.keys()) signalGroup(pid, 'SIGKILL');
  }

  dispose(): void {
    process.off('exit', this.onExit);
  }
}
