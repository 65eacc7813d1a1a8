import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import {
  BadQuery,
  PrometheusError,
  PrometheusUnreachable,
  type MetricsError,
  type UnreachableReason,
} from './errors.ts';
import {
  MalformedResponse,
  ShapeError,
  excerpt,
  parseBuildInfo,
  parseFailure,
  parseQueryData,
  toInstant,
  toMatrix,
} from './parse.ts';
import {
  DEFAULT_TIMEOUT_MS,
  retryPolicy,
  withRetries,
  type AttemptOutcome,
  type RetryOptions,
  type RetryPolicy,
} from './retry.ts';
import {
  systemClock,
  type BuildInfo,
  type Clock,
  type InstantResult,
  type Matrix,
  type MetricsSource,
} from './types.ts';

export interface PrometheusClientOptions {
  /** Base URL, path prefix included (`http://prometheus-server.monitoring:9090`, `https://host/prometheus`). */
  readonly url: string;
  /** Sent as `Authorization: Bearer …`. Exclusive with `basicAuth`. */
  readonly bearerToken?: string;
  /** Sent as `Authorization: Basic …`; userinfo in `url` is used the same way. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Extra headers (e.g. `X-Scope-OrgID`). Values of credential-like headers are never shown. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-attempt timeout; default {@link DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly tls?: { readonly ca?: string | Buffer; readonly insecureSkipVerify?: boolean };
  /** Injected for tests: drives back-off sleeps and the overall deadline. */
  readonly clock?: Clock;
  /** An undici dispatcher to use instead of the client's own Agent (then `close()` leaves it open). */
  readonly dispatcher?: Dispatcher;
}

/** The options as they may be logged: no token, no password, no credential-like header values. */
export interface RedactedPrometheusOptions {
  readonly url: string;
  readonly auth: 'none' | 'bearer' | 'basic';
  readonly username?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly tls: { readonly ca: boolean; readonly insecureSkipVerify: boolean };
}

export interface PrometheusClient extends MetricsSource {
  /** Instant query (`POST /api/v1/query`) evaluated at `time`. */
  query(promql: string, time: Date): Promise<InstantResult>;
  /** Range query (`POST /api/v1/query_range`) from `start` to `end` inclusive, every `stepSeconds`. */
  queryRange(promql: string, start: Date, end: Date, stepSeconds: number): Promise<Matrix>;
  /** `GET /-/ready` (falling back to buildinfo when a proxy hides it); one attempt, never throws. */
  isOnline(): Promise<boolean>;
  /** `GET /api/v1/status/buildinfo`, e.g. to record the Prometheus version in a report. */
  buildInfo(): Promise<BuildInfo>;
  /** Closes the client's own connection pool. */
  close(): Promise<void>;
  readonly options: RedactedPrometheusOptions;
  toJSON(): RedactedPrometheusOptions;
  toString(): string;
}

const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie)$|token|secret|passw|api-?key|session/i;
const REDACTED = '[REDACTED]';

const REFUSED = new Set(['ECONNREFUSED']);
const DNS = new Set(['ENOTFOUND', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const RESET = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'EAI_AGAIN',
]);
const TIMEOUT = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const TLS = /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

/** Transient failures worth another attempt: timeouts and connections cut short. */
const RETRYABLE_REASONS: ReadonlySet<UnreachableReason> = new Set(['timeout', 'reset']);

interface Response {
  readonly status: number;
  readonly body: string;
}

