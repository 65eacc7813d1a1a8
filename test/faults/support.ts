// Shared pieces of the fault suite: the CLI in-process (main with an injected Io and signal) or as a
// child process (real signals and exit codes), simulator layers that slow or break the API server, a
// Prometheus that accepts connections and never answers, and readers for what the cluster holds.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ClusterClient, loadKubeConfig, Resources } from '../../src/cluster/index.ts';
import { main } from '../../src/cli/main.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import { currentSplit, type AuditRecord } from '../../src/traffic/index.ts';
import { ROOT } from '../support/cli.ts';

export const TMP = mkdtempSync(path.join(os.tmpdir(), 'meshgate-faults-'));
const BIN = path.join(ROOT, 'bin/meshgate.js');

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `meshgate <argv>` in this process, as CI would see it, with an optional stop signal. */
export async function runMain(
  argv: string[],
  opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    argv,
    { out: (t) => (stdout += t), err: (t) => (stderr += t), errIsTTY: false },
    { signal: opts.signal, handleSignals: false, env: { ...process.env, ...opts.env } },
  );
  return { code, stdout, stderr };
}

export interface Spawned {
  /** Resolves with the exit code and output once the process is gone. */
  done: Promise<Captured & { exitedAt: number }>;
  /** Resolves when stderr has printed text matching `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): number;
  /** The process id (with `detached`, also its process group's id). */
  pid: number;
}

/**
 * Spawns the real CLI, for what only a process shows: signals, exit codes, time to exit. With
 * `detached` it leads a process group of its own, so what it starts can be found (and must be gone)
 * by the group id; signals still go to the CLI alone, as `kill PID` sends them.
 */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  opts: { detached?: boolean } = {},
): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of [...waiters])
      if (w.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
  const done = new Promise<Captured & { exitedAt: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? -1 : -2), stdout, stderr, exitedAt: Date.now() }),
    );
  });
  return {
    done,
    waitFor: (pattern) =>
      pattern.test(stderr)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ pattern, resolve })),
            done.then((r) => {
              throw new Error(`the CLI exited ${r.code} before printing ${pattern}:\n${r.stderr}`);
            }),
          ]),
    kill: (signal) => {
      child.kill(signal);
      return Date.now();
    },
    pid: child.pid ?? -1,
  };
}

/** A scenario layer with one ClusterProfile (simulator latency, faults, forbidden requests). */
export function clusterLayer(spec: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(TMP, 'layer-'));
  writeFileSync(
    path.join(dir, 'profile.yaml'),
    JSON.stringify({
      apiVersion: 'sim.meshgate.dev/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'cluster' },
      spec: { absentGroups: ['monitoring.coreos.com'], ...spec },
    }),
  );
  return dir;
}

/** A scenario directory with these files, for bad-input cases. */
export function scenarioDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(TMP, 'scenario-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

export interface Cluster {
  sim: StartedSimulator;
  reportDir: string;
  /** Flags that point a command at this cluster and report directory. */
  flags: string[];
  weight(): Promise<number>;
  replicas(): Promise<Record<string, number>>;
  setWeight(mesh: number): Promise<void>;
  audit(): AuditRecord[];
}

/** The healthy scenario (10 % to the mesh) with optional layers, served by the simulator. */
export async function startCluster(layers: string[] = []): Promise<Cluster> {
  const sim = await startSimulator({ scenario: [path.join(ROOT, 'scenarios/healthy'), ...layers] });
  const reportDir = mkdtempSync(path.join(TMP, 'reports-'));
  // A fresh client per read: the per-run cache would answer with what it saw first.
  const client = () => new ClusterClient(loadKubeConfig({ kubeconfig: sim.kubeconfigPath }));
  return {
    sim,
    reportDir,
    flags: ['--kubeconfig', sim.kubeconfigPath, '--report-dir', reportDir],
    weight: async () => (await currentSplit(client(), defaultProfile)).split.meshWeight,
    replicas: async () =>
      Object.fromEntries(
        (await client().list(Resources.deployments, { namespace: 'zamaz-mesh' })).map((d) => [
          d.metadata.name,
          (d.spec as { replicas: number }).replicas,
        ]),
      ),
    setWeight: async (mesh) => {
      const c = client();
      const { applyMeshWeight } = await import('../../src/traffic/index.ts');
      await applyMeshWeight(c, await currentSplit(c, defaultProfile), mesh, {});
    },
    audit: () => {
      const f = path.join(reportDir, 'audit.jsonl');
      return existsSync(f)
        ? readFileSync(f, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as AuditRecord)
        : [];
    },
  };
}

export interface StallingServer {
  url: string;
  /** Connections accepted so far (each one a query that never got an answer). */
  readonly connections: number;
  stop(): Promise<void>;
}

/** A "Prometheus" that accepts every connection and never answers: the slowest backend there is. */
export async function startStallingServer(): Promise<StallingServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One line of output, no stack trace: what every bad input must print. */
export function oneLineError(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('(add --help'));
  if (lines.some((l) => /^\s{4}at /.test(l))) throw new Error(`stack trace in stderr:\n${stderr}`);
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}:\n${stderr}`);
  return lines[0] ?? '';
}
