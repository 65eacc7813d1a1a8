// Runs npm scripts side by side and fails when any of them fails: `npm test` runs lint and typecheck
// this way. Each is one single-threaded process (eslint, prettier, tsc), so on two cores together they
// take about as long as the longest. Each script's output is printed whole when it ends, not
// interleaved.
//
//   node scripts/run-parallel.mjs lint typecheck
import { spawn } from 'node:child_process';
import process from 'node:process';

const names = process.argv.slice(2);
if (names.length === 0) {
  process.stderr.write('usage: node scripts/run-parallel.mjs <npm script>…\n');
  process.exit(2);
}

const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];

const results = await Promise.all(
  names.map(
    (name) =>
      new Promise((resolve) => {
        const child = spawn(npm[0], [...npm[1], 'run', name], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('error', (err) => {
          process.stdout.write(`${out}npm run ${name}: ${err.message}\n`);
          resolve({ name, code: 1 });
        });
        child.on('close', (code, signal) => {
          process.stdout.write(out);
          resolve({ name, code: code ?? (signal ? 1 : 0) });
        });
      }),
  ),
);

const failed = results.filter((r) => r.code !== 0);
for (const r of failed) process.stderr.write(`npm run ${r.name} failed (exit ${r.code})\n`);
process.exit(failed.length === 0 ? 0 : 1);
