// The step decision from the per-metric verdicts.

import type { MetricVerdict, Verdict } from './types.ts';

/** Options of {@link combine}. */
export interface CombineOptions {
  /**
   * Kayenta-style threshold on the score of the non-critical metrics: below it the step FAILs even if
   * every failing metric is optional. null (default): the score is reported only.
   */
  minScore?: number | null;
}

/** The decision for one traffic step. */
export interface Decision<M extends MetricVerdict = MetricVerdict> {
  verdict: Verdict;
  /** One line naming the decisive metric(s), e.g. "FAIL — error-ratio (critical): …". */
  reason: string;
  /**
   * 100 × weight of passing / weight of classified (PASS or FAIL) non-critical metrics; 0 when a
   * critical metric failed (as Kayenta); null when no non-critical metric was classified.
   */
  score: number | null;
  /** Names of the metrics that decided the verdict. */
  decisive: string[];
  counts: { pass: number; fail: number; inconclusive: number };
  metrics: M[];
}

function describe(m: MetricVerdict): string {
  return `${m.name}${m.critical ? ' (critical)' : ''}: ${m.summary}`;
}

/**
 * Combines metric verdicts into the step verdict:
 *
 * 1. FAIL if any critical or required metric FAILs (a critical FAIL also sets the score to 0), or if
 *    `minScore` is set and the score is below it.
 * 2. Otherwise INCONCLUSIVE if any critical or required metric is INCONCLUSIVE (too little data), or if
 *    there are no metrics at all.
 * 3. Otherwise PASS.
 *
 * Optional metrics (neither critical nor required) only move the score. Evidence of failure always
 * wins over missing data elsewhere: a definite FAIL is not hidden by another metric's INCONCLUSIVE.
 */
export function combine<M extends MetricVerdict>(
  results: readonly M[],
  options: CombineOptions = {},
): Decision<M> {
  const minScore = options.minScore ?? null;
  if (minScore !== null && !(minScore >= 0 && minScore <= 100)) {
    throw new RangeError(`minScore must be within [0, 100] or null, got ${minScore}`);
  }
  const metrics = [...results];
  const counts = {
    pass: metrics.filter((m) => m.verdict === 'PASS').length,
    fail: metrics.filter((m) => m.verdict === 'FAIL').length,
    inconclusive: metrics.filter((m) => m.verdict === 'INCONCLUSIVE').length,
  };
  const isRequired = (m: MetricVerdict) => m.critical || m.required;
  const criticalFails = metrics.filter((m) => m.critical && m.verdict === 'FAIL');
  const requiredFails = metrics.filter((m) => !m.critical && m.required && m.verdict === 'FAIL');
  const classified = metrics.filter((m) => !m.critical && m.verdict !== 'INCONCLUSIVE');
  const classifiedWeight = classified.reduce((s, m) => s + m.weight, 0);
  const passWeight = classified.filter((m) => m.verdict === 'PASS').reduce((s, m) => s + m.weight, 0);
  let score = classifiedWeight > 0 ? (100 * passWeight) / classifiedWeight : null;
  if (criticalFails.length > 0) score = 0;
  const scoreText = score === null ? '' : ` (score ${Math.round(score)})`;

  const failing = [...criticalFails, ...requiredFails];
  const scoreFails = minScore !== null && score !== null && score < minScore && criticalFails.length === 0;
  if (failing.length > 0 || scoreFails) {
    const optionalFails = scoreFails ? metrics.filter((m) => !isRequired(m) && m.verdict === 'FAIL') : [];
    const decisive = [...failing, ...optionalFails];
    const why = decisive.map(describe).join('; ');
    const scorePart = scoreFails ? `score ${Math.round(score ?? 0)} below ${minScore}` : '';
    return {
      verdict: 'FAIL',
      reason: `FAIL — ${[why, scorePart].filter((s) => s !== '').join('; ')}${scoreFails ? '' : scoreText}`,
      score,
      decisive: decisive.map((m) => m.name),
      counts,
      metrics,
    };
  }
  const missing = metrics.filter((m) => isRequired(m) && m.verdict === 'INCONCLUSIVE');
  if (missing.length > 0 || metrics.length === 0) {
    return {
      verdict: 'INCONCLUSIVE',
      reason:
        metrics.length === 0
          ? 'INCONCLUSIVE — no metrics were evaluated'
          : `INCONCLUSIVE — ${missing.map(describe).join('; ')}`,
      score,
      decisive: missing.map((m) => m.name),
      counts,
      metrics,
    };
  }
  const required = metrics.filter(isRequired);
  const optionalFails = metrics.filter((m) => !isRequired(m) && m.verdict === 'FAIL');
  const optionalPart =
    optionalFails.length > 0 ? `; optional ${optionalFails.map((m) => m.name).join(', ')} failed` : '';
  return {
    verdict: 'PASS',
    reason:
      required.length > 0
        ? `PASS — ${required.length === metrics.length ? 'all ' : ''}${required.length} required metric${required.length === 1 ? '' : 's'} passed (${required.map((m) => m.name).join(', ')})${optionalPart}${scoreText}`
        : `PASS — no required metrics; ${counts.pass} optional passed${optionalPart}${scoreText}`,
    score,
    decisive: required.map((m) => m.name),
    counts,
    metrics,
  };
}
