// The step judge: the samples of one window (samples.ts) → per-metric verdicts → the step verdict
// with its reasons. Pure: src/metrics fetched and shaped the samples; src/report renders the result.
//
// Three rules on top of the per-metric judges:
// - freshness: a metric whose series stopped before the window's end is never PASS;
// - recency: the last part of the window is judged as well as the whole (error ratio and latency);
// - one family per step: every test's p-value is Holm–Bonferroni adjusted over all metrics and
//   services of the step, and a FAIL also needs the effect to exceed the profile's tolerance.

import { formatDuration, parseDuration } from '../core/index.ts';
import type { Profile } from '../profile/index.ts';
import { combine } from './combine.ts';
import { DEFAULT_ERROR_RATIO_PARAMS, judgeErrorRatio, type ErrorRatioInput } from './error-ratio.ts';
import { holmAdjust, type FamilyMember } from './family.ts';
import { histogramQuantile, quantileLabel, type QuantileEstimate } from './histogram.ts';
import { DEFAULT_LATENCY_PARAMS, judgeLatency, type LatencyInput } from './latency.ts';
import { DEFAULT_MTLS_PARAMS, judgeMtls } from './mtls.ts';
import { DEFAULT_OVERFLOW_PARAMS, judgeOverflow } from './overflow.ts';
import type { Counts } from './stats/two-proportions.ts';
import type { ServiceSamples, SideCounts, SideHistogram, StepSamples, Unseen } from './samples.ts';
import { slowShareTest, type SlowShareTest } from './slow-share.ts';
import type { MetricVerdict, SampleCounts, Verdict } from './types.ts';

export type MetricKind = 'error-ratio' | 'latency' | 'mtls' | 'overflow';

/** One metric of one service, as the verdict document lists it. */
export interface MetricRecord extends MetricVerdict {
  /** e.g. "error-ratio/zamaz-api". */
  name: string;
  metric: MetricKind;
  service: string;
  baseline: unknown;
  canary: unknown;
  samples: SampleCounts | null;
  /** The judge's numbers (tests, shifts, minimum counts, attribution) or the error that hid the data. */
  details: unknown;
  /** Set when the metric could not be seen. */
  error: { kind: string; message: string } | null;
}

/** A series the verdict read, with the age of its newest sample at the window's end. */
export interface FreshnessRecord {
  series: string;
  usedBy: string[];
  /** RFC 3339; null when the window has no sample of it. */
  newestSample: string | null;
  /** Milliseconds between the newest sample and the window's end; null without a sample. */
  ageMs: number | null;
  precision: 'exact' | 'interval';
  stale: boolean;
}

/** The freshness rule as applied. */
export interface FreshnessReport {
  maxStalenessMs: number;
  /** `profile`: canary.maxStaleness; `prometheus`: 2 × the scrape interval it reports; `default`. */
  source: 'profile' | 'prometheus' | 'default';
  scrapeIntervalMs: number;
  series: FreshnessRecord[];
}

/** The step's family of tests and the correction applied. */
export interface FamilyReport {
  method: 'holm';
  alpha: number;
  look: 'interim' | 'final';
  tests: { id: string; p: number | null; adjustedP: number | null; rejected: boolean }[];
}

export interface CanaryAnalysis {
  verdict: Verdict;
  reason: string;
  /** Kayenta-style score of the non-critical metrics (0 when a critical one failed). */
  score: number | null;
  decisive: string[];
  metrics: MetricRecord[];
  /**
   * The metrics backend rejected a query (BadQuery) or a template could not be rendered: a
   * configuration problem no amount of waiting fixes. The CLI exits 3 unless the verdict is FAIL.
   */
  configurationError: string | null;
  freshness: FreshnessReport;
  family: FamilyReport;
}

export interface JudgeOptions {
  /**
   * `final` (default): the end of the step's window. `interim`: a look while the step still runs
   * (e.g. `monitor`); only the anytime-valid rules may FAIL the error ratio.
   */
  readonly look?: 'interim' | 'final';
}

