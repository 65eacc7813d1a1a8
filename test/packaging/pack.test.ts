// `npx meshgate` from a packed install, as a user gets it: npm pack → npm install of the tarball into
// an empty project → npx. Nothing may be built or written inside the installed package at run time
// (the container image's root filesystem is read-only): its files are compared before and after, and
// made read-only too (which binds only when the tests do not run as root).
import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateReport } from '../../src/report/types.ts';
import { ROOT, attestedConfig, pathWithTools } from '../support/cli.ts';

const exec = promisify(execFile);
const work = mkdtempSync(path.join(os.tmpdir(), 'meshgate-pack-'));
const consumer = path.join(work, 'consumer');
const installed = path.join(consumer, 'node_modules', 'meshgate');

interface PackedFile {
  path: string;
}
let files: string[] = [];

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under a directory with its modification time, to prove nothing changed. */
function snapshot(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return out;
}

let before: Map<string, number>;

beforeAll(async () => {
  // The bundle is built by `npm test` (and `prepare`); --ignore-scripts packs it without rebuilding
  // dist/ under the other tests running from this checkout.
  if (!existsSync(path.join(ROOT, 'dist', 'cli.js')))
    throw new Error('dist/cli.js is missing: run npm run build');
  const packed = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: ROOT,
    maxBuffer: 32 * 1024 * 1024,
  });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: PackedFile[] }[];
  if (!info) throw new Error(`npm pack printed no package: ${packed.stdout}`);
  files = info.files.map((f) => f.path);
  // An empty project installs the tarball; its dependencies come from npm's cache when they are
  // there (npm ci filled it), else from the registry.
  cpSync(path.join(work, info.filename), path.join(work, 'meshgate.tgz'));
  mkdirSync(consumer, { recursive: true });
  writeFileSync(path.join(consumer, 'package.json'), '{ "name": "consumer", "private": true }\n');
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '../meshgate.tgz'], {
    cwd: consumer,
    maxBuffer: 32 * 1024 * 1024,
  });
  chmodReadOnly(installed);
  before = snapshot(installed);
}, 600_000);

function chmodReadOnly(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chmodReadOnly(p);
    chmodSync(p, e.isDirectory() ? 0o555 : 0o444 | (statSync(p).mode & 0o111));
  }
  chmodSync(dir, 0o555);
}

afterAll(() => {
  // Give the write bits back so the temporary directory can be removed.
  const restore = (dir: string) => {
    chmodSync(dir, 0o755);
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) restore(path.join(dir, e.name));
  };
  if (existsSync(installed)) restore(installed);
  rmSync(work, { recursive: true, force: true, maxRetries: 3 });
});

describe('the published package', () => {
  it('ships the bundle, the suites and what they import, and no tests or local state', () => {
    for (const f of [
      'bin/meshgate.js',
      'bin/meshgate-gate',
      'dist/cli.js',
      'vitest.config.ts',
      'suites/mesh/mesh.test.ts',
      'suites/support/gate.ts',
      'src/cli/main.ts',
      'src/permissions/rules.ts',
      'load/canary.k6.ts',
      'scenarios/healthy/00-cluster.yaml',
      'deploy/kubernetes/rbac.yaml',
      'package.json',
    ]) {
      expect(files, f).toContain(f);
    }
    const tops = new Set(files.map((f) => f.split('/')[0]));
    for (const absent of ['test', 'bench', 'node_modules', 'reports', '.git', '.ci', 'meshgate.config.ts']) {
      expect(tops.has(absent), absent).toBe(false);
    }
  });

  it('npx meshgate --version works from the installed copy', async () => {
    const res = await run('npx', ['--no-install', 'meshgate', '--version'], { cwd: consumer });
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('0.1.0\n');
    expect(res.code).toBe(0);
  }, 120_000);

  it('npx meshgate verify prereq --scenario runs the suites from the installed copy, writing only to the user’s folder', async () => {
    const { config } = attestedConfig();
    const res = await run(
      'npx',
      [
        '--no-install',
        'meshgate',
        'verify',
        'prereq',
        '--scenario',
        path.join(ROOT, 'scenarios/healthy'),
        '--config',
        config,
        '-o',
        'json',
      ],
      { cwd: consumer, env: { PATH: `${pathWithTools()}:${path.dirname(process.execPath)}` } },
    );
    const report = JSON.parse(res.stdout) as GateReport;
    expect(report.verdict, res.stderr).toBe('PASS');
    expect(res.code).toBe(0);
    expect(report.checks.map((c) => c.id)).toContain('prereq.kubernetes-version');
    expect(existsSync(path.join(consumer, 'reports'))).toBe(true);
    // Nothing built, compiled or written inside the installed package.
    expect(snapshot(installed)).toEqual(before);
  }, 240_000);

  it('an installed copy without its bundle says so and exits 3, instead of building in the user’s folder', async () => {
    // The start script and package.json of an installed copy, without dist/ (and no .git: not a checkout).
    const copy = path.join(work, 'broken-copy');
    mkdirSync(path.join(copy, 'bin'), { recursive: true });
    cpSync(path.join(installed, 'bin', 'meshgate.js'), path.join(copy, 'bin', 'meshgate.js'));
    cpSync(path.join(installed, 'package.json'), path.join(copy, 'package.json'));
    const dist = path.join(copy, 'dist');
    const res = await run(process.execPath, [path.join(copy, 'bin', 'meshgate.js'), '--version'], {
      cwd: work,
    });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`meshgate: ${path.join(dist, 'cli.js')} is missing`);
    expect(existsSync(dist)).toBe(false);
  }, 60_000);
});
