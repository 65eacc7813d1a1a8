import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { PlannedRequest } from '../../load/lib/script-profile.ts';

/** How often progress is reported. */
export const PROGRESS_INTERVAL_MS = 1_000;

/** Counters and samples of one run. Times are ms since the run's start. */
export interface OpenLoopStats {
  /** Arrivals due: the schedule's length, or as far as it got before an abort. */
  due: number;
  sent: number;
  /** Requests that got a whole response, whatever its status. */
  completed: number;
  /** No response (refused, reset, timed out) or a status outside 200–399, as k6's http_req_failed. */
  failed: number;
  /** Arrivals that found maxInFlight requests outstanding and were not sent, as k6's dropped_iterations. */
  dropped: number;
  /**
   * Per finished request (completed or not), from its scheduled start to its end: what a user
   * arriving on schedule waited, queueing in a late generator included (no coordinated omission).
   */
  latencyMs: Float64Array;
  /** Per finished request, from the moment it was actually sent to its end: the server's view plus the network. */
  serviceMs: Float64Array;
  /** Largest delay between an arrival's scheduled start and its send (a busy generator, a late timer). */
  maxSendLagMs: number;
  /** The arrival window covered: the planned duration, or until the abort, or until the last (late) send. */
  windowMs: number;
  statuses: Map<number, number>;
  /** Requests without a response, by error code. */
  errors: Map<string, number>;
  aborted: boolean;
}

export interface OpenLoopOptions {
  /** Arrivals per second. */
  rate: number;
  durationMs: number;
  /** Requests outstanding at once; an arrival beyond it is dropped. */
  maxInFlight: number;
  /** The request for arrival `i` (0-based). */
  request: (i: number) => PlannedRequest;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((stats: OpenLoopStats, elapsedMs: number) => void) | undefined;
}

/** One undici Pool per origin, sized to the in-flight bound so a request never queues behind the pool. */
export class Pools {
  private readonly pools = new Map<string, Pool>();
  /** A run repeats a handful of URLs thousands of times: each is parsed once. */
  private readonly targets = new Map<string, { pool: Pool; path: string }>();
  constructor(
    private readonly connections: number,
    private readonly timeoutMs: number,
  ) {}

  target(href: string): { pool: Pool; path: string } {
    let target = this.targets.get(href);
    if (target === undefined) {
      const url = new URL(href);
      target = { pool: this.for(url), path: url.pathname + url.search };
      this.targets.set(href, target);
    }
    return target;
  }

  for(url: URL): Pool {
    let pool = this.pools.get(url.origin);
    if (!pool) {
      pool = new Pool(url.origin, {
        connections: this.connections,
        pipelining: 1,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        connectTimeout: this.timeoutMs,
      });
      this.pools.set(url.origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    // destroy, not close: requests still in flight after the grace period are abandoned.
    await Promise.all([...this.pools.values()].map((p) => p.destroy()));
  }
}

/** Sends one request and reads the body to the end: its status, or the error code when nothing came back. */
export async function sendRequest(
  pools: Pools,
  planned: PlannedRequest,
): Promise<{ status: number } | { error: string }> {
  const { pool, path } = pools.target(planned.url);
  const headers: Record<string, string> = {};
  // undici takes the Host header from `headers` as given; lower-case keys avoid duplicates.
  for (const k in planned.headers) headers[k.toLowerCase()] = planned.headers[k] as string;
  try {
    const res = await pool.request({ path, method: planned.method, headers });
    await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
    return { status: res.statusCode };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { error: e.code ?? e.name };
  }
}

/** k6's http_req_failed: no response, or a status outside 200..399. */
export const isFailure = (status: number | undefined): boolean =>
  status === undefined || status < 200 || status >= 400;

/**
 * An open-model load: arrival i is due at start + i/rate whatever earlier responses do, so a slow
 * target gets the same arrival rate as a fast one (a closed loop would back off and hide latency).
 * When the timer fires late, every arrival already due goes out at once and its latency still counts
 * from when it was due; an arrival finding maxInFlight requests outstanding is dropped and counted.
 */
export async function runOpenLoop(opts: OpenLoopOptions): Promise<OpenLoopStats> {
  const total = Math.floor((opts.rate * opts.durationMs) / 1000);
  const intervalMs = 1000 / opts.rate;
  const stats: OpenLoopStats = {
    due: 0,
    sent: 0,
    completed: 0,
    failed: 0,
    dropped: 0,
    latencyMs: new Float64Array(total),
    serviceMs: new Float64Array(total),
    maxSendLagMs: 0,
    windowMs: opts.durationMs,
    statuses: new Map(),
    errors: new Map(),
    aborted: false,
  };
  let finished = 0;
  let inFlight = 0;
  let lastSendMs = 0;
  const pools = new Pools(opts.maxInFlight, opts.timeoutMs);
  const pending = new Set<Promise<void>>();
  const t0 = performance.now();
  const now = (): number => performance.now() - t0;

  const issue = (i: number, sentAt: number): void => {
    const scheduledAt = i * intervalMs;
    stats.maxSendLagMs = Math.max(stats.maxSendLagMs, sentAt - scheduledAt);
    const p = sendRequest(pools, opts.request(i)).then((outcome) => {
      const end = now();
      stats.latencyMs[finished] = end - scheduledAt;
      stats.serviceMs[finished] = end - sentAt;
      finished++;
      inFlight--;
      if ('status' in outcome) {
        stats.completed++;
        stats.statuses.set(outcome.status, (stats.statuses.get(outcome.status) ?? 0) + 1);
      } else {
        stats.errors.set(outcome.error, (stats.errors.get(outcome.error) ?? 0) + 1);
      }
      if (isFailure('status' in outcome ? outcome.status : undefined)) stats.failed++;
      pending.delete(p);
    });
    pending.add(p);
  };

  const progress = setInterval(() => opts.onProgress?.(stats, now()), PROGRESS_INTERVAL_MS);
  const onAbort = (): void => {
    stats.aborted = true;
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) stats.aborted = true;
  try {
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const at = now();
        // Catch up on every arrival that is due: timers fire late, the schedule does not slip.
        const due = stats.aborted ? stats.due : Math.min(total, Math.floor(at / intervalMs) + 1);
        for (; stats.due < due; stats.due++) {
          if (inFlight >= opts.maxInFlight) {
            stats.dropped++;
            continue;
          }
          stats.sent++;
          inFlight++;
          lastSendMs = at;
          issue(stats.due, at);
        }
        if (stats.aborted || stats.due >= total) {
          resolve();
          return;
        }
        setTimeout(tick, Math.max(0, stats.due * intervalMs - now()));
      };
      tick();
    });
    if (stats.aborted) stats.windowMs = Math.max(now(), 1);
    else stats.windowMs = Math.max(opts.durationMs, lastSendMs);
    // Every request gets an answer or times out (the pool's timeouts bound this wait).
    await Promise.allSettled([...pending]);
  } finally {
    clearInterval(progress);
    opts.signal?.removeEventListener('abort', onAbort);
    await pools.close();
  }
  stats.latencyMs = stats.latencyMs.subarray(0, finished);
  stats.serviceMs = stats.serviceMs.subarray(0, finished);
  return stats;
}
