// Judge for latency: per-interval samples (e.g. p99 per minute) of canary vs baseline, compared as
// Kayenta does — Mann-Whitney U plus the Hodges-Lehmann shift — with a relative tolerance and an
// absolute SLO.

import { fmtCount, fmtLevel, fmtP, fmtPercent, fmtSigned, fmtValue, finite, plural } from './format.ts';
import { median } from './math/ranks.ts';
import type { SlowShareTest } from './slow-share.ts';
import { hodgesLehmann, mannWhitneyGreater } from './stats/mann-whitney.ts';
import { assertOpenUnit, roleOf, type MetricVerdict, type SampleCounts, type Verdict } from './types.ts';

/** Per-interval values of one latency statistic (e.g. p99 per 1-minute interval) for each side. */
export interface LatencyInput {
  baseline: readonly number[];
  canary: readonly number[];
  /** The Mann-Whitney p adjusted for the step's family of tests (Holm); significance then uses it. */
  adjustedP?: number;
  /**
   * Tests on histogram counts (slow-share.ts) over the whole window and its most recent part, each
   * with its family-adjusted p. One FAILs when significant and the canary's quantile over that part
   * exceeds the baseline's by more than `maxRelativeIncrease`.
   */
  slowShare?: readonly { test: SlowShareTest; adjustedP?: number }[];
}

/** Parameters of {@link judgeLatency}. */
export interface LatencyParams {
  name: string;
  critical: boolean;
  required: boolean;
  weight: number;
  /** Two-sided confidence of the Hodges-Lehmann interval; the one-sided test runs at (1 − c)/2. */
  confidence: number;
  /** FAIL only when the shift exceeds this fraction of the baseline median (0.2 = +20 %). */
  maxRelativeIncrease: number;
  /** Absolute SLO on the canary's median per-interval value; null: none. */
  maxP99Ms: number | null;
  /** Fewer finite samples than this on a side → INCONCLUSIVE. */
  minSamples: number;
  /** Unit of the samples, for the reason. */
  unit: string;
  /** Level of the FAIL decision; null: (1 − confidence) / 2. */
  significanceLevel: number | null;
}

/** Defaults: Kayenta's 98 % confidence, +20 % tolerance, at least 5 intervals per side. */
export const DEFAULT_LATENCY_PARAMS: Readonly<LatencyParams> = Object.freeze({
  name: 'latency-p99',
  critical: false,
  required: true,
  weight: 1,
  confidence: 0.98,
  maxRelativeIncrease: 0.2,
  maxP99Ms: null,
  minSamples: 5,
  unit: 'ms',
  significanceLevel: null,
});

/** Summary of one side's samples. */
export interface LatencySide {
  /** Finite samples used. */
  samples: number;
  /** Samples dropped as NaN, ±Infinity or absurdly large (intervals without data). */
  dropped: number;
  median: number | null;
  max: number | null;
}

/** Result of {@link judgeLatency}. */
export interface LatencyResult extends MetricVerdict {
  kind: 'latency';
  baseline: LatencySide;
  canary: LatencySide;
  samples: SampleCounts;
  statistic: {
    test: 'Mann-Whitney U';
    method: 'exact' | 'normal';
    u: number;
    z: number | null;
    /** One-sided p for "canary is higher". */
    pValue: number;
    alpha: number;
    significant: boolean;
  } | null;
  details: {
    /** Hodges-Lehmann shift canary − baseline with its confidence interval. */
    shift: {
      estimate: number;
      lower: number;
      upper: number;
      confidence: number;
      achievedConfidence: number | null;
    } | null;
    /** shift / baseline median; null when the baseline median is not positive. */
    relativeShift: number | null;
    maxRelativeIncrease: number;
    slo: { maxP99Ms: number; canaryMedian: number; intervalsAbove: number; above: boolean } | null;
    minSamples: number;
    /** The Holm-adjusted Mann-Whitney p, when the step judged a family. */
    adjustedP: number | null;
    /** The histogram-count tests with their decisions. */
    slowShare: (SlowShareTest & {
      adjustedP: number | null;
      significant: boolean;
      exceedsTolerance: boolean;
    })[];
  };
}

