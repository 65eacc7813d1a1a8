// The templates the canary analysis runs: the default catalog plus per-interval circuit-breaker
// counters, with the profile's overrides merged over both.

import { defaultCatalog, getTemplate, mergeCatalog, type Catalog } from '../catalog.ts';
import { defineTemplate, type PromQLTemplate } from '../template.ts';

// Same selector as the instant cb_* templates in ../catalog.ts: outbound clusters of the gateway (and
// any sidecar) towards services in the mesh namespace.
const MESH_OUTBOUND = String.raw`cluster_name=~"outbound\\|[0-9]+\\|[^|]*\\|[^.|]+\\.{{namespace|regex}}\\.svc\\..+"`;

function overflowSeries(name: string, metric: string, what: string): PromQLTemplate {
  return defineTemplate({
    name,
    description: `${what} per interval (query_range with step = interval), by outbound cluster`,
    vars: { namespace: 'label', interval: 'duration' },
    promql: `sum by (cluster_name) (increase(${metric}{${MESH_OUTBOUND}}[{{interval}}]))`,
    query: 'range',
    series: 'many',
    unit: 'requests',
  });
}

/** Range versions of the overflow counters: the overflow judge needs one delta per interval. */
export const canaryTemplates = {
  cb_pending_overflow_series: overflowSeries(
    'cb_pending_overflow_series',
    'envoy_cluster_upstream_rq_pending_overflow',
    'Requests rejected by a full pending queue (503 UO)',
  ),
  cb_cx_overflow_series: overflowSeries(
    'cb_cx_overflow_series',
    'envoy_cluster_upstream_cx_overflow',
    'Connections refused by the maxConnections circuit breaker',
  ),
} as const;

/** Every template the analysis uses, by name. */
export const CANARY_TEMPLATE_NAMES = [
  'gateway_requests',
  'gateway_5xx',
  'gateway_5xx_by_flags',
  'gateway_latency_buckets',
  'gateway_latency_quantile_series',
  'mesh_requests_by_security_policy',
  'mesh_requests_by_source',
  'mesh_5xx_by_flags',
  'cb_pending_overflow_series',
  'cb_cx_overflow_series',
  'cb_ejections_active',
] as const;

export type CanaryTemplateName = (typeof CANARY_TEMPLATE_NAMES)[number];

/**
 * The catalog for one analysis: defaults, canary additions, then the profile's `canary.metrics`.
 * @throws TemplateError for an invalid user template (the profile schema already rejects those).
 */
export function canaryCatalog(user: unknown): Catalog {
  const catalog = mergeCatalog(user, { ...defaultCatalog, ...canaryTemplates });
  for (const name of CANARY_TEMPLATE_NAMES) getTemplate(catalog, name);
  return catalog;
}
