#!/usr/bin/env node
// Starts meshgate.
// - An installed copy (npm install, npx, the container image) runs the bundle in dist/, built when the
//   package was packed (`prepare`), and never builds or compiles anything in the user's folder.
// - A development checkout (a git work tree: `.git` beside src/) runs the bundle when it is at least
//   as new as every source file, else the TypeScript sources through tsx, so an edit is never run
//   stale without a build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'cli.js');
const checkout = existsSync(path.join(root, '.git')) && existsSync(path.join(root, 'src'));

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let main;
if (!checkout) {
  if (!existsSync(bundle)) {
    process.stderr.write(
      `meshgate: ${bundle} is missing, so this copy of meshgate cannot start. ` +
        'Reinstall it (the published package ships dist/), or in a checkout run: npm run build\n',
    );
    process.exit(3);
  }
  ({ main } = await import(bundle));
} else if (
  existsSync(bundle) &&
  // The bundle holds the suites' checks too (the direct engine runs them in this process).
  statSync(bundle).mtimeMs >=
    Math.max(newestMtime(path.join(root, 'src')), newestMtime(path.join(root, 'suites')))
) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
const code = await main(process.argv.slice(2));
process.exitCode = code;
// `verify --engine vitest` runs vitest in this process, and a run it was told to cancel may still be winding down
// when the command is over: vitest then sets process.exitCode = 1 (its collection "failed") and a
// stopped verify would exit 1 instead of 143. The command's code is the contract: it is final.
process.on('exit', () => {
  process.exitCode = code;
});
// The command is over: whatever is still open (a stalled socket, a worker that ignored its cancel)
// must not keep the process, so a stopped run is gone at once. stdout/stderr writes to
// files and pipes are synchronous on Linux, so nothing printed is lost.
setTimeout(() => process.exit(code), 100).unref();
