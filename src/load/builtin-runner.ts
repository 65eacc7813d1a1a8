import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import {
  canaryRequest,
  smokeRequests,
  statusAccepted,
  type PlannedRequest,
  type RunTags,
  type ScriptProfile,
} from '../../load/lib/script-profile.ts';
import { latencySummary } from './quantiles.ts';
import { blankResult, keepUpNote, settleVerdict } from './result.ts';
import { durationMs, resolveScriptProfile } from './script-profile.ts';
import { evaluateThresholds } from './thresholds.ts';
import type { LoadContext, LoadRequest, LoadResult, LoadRunner } from './types.ts';

/** A request with no answer after this long counts as failed (k6's default timeout is 60 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** How often progress is reported. */
export const PROGRESS_INTERVAL_MS = 1_000;
/** Error messages kept for the notes: the first few say enough. */
const MAX_ERROR_KINDS = 5;

export interface BuiltinRunnerOptions {
  /** Uniform [0, 1) source for the weighted path choice; default Math.random. */
  random?: () => number;
  requestTimeoutMs?: number;
}

/** Counters of one run, shared by the scheduler and the request callbacks. */
interface Tally {
  sent: number;
  done: number;
  failed: number;
  dropped: number;
  samples: Float64Array;
  statuses: Map<number, number>;
  errors: Map<string, number>;
}

function newTally(capacity: number): Tally {
  return {
    sent: 0,
    done: 0,
    failed: 0,
    dropped: 0,
    samples: new Float64Array(capacity),
    statuses: new Map(),
    errors: new Map(),
  };
}

