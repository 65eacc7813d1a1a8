import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The k6 scripts meshgate ships, by bundle name (`dist/load/<name>.js`). */
export const LOAD_SCRIPTS = { canary: 'load/canary.k6.ts', smoke: 'load/smoke.k6.ts' } as const;
export type LoadScriptName = keyof typeof LOAD_SCRIPTS;

export type LoadBundles = Record<LoadScriptName, string>;

/**
 * The directory holding `load/`. Walked up from this module because it runs both from src/load
 * (tsx, tests) and from the CLI bundle in dist/.
 */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, LOAD_SCRIPTS.canary))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no ${LOAD_SCRIPTS.canary} above ${from}`);
  }
}

/**
 * Bundles the k6 scripts into `outDir` as ESM with `k6` and `k6/*` left as imports, and returns the
 * absolute path of each bundle. ES2015 output because k6 versions before the Sobek runtime know
 * little beyond it; the profile arrives at run time, so one bundle serves every run.
 */
export async function bundleLoadScripts(outDir: string): Promise<LoadBundles> {
  const root = packageRoot();
  const out = path.resolve(outDir);
  await build({
    entryPoints: Object.fromEntries(
      Object.entries(LOAD_SCRIPTS).map(([name, file]) => [name, path.join(root, file)]),
    ),
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2015',
    external: ['k6', 'k6/*'],
    logLevel: 'warning',
    // k6 reports script errors against the bundle: names kept readable, no minification.
    minify: false,
  });
  return {
    canary: path.join(out, 'canary.js'),
    smoke: path.join(out, 'smoke.js'),
  };
}
