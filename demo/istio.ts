// Istio's standard metrics as a real ingress gateway and sidecars export them: one
// istio_requests_total increment and one istio_request_duration_milliseconds observation per request,
// with the standard label set, plus the Envoy cluster stats of the gateway's outbound clusters (the
// circuit-breaker counters). Label names and values follow Istio's "Istio Standard Metrics" page; a
// peer without a sidecar (the legacy deployment) shows as "unknown", as it does in a real mesh.
import { ENVOY_DURATION_BUCKETS_MS, Registry, type Counter, type Gauge, type Histogram } from './metrics.ts';

/** A workload as Istio's peer metadata names it. */
export interface Peer {
  workload: string;
  namespace: string;
  serviceAccount: string;
}

/** A Kubernetes Service a request is routed to. */
export interface ServiceRef {
  name: string;
  namespace: string;
  port: number;
}

export const serviceHost = (s: ServiceRef): string => `${s.name}.${s.namespace}.svc.cluster.local`;

/** Envoy's name for the gateway's cluster towards a Service (no subset). */
export const outboundCluster = (s: ServiceRef): string => `outbound|${s.port}||${serviceHost(s)}`;

export const spiffeId = (trustDomain: string, p: Peer): string =>
  `spiffe://${trustDomain}/ns/${p.namespace}/sa/${p.serviceAccount}`;

/** `connection_security_policy`: the destination side knows; a source reports "unknown". */
export type SecurityPolicy = 'mutual_tls' | 'none' | 'unknown';

export interface RequestRecord {
  reporter: 'source' | 'destination';
  /** null: no peer metadata (no sidecar on that side). */
  source: Peer | null;
  destination: { service: ServiceRef; workload: Peer | null };
  responseCode: number;
  /** Envoy's %RESPONSE_FLAGS%: "-" when the proxy added none, UO / UF / UH / NR when it made the answer. */
  responseFlags: string;
  security: SecurityPolicy;
  /** Whether the peers' certificates were exchanged (principals are known only then). */
  mtls: boolean;
  durationMs: number;
}

const UNKNOWN = 'unknown';

/** The istio_* series of one proxy's /stats/prometheus. */
export class IstioTelemetry {
  readonly registry: Registry;
  private readonly requests: Counter;
  private readonly duration: Histogram;

  constructor(
    private readonly trustDomain: string,
    registry: Registry = new Registry(),
  ) {
    this.registry = registry;
    this.requests = registry.counter('istio_requests_total', 'Total requests handled by an Istio proxy');
    this.duration = registry.histogram(
      'istio_request_duration_milliseconds',
      'Request duration in milliseconds, as seen by the reporting proxy',
      ENVOY_DURATION_BUCKETS_MS,
    );
  }

  record(r: RequestRecord): void {
    const labels = this.labels(r);
    this.requests.inc(labels);
    this.duration.observe(labels, r.durationMs);
  }

  private labels(r: RequestRecord): Record<string, string> {
    const peer = (p: Peer | null, side: 'source' | 'destination') => ({
      [`${side}_workload`]: p?.workload ?? UNKNOWN,
      [`${side}_workload_namespace`]: p?.namespace ?? UNKNOWN,
      [`${side}_principal`]: p && r.mtls ? spiffeId(this.trustDomain, p) : UNKNOWN,
      [`${side}_app`]: p?.workload ?? UNKNOWN,
      [`${side}_version`]: p ? 'v1' : UNKNOWN,
      [`${side}_canonical_service`]: p?.workload ?? UNKNOWN,
      [`${side}_canonical_revision`]: p ? 'v1' : 'latest',
      [`${side}_cluster`]: p ? 'Kubernetes' : UNKNOWN,
    });
    const s = r.destination.service;
    return {
      reporter: r.reporter,
      ...peer(r.source, 'source'),
      ...peer(r.destination.workload, 'destination'),
      destination_service: serviceHost(s),
      destination_service_name: s.name,
      destination_service_namespace: s.namespace,
      request_protocol: 'http',
      response_code: String(r.responseCode),
      grpc_response_status: '',
      response_flags: r.responseFlags,
      connection_security_policy: r.security,
    };
  }
}

/** The Envoy cluster stats a gateway exports per outbound cluster (only what the gate reads and a few more). */
export class EnvoyClusterStats {
  private readonly rqTotal: Counter;
  private readonly pendingOverflow: Counter;
  private readonly cxOverflow: Counter;
  private readonly ejectionsActive: Gauge;

  constructor(registry: Registry) {
    this.rqTotal = registry.counter('envoy_cluster_upstream_rq_total', 'Total requests sent upstream');
    this.pendingOverflow = registry.counter(
      'envoy_cluster_upstream_rq_pending_overflow',
      'Requests that overflowed the connection pool or requests (mainly for HTTP/2 and above) circuit breaking and were cancelled',
    );
    this.cxOverflow = registry.counter(
      'envoy_cluster_upstream_cx_overflow',
      "Times the cluster's connection circuit breaker overflowed",
    );
    this.ejectionsActive = registry.gauge(
      'envoy_cluster_outlier_detection_ejections_active',
      'Number of currently ejected hosts',
    );
  }

  /** Envoy creates a cluster's stats with the cluster, at 0. */
  declare(cluster: string): void {
    const labels = { cluster_name: cluster };
    this.rqTotal.inc(labels, 0);
    this.pendingOverflow.inc(labels, 0);
    this.cxOverflow.inc(labels, 0);
    this.ejectionsActive.set(labels, 0);
  }

  upstreamRequest(cluster: string): void {
    this.rqTotal.inc({ cluster_name: cluster });
  }

  pendingOverflowed(cluster: string): void {
    this.pendingOverflow.inc({ cluster_name: cluster });
  }
}
