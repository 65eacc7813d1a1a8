import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckRecord, GateReport } from '../../src/report/types.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/meshgate.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a child process, as a user or CI job would. */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
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

/**
 * A PATH with stand-ins for helm and istioctl, which cannot be installed on these machines: each
 * prints a version the way the real tool does, so the tools check sees what it would on a
 * workstation. Only the tools check reads them.
 */
export function pathWithTools(tools: { helm?: string | false; istioctl?: string | false } = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-tools-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, path.join(bin, 'node'));
  symlinkSync('/usr/bin/kubectl', path.join(bin, 'kubectl'));
  const script = (name: string, body: string): void => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  const helm = tools.helm ?? 'v3.14.4+g81c902a';
  const istioctl = tools.istioctl ?? '1.20.1';
  if (helm !== false) script('helm', `echo "${helm}"`);
  if (istioctl !== false) {
    script(
      'istioctl',
      `echo '{"clientVersion":{"version":"${istioctl}","revision":"x","golang_version":"go1.21.5","status":"Clean","tag":"${istioctl}"}}'`,
    );
  }
  return `${bin}:/usr/bin:/bin`;
}

/** A profile whose attestation file records every pre-migration item as done. */
export function attestedConfig(extra = ''): { config: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-profile-'));
  writeFileSync(
    path.join(dir, 'attestations.yaml'),
    `attestations:\n${[
      'backup-taken',
      'config-documented',
      'dr-tested',
      'rollback-plan',
      'maintenance-window',
      'stakeholders-notified',
    ]
      .map((id) => `  - {id: ${id}, status: done, by: oncall@example.com, at: "2026-11-28T09:00:00Z"}`)
      .join('\n')}\n`,
  );
  const config = path.join(dir, 'meshgate.config.ts');
  writeFileSync(config, `export default { ${extra} };\n`);
  return { config, dir };
}

/** Runs `meshgate <args> -o json` and parses the gate report; `check(id)` finds one check or throws. */
export async function verifyJson(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  const res = await runCli([...args, '-o', 'json'], opts);
  let report: GateReport;
  try {
    report = JSON.parse(res.stdout) as GateReport;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${res.code}):\n${res.stdout}\n${res.stderr}`);
  }
  const check = (id: string): CheckRecord => {
    const c = report.checks.find((x) => x.id === id);
    if (!c) throw new Error(`no check ${id} in ${report.checks.map((x) => x.id).join(', ')}`);
    return c;
  };
  return { ...res, report, check };
}
