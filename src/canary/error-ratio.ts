// Judge for the 5xx ratio of the canary (mesh) against the baseline (legacy path).

import { fmtCount, fmtLevel, fmtP, fmtPercent, fmtPp, finite } from './format.ts';
import { attribute5xx, type Attribution } from './response-flags.ts';
import { compareProportions, type Counts, type ProportionTestName } from './stats/two-proportions.ts';
import { alwaysValidP, logMixtureEValue } from './stats/mixture-sprt.ts';
import { sampleSizeTwoProportions } from './stats/sample-size.ts';
import { assertOpenUnit, roleOf, type MetricVerdict, type SampleCounts, type Verdict } from './types.ts';

export type { Counts } from './stats/two-proportions.ts';

/** What the caller fetched for one window (cumulative since the weight change, e.g. `increase(...)`). */
export interface ErrorRatioInput {
  baseline: Counts;
  canary: Counts;
  /** Canary 5xx by `response_flags` value, for attributing a regression to the mesh or the app. */
  canaryResponseFlags?: Readonly<Record<string, number>>;
  /** Baseline 5xx by `response_flags` (as the ingress gateway reports them), to attribute the excess. */
  baselineResponseFlags?: Readonly<Record<string, number>>;
  /**
   * `interim`: a look while the step is still running; only the anytime-valid rules (sequential test,
   * clear SLO breach) may FAIL, everything else stays INCONCLUSIVE. `final` (default): the end of the
   * step's window; the fixed-sample test decides too. Evaluate `final` once per window.
   */
  look?: 'interim' | 'final';
  /**
   * p-values adjusted for the step's family of tests (Holm–Bonferroni over every metric × service,
   * see family.ts). When given, each test is significant when its adjusted p is below
   * `significanceLevel` (fixed tests) or `sequentialAlpha` (the anytime-valid rule).
   */
  adjustedP?: { fixed?: number; sequential?: number; recent?: number };
  /**
   * The most recent part of the window (e.g. its last quarter), judged too: a regression confined to
   * the end of the window FAILs even when the whole window dilutes it. Final look only.
   */
  recent?: { baseline: Counts; canary: Counts; label: string };
}

/** Parameters of {@link judgeErrorRatio}. */
export interface ErrorRatioParams {
  name: string;
  critical: boolean;
  required: boolean;
  weight: number;
  /** Smallest absolute increase of the 5xx ratio we must detect (0.01 = +1 percentage point). */
  minDetectableIncrease: number;
  /** One-sided confidence of the fixed-sample test (α = 1 − confidence). */
  confidence: number;
  /** Power to detect `minDetectableIncrease`; with `confidence` it sets the minimum request count. */
  power: number;
  /** Baseline ratio assumed for the sample size when the observed one is lower (e.g. 0 errors). */
  baselineFloor: number;
  /** Fleiss-Tytun-Ury continuity correction in the sample size (the exact test needs it). */
  continuityCorrection: boolean;
  /** Absolute SLO on the canary's 5xx ratio, regardless of the baseline; null: none. */
  maxErrorRatio: number | null;
  /** Level of the anytime-valid rules (sequential test and clear SLO breach). */
  sequentialAlpha: number;
  /**
   * Level of the fixed-sample tests' FAIL decision; null: 1 − confidence. `confidence` keeps sizing
   * the minimum request count.
   */
  significanceLevel: number | null;
  /** A FAIL needs the increase to exceed this many absolute points of ratio (0.002 = 0.2 pp)… */
  absoluteTolerance: number;
  /** …and this fraction of the baseline ratio (0.1 = 10 % more errors than legacy). */
  relativeTolerance: number;
}

/** Defaults: detect +1 pp at 95 % one-sided confidence with 80 % power; stop early at α = 0.01. */
export const DEFAULT_ERROR_RATIO_PARAMS: Readonly<ErrorRatioParams> = Object.freeze({
  name: 'error-ratio',
  critical: true,
  required: true,
  weight: 1,
  minDetectableIncrease: 0.01,
  confidence: 0.95,
  power: 0.8,
  baselineFloor: 0.001,
  continuityCorrection: true,
  maxErrorRatio: null,
  sequentialAlpha: 0.01,
  significanceLevel: null,
  absoluteTolerance: 0,
  relativeTolerance: 0,
});

