// Every flag value is checked before any I/O, and a bad one is blamed on the flag (or variable, or
// file) it came from: exit 3 with one line.

import { formatDuration, parseDuration } from '../core/index.ts';
import { WindowError, parseEnd } from '../metrics/canary/window.ts';
import { loadProfile, type Profile, type ProfileInput } from '../profile/index.ts';
import { VERIFY_SUITES, type SuiteName } from '../report/types.ts';
import { UsageError } from './errors.ts';

/** What every command is pointed at: the cluster, the profile, the report directory. */
export interface TargetInputs {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  /** --config: the profile file. */
  config?: string | undefined;
  /** -n: the mesh namespace. */
  namespace?: string | undefined;
  /** --scenario: serve these scenario directories from the built-in simulator instead. */
  scenario?: string[] | undefined;
  reportDir: string;
}

/** The flags of every command that judges a canary window. */
export interface AnalysisInputs {
  window?: string | undefined;
  end?: string | undefined;
  prometheus?: string | undefined;
  /** --load: auto, k6, k6-operator, builtin, none. */
  load?: string | undefined;
}

/** Prometheus answers at most 11,000 points per series in one range query. */
export const PROMETHEUS_MAX_POINTS = 11_000;
/** The longest analysis window meshgate accepts, whatever the step. */
export const MAX_WINDOW_MS = 31 * 86_400_000;
/** How far `--end` may lie ahead of this machine's clock (clock skew), in ms. */
export const END_SKEW_MS = 60_000;

/** Suites `verify` can run; `canary` only when named, since it needs Prometheus. */
export const NAMED_SUITES: readonly SuiteName[] = [...VERIFY_SUITES, 'canary'];

/** `verify [suites...]`: the default three, or the named ones; an unknown name lists the suites. */
export function parseSuites(names: readonly string[]): SuiteName[] {
  if (names.length === 0) return [...VERIFY_SUITES];
  for (const n of names) {
    if (!(NAMED_SUITES as readonly string[]).includes(n)) {
      throw new UsageError(
        'suites',
        `unknown suite "${n}": the suites are ${NAMED_SUITES.join(', ')} (default: ${VERIFY_SUITES.join(', ')})`,
      );
    }
  }
  return [...new Set(names)] as SuiteName[];
}

/** A positive duration flag such as --timeout 5m; zero, negative or malformed is a usage error. */
export function durationFlag(text: string, flag: string, limits: { maxMs?: number } = {}): number {
  const t = text.trim();
  const ms = parseDuration(t.startsWith('-') ? t.slice(1) : t);
  if (ms === undefined)
    throw new UsageError(flag, `${flag} "${text}" is not a duration such as 30s, 10m or 1h30m`);
  if (t.startsWith('-') || ms <= 0) throw new UsageError(flag, `${flag} "${text}" must be longer than 0`);
  if (limits.maxMs !== undefined && ms > limits.maxMs)
    throw new UsageError(
      flag,
      `${flag} "${text}" is longer than the limit of ${formatDuration(limits.maxMs)}`,
    );
  return ms;
}

/** An http(s) URL flag or variable; anything else is blamed on `source`, never on the profile. */
export function urlFlag(text: string, source: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The text may carry credentials: do not echo it whole.
    throw new UsageError(source, `${source} is not an absolute URL (expected e.g. http://prometheus:9090)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      source,
      `${source} must be an http:// or https:// URL, not ${url.protocol.replace(/:$/, '')}://`,
    );
  }
  return text;
}

/** `--end`: RFC 3339 or Unix seconds, not in the future (Prometheus has no data there yet). */
export function endFlag(text: string, now = Date.now()): Date {
  let end: Date;
  try {
    end = parseEnd(text);
  } catch (err) {
    if (err instanceof WindowError) throw new UsageError('--end', err.message);
    throw err;
  }
  if (end.getTime() > now + END_SKEW_MS) {
    throw new UsageError(
      '--end',
      `--end ${end.toISOString()} is in the future (now ${new Date(now).toISOString()}): there is no data to judge yet; leave --end out to judge up to now`,
    );
  }
  return end;
}

/**
 * `--window`: longer than 0, at most 31 days, and short enough for Prometheus to answer in one range
 * query at the profile's interval (11,000 points).
 */
export function windowFlag(text: string, profile: Profile): number {
  const stepMs = parseDuration(profile.canary.interval) ?? 60_000;
  const rangeMs = PROMETHEUS_MAX_POINTS * stepMs;
  const ms = durationFlag(text, '--window');
  if (ms > MAX_WINDOW_MS)
    throw new UsageError(
      '--window',
      `--window ${text} is longer than ${formatDuration(MAX_WINDOW_MS)}: judge a step on its own window (canary.window, default 30m)`,
    );
  if (ms > rangeMs)
    throw new UsageError(
      '--window',
      `--window ${text} needs more than ${PROMETHEUS_MAX_POINTS.toLocaleString('en-US')} points at the ${profile.canary.interval} interval (canary.interval), more than Prometheus answers in one range query: use at most ${formatDuration(rangeMs)}`,
    );
  return ms;
}

/** A whole number flag within bounds (ports, steps). */
export function integerFlag(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(flag, `${flag} "${text}" must be a whole number from ${min} to ${max}`);
  return n;
}

export interface LoadedGateProfile {
  profile: Profile;
  /** The profile file, or undefined for the built-in defaults. */
  file: string | undefined;
}

/**
 * Loads the profile with flags and environment applied on top (flags win over environment). URL
 * values are checked first, so a bad one is blamed on its flag or variable, not on the profile.
 */
export async function loadGateProfile(
  target: TargetInputs,
  analysis: AnalysisInputs = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedGateProfile> {
  const overrides: ProfileInput = {};
  const ns = target.namespace ?? env.MESHGATE_NAMESPACE;
  if (ns) overrides.namespaces = { mesh: ns };
  if (analysis.prometheus !== undefined)
    overrides.prometheus = { url: urlFlag(analysis.prometheus, '--prometheus') };
  else if (env.MESHGATE_PROMETHEUS_URL)
    overrides.prometheus = { url: urlFlag(env.MESHGATE_PROMETHEUS_URL, 'MESHGATE_PROMETHEUS_URL') };
  return loadProfile({ configPath: target.config, overrides });
}

/** Validated analysis flags: the window, the end and the load runner name. */
export interface AnalysisPlan {
  window?: string | undefined;
  windowMs?: number | undefined;
  end?: Date | undefined;
  load: string;
}

export function analysisPlan(analysis: AnalysisInputs, profile: Profile, defaultLoad = 'auto'): AnalysisPlan {
  const end = analysis.end !== undefined ? endFlag(analysis.end) : undefined;
  const windowMs = analysis.window !== undefined ? windowFlag(analysis.window, profile) : undefined;
  return { window: analysis.window, windowMs, end, load: analysis.load ?? defaultLoad };
}
