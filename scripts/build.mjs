// Bundles the CLI into dist/ so it starts without compiling TypeScript. Run by `prepare` (npm ci, npm
// pack), so an installed copy always ships the bundle; bin/meshgate.js runs it and never builds at run
// time (a development checkout falls back to the sources through tsx when dist/ is older than src/).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Dependencies stay external (resolved from node_modules at run time), except @kubernetes/client-node:
// its index loads ~3,000 generated API modules (1.3 s of every command's start, measured) where
// meshgate uses two classes (KubeConfig, Exec); bundled and tree-shaken they load in 0.2 s. Whatever
// client-node itself imports is bundled with it, so a nested copy of one of its dependencies never
// has to be found from dist/.
const BUNDLED = '@kubernetes/client-node';
const externalDependencies = {
  name: 'external-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      const fromDependency = /[\\/]node_modules[\\/]/.test(args.importer);
      if (fromDependency || args.path === BUNDLED || args.path.startsWith(`${BUNDLED}/`)) return undefined;
      return { external: true };
    });
  },
};

// Chunks are content-hashed: without a clean, old ones pile up in dist/ (and in the package).
rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [externalDependencies],
  // client-node's own dependencies include CommonJS modules that call require().
  banner: {
    js: "import { createRequire as __meshgateRequire } from 'node:module'; const require = __meshgateRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: 'warning',
});
