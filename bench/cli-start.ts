// How long the CLI takes to start: `meshgate --version` and `meshgate config print` (the bundled CLI,
// as installed), next to a bare `node -e 0`, the floor for any Node process. Medians of several runs.
//   npx tsx bench/cli-start.ts [--runs 5]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { machine, measure, median, type ProcessRun } from './lib/measure.ts';
import { printTable } from './lib/table.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const i = process.argv.indexOf('--runs');
const runs = i >= 0 ? Number(process.argv[i + 1]) : 5;

const commands: [string, string[]][] = [
  ['node -e 0', ['-e', '0']],
  ['meshgate --version', ['bin/meshgate.js', '--version']],
  ['meshgate config print', ['bin/meshgate.js', 'config', 'print']],
];

execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
const results = new Map<string, ProcessRun[]>(commands.map(([name]) => [name, []]));
for (let r = 0; r <= runs; r++) {
  // In turn, so a change in the machine's speed touches every command alike; the first round warms up.
  for (const [name, args] of commands) {
    const run = await measure(process.execPath, args, { cwd: ROOT });
    if (run.code !== 0) throw new Error(`${name} exited ${run.code}: ${run.stderr}`);
    if (r > 0) results.get(name)?.push(run);
  }
}
console.log(`CLI start, ${runs} runs each (medians); ${machine()}`);
printTable(
  ['command', 'wall s', 'min s', 'max s', 'CPU s', 'peak RSS MB'],
  [...results].map(([name, rs]) => [
    name,
    median(rs.map((x) => x.wallS)).toFixed(3),
    Math.min(...rs.map((x) => x.wallS)).toFixed(3),
    Math.max(...rs.map((x) => x.wallS)).toFixed(3),
    median(rs.map((x) => x.cpuS ?? NaN)).toFixed(2),
    median(rs.map((x) => x.peakRssMb ?? NaN)).toFixed(0),
  ]),
);
