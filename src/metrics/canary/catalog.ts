// The queries one canary step runs: four `sum by (...)` queries over every judged service of the
// legacy and mesh namespaces and both sides, split by service and side in code (inputs.ts). The profile's
// `canary.metrics` may override them by name (same variables, same shape).

import { defaultCatalog, getTemplate, mergeCatalog, type Catalog } from '../catalog.ts';
import { defineTemplate } from '../template.ts';

const NAMESPACES =
  'destination_service_namespace=~"{{legacyNamespace|regex}}|{{meshNamespace|regex}}",destination_service_name=~"{{services}}"';
const GATEWAY = 'reporter="source",source_workload="{{gatewayWorkload}}"';
// Envoy cluster names: outbound|<port>|<subset>|<service>.<namespace>.svc.<cluster domain>
const MESH_OUTBOUND = String.raw`cluster_name=~"outbound\\|[0-9]+\\|[^|]*\\|({{services}})\\.{{meshNamespace|regex}}\\.svc\\..+"`;
const SIDES = { legacyNamespace: 'label', meshNamespace: 'label', services: 'labels' } as const;

function counter(metric: string, counterLabel: string): string {
  return (
    `label_replace(sum by (cluster_name) (increase(${metric}{${MESH_OUTBOUND}}[{{interval}}])), ` +
    `"counter", "${counterLabel}", "", "")`
  );
}

/** The step's queries. Each answers for all services at once; none turns "no data" into 0. */
export const canaryTemplates = {
  canary_requests: defineTemplate({
    name: 'canary_requests',
    description:
      'Requests per interval to every service of both namespaces, by reporter, source, destination, code class, ' +
      'response_flags and connection_security_policy: the gateway view of both sides (error ratio, attribution) ' +
      "and the mesh sidecars' view (mTLS, app 5xx)",
    vars: { ...SIDES, interval: 'duration' },
    promql:
      'sum by (reporter, source_workload_namespace, source_workload, destination_service_namespace, ' +
      'destination_service_name, code_class, response_flags, connection_security_policy) (' +
      `label_replace(increase(istio_requests_total{reporter=~"source|destination",${NAMESPACES}}[{{interval}}]), ` +
      '"code_class", "${1}xx", "response_code", "([0-9]).*"))',
    query: 'range',
    series: 'many',
    unit: 'requests',
  }),
  canary_latency_buckets: defineTemplate({
    name: 'canary_latency_buckets',
    description:
      'Request-duration histogram per interval (cumulative buckets by le, in ms) as the ingress gateway saw ' +
      'each service on both sides',
    vars: { ...SIDES, gatewayWorkload: 'label', interval: 'duration' },
    promql:
      'sum by (source_workload_namespace, destination_service_namespace, destination_service_name, le) (' +
      `increase(istio_request_duration_milliseconds_bucket{${GATEWAY},${NAMESPACES}}[{{interval}}]))`,
    query: 'range',
    series: 'many',
    unit: 'requests',
  }),
  canary_circuit_breakers: defineTemplate({
    name: 'canary_circuit_breakers',
    description:
      'Circuit-breaker counters per interval on outbound clusters to the mesh namespace, by cluster: pending ' +
      'overflow (503 UO), connection overflow, and the most hosts ejected by outlier detection',
    vars: { meshNamespace: 'label', services: 'labels', interval: 'duration' },
    promql:
      `${counter('envoy_cluster_upstream_rq_pending_overflow', 'upstream_rq_pending_overflow')} or ` +
      `${counter('envoy_cluster_upstream_cx_overflow', 'upstream_cx_overflow')} or ` +
      'label_replace(max by (cluster_name) (max_over_time(envoy_cluster_outlier_detection_ejections_active{' +
      `${MESH_OUTBOUND}}[{{interval}}])), "counter", "ejections_active", "", "")`,
    query: 'range',
    series: 'many',
    unit: 'requests',
  }),
  canary_freshness: defineTemplate({
    name: 'canary_freshness',
    description:
      "Time of the newest sample (Unix seconds) of each series group the verdict reads, within Prometheus' lookback",
    vars: { ...SIDES, gatewayWorkload: 'label' },
    promql:
      'label_replace(max by (reporter, source_workload, destination_service_namespace, destination_service_name) (' +
      `timestamp(istio_requests_total{reporter=~"source|destination",${NAMESPACES}})), ` +
      '"metric", "istio_requests_total", "", "") or ' +
      'label_replace(max by (reporter, source_workload, destination_service_namespace, destination_service_name) (' +
      `timestamp(istio_request_duration_milliseconds_count{${GATEWAY},${NAMESPACES}})), ` +
      '"metric", "istio_request_duration_milliseconds", "", "")',
    query: 'instant',
    series: 'many',
    unit: 's',
  }),
} as const;

/** Every template one step runs, in the order the trace lists them. */
export const CANARY_TEMPLATE_NAMES = [
  'canary_requests',
  'canary_latency_buckets',
  'canary_circuit_breakers',
  'canary_freshness',
] as const;

export type CanaryTemplateName = (typeof CANARY_TEMPLATE_NAMES)[number];

/**
 * The catalog for one analysis: defaults, the step's queries, then the profile's `canary.metrics`.
 * @throws TemplateError for an invalid user template (the profile schema already rejects those).
 */
export function canaryCatalog(user: unknown): Catalog {
  const catalog = mergeCatalog(user, { ...defaultCatalog, ...canaryTemplates });
  for (const name of CANARY_TEMPLATE_NAMES) getTemplate(catalog, name);
  return catalog;
}
