// What is still running, read from /proc (Linux, as in CI): the members of a process group, and
// whether one process runs. A zombie has exited — only its parent's (or init's) wait() is missing — so
// it is not running: a child whose parent exited first is reparented to PID 1, which in a container
// may reap it seconds later, and `kill(pid, 0)` would still call it alive.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  /** The state letter of /proc/PID/stat: R running, S sleeping, Z zombie, … */
  state: string;
  pgid: number;
  command: string;
}

function info(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself hold spaces or ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { pid, state: fields[0] ?? '?', pgid: Number(fields[2]), command };
  } catch {
    return undefined; // gone while we looked
  }
}

/** Is `pid` a process that has not exited (zombies excluded)? */
export function isRunning(pid: number): boolean {
  const p = info(pid);
  return p !== undefined && p.state !== 'Z';
}

/** The processes of group `pgid` that have not exited (zombies excluded). */
export function runningInGroup(pgid: number): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = info(Number(name));
    if (p && p.pgid === pgid && p.state !== 'Z') found.push(p);
  }
  return found;
}

/** Polls until `pgid` has no running member or `withinMs` passed; returns what still runs. */
export async function groupGone(pgid: number, withinMs: number): Promise<ProcessInfo[]> {
  const until = Date.now() + withinMs;
  for (;;) {
    const left = runningInGroup(pgid);
    if (left.length === 0 || Date.now() >= until) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