/** One side's counts and ratio (null when the side saw no requests). */
export interface SideRatio {
  requests: number;
  errors: number;
  ratio: number | null;
}

/** The numbers behind an error-ratio verdict. */
export interface ErrorRatioDetails {
  look: 'interim' | 'final';
  /** canary ratio − baseline ratio. */
  difference: number | null;
  /** The minimum request count per side and how it was derived. */
  minimumRequests: {
    perSide: number | null;
    p1: number;
    p1Source: 'baseline' | 'floor';
    p2: number | null;
    minDetectableIncrease: number;
    confidence: number;
    power: number;
    continuityCorrection: boolean;
    /** Requests still missing per side (0 when enough). */
    missing: SampleCounts;
  };
  /** Anytime-valid test on the canary's share of the 5xx given its share of the requests. */
  sequential: {
    alpha: number;
    canaryTrafficShare: number | null;
    canaryErrorShare: number | null;
    logEValue: number | null;
    alwaysValidP: number | null;
    rejected: boolean;
  };
  /** The absolute SLO check; null when no SLO is set. */
  slo: {
    maxErrorRatio: number;
    /** Observed ratio above the SLO (decides at the final look with enough requests). */
    observedAbove: boolean;
    /** Above the SLO by the anytime-valid one-sample test (decides at any look). */
    clearlyAbove: boolean;
    alwaysValidP: number | null;
  } | null;
  attribution: Attribution | null;
  /** FAIL reached by the anytime-valid rules alone (sequential test, clear SLO breach). */
  stoppedEarly: boolean;
  /** The practical margin a FAIL must exceed: max(absolute, relative × baseline ratio). */
  tolerance: { absolute: number; relative: number; effective: number | null; exceeded: boolean };
  /** The step-family-adjusted p-values that decided, when the step judged a family. */
  adjustedP: { fixed: number | null; sequential: number | null; recent: number | null } | null;
  /** The most recent part of the window; null when not judged. */
  recent: {
    label: string;
    baseline: SideRatio;
    canary: SideRatio;
    difference: number | null;
    pValue: number | null;
    adjustedP: number | null;
    significant: boolean;
    exceedsTolerance: boolean;
  } | null;
  /** Problems with the input (NaN, negative, errors above requests, rounding). */
  inputNotes: string[];
}

/** Result of {@link judgeErrorRatio}. */
export interface ErrorRatioResult extends MetricVerdict {
  kind: 'error-ratio';
  baseline: SideRatio;
  canary: SideRatio;
  samples: SampleCounts;
  /** The fixed-sample test; null when it could not run (no data). */
  statistic: {
    test: ProportionTestName;
    z: number | null;
    pValue: number;
    alpha: number;
    significant: boolean;
  } | null;
  details: ErrorRatioDetails;
}

function sanitize(side: 'baseline' | 'canary', raw: Counts, notes: string[]): Counts | null {
  const { requests, errors } = raw;
  if (!Number.isFinite(requests) || !Number.isFinite(errors)) {
    notes.push(`${side} counts are missing or not finite (requests=${requests}, errors=${errors}): no data`);
    return null;
  }
  if (requests < 0 || errors < 0) {
    notes.push(`${side} counts are negative (requests=${requests}, errors=${errors}): counter reset?`);
    return null;
  }
  if (requests > Number.MAX_SAFE_INTEGER || errors > Number.MAX_SAFE_INTEGER) {
    notes.push(`${side} counts are implausibly large (requests=${requests}, errors=${errors})`);
    return null;
  }
  // `+ 0` turns −0 into 0, which JSON cannot tell apart anyway.
  const counts = { requests: Math.round(requests) + 0, errors: Math.round(errors) + 0 };
  if (counts.requests !== requests || counts.errors !== errors) {
    notes.push(`${side} counts rounded to whole requests (increase() extrapolates)`);
  }
  if (counts.errors > counts.requests) {
    notes.push(
      `${side} has more errors (${fmtCount(counts.errors)}) than requests (${fmtCount(counts.requests)}): ` +
        'the two queries disagree (different windows or label sets?)',
    );
    return null;
  }
  return counts;
}

