import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isJsonObject, toJsonValue, type JsonObject, type JsonValue } from './json.ts';
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

export async function readManifestFile(path: string, root: string): Promise<SourcedObject[]> {
  const text = await readFile(path, 'utf8');
  const shown = relative(root, path) || basename(path);
  const docs = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) return [];
  const objects: SourcedObject[] = [];
  docs.forEach((doc, index) => {
    const where = docs.length > 1 ? `${path} (document ${index + 1})` : path;
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]?.message ?? 'YAML error'}`);
    for (const object of expandDocument(toJsonValue(doc.toJS()), where)) {
      objects.push({ object, source: shown });
    }
  });
  return objects;
}