// NaN (no traffic in the interval), ±Infinity and absurd magnitudes (> 2^53, which would overflow the
// pairwise differences) are not measurements.
function clean(values: readonly number[]): { kept: number[]; dropped: number } {
  const kept = values
    .filter((v) => typeof v === 'number' && Math.abs(v) <= Number.MAX_SAFE_INTEGER)
    .map((v) => v + 0); // −0 → 0
  return { kept, dropped: values.length - kept.length };
}

function describe(kept: readonly number[], dropped: number): LatencySide {
  return {
    samples: kept.length,
    dropped,
    median: kept.length > 0 ? median(kept) : null,
    max: kept.length > 0 ? kept.reduce((m, v) => (v > m ? v : m), -Infinity) : null,
  };
}

/**
 * Judges per-interval latency samples. FAIL when the canary is significantly higher (one-sided
 * Mann-Whitney at (1 − confidence)/2, so it agrees with the lower end of the two-sided HL interval) AND
 * the Hodges-Lehmann shift exceeds `maxRelativeIncrease` of the baseline median — or when the canary's
 * median interval value exceeds `maxP99Ms`. Non-finite samples (intervals without traffic) are dropped
 * and reported; fewer than `minSamples` per side is INCONCLUSIVE. The verdict does not depend on the
 * order of the samples.
 */