const WHAT: Record<MetricKind, string> = {
  'error-ratio': 'the 5xx ratio of the legacy and mesh sides at the ingress gateway',
  latency: 'the latency of the legacy and mesh sides at the ingress gateway',
  mtls: "the connection security of requests reaching the mesh workload's sidecar",
  overflow: 'the circuit-breaker counters of the outbound clusters to the mesh namespace',
};

/** Prometheus' lookback and the 2 × scrape-interval rule need a floor: a step is never this strict. */
const DEFAULT_MAX_STALENESS_MS = 120_000;

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

const spanText = (ms: number): string => formatDuration(Math.round(ms / 1000) * 1000) || '0s';

/** A metric that could not be judged because its data could not be fetched. */
function unavailable(role: MetricVerdict, metric: MetricKind, service: string, error: Unseen): MetricRecord {
  return {
    ...role,
    metric,
    service,
    verdict: 'INCONCLUSIVE',
    summary: error.summary,
    reason: `Could not see ${WHAT[metric]} for ${service}: ${error.message}`,
    hint: error.hint,
    baseline: null,
    canary: null,
    samples: null,
    details: null,
    error: { kind: error.kind, message: error.message },
  };
}

function roleOf(p: { name: string; critical: boolean; required: boolean; weight: number }): MetricVerdict {
  return {
    name: p.name,
    critical: p.critical,
    required: p.critical || p.required,
    weight: p.weight,
    verdict: 'INCONCLUSIVE',
    summary: '',
    reason: '',
    hint: null,
  };
}

