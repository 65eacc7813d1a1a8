/** JSON values as they travel through the simulator: parsed request bodies, stored objects, patches. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** Reads a dotted path (`spec.template.metadata`) without throwing on missing intermediate objects. */
export function getPath(root: JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const segment of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}

/** Writes a dotted path, creating intermediate objects as needed. */
export function setPath(root: JsonObject, path: readonly string[], value: JsonValue): void {
  let current = root;
  path.forEach((segment, index) => {
    if (index === path.length - 1) {
      current[segment] = value;
      return;
    }
    const next = current[segment];
    if (isJsonObject(next)) {
      current = next;
    } else {
      const created: JsonObject = {};
      current[segment] = created;
      current = created;
    }
  });
}

/** Narrows `unknown` (parsed YAML, JSON.parse) to JsonValue, rejecting undefined, functions, NaN etc. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite JSON number: ${String(value)}`);
    return value;
  }
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = toJsonValue(item);
    }
    return out;
  }
  throw new Error(`not a JSON value: ${typeof value}`);
}

function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || !isPlainJson(item)) return false;
  }
  return true;
}

/**
 * toJsonValue for what is almost always JSON already (JSON.parse, a core-schema YAML parser): checked
 * in place rather than copied, which matters for a scenario of thousands of objects. Anything else
 * goes through toJsonValue, with its conversions and errors.
 */
export function asJsonValue(value: unknown): JsonValue {
  return isPlainJson(value) ? (value as JsonValue) : toJsonValue(value);
}
