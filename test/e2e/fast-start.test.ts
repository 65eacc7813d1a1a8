// `meshgate --version` and `config print` start without loading the heavy parts: every command's
// implementation is imported only when it runs. Checked by recording every module the process resolves.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.ts';
import { TMP } from '../faults/support.ts';

const hooks = path.join(TMP, 'record-hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.MESHGATE_RESOLVE_LOG, r.url + '\\n');
  return r;
}
`,
);
const register = path.join(TMP, 'record-register.mjs');
writeFileSync(
  register,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);

function resolvedBy(args: string[]): string[] {
  const log = path.join(TMP, `resolved-${args.join('-')}.log`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', register, path.join(ROOT, 'bin/meshgate.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, MESHGATE_RESOLVE_LOG: log },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('a fast start', { timeout: 120_000 }, () => {
  it.each([[['--version']], [['config', 'print']]])(
    'meshgate %j loads neither client-node, vitest nor the simulator',
    (args) => {
      const modules = resolvedBy(args);
      expect(modules.length).toBeGreaterThan(0);
      expect(modules.filter((m) => /@kubernetes\/client-node|\/vitest\/|\/src\/sim\//.test(m))).toEqual([]);
    },
  );
});