/** Creates a client for Prometheus' HTTP API (or anything that speaks it: Thanos, Mimir, VictoriaMetrics). */
export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  const base = parseBaseUrl(options.url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError('timeoutMs must be a positive number');
  }
  const policy = retryPolicy(options.retry);
  const clock = options.clock ?? systemClock;

  let basic = options.basicAuth;
  if (base.userinfo) {
    if (basic) throw new TypeError('credentials given both in the URL and as basicAuth: give them once');
    basic = base.userinfo;
  }
  if (basic && options.bearerToken !== undefined) {
    throw new TypeError('bearerToken and basic auth are exclusive: give one');
  }

  const secrets: string[] = [];
  const headers: Record<string, string> = {};
  const shownHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[name.toLowerCase()] = value;
    const sensitive = SENSITIVE_HEADER.test(name);
    shownHeaders[name] = sensitive ? REDACTED : value;
    if (sensitive) secrets.push(value);
  }
  if (options.bearerToken !== undefined) {
    if (options.bearerToken === '') throw new TypeError('bearerToken is empty');
    headers.authorization = `Bearer ${options.bearerToken}`;
    secrets.push(options.bearerToken);
  } else if (basic) {
    const encoded = Buffer.from(`${basic.username}:${basic.password}`).toString('base64');
    headers.authorization = `Basic ${encoded}`;
    secrets.push(basic.password, encoded);
  }
  // Text that came from the server (error bodies) may echo a credential. Very short secrets are
  // left alone: replacing every "ab" in a message would hide more than it protects.
  const scrub = (text: string): string =>
    secrets.filter((s) => s.length >= 4).reduce((t, s) => t.split(s).join(REDACTED), text);

  const ownDispatcher =
    options.dispatcher === undefined
      ? new Agent({
          connect: {
            timeout: timeoutMs,
            ...(options.tls?.ca !== undefined ? { ca: options.tls.ca } : {}),
            ...(options.tls?.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
          },
        })
      : undefined;
  const dispatcher: Dispatcher = options.dispatcher ?? (ownDispatcher as Agent);

  const redacted: RedactedPrometheusOptions = Object.freeze({
    url: base.display,
    auth: options.bearerToken !== undefined ? 'bearer' : basic ? 'basic' : 'none',
    ...(basic ? { username: basic.username } : {}),
    headers: Object.freeze(shownHeaders),
    timeoutMs,
    retry: Object.freeze({ ...policy }),
    tls: Object.freeze({
      ca: options.tls?.ca !== undefined,
      insecureSkipVerify: options.tls?.insecureSkipVerify === true,
    }),
  });

  /** One HTTP exchange; the timer covers connect, headers and body. */
  async function exchange(
    method: 'GET' | 'POST',
    path: string,
    form: URLSearchParams | undefined,
    budgetMs: number,
  ) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, budgetMs);
    timer.unref?.();
    try {
      const res = await request(base.endpoint(path), {
        method,
        dispatcher,
        signal: controller.signal,
        headers: {
          accept: 'application/json',
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...headers,
        },
        ...(form ? { body: form.toString() } : {}),
      });
      const body = await res.body.text();
      return { status: res.statusCode, body } satisfies Response;
    } catch (err) {
      throw timedOut ? new AttemptTimedOut(budgetMs, err) : err;
    } finally {
      clearTimeout(timer);
    }
  }

  async function attempt(
    method: 'GET' | 'POST',
    path: string,
    form: URLSearchParams | undefined,
    remainingMs: number,
  ): Promise<AttemptOutcome<Response>> {
    let res: Response;
    try {
      res = await exchange(method, path, form, Math.min(timeoutMs, remainingMs));
    } catch (err) {
      const reason = classify(err);
      return { ok: false, error: new NetworkFailure(reason, err), retryable: RETRYABLE_REASONS.has(reason) };
    }
    if (res.status >= 500) return { ok: false, error: new HttpFailure(res), retryable: true };
    return { ok: true, value: res };
  }

  /** Sends with retries; answers any status < 500 and maps the rest to typed errors. */
  async function send(method: 'GET' | 'POST', path: string, form?: URLSearchParams): Promise<Response> {
    return withRetries(
      policy,
      clock,
      (_n, remaining) => attempt(method, path, form, remaining),
      (last, attempts) => {
        if (last instanceof NetworkFailure)
          return new PrometheusUnreachable(base.display, last.reason, attempts, last.cause);
        if (last instanceof HttpFailure) {
          return new PrometheusError(
            base.display,
            last.response.status,
            scrub(detail(last.response.body)),
            attempts,
          );
        }
        return last;
      },
    );
  }

  /** Runs a query endpoint and returns the successful body, or the typed error for its status. */
  async function runQuery(path: string, form: URLSearchParams, promql: string) {
    const res = await send('POST', path, form);
    if (res.status === 400 || res.status === 422) {
      const failure = parseFailure(res.body);
      throw new BadQuery(promql, scrub(failure?.error || excerpt(res.body)), res.status, failure?.errorType);
    }
    if (res.status < 200 || res.status >= 300) {
      throw new PrometheusError(base.display, res.status, scrub(detail(res.body)));
    }
    try {
      return parseQueryData(res.body);
    } catch (err) {
      throw malformed(err, res);
    }
  }

  function malformed(err: unknown, res: Response): MetricsError {
    const text = err instanceof Error ? err.message : String(err);
    return new PrometheusError(base.display, res.status, scrub(`malformed response: ${text}`), 1, err);
  }

  const client: PrometheusClient = {
    async query(promql, time) {
      const at = requireDate(time, 'time');
      const parsed = await runQuery(
        '/api/v1/query',
        new URLSearchParams({ query: promql, time: seconds(at) }),
        promql,
      );
      try {
        return toInstant(promql, at, parsed);
      } catch (err) {
        if (err instanceof ShapeError) throw new BadQuery(promql, err.message, undefined, undefined, err);
        throw err;
      }
    },

    async queryRange(promql, start, end, stepSeconds) {
      const from = requireDate(start, 'start');
      const to = requireDate(end, 'end');
      if (from.getTime() > to.getTime()) throw new RangeError('queryRange: start is after end');
      if (!Number.isFinite(stepSeconds) || stepSeconds <= 0)
        throw new RangeError('queryRange: stepSeconds must be > 0');
      const form = new URLSearchParams({
        query: promql,
        start: seconds(from),
        end: seconds(to),
        step: String(stepSeconds),
      });
      const parsed = await runQuery('/api/v1/query_range', form, promql);
      try {
        return toMatrix(promql, from, to, stepSeconds, parsed);
      } catch (err) {
        if (err instanceof ShapeError) throw new BadQuery(promql, err.message, undefined, undefined, err);
        throw err;
      }
    },

    async isOnline() {
      try {
        const ready = await exchange('GET', '/-/ready', undefined, timeoutMs);
        if (ready.status >= 200 && ready.status < 300) return true;
        if (ready.status !== 404 && ready.status !== 401 && ready.status !== 403) return false;
        const info = await exchange('GET', '/api/v1/status/buildinfo', undefined, timeoutMs);
        return info.status >= 200 && info.status < 300;
      } catch {
        return false;
      }
    },

    async buildInfo() {
      const res = await send('GET', '/api/v1/status/buildinfo');
      if (res.status < 200 || res.status >= 300)
        throw new PrometheusError(base.display, res.status, scrub(detail(res.body)));
      try {
        return parseBuildInfo(res.body);
      } catch (err) {
        if (err instanceof MalformedResponse) throw malformed(err, res);
        throw err;
      }
    },

    async close() {
      await ownDispatcher?.close();
    },

    options: redacted,
    toJSON: () => redacted,
    toString: () => `PrometheusClient(${redacted.url}, auth=${redacted.auth})`,
  };
  return client;
}

