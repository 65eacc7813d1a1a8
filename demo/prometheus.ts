// A real Prometheus for the demo: scrapes the gateway's and the mesh sidecars' /stats/prometheus
// every half second (so rate() over the canary's 1 s intervals sees two samples), on a free loopback
// port, with its own temporary data directory (removed on stop).
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import type { ProcessLedger, TrackedChild } from './processes.ts';

export const SCRAPE_INTERVAL_MS = 500;
export const INSTALL_HINT =
  'Prometheus (>= 2.42) is needed: on Debian or Ubuntu run `sudo bash scripts/install-prometheus.sh` ' +
  '(apt-get install prometheus), or put a prometheus binary from https://prometheus.io/download/ on PATH ' +
  '(or name it in PROMETHEUS_BIN)';
const READY_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 3;

export class PrometheusMissing extends Error {
  override readonly name = 'PrometheusMissing';
}

export interface ScrapeJob {
  name: string;
  /** Full URLs of /stats/prometheus endpoints. */
  targets: string[];
  labels?: Record<string, string>;
}

export interface StartedPrometheus {
  url: string;
  version: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** PROMETHEUS_BIN when set (and only it), else `prometheus` on PATH, else Debian's /usr/bin/prometheus. */
export async function findPrometheus(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const named = env.PROMETHEUS_BIN;
  const candidates = named
    ? [named]
    : [
        ...(env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, 'prometheus')),
        '/usr/bin/prometheus',
      ];
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new PrometheusMissing(
    named ? `PROMETHEUS_BIN=${named} is not an executable file. ${INSTALL_HINT}` : INSTALL_HINT,
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** prometheus.yml: one job per component, metrics_path and target from each URL. */
export function scrapeConfig(jobs: readonly ScrapeJob[]): string {
  const lines = [
    'global:',
    `  scrape_interval: ${SCRAPE_INTERVAL_MS}ms`,
    `  scrape_timeout: ${SCRAPE_INTERVAL_MS}ms`,
    `  evaluation_interval: ${SCRAPE_INTERVAL_MS}ms`,
    'scrape_configs:',
  ];
  for (const job of jobs) {
    const paths = new Set(job.targets.map((t) => new URL(t).pathname));
    for (const path of paths) {
      const targets = job.targets.filter((t) => new URL(t).pathname === path).map((t) => new URL(t).host);
      lines.push(
        `  - job_name: ${JSON.stringify(paths.size > 1 ? `${job.name}${path}` : job.name)}`,
        `    metrics_path: ${JSON.stringify(path)}`,
        '    static_configs:',
        `      - targets: ${JSON.stringify(targets)}`,
        ...(job.labels ? [`        labels: ${JSON.stringify(job.labels)}`] : []),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
  return { status: res.statusCode, body: await res.body.text() };
}

/** Waits until /-/ready answers and every target has been scraped successfully once. */
async function waitReady(
  url: string,
  child: TrackedChild,
  log: string[],
  expectTargets: number,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited: string | undefined;
  void child.exited.then((e) => (exited = `exited with ${e.signal ?? `code ${e.code}`}`));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`Prometheus ${exited} before it was ready:\n${log.slice(-20).join('\n')}`);
    try {
      const ready = await get(`${url}/-/ready`);
      if (ready.status === 200) {
        const targets = JSON.parse((await get(`${url}/api/v1/targets?state=active`)).body) as {
          data: { activeTargets: Array<{ health: string; scrapeUrl: string; lastError: string }> };
        };
        const active = targets.data.activeTargets;
        const up = active.filter((t) => t.health === 'up');
        if (active.length === expectTargets && up.length === expectTargets) return;
        last = `${up.length} of ${expectTargets} targets up${active
          .filter((t) => t.lastError)
          .map((t) => `; ${t.scrapeUrl}: ${t.lastError}`)
          .join('')}`;
      } else last = `/-/ready: HTTP ${ready.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`Prometheus at ${url} not ready within ${READY_TIMEOUT_MS / 1000}s (last: ${last})`);
}

export async function startPrometheus(
  ledger: ProcessLedger,
  jobs: readonly ScrapeJob[],
): Promise<StartedPrometheus> {
  const binary = await findPrometheus();
  const version =
    (await promisify(execFile)(binary, ['--version'])).stdout.split('\n')[0] ?? 'unknown version';
  const dir = await mkdtemp(join(tmpdir(), 'meshgate-demo-prometheus-'));
  const dataDir = join(dir, 'data');
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, scrapeConfig(jobs));
  const expectTargets = jobs.reduce((n, j) => n + j.targets.length, 0);
  try {
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = await freePort();
      const log: string[] = [];
      const child = ledger.spawn(
        binary,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${dataDir}`,
          '--storage.tsdb.retention.time=1d',
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { what: 'prometheus', onStdout: (l) => log.push(l), onStderr: (l) => log.push(l) },
      );
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitReady(url, child, log, expectTargets);
      } catch (err) {
        await child.stop();
        lastError = err as Error;
        if (log.some((l) => /address already in use/i.test(l))) continue;
        throw err;
      }
      let stopping: Promise<void> | undefined;
      return {
        url,
        version,
        dataDir,
        stop: () =>
          (stopping ??= (async () => {
            await child.stop();
            await rm(dir, { recursive: true, force: true });
          })()),
      };
    }
    throw lastError ?? new Error('could not start Prometheus');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