export function judgeLatency(input: LatencyInput, params: Partial<LatencyParams> = {}): LatencyResult {
  const p: LatencyParams = { ...DEFAULT_LATENCY_PARAMS, ...params };
  assertOpenUnit('confidence', p.confidence);
  if (!(p.maxRelativeIncrease >= 0))
    throw new RangeError(`maxRelativeIncrease must be ≥ 0, got ${p.maxRelativeIncrease}`);
  if (!(Number.isInteger(p.minSamples) && p.minSamples >= 1)) {
    throw new RangeError(`minSamples must be an integer ≥ 1, got ${p.minSamples}`);
  }
  if (p.maxP99Ms !== null && !(p.maxP99Ms > 0))
    throw new RangeError(`maxP99Ms must be > 0 or null, got ${p.maxP99Ms}`);
  const role = roleOf(p);
  const b = clean(input.baseline);
  const c = clean(input.canary);
  const baseline = describe(b.kept, b.dropped);
  const canary = describe(c.kept, c.dropped);
  const unit = p.unit;
  const alpha = p.significanceLevel ?? (1 - p.confidence) / 2;
  const droppedNote =
    b.dropped + c.dropped > 0
      ? ` (${[
          c.dropped > 0 ? `${plural(c.dropped, 'canary interval')}` : null,
          b.dropped > 0 ? `${plural(b.dropped, 'baseline interval')}` : null,
        ]
          .filter((s) => s !== null)
          .join(' and ')} without a value left out)`
      : '';

  let slo: LatencyResult['details']['slo'] = null;
  if (p.maxP99Ms !== null && canary.median !== null && canary.samples >= p.minSamples) {
    const max = p.maxP99Ms;
    slo = {
      maxP99Ms: max,
      canaryMedian: canary.median,
      intervalsAbove: c.kept.filter((v) => v > max).length,
      above: canary.median > max,
    };
  }

  const enough = baseline.samples >= p.minSamples && canary.samples >= p.minSamples;
  let statistic: LatencyResult['statistic'] = null;
  let shift: LatencyResult['details']['shift'] = null;
  let relativeShift: number | null = null;
  if (enough) {
    const mw = mannWhitneyGreater(b.kept, c.kept);
    statistic = {
      test: 'Mann-Whitney U',
      method: mw.method,
      u: mw.u,
      z: mw.z === null ? null : finite(mw.z),
      pValue: mw.pValue,
      alpha,
      significant: (input.adjustedP ?? mw.pValue) < alpha,
    };
    const hl = hodgesLehmann(b.kept, c.kept, p.confidence);
    shift = {
      estimate: hl.estimate,
      lower: hl.lower,
      upper: hl.upper,
      confidence: hl.confidence,
      achievedConfidence: hl.achievedConfidence,
    };
    relativeShift = baseline.median !== null && baseline.median > 0 ? hl.estimate / baseline.median : null;
  }
  // The per-interval shift is of interpolated quantiles, which wide buckets inflate; when the
  // histogram counts of the whole window are at hand, their stretch must exceed the tolerance too.
  const wholeStretch = (input.slowShare ?? []).find((t) => t.test.label === 'whole window')?.test
    .relativeIncrease;
  const exceedsTolerance =
    shift !== null &&
    (relativeShift !== null ? relativeShift > p.maxRelativeIncrease : shift.estimate > 0) &&
    (wholeStretch === undefined || wholeStretch === null || wholeStretch > p.maxRelativeIncrease);

  const medians =
    `canary median ${canary.median === null ? 'n/a' : fmtValue(canary.median, unit)} over ${plural(canary.samples, 'interval')} ` +
    `vs baseline ${baseline.median === null ? 'n/a' : fmtValue(baseline.median, unit)} over ${plural(baseline.samples, 'interval')}`;
  const shiftText =
    shift === null
      ? ''
      : `Hodges-Lehmann shift ${fmtSigned(shift.estimate, unit)} (${fmtLevel(shift.confidence)} CI ` +
        `${fmtSigned(shift.lower, unit)} to ${fmtSigned(shift.upper, unit)})` +
        (relativeShift !== null
          ? `, ${relativeShift >= 0 ? '+' : '−'}${fmtPercent(Math.abs(relativeShift))} of the baseline median`
          : '');
  const testText =
    statistic === null
      ? ''
      : `Mann-Whitney U = ${statistic.u}, one-sided p ${statistic.pValue < 0.0001 ? '< 0.0001' : `= ${fmtP(statistic.pValue)}`}, ` +
        `${statistic.method === 'exact' ? 'exact' : 'normal approximation with tie and continuity correction'}`;

  const slowShare = (input.slowShare ?? []).map(({ test, adjustedP }) => {
    const decisionP = adjustedP ?? test.pValue;
    return {
      ...test,
      adjustedP: adjustedP ?? null,
      significant: decisionP !== null && decisionP < alpha,
      exceedsTolerance: test.relativeIncrease !== null && test.relativeIncrease > p.maxRelativeIncrease,
    };
  });
  const slowFails = slowShare.filter((t) => t.significant && t.exceedsTolerance);

  const failures: string[] = [];
  for (const t of slowFails) {
    const pv = t.adjustedP ?? t.pValue ?? 1;
    failures.push(
      `Over the ${t.label} the canary's ${t.canary.quantile.note} vs the baseline's ${t.baseline.quantile.note.replace(/^p[\d.]+: /, '')}; ` +
        `its tail is ${fmtPercent(t.relativeIncrease ?? 0)} slower, above the ${fmtPercent(p.maxRelativeIncrease)} tolerance: ` +
        `${fmtPercent(t.canary.total > 0 ? t.canary.above / t.canary.total : 0)} of canary requests took longer than ` +
        `${fmtValue(t.threshold, unit)} against ${fmtPercent(t.baseline.total > 0 ? t.baseline.above / t.baseline.total : 0)} of baseline requests ` +
        `(${fmtCount(t.canary.above)} of ${fmtCount(t.canary.total)} vs ${fmtCount(t.baseline.above)} of ${fmtCount(t.baseline.total)}), ` +
        `more than the ${fmtPercent(t.nullShare ?? 0)} a ${fmtPercent(t.tolerance)} slower baseline would have (` +
        `one-sided ${t.adjustedP !== null ? 'Holm-adjusted ' : ''}p ${pv < 0.0001 ? '< 0.0001' : `= ${fmtP(pv)}`}, threshold ${fmtP(alpha)})`,
    );
  }
  if (slo?.above) {
    failures.push(
      `The canary's median interval value ${fmtValue(slo.canaryMedian, unit)} is above the ${fmtValue(slo.maxP99Ms, unit)} SLO ` +
        `(${slo.intervalsAbove} of ${canary.samples} intervals above)`,
    );
  }
  if (statistic?.significant && exceedsTolerance) {
    failures.push(
      `The canary is significantly higher (${testText}; threshold ${fmtP(alpha)}) and the shift exceeds the ` +
        `${fmtPercent(p.maxRelativeIncrease)} tolerance: ${shiftText}`,
    );
  }

  let verdict: Verdict;
  let reason: string;
  let summary: string;
  if (failures.length > 0) {
    verdict = 'FAIL';
    reason = `${medians}${droppedNote}. ${failures.join('. ')}.`;
    const mwFails = statistic?.significant === true && exceedsTolerance;
    const firstSlow = slowFails[0];
    summary =
      mwFails && shift !== null
        ? `canary higher by ${fmtSigned(shift.estimate, unit)}${relativeShift !== null ? ` (${fmtPercent(relativeShift)})` : ''}`
        : firstSlow
          ? `canary ${firstSlow.canary.quantile.note.split(',')[0]} over the ${firstSlow.label} (tail +${fmtPercent(firstSlow.relativeIncrease ?? 0)} slower)`
          : `canary median ${fmtValue(slo?.canaryMedian ?? 0, unit)} above the ${fmtValue(slo?.maxP99Ms ?? 0, unit)} SLO`;
  } else if (!enough) {
    verdict = 'INCONCLUSIVE';
    const short = [
      canary.samples < p.minSamples ? `${fmtCount(p.minSamples - canary.samples)} more canary` : null,
      baseline.samples < p.minSamples ? `${fmtCount(p.minSamples - baseline.samples)} more baseline` : null,
    ]
      .filter((s) => s !== null)
      .join(' and ');
    reason =
      `Too few samples: canary has ${plural(canary.samples, 'interval')} with a value, baseline ${fmtCount(baseline.samples)}` +
      `${droppedNote}; at least ${fmtCount(p.minSamples)} per side are needed (${short}).` +
      (slo && !slo.above ? ` The canary is within the ${fmtValue(slo.maxP99Ms, unit)} SLO so far.` : '');
    summary = `needs ${short} intervals`;
  } else {
    verdict = 'PASS';
    const s = statistic!;
    const verdictText = !s.significant
      ? `No significant increase (${testText}; threshold ${fmtP(alpha)})`
      : `The canary is significantly higher but within the ${fmtPercent(p.maxRelativeIncrease)} tolerance (${testText})`;
    reason =
      `${medians}${droppedNote}. ${verdictText}; ${shiftText}.` +
      (slo ? ` Within the ${fmtValue(slo.maxP99Ms, unit)} SLO.` : '');
    summary = s.significant
      ? `canary higher by ${fmtSigned(shift!.estimate, unit)}, within tolerance`
      : 'no significant latency increase';
  }

  return {
    kind: 'latency',
    ...role,
    verdict,
    summary,
    reason,
    hint:
      verdict === 'FAIL'
        ? "compare sidecar CPU limits and concurrency, and the mesh's added hops (mTLS handshakes, retries) on the slow path"
        : null,
    baseline,
    canary,
    samples: { baseline: baseline.samples, canary: canary.samples },
    statistic,
    details: {
      shift,
      relativeShift: relativeShift === null ? null : finite(relativeShift),
      maxRelativeIncrease: p.maxRelativeIncrease,
      slo,
      minSamples: p.minSamples,
      adjustedP: input.adjustedP ?? null,
      slowShare,
    },
  };
}
