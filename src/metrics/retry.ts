import { Interrupted } from '../core/index.ts';
import type { Clock } from './types.ts';

/** Per-attempt timeout: connect, headers and body together. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Attempts per call, the first included. */
export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_INITIAL_BACKOFF_MS = 500;
export const DEFAULT_MAX_BACKOFF_MS = 8_000;
export const DEFAULT_BACKOFF_MULTIPLIER = 2;
/** No call, retries and back-off included, lasts longer than this. */
export const DEFAULT_DEADLINE_MS = 30_000;

export interface RetryOptions {
  /** Attempts per call, the first included; 1 disables retries. Default {@link DEFAULT_MAX_ATTEMPTS}. */
  readonly maxAttempts?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly multiplier?: number;
  /** Overall budget per call. Default {@link DEFAULT_DEADLINE_MS}. */
  readonly deadlineMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    initialBackoffMs: options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS,
    maxBackoffMs: options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
    multiplier: options.multiplier ?? DEFAULT_BACKOFF_MULTIPLIER,
    deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
  };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  for (const key of ['initialBackoffMs', 'maxBackoffMs', 'deadlineMs'] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0) throw new RangeError(`retry.${key} must be >= 0`);
  }
  if (!Number.isFinite(policy.multiplier) || policy.multiplier < 1)
    throw new RangeError('retry.multiplier must be >= 1');
  return policy;
}

/** Back-off before attempt `attempt + 1`, for `attempt` >= 1: initial × multiplier^(attempt-1), capped. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (attempt - 1));
}

/** What one attempt produced: a value, or an error that may be retried. */
export type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; error: Error; retryable: boolean };

/**
 * Runs `attempt` until it succeeds, fails for good, runs out of attempts or would pass the deadline.
 * `attempt` receives its 1-based number and the time left in ms. The last error is rethrown, built by
 * `finalError` so that it can say how many attempts were made. An aborted `signal` stops at once,
 * between attempts or during a back-off, with the signal's {@link Interrupted}: it is never retried.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  clock: Clock,
  attempt: (n: number, remainingMs: number) => Promise<AttemptOutcome<T>>,
  finalError: (last: Error, attempts: number) => Error,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = clock.now() + policy.deadlineMs;
  let last: Error | undefined;
  let n = 0;
  while (n < policy.maxAttempts) {
    if (signal?.aborted) throw Interrupted.from(signal);
    const remaining = deadline - clock.now();
    if (remaining <= 0 && n > 0) break;
    n += 1;
    const outcome = await attempt(n, Math.max(1, remaining));
    if (outcome.ok) return outcome.value;
    last = outcome.error;
    if (!outcome.retryable || n >= policy.maxAttempts) break;
    const delay = backoffMs(policy, n);
    if (clock.now() + delay >= deadline) break;
    await clock.sleep(delay, signal);
  }
  // `last` is set: the loop runs at least once because maxAttempts >= 1.
  throw finalError(last as Error, n);
}