/** One undici Pool per origin, sized to the in-flight bound so a request never queues behind the pool. */
class Pools {
  private readonly pools = new Map<string, Pool>();
  constructor(
    private readonly connections: number,
    private readonly timeoutMs: number,
  ) {}

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

/** Sends one request, reads the body to the end, and records status and latency. */
async function send(
  pools: Pools,
  planned: PlannedRequest,
  tally: Tally,
): Promise<{ status: number | null; ms: number }> {
  const url = new URL(planned.url);
  const headers: Record<string, string> = {};
  // undici takes the Host header from `headers` as given; lower-case keys avoid duplicates.
  for (const [k, v] of Object.entries(planned.headers)) headers[k.toLowerCase()] = v;
  const t0 = performance.now();
  let status: number | null = null;
  try {
    const res = await pools.for(url).request({
      path: url.pathname + url.search,
      method: planned.method,
      headers,
    });
    status = res.statusCode;
    await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
  } catch (err) {
    const e = err as Error & { code?: string };
    const kind = e.code ?? e.name;
    tally.errors.set(kind, (tally.errors.get(kind) ?? 0) + 1);
  }
  const ms = performance.now() - t0;
  tally.samples[tally.done] = ms;
  tally.done++;
  if (status !== null) tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
  // k6's http_req_failed: no response, or a status outside 200..399.
  if (status === null || status < 200 || status >= 400) tally.failed++;
  return { status, ms };
}

function statusNote(t: Tally): string {
  const parts = [...t.statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
  const errors = [...t.errors.entries()].slice(0, MAX_ERROR_KINDS).map(([k, n]) => `${k}×${n}`);
  return `responses: ${parts.join(', ') || 'none'}${errors.length ? `; errors: ${errors.join(', ')}` : ''}`;
}

/**
 * meshgate's own load generator, used when k6 is absent. It executes the canary script's profile
 * with an open model: request i is due at start + i/rate whatever earlier responses do, so a slow
 * canary gets the same arrival rate as a fast one (a closed loop would back off and hide latency).
 * In-flight requests are bounded by maxVUs; a due request finding the bound reached is dropped and
 * counted, as k6 counts dropped_iterations.
 */
export class BuiltinRunner implements LoadRunner {
  readonly name = 'builtin' as const;
  private readonly random: () => number;
  private readonly timeoutMs: number;

  constructor(opts: BuiltinRunnerOptions = {}) {
    this.random = opts.random ?? Math.random;
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  async run(req: LoadRequest, ctx: LoadContext): Promise<LoadResult> {
    const script = resolveScriptProfile(ctx.profile, req);
    const tags: RunTags = { step: String(req.step), run_id: req.runId };
    return (req.script ?? 'canary') === 'smoke'
      ? this.smoke(req, ctx, script, tags)
      : this.canary(req, ctx, script, tags);
  }

  private async canary(
    req: LoadRequest,
    ctx: LoadContext,
    script: ScriptProfile,
    tags: RunTags,
  ): Promise<LoadResult> {
    const plannedMs = durationMs(script.duration, 'load.duration');
    const total = Math.floor((script.rate * plannedMs) / 1000);
    const maxInFlight = Math.max(script.maxVUs, script.preAllocatedVUs);
    const tally = newTally(total);
    const pools = new Pools(maxInFlight, this.timeoutMs);
    const started = new Date();
    const result = blankResult('builtin', req, { rate: script.rate, duration: script.duration }, started);
    const intervalMs = 1000 / script.rate;
    let inFlight = 0;
    let aborted = false;
    let lastIssueMs = 0;
    const pending = new Set<Promise<unknown>>();

    const t0 = performance.now();
    const progress = setInterval(() => {
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      ctx.onProgress?.(
        `builtin ${s}s/${plannedMs / 1000}s: ${tally.sent} sent, ${tally.done} done, ${inFlight} in flight, ${tally.dropped} dropped, ${tally.failed} failed`,
      );
    }, PROGRESS_INTERVAL_MS);
    const onAbort = (): void => {
      aborted = true;
    };
    ctx.signal?.addEventListener('abort', onAbort, { once: true });

    try {
      await new Promise<void>((resolve) => {
        const tick = (): void => {
          const now = performance.now() - t0;
          // Catch up on every arrival that is due: timers fire late, the schedule does not slip.
          const due = aborted
            ? tally.sent + tally.dropped
            : Math.min(total, Math.floor(now / intervalMs) + 1);
          while (tally.sent + tally.dropped < due) {
            if (inFlight >= maxInFlight) {
              tally.dropped++;
              continue;
            }
            tally.sent++;
            inFlight++;
            lastIssueMs = now;
            const p = send(pools, canaryRequest(script, this.random(), tags), tally).finally(() => {
              inFlight--;
              pending.delete(p);
            });
            pending.add(p);
          }
          if (aborted || tally.sent + tally.dropped >= total) {
            resolve();
            return;
          }
          const nextDue = (tally.sent + tally.dropped) * intervalMs;
          setTimeout(tick, Math.max(0, nextDue - (performance.now() - t0)));
        };
        tick();
      });
      // Every request gets an answer or times out (the pool's timeouts bound this wait).
      await Promise.allSettled([...pending]);
    } finally {
      clearInterval(progress);
      ctx.signal?.removeEventListener('abort', onAbort);
      await pools.close();
    }

    result.finishedAt = new Date().toISOString();
    // The rate over the sending span: the planned duration, or longer when the last arrival went out late.
    const spanMs = Math.max(plannedMs, lastIssueMs);
    const achievedRate = aborted
      ? tally.sent / (Math.max(lastIssueMs, 1) / 1000)
      : tally.sent / (spanMs / 1000);
    result.achieved = { rate: achievedRate, requests: tally.done, dropped: tally.dropped };
    result.errorRate = tally.done > 0 ? tally.failed / tally.done : null;
    result.latencyMs = latencySummary(tally.samples.subarray(0, tally.done));
    result.thresholds = evaluateThresholds(script, result);
    result.notes.push(statusNote(tally));
    const note = keepUpNote(script.rate, achievedRate, tally.dropped);
    if (note) result.notes.push(note);
    if (aborted) result.notes.push(`aborted after ${tally.sent} of ${total} requests`);
    return settleVerdict(
      result,
      aborted
        ? `the load run was stopped after ${tally.sent} of ${total} requests`
        : note !== undefined
          ? 'the load generator could not keep up with the requested rate'
          : undefined,
    );
  }

  private async smoke(
    req: LoadRequest,
    ctx: LoadContext,
    script: ScriptProfile,
    tags: RunTags,
  ): Promise<LoadResult> {
    const planned = smokeRequests(script, tags);
    const iterations = Math.max(1, script.smoke.iterations);
    const tally = newTally(planned.length * iterations);
    const pools = new Pools(1, this.timeoutMs);
    const started = new Date();
    const result = blankResult('builtin', req, { rate: script.rate, duration: script.duration }, started);
    const failedChecks = new Map<string, string>();
    let passes = 0;
    try {
      for (let i = 0; i < iterations && !ctx.signal?.aborted; i++) {
        for (const p of planned) {
          tally.sent++;
          const { status } = await send(pools, p, tally);
          if (status !== null && statusAccepted(status, p.expectStatus)) passes++;
          else failedChecks.set(p.check, `${p.method} ${p.url} answered ${status ?? 'nothing'}`);
          ctx.onProgress?.(`smoke ${p.check}: ${status ?? 'no answer'}`);
        }
      }
    } finally {
      await pools.close();
    }
    const elapsed = (Date.now() - started.getTime()) / 1000;
    result.finishedAt = new Date().toISOString();
    result.achieved = { rate: elapsed > 0 ? tally.done / elapsed : null, requests: tally.done };
    result.errorRate = tally.done > 0 ? tally.failed / tally.done : null;
    result.latencyMs = latencySummary(tally.samples.subarray(0, tally.done));
    const checkRate = tally.done > 0 ? passes / tally.done : null;
    result.thresholds = [{ metric: 'checks', expression: 'rate==1', ok: checkRate === 1, actual: checkRate }];
    for (const [check, why] of failedChecks) result.notes.push(`check failed: ${check} (${why})`);
    result.notes.push(statusNote(tally));
    return settleVerdict(
      result,
      ctx.signal?.aborted
        ? 'the smoke run was stopped before it finished'
        : tally.done === 0
          ? 'no smoke request was answered'
          : undefined,
    );
  }
}
