// Each command's default --timeout (README): long enough for its parts, short enough that a gate
// never hangs a pipeline. An explicit --timeout always wins.

import { parseDuration } from '../core/index.ts';
import type { Profile } from '../profile/index.ts';

export const VERIFY_TIMEOUT_MS = 5 * 60_000;
/** The canary analysis itself (queries), on top of the load run. */
export const CANARY_TIMEOUT_MS = 2 * 60_000;
/** Reads and writes of a traffic move. */
export const WRITE_TIMEOUT_MS = 60_000;
export const ROLLBACK_TIMEOUT_MS = 2 * 60_000;
/** The Step 7 smoke run (a few requests per target). */
export const SMOKE_TIMEOUT_MS = 60_000;

/** How long `--load` takes: the profile's load duration, or nothing for `none`. */
export function loadMs(profile: Profile, load: string): number {
  return load === 'none' ? 0 : (parseDuration(profile.load.duration) ?? 0);
}

export const defaultTimeouts = {
  verify: (): number => VERIFY_TIMEOUT_MS,
  canary: (profile: Profile, load: string): number => CANARY_TIMEOUT_MS + loadMs(profile, load),
  /** Its parts: the suites (unless --no-verify), the canary verdict with its load (or the shorter smoke run), the write. */
  shift: (profile: Profile, load: string, verify: boolean): number =>
    (verify ? VERIFY_TIMEOUT_MS : 0) + CANARY_TIMEOUT_MS + loadMs(profile, load) + WRITE_TIMEOUT_MS,
  monitor: (durationMs: number, profile: Profile, load: string): number =>
    durationMs + CANARY_TIMEOUT_MS + loadMs(profile, load),
  rollback: (): number => ROLLBACK_TIMEOUT_MS,
  test: (): number => VERIFY_TIMEOUT_MS + SMOKE_TIMEOUT_MS,
};
