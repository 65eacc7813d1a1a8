import { z } from 'zod';
import { TemplateError } from './errors.ts';
import { defineTemplate, type PromQLTemplate, type VarKind, type VarSpec } from './template.ts';

// meshgate's default PromQL, from Istio's standard metrics.
//
// Baseline and canary are both read from the ingress gateway (reporter="source"): it reports every
// request it routes to the legacy destination (no sidecar: destination_workload="unknown") and to the
// mesh destination, so one template rendered twice (legacy namespace/service, then mesh) gives an
// apples-to-apples pair. Sides are told apart by destination_service_namespace/_name, which the
// gateway knows for both. The mesh side's own sidecars (reporter="destination") add mTLS and source
// attribution.
//
// "one" templates keep `source_workload_namespace`: if two gateways with the same workload name (e.g.
// in istio-system and istio-ingress) route the service, the result has two series and reading it
// raises MultipleSeries instead of silently adding traffic the migration does not control.
//
// Error counts use `A or B * 0`: zero 5xx while requests exist is 0, while no requests at all stays
// empty (NoData). Nothing here turns "no data" into 0.
//
// Portable PromQL only (Prometheus 2.42 as in Debian 12 through 3.x): classic histograms, no native
// histograms, no info(), no limitk, no UTF-8 metric names.

const GATEWAY =
  'reporter="source",source_workload="{{gatewayWorkload}}",destination_service_namespace="{{namespace}}",destination_service_name="{{service}}"';
const DESTINATION =
  'reporter="destination",destination_service_namespace="{{namespace}}",destination_service_name="{{service}}"';
const FIVE_XX = 'response_code=~"5.."';
// Envoy cluster names: outbound|<port>|<subset>|<service>.<namespace>.svc.<cluster domain>
const MESH_OUTBOUND = String.raw`cluster_name=~"outbound\\|[0-9]+\\|[^|]*\\|[^.|]+\\.{{namespace|regex}}\\.svc\\..+"`;
const BY_GATEWAY = 'source_workload_namespace';

const gatewayVars = { gatewayWorkload: 'label', namespace: 'label', service: 'label' } as const;

function requests(sel: string, fn: 'increase' | 'rate', range: string, extra = ''): string {
  return `${fn}(istio_requests_total{${sel}${extra}}[{{${range}}}])`;
}
function buckets(fn: 'increase' | 'rate', range: string): string {
  return `${fn}(istio_request_duration_milliseconds_bucket{${GATEWAY}}[{{${range}}}])`;
}
function zeroWhenRequests(errors: string, all: string): string {
  return `${errors} or ${all} * 0`;
}

