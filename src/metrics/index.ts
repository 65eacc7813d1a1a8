// The only code that talks to Prometheus. Canary checks depend on `MetricsSource` and the helpers in
// values.ts, never on undici.
export { createPrometheusClient } from './client.ts';
export type { PrometheusClient, PrometheusClientOptions, RedactedPrometheusOptions } from './client.ts';
export {
  DEFAULT_BACKOFF_MULTIPLIER,
  DEFAULT_DEADLINE_MS,
  DEFAULT_INITIAL_BACKOFF_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_TIMEOUT_MS,
} from './retry.ts';
export type { RetryOptions } from './retry.ts';
export {
  BadQuery,
  MetricsError,
  MultipleSeries,
  NoData,
  PrometheusError,
  PrometheusUnreachable,
  TemplateError,
  formatLabels,
} from './errors.ts';
export type { MetricsErrorKind, UnreachableReason } from './errors.ts';
export { systemClock } from './types.ts';
export type {
  BuildInfo,
  Clock,
  InstantResult,
  InstantSeries,
  InstantVector,
  Labels,
  Matrix,
  MetricsSource,
  RangeSeries,
  Sample,
  Scalar,
} from './types.ts';
export {
  dropNoData,
  isNoData,
  requireSingleSeries,
  requireSingleValue,
  requireVector,
  singleValueOrUndefined,
  sumValues,
  valuesByLabel,
} from './values.ts';
export { DURATION, defineTemplate, escapeLabelValue, escapeRegex, promDuration, render } from './template.ts';
export type { PromQLTemplate, TemplateVars, VarKind, VarSpec } from './template.ts';
export { defaultCatalog, getTemplate, mergeCatalog } from './catalog.ts';
export type { Catalog, CatalogInput, DefaultCatalog, TemplateName } from './catalog.ts';
export { queryRangeTemplate, queryTemplate } from './trace.ts';
export type { TracedInstant, TracedRange } from './trace.ts';
export { PROXY_STATS_MAX_AGE_MS, podKey, proxyStatsTemplates, readProxyStats } from './proxy-stats.ts';
export type { ProxyClusterStats, ProxyStatsAnswer } from './proxy-stats.ts';
