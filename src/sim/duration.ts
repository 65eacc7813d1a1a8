const UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses Go-style durations (`5ms`, `1.5s`, `1m30s`) into milliseconds; a bare number is milliseconds. */
export function parseDurationMs(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid duration ${value}`);
    return value;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(part)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * (UNITS_MS[match[2] ?? ''] ?? Number.NaN);
    consumed += match[0].length;
  }
  if (consumed !== text.length || text === '' || !Number.isFinite(total)) {
    throw new Error(`invalid duration "${value}" (use e.g. 5ms, 1.5s, 1m30s)`);
  }
  return total;
}
