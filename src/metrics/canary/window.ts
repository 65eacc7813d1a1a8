// The analysis window [start, end]: an explicit end (so a past window can be analysed again with the
// same answer) and a start from --window, from the last weight change, or from the profile default.
import { parseDuration } from '../../core/index.ts';
import { ANNOTATION_LAST_SHIFT_AT as LAST_SHIFT_ANNOTATION } from '../../traffic/audit.ts';

/** A malformed --end / --window, or an unusable annotation: the CLI maps it to exit 3. */
export class WindowError extends Error {
  override readonly name = 'WindowError';
}

/** `10m`, `1h30m`, `90s` → milliseconds. */
export function parseSpanMs(text: string, what = 'duration'): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new WindowError(`${what} "${text}" is not a duration such as 30s, 10m or 1h30m`);
  if (ms <= 0) throw new WindowError(`${what} "${text}" must be longer than 0`);
  return ms;
}

// RFC 3339 needs an explicit offset: a bare local time would give a different window on another machine.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;
const UNIX = /^\d{9,11}(\.\d+)?$/;

/** `--end`: RFC 3339 with an offset (`2026-11-29T10:30:00Z`) or Unix seconds (`1795948200`). */
export function parseEnd(text: string): Date {
  const t = text.trim();
  let d: Date | undefined;
  if (UNIX.test(t)) d = new Date(Math.round(Number(t) * 1000));
  else if (RFC3339.test(t)) d = new Date(t);
  if (!d || Number.isNaN(d.getTime())) {
    throw new WindowError(
      `--end "${text}" is neither RFC 3339 with a time zone (2026-11-29T10:30:00Z) nor Unix seconds (1795948200)`,
    );
  }
  return d;
}

/** Where the window's length came from, for the report. */
export type WindowSource = 'flag' | 'last-shift' | 'profile-default';

export interface AnalysisWindow {
  readonly start: Date;
  readonly end: Date;
  readonly durationMs: number;
  readonly source: WindowSource;
  /** Why the source was chosen when it was not the obvious one (e.g. an annotation after `end`). */
  readonly note?: string;
}

export interface WindowQuestion {
  readonly end: Date;
  /** `--window`. */
  readonly window?: string | undefined;
  /** The VirtualService's `meshgate.dev/last-shift-at`, as written. */
  readonly lastShiftAt?: string | undefined;
  /** `canary.window`. */
  readonly fallback: string;
}

/** Written on the VirtualService by every shift (src/traffic/audit.ts): the default window starts there. */
export { LAST_SHIFT_ANNOTATION };

/**
 * Resolves the window: `--window` wins; else it starts at the last weight change (when that lies
 * before `end`); else the profile default. Whole seconds, so PromQL ranges stay exact.
 */
export function resolveWindow(q: WindowQuestion): AnalysisWindow {
  const end = new Date(Math.floor(q.end.getTime() / 1000) * 1000);
  if (q.window !== undefined) return fixed(end, parseSpanMs(q.window, '--window'), 'flag');
  let note: string | undefined;
  if (q.lastShiftAt !== undefined) {
    const shift = Date.parse(q.lastShiftAt);
    if (Number.isNaN(shift)) {
      note = `ignored ${LAST_SHIFT_ANNOTATION}="${q.lastShiftAt}": not a timestamp`;
    } else if (shift >= end.getTime() - 1000) {
      note = `ignored ${LAST_SHIFT_ANNOTATION}=${q.lastShiftAt}: not before the window's end ${end.toISOString()}`;
    } else {
      const start = Math.ceil(shift / 1000) * 1000;
      return { start: new Date(start), end, durationMs: end.getTime() - start, source: 'last-shift' };
    }
  }
  const w = fixed(end, parseSpanMs(q.fallback, 'canary.window'), 'profile-default');
  return note === undefined ? w : { ...w, note };
}

function fixed(end: Date, ms: number, source: WindowSource): AnalysisWindow {
  const durationMs = Math.max(1000, Math.round(ms / 1000) * 1000);
  return { start: new Date(end.getTime() - durationMs), end, durationMs, source };
}