function validate(p: ErrorRatioParams): void {
  assertOpenUnit('minDetectableIncrease', p.minDetectableIncrease);
  assertOpenUnit('confidence', p.confidence);
  assertOpenUnit('power', p.power);
  assertOpenUnit('baselineFloor', p.baselineFloor);
  assertOpenUnit('sequentialAlpha', p.sequentialAlpha);
  if (p.significanceLevel !== null) assertOpenUnit('significanceLevel', p.significanceLevel);
  if (!(p.absoluteTolerance >= 0 && p.absoluteTolerance < 1))
    throw new RangeError(`absoluteTolerance must be in [0, 1), got ${p.absoluteTolerance}`);
  if (!(p.relativeTolerance >= 0))
    throw new RangeError(`relativeTolerance must be ≥ 0, got ${p.relativeTolerance}`);
  if (p.maxErrorRatio !== null && !(p.maxErrorRatio >= 0 && p.maxErrorRatio < 1)) {
    throw new RangeError(`maxErrorRatio must be in [0, 1) or null, got ${p.maxErrorRatio}`);
  }
}

const pText = (p: number) => (p < 0.0001 ? 'p < 0.0001' : `p = ${fmtP(p)}`);
const sideText = (c: SideRatio) =>
  c.ratio === null
    ? 'no requests'
    : `${fmtPercent(c.ratio)} (${fmtCount(c.errors)} of ${fmtCount(c.requests)})`;

/**
 * Judges the canary's 5xx ratio against the baseline's.
 *
 * - **No data is not a pass**: a side with 0 requests (0/0), NaN or inconsistent counts is INCONCLUSIVE.
 * - **Enough data, or no verdict**: below the per-side request count needed to detect
 *   `minDetectableIncrease` at `confidence` with `power` (normal-approximation sample size, p1 = the
 *   baseline ratio or `baselineFloor`, p2 = p1 + increase) the result is INCONCLUSIVE — unless a test
 *   below already shows a regression — and says how many more requests are needed.
 * - **Fixed-sample test** (final look): one-sided pooled two-proportion z-test, or Fisher's exact test
 *   when an expected cell count is below 5 (rare errors); FAIL when p < 1 − confidence. The minimum
 *   count guards PASS only: significance below it is still evidence.
 * - **Sequential rule** (any look, any amount of data): a mixture SPRT on the canary's share of the 5xx
 *   given its share of the requests (see stats/mixture-sprt.ts); FAIL when always-valid p < sequentialAlpha.
 *   Valid under repeated looks only if counts are cumulative from the start of the step.
 * - **SLO** (`maxErrorRatio`): FAIL at any look when the canary is above it by the anytime-valid
 *   one-sample test, and at the final look when the observed ratio is above it with enough requests.
 * - **Attribution**: with `canaryResponseFlags`, a FAIL says whether the 5xx are proxy-made (the
 *   mesh's) or the app's.
 *
 * Type-I error of a whole step: at most 1 − confidence (one final look) + sequentialAlpha.
 */
