import type { LoadScriptName } from './bundle.ts';
import type { LoadRequest, LoadResult, LoadRunnerName } from './types.ts';

/** Below this share of the requested rate the result says the generator could not keep up. */
export const KEEP_UP_RATIO = 0.95;

export const NO_LATENCY: LoadResult['latencyMs'] = { p50: null, p95: null, p99: null, max: null };

/** A result with nothing measured yet; runners fill in what they saw. */
export function blankResult(
  runner: LoadRunnerName,
  req: LoadRequest,
  requested: LoadResult['requested'],
  startedAt: Date,
): LoadResult {
  const script: LoadScriptName = req.script ?? 'canary';
  return {
    runner,
    script,
    step: req.step,
    runId: req.runId,
    requested,
    achieved: { rate: null, requests: 0 },
    errorRate: null,
    latencyMs: { ...NO_LATENCY },
    thresholds: [],
    ok: false,
    notes: [],
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
  };
}

/** The note a result carries when the achieved rate fell short of the requested one. */
export function keepUpNote(requested: number, achieved: number | null, dropped: number): string | undefined {
  if (achieved === null || achieved >= requested * KEEP_UP_RATIO) return undefined;
  const pct = ((achieved / requested) * 100).toFixed(1);
  return (
    `the load generator reached ${achieved.toFixed(1)} req/s of the ${requested} requested (${pct} %)` +
    (dropped > 0 ? `, ${dropped} requests dropped at the in-flight limit (maxVUs)` : '') +
    ': raise maxVUs, use more load generators (--load k6-operator), or lower the rate'
  );
}
