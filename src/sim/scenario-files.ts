import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { asJsonValue, isJsonObject, type JsonObject, type JsonValue } from './json.ts';
import { isKubeObject, parseApiVersion, type KubeObject } from './kube-object.ts';

/** One object read from a scenario file, with where it came from for error messages. */
export interface SourcedObject {
  object: KubeObject;
  source: string;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
export const DESCRIPTOR_FILES = new Set(['scenario.yaml', 'scenario.yml']);

/** Every manifest file under `dir`, recursively, in a stable (sorted) order. Dotfiles are skipped. */
export async function listManifestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listManifestFiles(path)));
    else if (entry.isFile() && MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
  }
  return files;
}

/**
 * Expands what `kubectl get -o yaml|json` prints: `kind: List` and typed lists (`PodList` from
 * `kubectl get --raw`) whose items may lack apiVersion/kind, which are then taken from the list.
 */
function expandDocument(doc: JsonValue, where: string): KubeObject[] {
  if (doc === null) return [];
  if (!isJsonObject(doc)) {
    throw new Error(`${where}: expected a Kubernetes object, got ${JSON.stringify(doc)}`);
  }
  if (typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items)) {
    const itemKind = doc.kind === 'List' ? undefined : doc.kind.slice(0, -'List'.length);
    const listVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : undefined;
    return doc.items.flatMap((item, index) => {
      if (!isJsonObject(item)) throw new Error(`${where}: items[${index}] is not an object`);
      const filled: JsonObject = { ...item };
      if (filled.kind === undefined && itemKind !== undefined) filled.kind = itemKind;
      if (filled.apiVersion === undefined && itemKind !== undefined && listVersion !== undefined) {
        filled.apiVersion = listVersion;
      }
      return expandDocument(filled, `${where} items[${index}]`);
    });
  }
  if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
    throw new Error(`${where}: object without apiVersion and kind`);
  }
  if (doc.metadata === undefined) doc.metadata = {};
  if (!isKubeObject(doc)) throw new Error(`${where}: metadata must be an object`);
  if (typeof doc.metadata.name !== 'string' || doc.metadata.name === '') {
    throw new Error(`${where}: ${doc.kind} without metadata.name`);
  }
  parseApiVersion(doc.apiVersion);
  return [doc];
}

/**
 * The documents of one file, as plain values. A `.json` file is read with JSON.parse; YAML with
 * js-yaml, whose core schema is the YAML 1.2 one the `yaml` package uses (no timestamps, no merge
 * keys) and which reads a scenario-sized file about fifteen times faster (a 5,000-pod snapshot in
 * seconds, not half a minute; see docs/performance.md). A file js-yaml or JSON.parse rejects is
 * read again with the `yaml` package, whose errors name the document and position, so a broken
 * scenario is reported as before.
 */
function parseDocuments(text: string, path: string): { values: unknown[]; where: (i: number) => string } {
  const where = (count: number) => (i: number) => (count > 1 ? `${path} (document ${i + 1})` : path);
  try {
    const values =
      extname(path).toLowerCase() === '.json'
        ? [JSON.parse(text)]
        : loadAll(text, null, {
            schema: CORE_SCHEMA,
            filename: path,
          });
    return { values, where: where(values.length) };
  } catch {
    // Fall through: the careful parser says what is wrong, or reads what the fast one would not.
  }
  const docs = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) return { values: [], where: where(0) };
  const name = where(docs.length);
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${name(index)}: ${doc.errors[0]?.message ?? 'YAML error'}`);
  });
  return { values: docs.map((doc) => doc.toJS()), where: name };
}

export async function readManifestFile(path: string, root: string): Promise<SourcedObject[]> {
  const text = await readFile(path, 'utf8');
  const shown = relative(root, path) || basename(path);
  const { values, where } = parseDocuments(text, path);
  const objects: SourcedObject[] = [];
  values.forEach((value, index) => {
    // js-yaml gives undefined for an empty document, the yaml package null: both are skipped.
    for (const object of expandDocument(asJsonValue(value ?? null), where(index))) {
      objects.push({ object, source: shown });
    }
  });
  return objects;
}