/** The templates meshgate ships; override or extend them with {@link mergeCatalog}. */
export const defaultCatalog = {
  gateway_requests: defineTemplate({
    name: 'gateway_requests',
    description: 'Requests the ingress gateway sent to the destination over the window',
    vars: { ...gatewayVars, window: 'duration' },
    promql: `sum by (${BY_GATEWAY}) (${requests(GATEWAY, 'increase', 'window')})`,
    query: 'instant',
    series: 'one',
    unit: 'requests',
  }),
  gateway_5xx: defineTemplate({
    name: 'gateway_5xx',
    description: '5xx responses the ingress gateway saw from the destination over the window (0 when none)',
    vars: { ...gatewayVars, window: 'duration' },
    promql: zeroWhenRequests(
      `sum by (${BY_GATEWAY}) (${requests(GATEWAY, 'increase', 'window', `,${FIVE_XX}`)})`,
      `sum by (${BY_GATEWAY}) (${requests(GATEWAY, 'increase', 'window')})`,
    ),
    query: 'instant',
    series: 'one',
    unit: 'requests',
  }),
  gateway_5xx_by_flags: defineTemplate({
    name: 'gateway_5xx_by_flags',
    description:
      '5xx seen by the gateway per Envoy response_flags: "-" came from the app; UH, UF, UO, URX, NR were made by a proxy',
    vars: { ...gatewayVars, window: 'duration' },
    promql: `sum by (response_flags) (${requests(GATEWAY, 'increase', 'window', `,${FIVE_XX}`)})`,
    query: 'instant',
    series: 'many',
    unit: 'requests',
  }),
  gateway_latency_buckets: defineTemplate({
    name: 'gateway_latency_buckets',
    description:
      'Request-duration histogram (cumulative buckets by le, in ms) over the window, as seen by the gateway',
    vars: { ...gatewayVars, window: 'duration' },
    promql: `sum by (le) (${buckets('increase', 'window')})`,
    query: 'instant',
    series: 'many',
    unit: 'requests',
  }),
  gateway_latency_quantile: defineTemplate({
    name: 'gateway_latency_quantile',
    description: 'Latency quantile over the window, interpolated within histogram buckets',
    vars: { ...gatewayVars, window: 'duration', quantile: 'quantile' },
    promql: `histogram_quantile({{quantile}}, sum by (${BY_GATEWAY}, le) (${buckets('increase', 'window')}))`,
    query: 'instant',
    series: 'one',
    unit: 'ms',
  }),
  gateway_requests_series: defineTemplate({
    name: 'gateway_requests_series',
    description: 'Request rate per interval (query_range with step = interval)',
    vars: { ...gatewayVars, interval: 'duration' },
    promql: `sum by (${BY_GATEWAY}) (${requests(GATEWAY, 'rate', 'interval')})`,
    query: 'range',
    series: 'one',
    unit: 'req/s',
  }),
  gateway_5xx_series: defineTemplate({
    name: 'gateway_5xx_series',
    description: '5xx rate per interval (0 in intervals with requests but no 5xx)',
    vars: { ...gatewayVars, interval: 'duration' },
    promql: zeroWhenRequests(
      `sum by (${BY_GATEWAY}) (${requests(GATEWAY, 'rate', 'interval', `,${FIVE_XX}`)})`,
      `sum by (${BY_GATEWAY}) (${requests(GATEWAY, 'rate', 'interval')})`,
    ),
    query: 'range',
    series: 'one',
    unit: 'req/s',
  }),
  gateway_latency_quantile_series: defineTemplate({
    name: 'gateway_latency_quantile_series',
    description: 'Latency quantile per interval, interpolated within histogram buckets (NaN = no requests)',
    vars: { ...gatewayVars, interval: 'duration', quantile: 'quantile' },
    promql: `histogram_quantile({{quantile}}, sum by (${BY_GATEWAY}, le) (${buckets('rate', 'interval')}))`,
    query: 'range',
    series: 'one',
    unit: 'ms',
  }),
  gateway_latency_mean_series: defineTemplate({
    name: 'gateway_latency_mean_series',
    description: 'Mean latency per interval (NaN = no requests)',
    vars: { ...gatewayVars, interval: 'duration' },
    promql:
      `sum by (${BY_GATEWAY}) (rate(istio_request_duration_milliseconds_sum{${GATEWAY}}[{{interval}}]))` +
      ` / sum by (${BY_GATEWAY}) (rate(istio_request_duration_milliseconds_count{${GATEWAY}}[{{interval}}]))`,
    query: 'range',
    series: 'one',
    unit: 'ms',
  }),
  gateway_latency_buckets_series: defineTemplate({
    name: 'gateway_latency_buckets_series',
    description: 'Request-duration histogram bucket rates by le per interval',
    vars: { ...gatewayVars, interval: 'duration' },
    promql: `sum by (le) (${buckets('rate', 'interval')})`,
    query: 'range',
    series: 'many',
    unit: 'req/s',
  }),
  mesh_requests_by_security_policy: defineTemplate({
    name: 'mesh_requests_by_security_policy',
    description: 'Requests the mesh workload received, by connection_security_policy (mutual_tls, none)',
    vars: { namespace: 'label', service: 'label', window: 'duration' },
    promql: `sum by (connection_security_policy) (${requests(DESTINATION, 'increase', 'window')})`,
    query: 'instant',
    series: 'many',
    unit: 'requests',
  }),
  mesh_requests_by_source: defineTemplate({
    name: 'mesh_requests_by_source',
    description: 'Requests the mesh workload received, by source workload and connection_security_policy',
    vars: { namespace: 'label', service: 'label', window: 'duration' },
    promql: `sum by (source_workload_namespace, source_workload, connection_security_policy) (${requests(DESTINATION, 'increase', 'window')})`,
    query: 'instant',
    series: 'many',
    unit: 'requests',
  }),
  mesh_5xx_by_flags: defineTemplate({
    name: 'mesh_5xx_by_flags',
    description: '5xx the mesh workload\'s sidecar reported, by response_flags ("-" = the app answered 5xx)',
    vars: { namespace: 'label', service: 'label', window: 'duration' },
    promql: `sum by (response_flags) (${requests(DESTINATION, 'increase', 'window', `,${FIVE_XX}`)})`,
    query: 'instant',
    series: 'many',
    unit: 'requests',
  }),
  cb_pending_overflow: defineTemplate({
    name: 'cb_pending_overflow',
    description:
      'Requests rejected by a full pending queue (circuit breaker, 503 UO) on outbound clusters to the namespace, by cluster',
    vars: { namespace: 'label', window: 'duration' },
    promql: `sum by (cluster_name) (increase(envoy_cluster_upstream_rq_pending_overflow{${MESH_OUTBOUND}}[{{window}}]))`,
    query: 'instant',
    series: 'many',
    unit: 'requests',
  }),
  cb_cx_overflow: defineTemplate({
    name: 'cb_cx_overflow',
    description:
      'Connections refused by the maxConnections circuit breaker on outbound clusters to the namespace, by cluster',
    vars: { namespace: 'label', window: 'duration' },
    promql: `sum by (cluster_name) (increase(envoy_cluster_upstream_cx_overflow{${MESH_OUTBOUND}}[{{window}}]))`,
    query: 'instant',
    series: 'many',
    unit: 'connections',
  }),
  cb_ejections_active: defineTemplate({
    name: 'cb_ejections_active',
    description:
      'Most hosts ejected at once by outlier detection during the window, by outbound cluster to the namespace',
    vars: { namespace: 'label', window: 'duration' },
    promql: `max by (cluster_name) (max_over_time(envoy_cluster_outlier_detection_ejections_active{${MESH_OUTBOUND}}[{{window}}]))`,
    query: 'instant',
    series: 'many',
    unit: 'hosts',
  }),
} as const satisfies Readonly<Record<string, PromQLTemplate>>;

