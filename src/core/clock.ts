import { Interrupted } from './cancel.ts';

/**
 * Time is injected so polling, retries and windows can be tested without sleeping. The one Clock of
 * the project: cluster, metrics, load and gate all take this interface.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason (an {@link Interrupted}) when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(Interrupted.from(signal));
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(Interrupted.from(signal));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
