// A real Prometheus for tests, loaded with OpenMetrics through `promtool tsdb create-blocks-from
// openmetrics`, started on a free loopback port with no scrape targets. Tested with Debian 12's
// Prometheus 2.42; uses only flags that 3.x keeps.
//
// Data placement: the generated data lies at fixed past times. Time retention is measured from the
// newest block, not from the wall clock, but a large retention makes that moot on every version.
// Blocks from several files may overlap in time: since 2.39 overlapping blocks are always allowed
// and queries merge them; older versions (Ubuntu 22.04 ships 2.31) need
// --storage.tsdb.allow-overlapping-blocks, which 3.x no longer accepts, so it is passed by version. Queries must be evaluated at an explicit time inside the data: an instant vector
// selector sees at most `lookbackDelta` back (default 5m), range selectors see their own range.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';

const run = promisify(execFile);

export const INSTALL_HINT = 'run: bash scripts/install-prometheus.sh (apt-get install prometheus)';
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
export const DEFAULT_RETENTION = '100y';
const STOP_GRACE_MS = 5_000;
const LOG_TAIL_LINES = 30;
const PORT_ATTEMPTS = 3;

export interface StartPrometheusOptions {
  /** OpenMetrics text, one string per file. `# EOF` is appended when missing. */
  readonly openmetrics?: string | readonly string[];
  /** OpenMetrics files to import as they are. */
  readonly files?: readonly string[];
  /** `--storage.tsdb.retention.time`; default {@link DEFAULT_RETENTION}. */
  readonly retention?: string;
  /** `--query.lookback-delta`; default Prometheus' own (5m). */
  readonly lookbackDelta?: string;
  readonly readyTimeoutMs?: number;
  /**
   * An existing TSDB directory (blocks imported earlier, e.g. a bench's cache) to serve instead of a
   * fresh one; it is kept on stop. Prometheus may compact the blocks in it, which keeps them valid.
   */
  readonly tsdbDir?: string;
}

export interface StartedPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly dataDir: string;
  /** `prometheus --version`'s first line. */
  readonly version: string;
  /** Kills Prometheus and removes its temporary directory. Safe to call twice. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The absolute path of an executable on PATH, or undefined. */
