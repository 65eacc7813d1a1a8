import { badRequest } from './api-errors.ts';
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json.ts';

/**
 * patchMergeKey of the list fields of built-in types that clients commonly patch. Lists not named
 * here are replaced wholesale, as the API server does for lists without a merge strategy.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  secrets: 'name',
};
/** Primitive lists with patchStrategy "merge": patch values are added, not substituted. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Container ports merge on containerPort, Service ports on port. */
function mergeKeyFor(path: readonly string[], field: string): string | undefined {
  if (field === 'ports') {
    const parent = path[path.length - 1];
    return parent !== undefined && CONTAINER_LISTS.has(parent) ? 'containerPort' : 'port';
  }
  return MERGE_KEYS[field];
}

function directive(value: JsonValue | undefined): string | undefined {
  return isJsonObject(value) && typeof value.$patch === 'string' ? value.$patch : undefined;
}

function withoutDirectives(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.filter((v) => directive(v) === undefined).map(withoutDirectives);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    out[key] = withoutDirectives(item);
  }
  return out;
}

function mergeList(
  original: JsonValue | undefined,
  patch: JsonValue[],
  path: readonly string[],
  field: string,
): JsonValue[] {
  const current = Array.isArray(original) ? original : [];
  if (patch.some((item) => directive(item) === 'replace')) {
    return patch.filter((item) => directive(item) !== 'replace').map(withoutDirectives);
  }
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    const out = [...current];
    for (const item of patch) if (!out.some((o) => jsonEqual(o, item))) out.push(item);
    return out;
  }
  const key = mergeKeyFor(path, field);
  if (key === undefined) return patch.map(withoutDirectives);
  const out = current.map((item) => structuredClone(item));
  for (const item of patch) {
    if (!isJsonObject(item)) {
      throw badRequest(`unable to find api field in struct for the merge key "${key}"`);
    }
    const keyValue = item[key];
    if (keyValue === undefined) {
      throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    }
    const index = out.findIndex((o) => isJsonObject(o) && jsonEqual(o[key], keyValue));
    if (directive(item) === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    const existing = index >= 0 ? out[index] : undefined;
    const merged = mergeObject(isJsonObject(existing) ? existing : {}, item, [...path, field]);
    if (index >= 0) out[index] = merged;
    else out.push(merged);
  }
  return out;
}

function mergeObject(original: JsonObject, patch: JsonObject, path: readonly string[]): JsonObject {
  if (directive(patch) === 'replace') return withoutDirectives(patch) as JsonObject;
  const result: JsonObject = { ...original };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key.startsWith('$setElementOrder/')) continue;
    if (key === '$retainKeys') {
      if (!Array.isArray(value)) throw badRequest('$retainKeys must be a list');
      const keep = new Set(value.filter((v): v is string => typeof v === 'string'));
      for (const existing of Object.keys(result))
        if (!keep.has(existing) && !(existing in patch)) delete result[existing];
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const list = result[field];
      if (Array.isArray(list) && Array.isArray(value)) {
        result[field] = list.filter((item) => !value.some((v) => jsonEqual(v, item)));
      }
      continue;
    }
    if (value === null || directive(value) === 'delete') {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, path, key);
    } else if (isJsonObject(value)) {
      const existing = result[key];
      result[key] = mergeObject(isJsonObject(existing) ? existing : {}, value, [...path, key]);
    } else {
      result[key] = value;
    }
  }
  return result;
}

/**
 * Strategic merge patch for built-in kinds: lists with a merge key (containers by name, container
 * ports by containerPort, env by name...) merge element-wise, and the `$patch: replace|delete`,
 * `$retainKeys` and `$deleteFromPrimitiveList` directives are honoured. Schema-free, so only the
 * list fields named above merge; every other list is replaced.
 */
export function applyStrategicMergePatch(original: JsonObject, patch: JsonValue): JsonObject {
  if (!isJsonObject(patch)) throw badRequest('the body of a strategic merge patch must be a JSON object');
  return mergeObject(original, patch, []);
}
