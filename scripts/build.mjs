// Bundles the CLI into dist/ so it starts without compiling TypeScript. Run by `prepare` (npm ci, npm
// pack), so an installed copy always ships the bundle; bin/meshgate.js runs it and never builds at run
// time (a development checkout falls back to the sources through tsx when dist/ is older than src/).
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
