// The command line a person meets: every command's --help shows the global flags, examples and the
// exit codes; `meshgate completion bash|zsh` completes commands, flags and choices generated from the
// program itself. In-process through main() with an injected Io.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';
import { ExitCode } from '../../src/report/types.ts';
import { runMain } from '../faults/support.ts';

const silent = { out: () => undefined, err: () => undefined };
const program = buildProgram(silent, { code: 0 }, new AbortController().signal);

/** Every command path: `verify`, `config rbac`, … (the program itself is `[]`). */
function paths(cmd: Command, prefix: string[] = []): string[][] {
  return [prefix, ...cmd.commands.flatMap((c) => paths(c, [...prefix, c.name()]))];
}
const ALL = paths(program);
const GATES = ['verify', 'canary', 'shift', 'complete', 'monitor', 'rollback', 'test'];

describe('--help of every command', () => {
  it.each(ALL.map((p) => [p.join(' ') || 'meshgate', p] as const))(
    '%s shows the global flags, examples and the exit codes',
    async (_name, p) => {
      const res = await runMain([...p, '--help']);
      expect(res.code).toBe(ExitCode.Pass);
      const help = res.stdout;
      // Global flags, on subcommands too.
      for (const flag of [
        '--kubeconfig <file>',
        '--context <name>',
        '--report-dir <dir>',
        '--timeout <duration>',
      ])
        expect(help).toContain(flag);
      expect(help).toMatch(/\nExamples:\n {2}\$ meshgate /);
      expect(help).toContain('\nExit codes:\n');
      const codes = [...help.slice(help.indexOf('Exit codes:')).matchAll(/^ {2}(\d+) /gm)].map((m) =>
        Number(m[1]),
      );
      const name = p[p.length - 1] ?? '';
      if (p.length === 0 || GATES.includes(name)) {
        expect(codes).toEqual([0, 1, 2, 3, 130, 143]);
        expect(help).toContain('stopped by SIGTERM');
      } else {
        // Commands that gate nothing say what their own codes mean.
        expect(codes).toContain(0);
        expect(codes).toContain(3);
      }
      if (GATES.includes(name)) expect(help).toContain('--report');
    },
  );

  it('the table is the contract of src/report/types.ts ExitCode', () => {
    expect(Object.values(ExitCode).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 130, 143]);
  });
});

describe('meshgate completion', () => {
  async function script(shell: string): Promise<string> {
    const res = await runMain(['completion', shell]);
    expect(res.code).toBe(0);
    return res.stdout;
  }

  it('names every command and every visible flag of the program', async () => {
    const text = await script('bash');
    for (const p of ALL) for (const name of p) expect(text).toContain(name);
    const flags = (cmd: Command): string[] => [
      ...(cmd.options as readonly Option[]).filter((o) => !o.hidden).flatMap((o) => (o.long ? [o.long] : [])),
      ...cmd.commands.flatMap(flags),
    ];
    for (const f of new Set(flags(program))) expect(text, f).toContain(f);
  });

  it('completes commands, subcommands, flags, choices and suites in bash', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'meshgate-completion-')), 'meshgate.bash');
    writeFileSync(file, await script('bash'));
    const complete = (...words: string[]): string => {
      const res = spawnSync(
        'bash',
        [
          '-c',
          `source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _meshgate; echo "\${COMPREPLY[*]}"`,
          file,
          'meshgate',
          ...words,
        ],
        { encoding: 'utf8' },
      );
      expect(res.stderr).toBe('');
      return res.stdout.trim();
    };
    expect(complete('ve')).toBe('verify');
    expect(complete('config', '')).toBe('print rbac');
    expect(complete('--context', 'prod', 'config', 'r')).toBe('rbac');
    expect(complete('verify', '')).toBe('prereq mesh security canary');
    expect(complete('verify', '--rep')).toBe('--report --report-dir');
    expect(complete('canary', '--kube')).toBe('--kubeconfig');
    expect(complete('-o', '')).toBe('text json');
    expect(complete('completion', '')).toBe('bash zsh');
    expect(complete('--report-dir', file.slice(0, -3))).toBe(file);
  });

  it('prints a zsh script that registers itself (and parses, where zsh is installed)', async () => {
    const text = await script('zsh');
    expect(text.startsWith('#compdef meshgate\n')).toBe(true);
    expect(text).toContain('compdef _meshgate meshgate');
    expect(text).toContain('_files');
    const zsh = spawnSync('zsh', ['--version']);
    if (zsh.error) return; // zsh is not part of the CI image; bash above runs the same helpers
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'meshgate-completion-')), '_meshgate');
    writeFileSync(file, text);
    expect(spawnSync('zsh', ['-n', file], { encoding: 'utf8' }).status).toBe(0);
  });

  it('refuses a shell it cannot complete for, as a usage error', async () => {
    const res = await runMain(['completion', 'fish']);
    expect(res.code).toBe(ExitCode.Usage);
    expect(res.stderr).toBe('error: completion for "fish": meshgate completes bash and zsh\n');
  });
});
