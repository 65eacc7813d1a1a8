import { formatDuration } from '../core/index.ts';

export interface RetryPolicy {
  attempts: number;
  /** First back-off; doubles per attempt up to maxDelayMs. Also the least wait after `Retry-After: 0`. */
  baseDelayMs: number;
  /** Cap of the exponential back-off. A server's `Retry-After` is not capped by it, only by the deadline. */
  maxDelayMs: number;
  /** Budget for one logical request, retries included, when the run has no deadline of its own. */
  deadlineMs: number;
  /** Budget for one attempt. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  deadlineMs: 20_000,
  attemptTimeoutMs: 30_000,
};

/** Share of a delay added at random, so many clients told to wait do not come back in step. */
export const RETRY_JITTER = 0.2;

/**
 * The wait a server asked for: `Retry-After` in seconds or as an HTTP date, else the Status body's
 * `details.retryAfterSeconds` (client-go reads both). Undefined when it asked for nothing.
 */
export function retryAfterMs(header: string | undefined, body: string, now: number): number | undefined {
  if (header !== undefined && header.trim() !== '') {
    const text = header.trim();
    if (/^\d+$/.test(text)) return Number(text) * 1000;
    const date = Date.parse(text);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  try {
    const seconds = (JSON.parse(body) as { details?: { retryAfterSeconds?: unknown } }).details
      ?.retryAfterSeconds;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  } catch {
    // not a Status: nothing asked
  }
  return undefined;
}

/**
 * The pause before attempt `attempt + 1`: what the server asked for (at least `baseDelayMs`, so
 * `Retry-After: 0` still backs off a little), else exponential back-off capped at `maxDelayMs`;
 * plus up to 20 % jitter. Never shorter than what the server asked for.
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  askedMs: number | undefined,
  random: () => number = Math.random,
): number {
  const base =
    askedMs !== undefined
      ? Math.max(askedMs, policy.baseDelayMs)
      : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (1 + RETRY_JITTER * random()));
}

/** Why a retry was not made, for the message of the error given up with. */
export function givenUpNote(opts: {
  attempts: number;
  delayMs: number;
  askedMs: number | undefined;
  remainingMs: number;
  runDeadline: boolean;
}): string {
  const budget = opts.runDeadline ? "the run's deadline" : 'the retry budget';
  const left = formatDuration(Math.max(0, opts.remainingMs));
  if (opts.askedMs !== undefined)
    return `gave up after ${opts.attempts} attempt(s): the server asked to retry after ${formatDuration(opts.askedMs)} (Retry-After), past ${budget} (${left} left)`;
  return `gave up after ${opts.attempts} attempt(s): the next retry (in ${formatDuration(opts.delayMs)}) would pass ${budget} (${left} left)`;
}
