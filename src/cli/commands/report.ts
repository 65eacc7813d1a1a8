import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ExitCode, type ExitCodeValue } from '../../report/index.ts';
import type { GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';

/** `meshgate report`: Allure results under --report-dir → HTML report beside them (Allure 3 CLI). */
export async function report(
  global: GlobalOptions,
  _opts: { singleFile?: boolean },
  io: Io,
): Promise<ExitCodeValue> {
  const results = path.join(global.reportDir, 'allure-results');
  if (!existsSync(results) || readdirSync(results).length === 0) {
    io.err(`error: no Allure results in ${results}: run a suite first (npm run verify)\n`);
    return ExitCode.Inconclusive;
  }
  const output = path.join(global.reportDir, 'allure-report');
  // The package exports only its library entry (dist/index.js); its CLI is cli.js at the package root.
  const require = createRequire(import.meta.url);
  const bin = path.resolve(path.dirname(require.resolve('allure')), '..', 'cli.js');
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [bin, 'generate', results, '--output', output], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => io.err(d.toString()));
    child.stderr.on('data', (d: Buffer) => io.err(d.toString()));
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    io.err(`error: allure generate exited ${code}\n`);
    return ExitCode.Inconclusive;
  }
  io.out(`report: ${path.join(output, 'index.html')}\n`);
  return ExitCode.Pass;
}
