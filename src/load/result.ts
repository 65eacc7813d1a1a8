import type { LoadScriptName } from './bundle.ts';
import type { LoadRequest, LoadResult, LoadRunnerName, LoadVerdict } from './types.ts';

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
    verdict: 'INCONCLUSIVE',
    reason: 'the load run did not finish',
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

/**
 * Settles a run's verdict from what it measured. `cannotJudge` (the run did not produce what a
 * verdict needs) makes it INCONCLUSIVE; otherwise a threshold without a value is INCONCLUSIVE, a
 * measured threshold that did not hold is FAIL, and only a run whose every threshold held passes.
 */
export function settleVerdict(result: LoadResult, cannotJudge?: string): LoadResult {
  const unmeasured = result.thresholds.filter((t) => t.actual === null);
  const failed = result.thresholds.filter((t) => !t.ok && t.actual !== null);
  let verdict: LoadVerdict;
  let reason: string;
  if (cannotJudge !== undefined) {
    verdict = 'INCONCLUSIVE';
    reason = cannotJudge;
  } else if (failed.length > 0) {
    verdict = 'FAIL';
    reason = `thresholds not met: ${failed
      .map((t) => `${t.metric} ${t.expression}${t.actual !== undefined ? ` (actual ${t.actual})` : ''}`)
      .join(', ')}`;
  } else if (unmeasured.length > 0) {
    verdict = 'INCONCLUSIVE';
    reason = `not measured: ${unmeasured.map((t) => `${t.metric} ${t.expression}`).join(', ')}`;
  } else if (result.thresholds.length === 0) {
    verdict = 'INCONCLUSIVE';
    reason = 'no threshold was measured';
  } else {
    verdict = 'PASS';
    reason = '';
  }
  result.verdict = verdict;
  result.reason = reason;
  result.ok = verdict === 'PASS';
  return result;
}
