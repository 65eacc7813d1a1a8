import type { Labels } from './types.ts';

export type MetricsErrorKind =
  'PrometheusUnreachable' | 'BadQuery' | 'NoData' | 'MultipleSeries' | 'PrometheusError' | 'TemplateError';

/**
 * Base of every error the metrics layer throws; `cause` keeps the original. Messages never carry
 * credentials: URLs are shown without userinfo or query string, and header values are not shown.
 */
export class MetricsError extends Error {
  override readonly name: string = 'MetricsError';
  constructor(
    readonly kind: MetricsErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why a connection to Prometheus failed. */
export type UnreachableReason = 'refused' | 'timeout' | 'reset' | 'dns' | 'tls' | 'other';

const UNREACHABLE_HINT: Record<UnreachableReason, string> = {
  refused:
    'connection refused: check the URL and port, that Prometheus is running, and that any port-forward or proxy in between is up',
  timeout:
    'no answer in time: check network policies and firewalls between meshgate and Prometheus, Prometheus load, or raise timeoutMs',
  reset:
    'the connection was reset or closed early: check proxies or load balancers in between and Prometheus restarts',
  dns: 'the host name does not resolve: check the URL (in-cluster names such as svc.cluster.local only resolve inside the cluster)',
  tls: 'the TLS handshake failed: check the https URL, the CA (tls.ca) or, for a test setup only, tls.insecureSkipVerify',
  other: 'check the URL and the network path to Prometheus',
};

/** Connection refused, reset, timed out, DNS or TLS failure: Prometheus could not be asked at all. */
export class PrometheusUnreachable extends MetricsError {
  override readonly name = 'PrometheusUnreachable';
  constructor(
    readonly url: string,
    readonly reason: UnreachableReason,
    readonly attempts: number,
    cause?: unknown,
  ) {
    super(
      'PrometheusUnreachable',
      `cannot reach Prometheus at ${url} (${attempts} attempt${attempts === 1 ? '' : 's'}): ${UNREACHABLE_HINT[reason]}`,
      { cause },
    );
  }
}

/** Prometheus rejected the query (HTTP 400 bad_data or 422 execution), or it has the wrong shape. */
export class BadQuery extends MetricsError {
  override readonly name = 'BadQuery';
  constructor(
    readonly query: string,
    readonly prometheusError: string,
    readonly status?: number,
    readonly errorType?: string,
    cause?: unknown,
  ) {
    const head = status === undefined ? '' : ` (HTTP ${status}${errorType ? ` ${errorType}` : ''})`;
    super('BadQuery', `Prometheus rejected the query${head}: ${prometheusError}\n  query: ${query}`, {
      cause,
    });
  }
}

/** An empty result, or NaN, where a value was required. Never read this as 0. */
export class NoData extends MetricsError {
  override readonly name = 'NoData';
  constructor(
    readonly query: string,
    readonly reason: 'empty' | 'nan',
    readonly time?: Date,
  ) {
    const at = time ? ` at ${time.toISOString()}` : '';
    const why =
      reason === 'empty'
        ? 'no series matched: check the label values (namespace, service, gateway workload), that the metric is exported, and that the window saw traffic'
        : 'the value is NaN (for example 0/0 or a quantile of an empty histogram): no requests in the window';
    super('NoData', `no data${at} for query: ${query}\n  ${why}`);
  }
}

/** A query expected to yield one series returned several; lists their label sets. */
export class MultipleSeries extends MetricsError {
  override readonly name = 'MultipleSeries';
  constructor(
    readonly query: string,
    readonly series: readonly Labels[],
  ) {
    super(
      'MultipleSeries',
      `expected one series but got ${series.length} for query: ${query}\n  series: ${series.map(formatLabels).join(', ')}\n` +
        '  narrow the selector (for example to one gateway namespace) or aggregate the extra labels away',
    );
  }
}

/** Any other HTTP status (401, 403, 404, 5xx after retries) or a malformed answer. */
export class PrometheusError extends MetricsError {
  override readonly name = 'PrometheusError';
  constructor(
    readonly url: string,
    readonly status: number,
    readonly detail: string,
    readonly attempts = 1,
    cause?: unknown,
  ) {
    super(
      'PrometheusError',
      `Prometheus at ${url} answered HTTP ${status}${retried(attempts)}: ${detail}${statusHint(status)}`,
      {
        cause,
      },
    );
  }
}

/** A PromQL template is malformed, or rendering it lacks or rejects a variable. */
export class TemplateError extends MetricsError {
  override readonly name = 'TemplateError';
  constructor(
    readonly template: string,
    message: string,
    readonly variable?: string,
  ) {
    super('TemplateError', `template "${template}": ${message}`);
  }
}

function retried(attempts: number): string {
  return attempts > 1 ? ` after ${attempts} attempts` : '';
}

function statusHint(status: number): string {
  if (status === 401) return '\n  check the bearer token or basic-auth credentials';
  if (status === 403)
    return '\n  the credentials are valid but not allowed to query: check the proxy or RBAC in front of Prometheus';
  if (status === 404) return '\n  check the URL path prefix (for example /prometheus behind a route prefix)';
  return '';
}

/** `{a="1", b="2"}` with PromQL string escaping, sorted by label name. */
export function formatLabels(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `{${parts.join(', ')}}`;
}