export type DefaultCatalog = typeof defaultCatalog;
export type TemplateName = keyof DefaultCatalog;
export type Catalog = Readonly<Record<string, PromQLTemplate>>;

const varKind = z.enum(['label', 'duration', 'quantile', 'labels']);
const templateInput = z.strictObject({
  description: z.string().min(1).optional(),
  vars: z.record(z.string(), varKind),
  promql: z.string().min(1),
  query: z.enum(['instant', 'range']).optional(),
  series: z.enum(['one', 'many']).optional(),
  unit: z.string().optional(),
});
// Names are checked by defineTemplate, whose message says what a name must look like.
const catalogInput = z.record(z.string(), templateInput);

/** A user's catalog as written in a profile (YAML/JSON): templates by name. */
export type CatalogInput = z.input<typeof catalogInput>;

/**
 * Merges a user catalog over `base` (the defaults unless given). A user entry with a default's name
 * replaces it but keeps its shape: the same `query` and `series`, and only variables the default
 * has (with the same kinds), so every caller of the default can still render it. New names need
 * `query` and `series`.
 * @throws TemplateError listing what is wrong (schema, unknown placeholder, unused or unknown variable).
 */
export function mergeCatalog<B extends Catalog = DefaultCatalog>(user: unknown, base?: B): B & Catalog {
  const defaults: Catalog = base ?? defaultCatalog;
  const parsed = catalogInput.safeParse(user ?? {});
  if (!parsed.success) {
    throw new TemplateError('(catalog)', `invalid template catalog:\n${z.prettifyError(parsed.error)}`);
  }
  const merged: Record<string, PromQLTemplate> = { ...defaults };
  for (const [name, input] of Object.entries(parsed.data)) {
    const original = Object.hasOwn(defaults, name) ? defaults[name] : undefined;
    if (original) {
      if (input.query !== undefined && input.query !== original.query) {
        throw new TemplateError(
          name,
          `overrides a ${original.query} template: query must stay "${original.query}"`,
        );
      }
      if (input.series !== undefined && input.series !== original.series) {
        throw new TemplateError(
          name,
          `overrides a template of series "${original.series}": series must stay the same`,
        );
      }
      for (const [variable, kind] of Object.entries(input.vars)) {
        const expected: VarKind | undefined = original.vars[variable];
        if (expected === undefined) {
          throw new TemplateError(
            name,
            `variable "${variable}" is not one callers supply for this template (they supply: ${Object.keys(original.vars).join(', ')})`,
            variable,
          );
        }
        if (expected !== kind) {
          throw new TemplateError(name, `variable "${variable}" must stay of kind ${expected}`, variable);
        }
      }
    } else if (input.query === undefined || input.series === undefined) {
      throw new TemplateError(name, 'a new template needs query (instant | range) and series (one | many)');
    }
    merged[name] = defineTemplate({
      name,
      description: input.description ?? original?.description ?? name,
      vars: input.vars as VarSpec,
      promql: input.promql,
      query: input.query ?? (original?.query as PromQLTemplate['query']),
      series: input.series ?? (original?.series as PromQLTemplate['series']),
      ...(input.unit !== undefined
        ? { unit: input.unit }
        : original?.unit !== undefined
          ? { unit: original.unit }
          : {}),
    });
  }
  return Object.freeze(merged) as B & Catalog;
}

/**
 * A template by name.
 * @throws TemplateError for an unknown name, listing the known ones.
 */
export function getTemplate(catalog: Catalog, name: string): PromQLTemplate {
  const t = catalog[name];
  if (!t) throw new TemplateError(name, `unknown template; known: ${Object.keys(catalog).sort().join(', ')}`);
  return t;
}