/** Carries the network failure reason from an attempt to the final error. */
class NetworkFailure extends Error {
  constructor(
    readonly reason: UnreachableReason,
    cause: unknown,
  ) {
    super(`network failure: ${reason}`, { cause });
  }
}

class HttpFailure extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
  }
}

class AttemptTimedOut extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number, cause: unknown) {
    super(`no complete answer within ${ms} ms`, { cause });
  }
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function classify(err: unknown): UnreachableReason {
  const code = errorCode(err) ?? '';
  if (REFUSED.has(code)) return 'refused';
  if (DNS.has(code)) return 'dns';
  if (TIMEOUT.has(code)) return 'timeout';
  if (RESET.has(code)) return 'reset';
  if (TLS.test(code)) return 'tls';
  return 'other';
}

function detail(body: string): string {
  const failure = parseFailure(body);
  if (failure) return [failure.errorType, failure.error].filter(Boolean).join(': ');
  return body.trim() === '' ? '(empty body)' : excerpt(body);
}

function requireDate(value: Date, name: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(`${name} must be a valid Date: every query is evaluated at an explicit time`);
  }
  return value;
}

/** Unix seconds with millisecond precision, as Prometheus accepts. */
function seconds(d: Date): string {
  return (d.getTime() / 1000).toFixed(3);
}

interface BaseUrl {
  readonly display: string;
  readonly userinfo?: { username: string; password: string };
  endpoint(path: string): string;
}

function parseBaseUrl(raw: string): BaseUrl {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // The raw string may carry credentials: do not echo it.
    throw new TypeError('Prometheus url is not a valid absolute URL (expected e.g. http://prometheus:9090)');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TypeError(
      `Prometheus url must be http or https (e.g. http://prometheus:9090), got scheme "${u.protocol}"`,
    );
  }
  if (u.search || u.hash) {
    throw new TypeError(
      'Prometheus url must not have a query string or fragment: pass extra values as headers',
    );
  }
  const userinfo =
    u.username || u.password
      ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
      : undefined;
  const prefix = u.pathname.replace(/\/+$/, '');
  const origin = `${u.protocol}//${u.host}`;
  return {
    display: `${origin}${prefix}`,
    ...(userinfo ? { userinfo } : {}),
    endpoint: (path) => `${origin}${prefix}${path}`,
  };
}
