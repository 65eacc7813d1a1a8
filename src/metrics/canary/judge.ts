// The pure half of the canary analysis: judge inputs (or the reasons they are missing) → per-metric
// verdicts and the step decision. Metrics errors become INCONCLUSIVE metrics that say what could
// not be seen and why; nothing that was not seen passes.

import {
  DEFAULT_ERROR_RATIO_PARAMS,
  DEFAULT_LATENCY_PARAMS,
  DEFAULT_MTLS_PARAMS,
  DEFAULT_OVERFLOW_PARAMS,
  combine,
  judgeErrorRatio,
  judgeLatency,
  judgeMtls,
  judgeOverflow,
  quantileLabel,
  type MetricVerdict,
  type QuantileEstimate,
  type SampleCounts,
  type Verdict,
} from '../../canary/index.ts';
import type { Profile } from '../../profile/index.ts';
import {
  BadQuery,
  MetricsError,
  MultipleSeries,
  NoData,
  PrometheusError,
  PrometheusUnreachable,
  TemplateError,
  formatLabels,
} from '../errors.ts';
import type { CanaryInputs, Fetched, ServiceInputs } from './inputs.ts';

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
}

const WHAT: Record<MetricKind, string> = {
  'error-ratio': 'the 5xx ratio of the legacy and mesh sides at the ingress gateway',
  latency: 'the per-interval latency of the legacy and mesh sides at the ingress gateway',
  mtls: "the connection security of requests reaching the mesh workload's sidecar",
  overflow: 'the circuit-breaker counters of the outbound clusters to the mesh namespace',
};

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** A metric that could not be judged because its data could not be fetched. */
function unavailable(role: MetricVerdict, metric: MetricKind, service: string, error: Error): MetricRecord {
  let summary: string;
  if (error instanceof MultipleSeries) {
    summary = `several series where one was expected: ${error.series.map(formatLabels).sort().join(', ')}`;
  } else if (error instanceof NoData) {
    summary = error.reason === 'empty' ? 'no data: no series matched' : 'no data: NaN (no requests)';
  } else if (error instanceof PrometheusUnreachable) {
    summary = `Prometheus unreachable at ${error.url}`;
  } else if (error instanceof BadQuery) {
    summary = `Prometheus rejected a query: ${firstLine(error.prometheusError)}`;
  } else if (error instanceof MetricsError) {
    summary = firstLine(error.message);
  } else {
    summary = `could not be evaluated: ${firstLine(error.message)}`;
  }
  const hint =
    error instanceof MultipleSeries
      ? 'set canary.gatewayNamespace to the gateway the migration routes through, or override the template to aggregate the extra labels'
      : error instanceof NoData
        ? 'check the namespaces, service names and canary.gatewayWorkload in the profile, that Istio metrics are scraped, and that the window saw traffic'
        : error instanceof BadQuery || error instanceof TemplateError
          ? 'fix the template in canary.metrics of the profile (or report a meshgate bug if it is a default template)'
          : null;
  return {
    ...role,
    metric,
    service,
    verdict: 'INCONCLUSIVE',
    summary,
    reason: `Could not see ${WHAT[metric]} for ${service}: ${error.message}`,
    hint,
    baseline: null,
    canary: null,
    samples: null,
    details: null,
    error: { kind: error instanceof MetricsError ? error.kind : error.name, message: error.message },
  };
}

function quantileText(side: string, q: QuantileEstimate[] | null): string | null {
  if (!q) return null;
  return `${side}: ${q.map((e) => e.note).join('; ')}`;
}

