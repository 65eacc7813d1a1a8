/**
 * Readers for untyped API objects. Checks never trust the shape of what the API returned: these
 * narrow one field at a time and fall back to "absent", so a malformed object reads as missing
 * fields rather than crashing the check.
 */
export type Rec = Record<string, unknown>;

export function rec(value: unknown): Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Rec) : {};
}

export function isRec(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function recs(value: unknown): Rec[] {
  return arr(value).filter(isRec);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function strs(value: unknown): string[] {
  return arr(value).filter((v): v is string => typeof v === 'string');
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function labelsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(value))) if (typeof v === 'string') out[k] = v;
  return out;
}
