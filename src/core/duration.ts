// The project's one duration parser: Go/Istio/Prometheus style spans ("500ms", "30s", "1h30m", "7d").

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)/y;

/**
 * Parses a duration to milliseconds; `undefined` when the text is not one. Durations are compared
 * parsed, never as strings ("60s" equals "1m").
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(t); m; m = PART.exec(t)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    consumed = PART.lastIndex;
  }
  return consumed === t.length && Number.isFinite(total) ? total : undefined;
}

/** An invalid duration where one is required; `source` names the flag or profile field. */
export class DurationError extends RangeError {
  override readonly name = 'DurationError';
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(message);
  }
}

export interface DurationLimits {
  /** Smallest allowed value in ms (default: anything above 0). */
  minMs?: number;
  /** Largest allowed value in ms. */
  maxMs?: number;
}

/** Parses a required positive duration, naming `source` (e.g. `--window`, `canary.window`) when it is not one. */
export function requireDuration(text: string, source: string, limits: DurationLimits = {}): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new DurationError(source, `${source}: "${text}" is not a duration such as 30s, 10m or 1h30m`);
  if (ms <= 0 || (limits.minMs !== undefined && ms < limits.minMs))
    throw new DurationError(
      source,
      `${source}: "${text}" must be ${limits.minMs ? `at least ${formatDuration(limits.minMs)}` : 'longer than 0'}`,
    );
  if (limits.maxMs !== undefined && ms > limits.maxMs)
    throw new DurationError(
      source,
      `${source}: "${text}" is longer than the limit of ${formatDuration(limits.maxMs)}`,
    );
  return ms;
}

/** 5400000 → "1h30m", 1500 → "1.5s", 250 → "250ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${Number((rest / 1000).toFixed(3))}s`);
  return parts.join('');
}