export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function requireBinary(name: string): Promise<string> {
  const path = await findOnPath(name);
  if (!path) throw new Error(`${name} is not on PATH: ${INSTALL_HINT}`);
  return path;
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

function withEof(text: string): string {
  return /(^|\n)# EOF\n?$/.test(text)
    ? text
    : `${text.endsWith('\n') || text === '' ? text : `${text}\n`}# EOF\n`;
}

/** promtool reads timestamps as seconds; catch millisecond timestamps before they land in year 58000. */
function checkSeconds(text: string, source: string): void {
  const line = text.split('\n', 200).find((l) => l !== '' && !l.startsWith('#'));
  const ts = line?.trim().split(/\s+/).at(-1);
  if (line && ts && /^\d{12,}(\.\d+)?$/.test(ts)) {
    throw new Error(
      `${source}: sample timestamp ${ts} looks like milliseconds; OpenMetrics timestamps are seconds`,
    );
  }
}

class LogTail {
  private readonly lines: string[] = [];
  push(chunk: Buffer): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (this.lines.length > LOG_TAIL_LINES) this.lines.splice(0, this.lines.length - LOG_TAIL_LINES);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/**
 * promtool's blocks for an input already imported, by the input's SHA-256 and promtool's version: the
 * same presets are loaded by several test files (seconds of promtool each), and a block's content
 * depends only on its input. Each start copies the blocks into its own data directory (Prometheus
 * compacts and deletes blocks in place). Only successful imports are kept.
 */
const BLOCK_CACHE = join(tmpdir(), `meshgate-promtool-blocks-${process.getuid?.() ?? 'user'}`);

async function importCached(
  promtool: string,
  promtoolVersion: string,
  file: string,
  dataDir: string,
): Promise<void> {
  const key = createHash('sha256')
    .update(promtoolVersion)
    .update('\0')
    .update(await readFile(file))
    .digest('hex');
  const cached = join(BLOCK_CACHE, key);
  const exists = await stat(cached).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!exists) {
    await mkdir(BLOCK_CACHE, { recursive: true });
    const fresh = await mkdtemp(join(BLOCK_CACHE, 'import-'));
    try {
      await importOpenMetrics(promtool, file, fresh);
    } catch (err) {
      await rm(fresh, { recursive: true, force: true });
      throw err;
    }
    // Another worker may have imported the same input meanwhile: either copy is the same data.
    await rename(fresh, cached).catch(() => rm(fresh, { recursive: true, force: true }));
  }
  await cp(cached, dataDir, { recursive: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Imports the data and starts Prometheus on it. Throws, never skips, when `prometheus` or
 * `promtool` is missing.
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<StartedPrometheus> {
  const prometheus = await requireBinary('prometheus');
  const promtool = await requireBinary('promtool');
  const versionOf = async (bin: string): Promise<string> =>
    (await run(bin, ['--version'])).stdout.split('\n')[0] ?? 'unknown';
  const [version, promtoolVersion] = await Promise.all([versionOf(prometheus), versionOf(promtool)]);

  const dir = await mkdtemp(join(tmpdir(), 'meshgate-prometheus-'));
  const dataDir = options.tsdbDir ?? join(dir, 'data');
  try {
    if (!options.tsdbDir) await mkdir(dataDir);
    const texts = options.openmetrics === undefined ? [] : [options.openmetrics].flat();
    const inputs: string[] = [...(options.files ?? [])];
    for (const [i, text] of texts.entries()) {
      checkSeconds(text, `openmetrics[${i}]`);
      const file = join(dir, `input-${i}.om`);
      await writeFile(file, withEof(text));
      inputs.push(file);
    }
    for (const file of inputs) await importCached(promtool, promtoolVersion, file, dataDir);
    const config = join(dir, 'prometheus.yml');
    // No scrape targets: the TSDB holds only the imported blocks.
    await writeFile(
      config,
      'global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\nscrape_configs: []\n',
    );

    let lastError: Error | undefined;
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = await freePort();
      const args = [
        ...(needsOverlapFlag(version) ? ['--storage.tsdb.allow-overlapping-blocks'] : []),
        `--config.file=${config}`,
        `--storage.tsdb.path=${dataDir}`,
        `--storage.tsdb.retention.time=${options.retention ?? DEFAULT_RETENTION}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        ...(options.lookbackDelta ? [`--query.lookback-delta=${options.lookbackDelta}`] : []),
      ];
      const log = new LogTail();
      const child = spawn(prometheus, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (c: Buffer) => log.push(c));
      child.stderr?.on('data', (c: Buffer) => log.push(c));
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitReady(url, child, log, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
      } catch (err) {
        await kill(child);
        lastError = err as Error;
        if (/address already in use/i.test(log.text())) continue;
        throw err;
      }
      return started(url, dataDir, dir, version, child);
    }
    throw lastError ?? new Error('could not start Prometheus');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Imports one OpenMetrics file into `dataDir`. promtool re-reads the whole file once per block window
 * (2 h by default), so a file of a day or more is imported with larger windows: its hidden
 * `--max-block-duration` (2.28+) cuts a 30-day import from ~360 passes over the input to a few.
 */
export async function importOpenMetrics(
  promtool: string,
  file: string,
  dataDir: string,
  maxBlockDuration = '2h',
): Promise<void> {
  try {
    await run(
      promtool,
      [
        'tsdb',
        'create-blocks-from',
        'openmetrics',
        ...(maxBlockDuration === '2h' ? [] : [`--max-block-duration=${maxBlockDuration}`]),
        file,
        dataDir,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`promtool could not import ${file}: ${stderr.trim() || String(err)}`, { cause: err });
  }
}

/** The absolute path of promtool, or an error naming how to install it. */
export function requirePromtool(): Promise<string> {
  return requireBinary('promtool');
}

/** True for Prometheus < 2.39, which refuses overlapping blocks unless told otherwise. */
export function needsOverlapFlag(versionLine: string): boolean {
  const m = /version (\d+)\.(\d+)/.exec(versionLine);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major < 2 || (major === 2 && minor < 39);
}

async function waitReady(url: string, child: ChildProcess, log: LogTail, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
  child.once('error', (err) => (exited = `failed to start: ${err.message}`));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`Prometheus ${exited} before it was ready:\n${log.text()}`);
    try {
      const res = await request(`${url}/-/ready`, { headersTimeout: 1_000, bodyTimeout: 1_000 });
      const body = await res.body.text();
      if (res.statusCode === 200) return;
      last = `HTTP ${res.statusCode}: ${body.trim()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`Prometheus at ${url} not ready within ${timeoutMs} ms (last: ${last}):\n${log.text()}`);
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await gone;
  clearTimeout(timer);
}

function started(
  url: string,
  dataDir: string,
  dir: string,
  version: string,
  child: ChildProcess,
): StartedPrometheus {
  // A test runner that dies must not leave Prometheus behind.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', onExit);
      await kill(child);
      await rm(dir, { recursive: true, force: true });
    })());
  return { url, dataDir, version, stop, [Symbol.asyncDispose]: stop };
}
