import { badRequest, unprocessable } from './api-errors.ts';
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json.ts';

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: JsonValue;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`JSON pointer must start with '/': "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Validates the patch document itself; malformed patches are 400s, failing ones 422s. */
export function decodeJsonPatch(body: JsonValue): Operation[] {
  if (!Array.isArray(body)) {
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  return body.map((item) => {
    if (!isJsonObject(item) || typeof item.op !== 'string' || !OPS.has(item.op)) {
      throw badRequest(`Unexpected kind: ${isJsonObject(item) ? String(item.op) : 'not an object'}`);
    }
    if (typeof item.path !== 'string') throw badRequest(`${item.op} operation has no path`);
    const op: Operation = { op: item.op as Operation['op'], path: item.path };
    if ((item.op === 'move' || item.op === 'copy') && typeof item.from !== 'string') {
      throw badRequest(`${item.op} operation has no from`);
    }
    if (typeof item.from === 'string') op.from = item.from;
    if (item.value !== undefined) op.value = item.value;
    else if (item.op === 'add' || item.op === 'replace' || item.op === 'test') {
      throw badRequest(`${item.op} operation has no value`);
    }
    return op;
  });
}

type Container = JsonObject | JsonValue[];

function parentOf(doc: JsonValue, segments: readonly string[], opName: string, path: string): Container {
  let current: JsonValue = doc;
  for (const segment of segments.slice(0, -1)) {
    const next: JsonValue | undefined = Array.isArray(current)
      ? current[Number(segment)]
      : isJsonObject(current)
        ? current[segment]
        : undefined;
    if (next === undefined) {
      throw unprocessable(
        `${opName} operation does not apply: doc is missing path: "${path}": missing value`,
      );
    }
    current = next;
  }
  if (!Array.isArray(current) && !isJsonObject(current)) {
    throw unprocessable(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return current;
}

function arrayIndex(list: JsonValue[], segment: string, allowEnd: boolean, path: string): number {
  if (allowEnd && segment === '-') return list.length;
  if (!/^(0|[1-9]\d*)$/.test(segment)) throw unprocessable(`invalid array index "${segment}" in "${path}"`);
  const index = Number(segment);
  if (index > list.length || (!allowEnd && index === list.length)) {
    throw unprocessable(`Unable to access invalid index: ${index}: invalid index referenced`);
  }
  return index;
}

function read(doc: JsonValue, path: string, opName: string): JsonValue {
  const segments = decodePointer(path);
  if (segments.length === 0) return doc;
  const parent = parentOf(doc, segments, opName, path);
  const last = segments[segments.length - 1] ?? '';
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, last, false, path)] : parent[last];
  if (value === undefined) {
    throw unprocessable(`${opName} operation does not apply: doc is missing key: ${path}: missing value`);
  }
  return value;
}

function remove(doc: JsonValue, path: string, opName: string): JsonValue {
  const segments = decodePointer(path);
  const parent = parentOf(doc, segments, opName, path);
  const last = segments[segments.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, false, path);
    return parent.splice(index, 1)[0] ?? null;
  }
  if (!Object.hasOwn(parent, last)) {
    throw unprocessable(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  const value = parent[last] ?? null;
  delete parent[last];
  return value;
}

function add(doc: JsonValue, path: string, value: JsonValue, replace: boolean): JsonValue {
  const segments = decodePointer(path);
  if (segments.length === 0) return value;
  const opName = replace ? 'replace' : 'add';
  const parent = parentOf(doc, segments, opName, path);
  const last = segments[segments.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, !replace, path);
    parent.splice(index, replace ? 1 : 0, value);
  } else {
    if (replace && !Object.hasOwn(parent, last)) {
      throw unprocessable(`replace operation does not apply: doc is missing key: ${path}: missing value`);
    }
    parent[last] = value;
  }
  return doc;
}

/**
 * RFC 6902 JSON patch. Errors while applying (missing paths, a failed `test`) are 422 Invalid with the
 * message the API server's json-patch library produces.
 */
export function applyJsonPatch(target: JsonValue, operations: readonly Operation[]): JsonValue {
  let doc = structuredClone(target);
  for (const operation of operations) {
    const value = operation.value === undefined ? null : structuredClone(operation.value);
    switch (operation.op) {
      case 'add':
        doc = add(doc, operation.path, value, false);
        break;
      case 'replace':
        doc = add(doc, operation.path, value, true);
        break;
      case 'remove':
        remove(doc, operation.path, 'remove');
        break;
      case 'move': {
        const moved = remove(doc, operation.from ?? '', 'move');
        doc = add(doc, operation.path, moved, false);
        break;
      }
      case 'copy':
        doc = add(doc, operation.path, structuredClone(read(doc, operation.from ?? '', 'copy')), false);
        break;
      case 'test': {
        let actual: JsonValue | undefined;
        try {
          actual = read(doc, operation.path, 'test');
        } catch {
          actual = undefined;
        }
        if (!jsonEqual(actual, value)) {
          throw unprocessable(`testing value ${operation.path} failed: test failed`);
        }
        break;
      }
    }
  }
  return doc;
}
