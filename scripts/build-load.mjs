// Bundles the k6 scripts in load/ into dist/load/*.js (see src/load/bundle.ts). tsx runs the
// TypeScript bundler module so the CLI and this script share one esbuild configuration.
import { stdout } from 'node:process';
import { tsImport } from 'tsx/esm/api';

const { bundleLoadScripts } = await tsImport('../src/load/bundle.ts', import.meta.url);
const out = await bundleLoadScripts('dist/load');
for (const [name, file] of Object.entries(out)) stdout.write(`${name}: ${file}\n`);
