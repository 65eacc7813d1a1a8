// Bundles the CLI into dist/ so it starts without compiling TypeScript on every run; bin/meshgate.js
// falls back to running the sources through tsx when dist/ is missing or older than src/.
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