function judgeService(s: ServiceInputs, profile: Profile, intervalSeconds: number): MetricRecord[] {
  const c = profile.canary;
  const out: MetricRecord[] = [];
  const judged = <T>(
    f: Fetched<T>,
    metric: MetricKind,
    role: MetricVerdict,
    ok: (v: T) => MetricRecord,
  ): MetricRecord => (f.ok ? ok(f.value) : unavailable(role, metric, s.service, f.error));
  const roleOf = (p: {
    name: string;
    critical: boolean;
    required: boolean;
    weight: number;
  }): MetricVerdict => ({
    name: p.name,
    critical: p.critical,
    required: p.critical || p.required,
    weight: p.weight,
    verdict: 'INCONCLUSIVE',
    summary: '',
    reason: '',
    hint: null,
  });

  const erName = `error-ratio/${s.service}`;
  out.push(
    judged(s.errorRatio, 'error-ratio', roleOf({ ...DEFAULT_ERROR_RATIO_PARAMS, name: erName }), (v) => {
      const r = judgeErrorRatio(
        {
          baseline: v.baseline,
          canary: v.canary,
          baselineResponseFlags: v.baselineResponseFlags,
          canaryResponseFlags: v.canaryResponseFlags,
          look: 'final',
        },
        {
          name: erName,
          minDetectableIncrease: c.errorRatio.minDetectableIncrease,
          confidence: c.errorRatio.confidence,
          power: c.errorRatio.power,
          maxErrorRatio: c.errorRatio.maxErrorRatio ?? null,
        },
      );
      const { kind: _k, baseline, canary, samples, statistic, details, ...verdict } = r;
      return {
        ...verdict,
        metric: 'error-ratio',
        service: s.service,
        baseline,
        canary,
        samples,
        details: { statistic, ...details, meshDestinationResponseFlags: v.meshDestinationFlags },
        error: null,
      };
    }),
  );

  const latName = `latency-${quantileLabel(c.latency.quantile)}/${s.service}`;
  out.push(
    judged(s.latency, 'latency', roleOf({ ...DEFAULT_LATENCY_PARAMS, name: latName }), (v) => {
      const r = judgeLatency(
        { baseline: v.baseline, canary: v.canary },
        {
          name: latName,
          maxRelativeIncrease: c.latency.maxRelativeIncrease,
          maxP99Ms: c.latency.maxP99Ms ?? null,
          minSamples: c.latency.minSamples,
        },
      );
      const { kind: _k, baseline, canary, samples, statistic, details, ...verdict } = r;
      const notes = [
        quantileText('canary', v.windowQuantiles.canary),
        quantileText('baseline', v.windowQuantiles.baseline),
      ].filter((n) => n !== null);
      const reason =
        notes.length > 0
          ? `${verdict.reason} Over the whole window (from histogram buckets, ${
              v.windowQuantiles.canary?.some((q) => q.interpolated)
                ? 'interpolated inside buckets'
                : 'bucket bounds'
            }): ${notes.join('. ')}.`
          : verdict.reason;
      return {
        ...verdict,
        reason,
        metric: 'latency',
        service: s.service,
        baseline: { ...baseline, windowQuantiles: v.windowQuantiles.baseline },
        canary: { ...canary, windowQuantiles: v.windowQuantiles.canary },
        samples,
        details: {
          statistic,
          ...details,
          quantile: c.latency.quantile,
          intervalSeconds,
          perInterval: { baseline: v.baseline.map(jsonNumber), canary: v.canary.map(jsonNumber) },
        },
        error: null,
      };
    }),
  );

  const mtlsName = `mtls/${s.service}`;
  out.push(
    judged(s.mtls, 'mtls', roleOf({ ...DEFAULT_MTLS_PARAMS, name: mtlsName }), (v) => {
      const r = judgeMtls(
        { mtls: v.mtls, total: v.total, plaintextBySource: v.plaintextBySource },
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
      return {
        ...verdict,
        metric: 'mtls',
        service: s.service,
        baseline: null,
        canary: { requests: total, mtls, plaintext, share, plaintextSources },
        samples,
        details: { bySecurityPolicy: v.bySecurityPolicy, inputNotes },
        error: null,
      };
    }),
  );

  const ofName = `circuit-breaker-overflow/${s.service}`;
  out.push(
    judged(s.overflow, 'overflow', roleOf({ ...DEFAULT_OVERFLOW_PARAMS, name: ofName }), (v) => {
      const r = judgeOverflow(
        { series: v.series },
        { name: ofName, minConsecutive: c.overflow.minConsecutive },
      );
      const { kind: _k, samples, series, minConsecutive, ...verdict } = r;
      const ejected = Object.entries(v.ejections).filter(([, n]) => n > 0);
      const ejectionText =
        ejected.length > 0
          ? ` Outlier detection ejected up to ${ejected.map(([cl, n]) => `${n} host(s) of ${cl}`).join(', ')} during the window.`
          : '';
      return {
        ...verdict,
        reason: verdict.reason + ejectionText,
        metric: 'overflow',
        service: s.service,
        baseline: null,
        canary: { series },
        samples,
        details: { minConsecutive, ejectionsActiveMax: v.ejections },
        error: null,
      };
    }),
  );
  return out;
}

/** NaN / ±Inf → null, so the document survives JSON unchanged. */
function jsonNumber(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function isConfigurationError(e: Error): boolean {
  return e instanceof BadQuery || e instanceof TemplateError;
}

function isBackendError(e: Error): e is PrometheusUnreachable | PrometheusError {
  return e instanceof PrometheusUnreachable || e instanceof PrometheusError;
}

/** Judges every service's inputs and combines them into the step verdict. */
export function judgeCanary(inputs: CanaryInputs, profile: Profile): CanaryAnalysis {
  const metrics = inputs.services.flatMap((s) => judgeService(s, profile, inputs.intervalSeconds));
  const decision = combine(metrics);
  const errors = inputs.services.flatMap((s) =>
    [s.errorRatio, s.latency, s.mtls, s.overflow].flatMap((f) => (f.ok ? [] : [f.error])),
  );
  const config = errors.find(isConfigurationError);
  const backend = errors.find(isBackendError);
  let reason = decision.reason;
  // One cause hides every metric: say it once, first, rather than once per metric.
  if (decision.verdict !== 'FAIL' && backend) {
    reason = `INCONCLUSIVE — could not query Prometheus: ${firstLine(backend.message)}`;
  } else if (decision.verdict !== 'FAIL' && config) {
    reason = `INCONCLUSIVE — a query could not run (configuration error): ${firstLine(config.message)}`;
  }
  return {
    verdict: decision.verdict,
    reason,
    score: decision.score,
    decisive: decision.decisive,
    metrics,
    configurationError: config ? config.message : null,
  };
}
