// Writes the files generated from src/permissions/rules.ts with the default profile: the RBAC
// manifests in deploy/kubernetes and the rule table in docs/rbac.md, formatted as `npm run format`
// would. test/deploy/manifests.test.ts fails when they are out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { generatedManifests, withRbacTable } from '../src/permissions/index.ts';
import { defaultProfile } from '../src/profile/index.ts';

const root = path.resolve(import.meta.dirname, '..');

/** The generated text as it must be on disk: through prettier with the project's settings. */
export async function formatted(file: string, text: string): Promise<string> {
  const filepath = path.join(root, file);
  return format(text, { ...(await resolveConfig(filepath)), filepath });
}

export async function expectedFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(generatedManifests(defaultProfile))) {
    out[file] = await formatted(file, text);
  }
  const docs = 'docs/rbac.md';
  out[docs] = await formatted(
    docs,
    withRbacTable(readFileSync(path.join(root, docs), 'utf8'), defaultProfile),
  );
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  for (const [file, text] of Object.entries(await expectedFiles())) {
    writeFileSync(path.join(root, file), text);
    console.log(`wrote ${file}`);
  }
}
