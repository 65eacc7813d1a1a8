import {
  canaryRequest,
  smokeRequests,
  statusAccepted,
  type RunTags,
  type ScriptProfile,
} from '../../load/lib/script-profile.ts';
import { isFailure, Pools, runOpenLoop, sendRequest, type OpenLoopStats } from './open-loop.ts';
import { latencySummary } from './quantiles.ts';
import { blankResult, keepUpNote, settleVerdict } from './result.ts';
import { durationMs, resolveScriptProfile } from './script-profile.ts';
import { evaluateThresholds } from './thresholds.ts';
import type { LoadContext, LoadRequest, LoadResult, LoadRunner } from './types.ts';

export { PROGRESS_INTERVAL_MS } from './open-loop.ts';

/** A request with no answer after this long counts as failed (k6's default timeout is 60 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Error messages kept for the notes: the first few say enough. */
const MAX_ERROR_KINDS = 5;
/**
 * Above this, the notes say requests went out late (the generator's own machine was busy), and that
 * the latency reported includes the wait.
 */
export const LATE_SEND_NOTE_MS = 50;

export interface BuiltinRunnerOptions {
  /** Uniform [0, 1) source for the weighted path choice; default Math.random. */
  random?: () => number;
  requestTimeoutMs?: number;
}

function statusNote(statuses: Map<number, number>, errors: Map<string, number>): string {
  const parts = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
  const kinds = [...errors.entries()].slice(0, MAX_ERROR_KINDS).map(([k, n]) => `${k}×${n}`);
  return `responses: ${parts.join(', ') || 'none'}${kinds.length ? `; errors: ${kinds.join(', ')}` : ''}`;
}

/**
 * meshgate's own load generator, used when k6 is absent. It executes the canary script's profile
 * with an open model (see runOpenLoop): request i is due at start + i/rate whatever earlier responses
 * do, and its latency counts from then, so neither a slow canary nor a busy generator hides queueing.
 * In-flight requests are bounded by maxVUs; a due request finding the bound reached is dropped and
 * counted, as k6 counts dropped_iterations. `achieved` counts answered requests only.
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
    const started = new Date();
    const result = blankResult('builtin', req, { rate: script.rate, duration: script.duration }, started);
    const stats = await runOpenLoop({
      rate: script.rate,
      durationMs: plannedMs,
      maxInFlight: Math.max(script.maxVUs, script.preAllocatedVUs),
      request: () => canaryRequest(script, this.random(), tags),
      timeoutMs: this.timeoutMs,
      signal: ctx.signal,
      onProgress: (s: OpenLoopStats, elapsedMs: number) =>
        ctx.onProgress?.(
          `builtin ${(elapsedMs / 1000).toFixed(1)}s/${plannedMs / 1000}s: ${s.sent} sent, ${s.completed} completed, ` +
            `${s.dropped} dropped, ${s.failed} failed`,
        ),
    });

    result.finishedAt = new Date().toISOString();
    // Answered requests per second of the arrival window: a request sent but never answered is not
    // load the target carried, and a dropped arrival was never sent.
    const achievedRate = stats.completed / (stats.windowMs / 1000);
    result.achieved = { rate: achievedRate, requests: stats.completed, dropped: stats.dropped };
    const finished = stats.latencyMs.length;
    result.errorRate = finished > 0 ? stats.failed / finished : null;
    result.latencyMs = latencySummary(stats.latencyMs);
    result.thresholds = evaluateThresholds(script, result);
    result.notes.push(statusNote(stats.statuses, stats.errors));
    const note = keepUpNote(script.rate, achievedRate, stats.dropped);
    if (note) result.notes.push(note);
    if (stats.maxSendLagMs > LATE_SEND_NOTE_MS) {
      result.notes.push(
        `requests went out up to ${stats.maxSendLagMs.toFixed(0)} ms after their scheduled start (the load ` +
          'generator was busy); latency is measured from the scheduled start, so it includes that wait',
      );
    }
    if (stats.aborted) result.notes.push(`aborted after ${stats.sent} of ${total} requests`);
    return settleVerdict(
      result,
      stats.aborted
        ? `the load run was stopped after ${stats.sent} of ${total} requests`
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
    const samples = new Float64Array(planned.length * iterations);
    const statuses = new Map<number, number>();
    const errors = new Map<string, number>();
    const pools = new Pools(1, this.timeoutMs);
    const started = new Date();
    const result = blankResult('builtin', req, { rate: script.rate, duration: script.duration }, started);
    const failedChecks = new Map<string, string>();
    let passes = 0;
    let done = 0;
    let completed = 0;
    let failed = 0;
    try {
      for (let i = 0; i < iterations && !ctx.signal?.aborted; i++) {
        for (const p of planned) {
          // One request at a time, each sent when the previous ended: its own send time is its start.
          const t0 = performance.now();
          const outcome = await sendRequest(pools, p);
          samples[done++] = performance.now() - t0;
          const status = 'status' in outcome ? outcome.status : undefined;
          if (status !== undefined) {
            completed++;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          } else if ('error' in outcome) {
            errors.set(outcome.error, (errors.get(outcome.error) ?? 0) + 1);
          }
          if (isFailure(status)) failed++;
          if (status !== undefined && statusAccepted(status, p.expectStatus)) passes++;
          else failedChecks.set(p.check, `${p.method} ${p.url} answered ${status ?? 'nothing'}`);
          ctx.onProgress?.(`smoke ${p.check}: ${status ?? 'no answer'}`);
        }
      }
    } finally {
      await pools.close();
    }
    const elapsed = (Date.now() - started.getTime()) / 1000;
    result.finishedAt = new Date().toISOString();
    result.achieved = { rate: elapsed > 0 ? completed / elapsed : null, requests: completed };
    result.errorRate = done > 0 ? failed / done : null;
    result.latencyMs = latencySummary(samples.subarray(0, done));
    const checkRate = done > 0 ? passes / done : null;
    result.thresholds = [{ metric: 'checks', expression: 'rate==1', ok: checkRate === 1, actual: checkRate }];
    for (const [check, why] of failedChecks) result.notes.push(`check failed: ${check} (${why})`);
    result.notes.push(statusNote(statuses, errors));
    return settleVerdict(
      result,
      ctx.signal?.aborted
        ? 'the smoke run was stopped before it finished'
        : done === 0
          ? 'no smoke request was answered'
          : undefined,
    );
  }
}