export function judgeErrorRatio(
  input: ErrorRatioInput,
  params: Partial<ErrorRatioParams> = {},
): ErrorRatioResult {
  const p: ErrorRatioParams = { ...DEFAULT_ERROR_RATIO_PARAMS, ...params };
  validate(p);
  const role = roleOf(p);
  const look = input.look ?? 'final';
  const notes: string[] = [];
  const base = sanitize('baseline', input.baseline, notes);
  const can = sanitize('canary', input.canary, notes);
  const side = (c: Counts | null): SideRatio =>
    c === null
      ? { requests: 0, errors: 0, ratio: null }
      : { requests: c.requests, errors: c.errors, ratio: c.requests > 0 ? c.errors / c.requests : null };
  const baseline = side(base);
  const canary = side(can);
  const difference = baseline.ratio !== null && canary.ratio !== null ? canary.ratio - baseline.ratio : null;
  const alpha = 1 - p.confidence;
  const level = p.significanceLevel ?? alpha;
  // The practical margin: an increase at or below it is not worth stopping a migration for.
  const effectiveTolerance =
    baseline.ratio === null ? null : Math.max(p.absoluteTolerance, p.relativeTolerance * baseline.ratio);
  const aboveTolerance = (diff: number | null, baseRatio: number | null) =>
    diff !== null &&
    baseRatio !== null &&
    diff > Math.max(p.absoluteTolerance, p.relativeTolerance * baseRatio) &&
    diff > 0;
  const exceeded = aboveTolerance(difference, baseline.ratio);
  const toleranceText =
    effectiveTolerance !== null && effectiveTolerance > 0
      ? ` and above the ${fmtPp(effectiveTolerance)} tolerance`
      : '';
  const adjusted = input.adjustedP;

  // Minimum requests per side.
  const p1Source: 'baseline' | 'floor' =
    baseline.ratio !== null && baseline.ratio > p.baselineFloor ? 'baseline' : 'floor';
  const p1 = p1Source === 'baseline' ? baseline.ratio! : p.baselineFloor;
  const p2 = p1 + p.minDetectableIncrease < 1 ? p1 + p.minDetectableIncrease : null;
  const perSide =
    p2 === null
      ? null
      : Math.ceil(
          sampleSizeTwoProportions({
            p1,
            p2,
            alpha,
            power: p.power,
            continuityCorrection: p.continuityCorrection,
          }),
        );
  const missing = {
    baseline: perSide === null ? 0 : Math.max(0, perSide - baseline.requests),
    canary: perSide === null ? 0 : Math.max(0, perSide - canary.requests),
  };

  // Sequential rule on the canary's share of the 5xx.
  const totalRequests = baseline.requests + canary.requests;
  const totalErrors = baseline.errors + canary.errors;
  const canSequential = baseline.requests > 0 && canary.requests > 0;
  const share = canary.requests / totalRequests;
  const trafficShare = canSequential && share > 0 && share < 1 ? share : null;
  const errorShare = trafficShare !== null && totalErrors > 0 ? canary.errors / totalErrors : null;
  const seqLogE = trafficShare === null ? null : logMixtureEValue(canary.errors, totalErrors, trafficShare);
  const seqP = seqLogE === null ? null : alwaysValidP(seqLogE);
  const seqDecisionP = adjusted?.sequential ?? seqP;
  const seqRejected = seqP !== null && seqDecisionP !== null && seqDecisionP < p.sequentialAlpha && exceeded;

  // Absolute SLO.
  let slo: ErrorRatioDetails['slo'] = null;
  if (p.maxErrorRatio !== null && canary.ratio !== null) {
    const max = p.maxErrorRatio;
    const logE =
      max === 0 ? (canary.errors > 0 ? Infinity : 0) : logMixtureEValue(canary.errors, canary.requests, max);
    const avp = alwaysValidP(logE);
    slo = {
      maxErrorRatio: max,
      observedAbove: canary.ratio > max,
      clearlyAbove: avp < p.sequentialAlpha,
      alwaysValidP: avp,
    };
  }

  // Fixed-sample test.
  const statistic =
    base !== null && can !== null && baseline.requests > 0 && canary.requests > 0
      ? (() => {
          const c = compareProportions(base, can);
          return {
            test: c.test,
            z: c.z === null ? null : finite(c.z),
            pValue: c.pValue,
            alpha: level,
            significant: (adjusted?.fixed ?? c.pValue) < level,
          };
        })()
      : null;

  // The most recent part of the window.
  let recent: ErrorRatioDetails['recent'] = null;
  if (input.recent) {
    const notesR: string[] = [];
    const rb = sanitize('baseline', input.recent.baseline, notesR);
    const rc = sanitize('canary', input.recent.canary, notesR);
    const rbs = side(rb);
    const rcs = side(rc);
    const diff = rbs.ratio !== null && rcs.ratio !== null ? rcs.ratio - rbs.ratio : null;
    const pv =
      rb !== null && rc !== null && rb.requests > 0 && rc.requests > 0
        ? compareProportions(rb, rc).pValue
        : null;
    const decisionP = adjusted?.recent ?? pv;
    recent = {
      label: input.recent.label,
      baseline: rbs,
      canary: rcs,
      difference: diff,
      pValue: pv,
      adjustedP: adjusted?.recent ?? null,
      significant: decisionP !== null && decisionP < level,
      exceedsTolerance: aboveTolerance(diff, rbs.ratio),
    };
  }

  const attribution =
    input.canaryResponseFlags !== undefined
      ? attribute5xx(
          { byFlags: input.canaryResponseFlags, requests: canary.requests },
          input.baselineResponseFlags === undefined
            ? undefined
            : { byFlags: input.baselineResponseFlags, requests: baseline.requests },
        )
      : null;

  const enough = perSide !== null && missing.baseline === 0 && missing.canary === 0;
  const finalLook = look === 'final';
  const head = `canary 5xx ratio ${sideText(canary)} vs baseline ${sideText(baseline)}${
    difference !== null ? `: ${fmtPp(difference)}` : ''
  }`;
  const shortHead =
    canary.ratio !== null && baseline.ratio !== null
      ? `canary ${fmtPercent(canary.ratio)} vs baseline ${fmtPercent(baseline.ratio)} 5xx`
      : 'canary vs baseline 5xx';

  // Causes of a FAIL, strongest evidence first.
  const failures: string[] = [];
  const failSummaries: string[] = [];
  if (seqRejected && seqP !== null && errorShare !== null && trafficShare !== null) {
    failures.push(
      `The canary took ${fmtCount(canary.errors)} of ${fmtCount(totalErrors)} 5xx (${fmtPercent(errorShare)}) ` +
        `on ${fmtPercent(trafficShare)} of the requests — a clear regression by the anytime-valid sequential ` +
        `test (mixture SPRT, always-valid ${pText(seqP)}${adjusted?.sequential !== undefined ? `, Holm-adjusted over the step ${pText(adjusted.sequential)}` : ''}, below the ${fmtP(p.sequentialAlpha)} threshold)${toleranceText}`,
    );
    failSummaries.push(`sequential ${pText(seqP)}`);
  }
  if (slo?.clearlyAbove) {
    failures.push(
      `The canary is above the ${fmtPercent(slo.maxErrorRatio)} SLO beyond doubt ` +
        `(anytime-valid one-sample test, ${pText(slo.alwaysValidP ?? 0)}, below the ${fmtP(p.sequentialAlpha)} threshold)`,
    );
    failSummaries.push(`above the ${fmtPercent(slo.maxErrorRatio)} SLO`);
  } else if (slo?.observedAbove && finalLook && enough) {
    failures.push(
      `The canary's observed ratio is above the ${fmtPercent(slo.maxErrorRatio)} SLO ` +
        `with ${fmtCount(canary.requests)} requests (at least ${fmtCount(perSide ?? 0)} needed to judge)`,
    );
    failSummaries.push(`observed above the ${fmtPercent(slo.maxErrorRatio)} SLO`);
  }
  // The minimum count protects a PASS (absence of evidence); a significant result at the final look is
  // evidence at level α whatever the count, so it FAILs even below the minimum.
  const fixedFails = (statistic?.significant ?? false) && finalLook && exceeded;
  const recentFails = finalLook && recent !== null && recent.significant && recent.exceedsTolerance;
  if (statistic !== null && fixedFails) {
    failures.push(
      `The increase is significant${adjusted?.fixed !== undefined ? ` after the step's family-wise correction (Holm-adjusted ${pText(adjusted.fixed)} < ${fmtP(level)})` : ` at ${fmtLevel(1 - level)} confidence`} (${statistic.test}` +
        `${statistic.z !== null ? `, z = ${statistic.z.toFixed(2)}` : ''}, one-sided ${pText(statistic.pValue)})${toleranceText}` +
        (enough ? '' : ', already below the minimum request count'),
    );
    failSummaries.push(
      `${statistic.test === 'two-proportion z-test' ? 'z-test' : 'Fisher'} ${pText(statistic.pValue)}`,
    );
  }

  if (recentFails && recent !== null) {
    failures.push(
      `In the ${recent.label} the canary failed ${sideText(recent.canary)} vs baseline ${sideText(recent.baseline)}` +
        `${recent.difference !== null ? ` (${fmtPp(recent.difference)})` : ''}: significant` +
        `${recent.adjustedP !== null ? ` after the family-wise correction (Holm-adjusted ${pText(recent.adjustedP)})` : ` (${pText(recent.pValue ?? 1)})`}` +
        ' and above the tolerance — a regression at the end of the window',
    );
    failSummaries.push(`${recent.label}: ${recent.difference !== null ? fmtPp(recent.difference) : 'worse'}`);
  }

  const needed = (): string => {
    if (perSide === null) {
      return (
        `the baseline already fails ${fmtPercent(p1)} of requests, so a ${fmtPp(p.minDetectableIncrease)} ` +
        'regression cannot be measured on this ratio'
      );
    }
    const what = `to detect a ${fmtPp(p.minDetectableIncrease)} regression at ${fmtLevel(p.confidence)} confidence with ${fmtLevel(p.power)} power`;
    const parts: string[] = [];
    if (missing.canary > 0) parts.push(`${fmtCount(missing.canary)} more canary`);
    if (missing.baseline > 0) parts.push(`${fmtCount(missing.baseline)} more baseline`);
    const saw =
      missing.canary > 0 && missing.baseline > 0
        ? `canary saw ${fmtCount(canary.requests)} and baseline ${fmtCount(baseline.requests)} requests in the window`
        : missing.canary > 0
          ? `canary saw ${fmtCount(canary.requests)} requests in the window`
          : `baseline saw ${fmtCount(baseline.requests)} requests in the window`;
    return `${saw}; ${parts.join(' and ')} requests are needed ${what} (${fmtCount(perSide)} per side)`;
  };

  let verdict: Verdict;
  let reason: string;
  let summary: string;
  let stoppedEarly = false;
  if (failures.length > 0) {
    verdict = 'FAIL';
    // Stopped early: decided by the anytime-valid rules alone, before the fixed-sample decision.
    stoppedEarly = !fixedFails && !recentFails && !(finalLook && enough && (slo?.observedAbove ?? false));
    reason = `${head}. ${failures.join('. ')}.`;
    if (stoppedEarly && !enough && perSide !== null) {
      reason += ` Stopped before the ${fmtCount(perSide)}-request minimum per side.`;
    }
    summary = `${shortHead} (${difference !== null ? `${fmtPp(difference)}, ` : ''}${failSummaries.join('; ')})`;
    if (attribution && attribution.total > 0) {
      reason += ` ${attribution.summary}.`;
      if (attribution.owner === 'mesh' || attribution.owner === 'app')
        summary += `, the ${attribution.owner}'s`;
    }
  } else if (base === null || can === null) {
    verdict = 'INCONCLUSIVE';
    reason = `No usable counts: ${notes.join('; ')}.`;
    summary = 'no usable 5xx counts';
  } else if (canary.requests === 0 || baseline.requests === 0) {
    verdict = 'INCONCLUSIVE';
    const empty = [canary.requests === 0 ? 'canary' : null, baseline.requests === 0 ? 'baseline' : null]
      .filter((s) => s !== null)
      .join(' and ');
    reason =
      `No data: the ${empty} saw 0 requests in the window, and 0/0 is not a ratio.` +
      (baseline.requests === 0 && canary.requests > 0
        ? ' With no legacy traffic (e.g. at 100 %) feed a baseline window from before the shift, or rely on maxErrorRatio.'
        : '');
    summary = `no ${empty} requests in the window`;
  } else if (!enough) {
    verdict = 'INCONCLUSIVE';
    reason = `${head}. Not enough traffic yet: ${needed()}.`;
    summary =
      perSide === null
        ? 'regression not measurable'
        : `needs ${[
            missing.canary > 0 ? `${fmtCount(missing.canary)} more canary` : null,
            missing.baseline > 0 ? `${fmtCount(missing.baseline)} more baseline` : null,
          ]
            .filter((s) => s !== null)
            .join(' and ')} requests`;
  } else if (!finalLook) {
    verdict = 'INCONCLUSIVE';
    reason = `${head}. Interim look: no clear regression so far; the fixed-sample test decides at the end of the window.`;
    summary = `${shortHead}, interim: no clear regression`;
  } else {
    verdict = 'PASS';
    const s = statistic!;
    const testText =
      `${s.test}${s.z !== null ? `, z = ${s.z.toFixed(2)}` : ''}, one-sided ${pText(s.pValue)}` +
      (adjusted?.fixed !== undefined ? `, Holm-adjusted over the step ${pText(adjusted.fixed)}` : '');
    const why =
      totalErrors === 0
        ? 'No 5xx on either side'
        : s.significant && !exceeded
          ? `The increase is significant (${testText}) but within the ${fmtPp(effectiveTolerance ?? 0)} tolerance, too small to stop for`
          : `No significant increase at level ${fmtP(level)} (${testText})`;
    const recentText =
      recent === null
        ? ''
        : ` ${recent.label[0]!.toUpperCase()}${recent.label.slice(1)}: canary ${sideText(recent.canary)} vs baseline ${sideText(recent.baseline)}` +
          `${recent.pValue !== null ? ` (${pText(recent.pValue)})` : ''}, no regression at the end of the window.`;
    reason =
      `${head}. ` +
      why +
      `; enough traffic to detect a ${fmtPp(p.minDetectableIncrease)} regression with ${fmtLevel(p.power)} power ` +
      `(${fmtCount(perSide)} requests per side needed).` +
      (slo ? ` Within the ${fmtPercent(slo.maxErrorRatio)} SLO.` : '') +
      recentText;
    summary = `${shortHead}, ${s.significant && !exceeded ? 'within tolerance' : 'no significant increase'}`;
  }
  if (notes.length > 0 && verdict !== 'INCONCLUSIVE') reason += ` Input notes: ${notes.join('; ')}.`;

  return {
    kind: 'error-ratio',
    ...role,
    verdict,
    summary,
    reason,
    hint:
      verdict !== 'FAIL'
        ? null
        : attribution === null
          ? 'break the canary 5xx down by response_flags to tell a mesh regression from an app one'
          : attribution.hint,
    baseline,
    canary,
    samples: { baseline: baseline.requests, canary: canary.requests },
    statistic,
    details: {
      look,
      difference,
      minimumRequests: {
        perSide,
        p1,
        p1Source,
        p2,
        minDetectableIncrease: p.minDetectableIncrease,
        confidence: p.confidence,
        power: p.power,
        continuityCorrection: p.continuityCorrection,
        missing,
      },
      sequential: {
        alpha: p.sequentialAlpha,
        canaryTrafficShare: trafficShare,
        canaryErrorShare: errorShare,
        logEValue: seqLogE === null ? null : finite(seqLogE),
        alwaysValidP: seqP,
        rejected: seqRejected,
      },
      slo:
        slo === null
          ? null
          : { ...slo, alwaysValidP: slo.alwaysValidP === null ? null : finite(slo.alwaysValidP) },
      attribution,
      stoppedEarly: verdict === 'FAIL' && stoppedEarly,
      tolerance: {
        absolute: p.absoluteTolerance,
        relative: p.relativeTolerance,
        effective: effectiveTolerance,
        exceeded,
      },
      adjustedP:
        adjusted === undefined
          ? null
          : {
              fixed: adjusted.fixed ?? null,
              sequential: adjusted.sequential ?? null,
              recent: adjusted.recent ?? null,
            },
      recent,
      inputNotes: notes,
    },
  };
}