/** NaN / ±Inf → null, so the document survives JSON unchanged. */
function jsonNumber(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

const sum = (values: readonly number[]) => values.reduce((s, v) => (Number.isNaN(v) ? s : s + v), 0);

function counts(side: SideCounts, from: number): Counts {
  return { requests: sum(side.requests.slice(from)), errors: sum(side.errors.slice(from)) };
}

/** Cumulative bucket counts summed over the intervals from `from` (intervals without samples skipped). */
function bucketsOver(h: SideHistogram, from: number): number[] {
  const out = new Array<number>(h.bounds.length + 1).fill(0);
  for (const row of h.perInterval.slice(from)) {
    if (row.some((v) => Number.isNaN(v))) continue;
    row.forEach((v, i) => (out[i] = (out[i] ?? 0) + v));
  }
  return out;
}

function bucketList(h: SideHistogram, cumulative: readonly number[]) {
  return cumulative.map((count, i) => ({
    le: i < h.bounds.length ? (h.bounds[i] as number) : '+Inf',
    count,
  }));
}

/** The quantile per interval, as histogram_quantile over each interval's bucket increases; NaN when empty. */
export function perIntervalQuantile(h: SideHistogram, q: number): number[] {
  return h.perInterval.map((row) => {
    if (row.some((v) => Number.isNaN(v))) return Number.NaN;
    return histogramQuantile(q, bucketList(h, row)).value ?? Number.NaN;
  });
}

interface Prepared {
  readonly s: ServiceSamples;
  readonly errorInput: ErrorRatioInput | null;
  readonly latencyInput: LatencyInput | null;
  readonly windowQuantiles: { baseline: QuantileEstimate[]; canary: QuantileEstimate[] } | null;
  readonly perInterval: { baseline: number[]; canary: number[] } | null;
}

/** Judges every service's samples and combines them into the step verdict. */
export function judgeCanary(
  inputs: StepSamples,
  profile: Profile,
  options: JudgeOptions = {},
): CanaryAnalysis {
  const c = profile.canary;
  const look = options.look ?? 'final';
  const n = inputs.grid.length;
  const intervalMs = inputs.intervalSeconds * 1000;
  const recentIntervals = c.recent.intervals ?? Math.max(2, Math.ceil((c.recent.fraction ?? 0.25) * n));
  // The recent part must be a part: at most half of the window, and at least two intervals.
  const recentFrom = n >= 2 * recentIntervals && recentIntervals >= 2 ? n - recentIntervals : null;
  const recentLabel = `last ${spanText(recentIntervals * intervalMs)}`;
  const q = c.latency.quantile;

  const prepared: Prepared[] = inputs.services.map((s) => {
    const errorInput: ErrorRatioInput | null = s.gateway.ok
      ? {
          baseline: counts(s.gateway.value.baseline, 0),
          canary: counts(s.gateway.value.canary, 0),
          baselineResponseFlags: s.gateway.value.baseline.errorsByFlags,
          canaryResponseFlags: s.gateway.value.canary.errorsByFlags,
          look,
          ...(recentFrom !== null
            ? {
                recent: {
                  baseline: counts(s.gateway.value.baseline, recentFrom),
                  canary: counts(s.gateway.value.canary, recentFrom),
                  label: recentLabel,
                },
              }
            : {}),
        }
      : null;
    if (!s.latency.ok) return { s, errorInput, latencyInput: null, windowQuantiles: null, perInterval: null };
    const { baseline: hb, canary: hc } = s.latency.value;
    const wholeB = bucketsOver(hb, 0);
    const wholeC = bucketsOver(hc, 0);
    const slow: SlowShareTest[] = [];
    const sameBounds = hb.bounds.length === hc.bounds.length && hb.bounds.every((b, i) => b === hc.bounds[i]);
    if (sameBounds) {
      const tol = c.latency.maxRelativeIncrease;
      const whole = slowShareTest(q, hb.bounds, wholeB, wholeC, 'whole window', tol);
      if (whole) slow.push(whole);
      if (recentFrom !== null) {
        const recent = slowShareTest(
          q,
          hb.bounds,
          bucketsOver(hb, recentFrom),
          bucketsOver(hc, recentFrom),
          recentLabel,
          tol,
        );
        if (recent) slow.push(recent);
      }
    }
    const quantiles = [...new Set([0.5, 0.95, q])];
    const perInterval = { baseline: perIntervalQuantile(hb, q), canary: perIntervalQuantile(hc, q) };
    return {
      s,
      errorInput,
      latencyInput: { ...perInterval, slowShare: slow.map((test) => ({ test })) },
      windowQuantiles: {
        baseline: quantiles.map((x) => histogramQuantile(x, bucketList(hb, wholeB))),
        canary: quantiles.map((x) => histogramQuantile(x, bucketList(hc, wholeC))),
      },
      perInterval,
    };
  });

  const errorParams = (name: string) => ({
    name,
    minDetectableIncrease: c.errorRatio.minDetectableIncrease,
    confidence: c.errorRatio.confidence,
    power: c.errorRatio.power,
    maxErrorRatio: c.errorRatio.maxErrorRatio ?? null,
    absoluteTolerance: c.errorRatio.tolerance.absolute,
    relativeTolerance: c.errorRatio.tolerance.relative,
    significanceLevel: c.familyAlpha,
    sequentialAlpha: c.familyAlpha,
  });
  const latencyName = (service: string) => `latency-${quantileLabel(q)}/${service}`;
  const latencyParams = (name: string) => ({
    name,
    maxRelativeIncrease: c.latency.maxRelativeIncrease,
    maxP99Ms: c.latency.maxP99Ms ?? null,
    minSamples: c.latency.minSamples,
    significanceLevel: c.familyAlpha,
  });

  // Pass 1: every test's own p-value, from the same judges that decide in pass 2.
  const members: FamilyMember[] = [];
  for (const pr of prepared) {
    const svc = pr.s.service;
    if (pr.errorInput) {
      const r = judgeErrorRatio(pr.errorInput, errorParams(`error-ratio/${svc}`));
      members.push({ id: `error-ratio/${svc} sequential`, p: r.details.sequential.alwaysValidP });
      if (look === 'final') {
        members.push({ id: `error-ratio/${svc} whole window`, p: r.statistic?.pValue ?? null });
        members.push({ id: `error-ratio/${svc} ${recentLabel}`, p: r.details.recent?.pValue ?? null });
      }
    }
    if (pr.latencyInput) {
      const r = judgeLatency(pr.latencyInput, latencyParams(latencyName(svc)));
      members.push({ id: `${latencyName(svc)} per-interval`, p: r.statistic?.pValue ?? null });
      for (const t of pr.latencyInput.slowShare ?? []) {
        members.push({ id: `${latencyName(svc)} ${t.test.label}`, p: t.test.pValue });
      }
    }
  }
  const adjusted = holmAdjust(members);
  const adj = (id: string) => adjusted.get(id);

  // Pass 2: the verdicts, with the family-adjusted p-values.
  const metrics: MetricRecord[] = [];
  for (const pr of prepared) {
    const s = pr.s;
    const svc = s.service;
    const erName = `error-ratio/${svc}`;
    if (!pr.errorInput || !s.gateway.ok) {
      const error = s.gateway.ok ? null : s.gateway.error;
      metrics.push(
        unavailable(roleOf({ ...DEFAULT_ERROR_RATIO_PARAMS, name: erName }), 'error-ratio', svc, error!),
      );
    } else {
      const adjustedP = {
        ...(adj(`${erName} sequential`) !== undefined ? { sequential: adj(`${erName} sequential`)! } : {}),
        ...(adj(`${erName} whole window`) !== undefined ? { fixed: adj(`${erName} whole window`)! } : {}),
        ...(adj(`${erName} ${recentLabel}`) !== undefined
          ? { recent: adj(`${erName} ${recentLabel}`)! }
          : {}),
      };
      const r = judgeErrorRatio({ ...pr.errorInput, adjustedP }, errorParams(erName));
      const { kind: _k, baseline, canary, samples, statistic, details, ...verdict } = r;
      const meshFlags = s.mesh.ok ? s.mesh.value.errorsByFlags : null;
      metrics.push({
        ...verdict,
        metric: 'error-ratio',
        service: svc,
        baseline,
        canary,
        samples,
        details: { statistic, ...details, meshDestinationResponseFlags: meshFlags },
        error: null,
      });
    }

    const latName = latencyName(svc);
    if (!pr.latencyInput || !s.latency.ok) {
      const error = s.latency.ok ? null : s.latency.error;
      metrics.push(unavailable(roleOf({ ...DEFAULT_LATENCY_PARAMS, name: latName }), 'latency', svc, error!));
    } else {
      const li = pr.latencyInput;
      const mw = adj(`${latName} per-interval`);
      const r = judgeLatency(
        {
          ...li,
          ...(mw !== undefined ? { adjustedP: mw } : {}),
          slowShare: (li.slowShare ?? []).map(({ test }) => {
            const a = adj(`${latName} ${test.label}`);
            return a === undefined ? { test } : { test, adjustedP: a };
          }),
        },
        latencyParams(latName),
      );
      const { kind: _k, baseline, canary, samples, statistic, details, ...verdict } = r;
      const wq = pr.windowQuantiles;
      const interpolated = wq?.canary.some((e) => e.interpolated) ?? false;
      const wholeText =
        wq === null
          ? ''
          : ` Over the whole window (from histogram buckets, ${interpolated ? 'interpolated inside buckets' : 'bucket bounds'}): ` +
            `canary: ${wq.canary.map((e) => e.note).join('; ')}. baseline: ${wq.baseline.map((e) => e.note).join('; ')}.`;
      metrics.push({
        ...verdict,
        reason: `${verdict.reason}${wholeText}`,
        metric: 'latency',
        service: svc,
        baseline: { ...baseline, windowQuantiles: wq?.baseline ?? null },
        canary: { ...canary, windowQuantiles: wq?.canary ?? null },
        samples,
        details: {
          statistic,
          ...details,
          quantile: q,
          intervalSeconds: inputs.intervalSeconds,
          perInterval: {
            baseline: (pr.perInterval?.baseline ?? []).map(jsonNumber),
            canary: (pr.perInterval?.canary ?? []).map(jsonNumber),
          },
        },
        error: null,
      });
    }

    const mtlsName = `mtls/${svc}`;
    if (!s.mesh.ok) {
      metrics.push(
        unavailable(roleOf({ ...DEFAULT_MTLS_PARAMS, name: mtlsName }), 'mtls', svc, s.mesh.error),
      );
    } else {
      const v = s.mesh.value;
      const r = judgeMtls(
        {
          mtls: v.bySecurityPolicy.mutual_tls ?? 0,
          total: v.requests,
          plaintextBySource: v.plaintextBySource,
        },
        { name: mtlsName },
      );
      const {
        kind: _k,
        samples,
        share,
        mtls,
        total,
        plaintext,
        plaintextSources,
        inputNotes,
        ...verdict
      } = r;
      metrics.push({
        ...verdict,
        metric: 'mtls',
        service: svc,
        baseline: null,
        canary: { requests: total, mtls, plaintext, share, plaintextSources },
        samples,
        details: { bySecurityPolicy: v.bySecurityPolicy, inputNotes },
        error: null,
      });
    }

    const ofName = `circuit-breaker-overflow/${svc}`;
    if (!s.overflow.ok) {
      metrics.push(
        unavailable(roleOf({ ...DEFAULT_OVERFLOW_PARAMS, name: ofName }), 'overflow', svc, s.overflow.error),
      );
    } else {
      const v = s.overflow.value;
      const r = judgeOverflow(
        { series: v.series },
        { name: ofName, minConsecutive: c.overflow.minConsecutive },
      );
      const { kind: _k, samples, series, minConsecutive, ...verdict } = r;
      const ejected = Object.entries(v.ejections).filter(([, x]) => x > 0);
      const ejectionText =
        ejected.length > 0
          ? ` Outlier detection ejected up to ${ejected.map(([cl, x]) => `${x} host(s) of ${cl}`).join(', ')} during the window.`
          : '';
      metrics.push({
        ...verdict,
        reason: verdict.reason + ejectionText,
        metric: 'overflow',
        service: svc,
        baseline: null,
        canary: { series },
        samples,
        details: { minConsecutive, ejectionsActiveMax: v.ejections },
        error: null,
      });
    }
  }

  // Freshness: a metric that read a stale series is never PASS.
  const freshness = freshnessReport(inputs, c.maxStaleness);
  const staleBy = new Map<string, FreshnessRecord[]>();
  const bySeries = new Map(freshness.series.map((f) => [f.series, f]));
  for (const s of inputs.services) {
    const records = s.freshness.map((f) => bySeries.get(f.series)).filter((f) => f?.stale === true);
    for (const f of records as FreshnessRecord[]) {
      // The circuit-breaker counters come from the same gateway proxies as its request series.
      const kinds = f.usedBy.includes('error-ratio') ? [...f.usedBy, 'overflow'] : f.usedBy;
      for (const k of kinds)
        staleBy.set(`${k}/${s.service}`, [...(staleBy.get(`${k}/${s.service}`) ?? []), f]);
    }
  }
  const staleText = (records: readonly FreshnessRecord[]) =>
    records
      .map((f) =>
        f.newestSample === null
          ? `${f.series} has no sample in the window (nothing scraped)`
          : `${f.series} has its newest sample at ${f.newestSample}${f.precision === 'interval' ? ' (to the interval)' : ''}, ${spanText(f.ageMs ?? 0)} before the window's end`,
      )
      .join('; ');
  const allowed = `at most ${spanText(freshness.maxStalenessMs)} (${freshness.source === 'profile' ? 'canary.maxStaleness' : freshness.source === 'prometheus' ? "two of Prometheus' scrape intervals" : 'the default when the scrape interval is unknown'})`;
  const judged = metrics.map((m) => {
    const stale = staleBy.get(`${m.metric}/${m.service}`);
    if (!stale || m.error !== null) return m;
    const note = `Stale data: ${staleText(stale)}; ${allowed} is allowed.`;
    if (m.verdict === 'FAIL') return { ...m, reason: `${m.reason} Note: ${note}` };
    return {
      ...m,
      verdict: 'INCONCLUSIVE' as const,
      summary: `stale data: newest sample ${spanText(Math.max(...stale.map((f) => f.ageMs ?? Infinity).filter(Number.isFinite), 0))} before the end`,
      reason: `${note} Scraping stopped or the gateway is gone: the window's end is not seen. What the older data show: ${m.reason}`,
      hint: 'check that Prometheus still scrapes the ingress gateway and the mesh sidecars (targets page), or analyse an earlier --end',
    };
  });

  const decision = combine(judged);
  const errors = inputs.services.flatMap((s) =>
    [s.gateway, s.latency, s.mesh, s.overflow].flatMap((f) => (f.ok ? [] : [f.error])),
  );
  const config = errors.find((e) => e.cause === 'configuration');
  const backend = errors.find((e) => e.cause === 'backend');
  const staleSeries = freshness.series.filter((f) => f.stale);
  let reason = decision.reason;
  // One cause hides every metric: say it once, first, rather than once per metric.
  if (decision.verdict !== 'FAIL' && backend) {
    reason = `INCONCLUSIVE — could not query Prometheus: ${firstLine(backend.message)}`;
  } else if (decision.verdict !== 'FAIL' && config) {
    reason = `INCONCLUSIVE — a query could not run (configuration error): ${firstLine(config.message)}`;
  } else if (decision.verdict === 'INCONCLUSIVE' && staleSeries.length > 0) {
    reason = `INCONCLUSIVE — stale data: ${staleText(staleSeries)}; ${allowed}`;
  }
  return {
    verdict: decision.verdict,
    reason,
    score: decision.score,
    decisive: decision.decisive,
    metrics: judged,
    configurationError: config ? config.message : null,
    freshness,
    family: {
      method: 'holm',
      alpha: c.familyAlpha,
      look,
      tests: members.map((m) => {
        const a = adjusted.get(m.id) ?? null;
        return { id: m.id, p: m.p, adjustedP: a, rejected: a !== null && a < c.familyAlpha };
      }),
    },
  };
}

/** The freshness rule over every series the verdict reads. */
export function freshnessReport(inputs: StepSamples, maxStaleness: string | undefined): FreshnessReport {
  const end = inputs.window.end.getTime();
  const fromProfile = maxStaleness !== undefined ? parseDuration(maxStaleness) : undefined;
  const maxStalenessMs =
    fromProfile ??
    (inputs.scrapeInterval.source === 'prometheus' ? 2 * inputs.scrapeInterval.ms : DEFAULT_MAX_STALENESS_MS);
  const seen = new Set<string>();
  const series: FreshnessRecord[] = [];
  for (const s of inputs.services) {
    for (const f of s.freshness) {
      if (seen.has(f.series)) continue;
      seen.add(f.series);
      const ageMs = f.newestSampleMs === null ? null : Math.max(0, end - f.newestSampleMs);
      series.push({
        series: f.series,
        usedBy: [...f.usedBy],
        newestSample: f.newestSampleMs === null ? null : new Date(f.newestSampleMs).toISOString(),
        ageMs,
        precision: f.precision,
        stale: ageMs === null || ageMs > maxStalenessMs,
      });
    }
  }
  return {
    maxStalenessMs,
    source: fromProfile !== undefined ? 'profile' : inputs.scrapeInterval.source,
    scrapeIntervalMs: inputs.scrapeInterval.ms,
    series,
  };
}
