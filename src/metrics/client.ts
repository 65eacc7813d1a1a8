import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { PrometheusDriver } from 'prometheus-query';
import { Interrupted } from '../core/index.ts';
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
  bodyText,
  excerpt,
  parseBuildInfo,
  parseConfigYaml,
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

// The HTTP exchange is prometheus-query's (request building, form encoding, basic auth, its axios
// transport). What it cannot do is added through its request/response interceptors and kept small:
// - abort and a per-attempt deadline: its calls take no AbortSignal, so the interceptor sets axios'
//   `signal`;
// - TLS (CA, insecureSkipVerify) and no environment proxy: the interceptor sets the agents and
//   `proxy: false`;
// - the answer as Prometheus wrote it: its parser reads values with parseFloat, which turns "+Inf"
//   into NaN (a real, very bad latency would read as "no data"), drops `warnings`/`infos`, and
//   throws plain objects without the HTTP status for non-JSON error bodies. The response
//   interceptor records status and body; parse.ts reads them.
// docs/dependencies.md ("Prometheus client") has the evidence.
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
  /**
   * Aborts every call: a query in flight stops at once and rejects with the signal's reason (an
   * {@link Interrupted}); no retry or back-off follows.
   */
  readonly signal?: AbortSignal;
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
  /** `GET /api/v1/status/config`: the configuration Prometheus loaded, as YAML text. */
  configYaml(): Promise<string>;
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
  /** The body: parsed JSON when it was JSON, else the text. */
  readonly body: unknown;
}

/** What one exchange asks prometheus-query for. */
type Call =
  | { readonly kind: 'query'; readonly promql: string; readonly time: Date }
  | {
      readonly kind: 'range';
      readonly promql: string;
      readonly start: Date;
      readonly end: Date;
      readonly stepSeconds: number;
    }
  | { readonly kind: 'buildinfo' | 'config' | 'ready' };

/** The axios request config fields the interceptor sets (axios' own type is not imported). */
interface RequestConfig {
  signal?: unknown;
  httpAgent?: unknown;
  httpsAgent?: unknown;
  proxy?: unknown;
  maxRedirects?: number;
  baseURL?: string;
  url?: string;
  timeout?: number;
}

interface AxiosLikeError {
  readonly response?: { readonly status: number; readonly data: unknown };
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

  const tlsOptions = {
    ...(options.tls?.ca !== undefined ? { ca: options.tls.ca } : {}),
    ...(options.tls?.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
  };
  const httpAgent = new HttpAgent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({ keepAlive: true, ...tlsOptions });
  const outer = options.signal;

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

  /**
   * One HTTP exchange through prometheus-query; the timer covers connect, headers and body. Resolves
   * with any HTTP status; rejects with the network error, or with the outer signal's Interrupted.
   */
  async function exchange(call: Call, budgetMs: number): Promise<Response> {
    if (outer?.aborted) throw Interrupted.from(outer);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, budgetMs);
    timer.unref?.();
    const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
    let answer: Response | undefined;
    let failure: unknown;
    const driver = new PrometheusDriver({
      endpoint: base.origin,
      baseURL: `${base.prefix}/api/v1/`,
      headers: { accept: 'application/json', ...headers },
      preferPost: true,
      timeout: budgetMs,
      requestInterceptor: {
        onFulfilled: (config) => {
          const c = config as RequestConfig;
          c.signal = signal;
          c.httpAgent = httpAgent;
          c.httpsAgent = httpsAgent;
          c.proxy = false;
          c.maxRedirects = 0;
          c.timeout = 0; // the AbortController above is the one deadline
          // prometheus-query has no call for the readiness endpoint, which is not under /api/v1.
          if (call.kind === 'ready') {
            c.baseURL = `${base.origin}${base.prefix}/-/`;
            c.url = 'ready';
          }
          return config;
        },
      },
      responseInterceptor: {
        onFulfilled: (res) => {
          answer = { status: res.status, body: res.data };
          return res;
        },
        onRejected: (err: unknown) => {
          const r = (err as AxiosLikeError).response;
          if (r) answer = { status: r.status, body: r.data };
          else failure = networkCause(err);
          return Promise.reject(err);
        },
      },
    });
    try {
      // The driver's own result is not used (see the comment at the top): the interceptors keep
      // the exchange as it happened.
      await run(driver, call).catch(() => undefined);
    } finally {
      clearTimeout(timer);
    }
    if (answer) return answer;
    if (outer?.aborted) throw Interrupted.from(outer);
    if (timedOut) throw new AttemptTimedOut(budgetMs, failure);
    throw failure ?? new Error('prometheus-query gave neither an answer nor an error');
  }

  async function attempt(call: Call, remainingMs: number): Promise<AttemptOutcome<Response>> {
    let res: Response;
    try {
      res = await exchange(call, Math.min(timeoutMs, remainingMs));
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      const reason = classify(err);
      return { ok: false, error: new NetworkFailure(reason, err), retryable: RETRYABLE_REASONS.has(reason) };
    }
    if (res.status >= 500) return { ok: false, error: new HttpFailure(res), retryable: true };
    return { ok: true, value: res };
  }

  /** Sends with retries; answers any status < 500 and maps the rest to typed errors. */
  async function send(call: Call): Promise<Response> {
    return withRetries(
      policy,
      clock,
      (_n, remaining) => attempt(call, remaining),
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
      outer,
    );
  }

  /** Runs a query endpoint and returns the successful body, or the typed error for its status. */
  async function runQuery(call: Call & { promql: string }) {
    const promql = call.promql;
    const res = await send(call);
    if (res.status === 400 || res.status === 422) {
      const failure = parseFailure(res.body);
      throw new BadQuery(
        promql,
        scrub(failure?.error || excerpt(bodyText(res.body))),
        res.status,
        failure?.errorType,
      );
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
      const parsed = await runQuery({ kind: 'query', promql, time: at });
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
      const parsed = await runQuery({ kind: 'range', promql, start: from, end: to, stepSeconds });
      try {
        return toMatrix(promql, from, to, stepSeconds, parsed);
      } catch (err) {
        if (err instanceof ShapeError) throw new BadQuery(promql, err.message, undefined, undefined, err);
        throw err;
      }
    },

    async isOnline() {
      try {
        const ready = await exchange({ kind: 'ready' }, timeoutMs);
        if (ready.status >= 200 && ready.status < 300) return true;
        if (ready.status !== 404 && ready.status !== 401 && ready.status !== 403) return false;
        const info = await exchange({ kind: 'buildinfo' }, timeoutMs);
        return info.status >= 200 && info.status < 300;
      } catch {
        return false;
      }
    },

    async buildInfo() {
      const res = await send({ kind: 'buildinfo' });
      if (res.status < 200 || res.status >= 300)
        throw new PrometheusError(base.display, res.status, scrub(detail(res.body)));
      try {
        return parseBuildInfo(res.body);
      } catch (err) {
        if (err instanceof MalformedResponse) throw malformed(err, res);
        throw err;
      }
    },

    async configYaml() {
      const res = await send({ kind: 'config' });
      if (res.status < 200 || res.status >= 300)
        throw new PrometheusError(base.display, res.status, scrub(detail(res.body)));
      try {
        return parseConfigYaml(res.body);
      } catch (err) {
        if (err instanceof MalformedResponse) throw malformed(err, res);
        throw err;
      }
    },

    async close() {
      httpAgent.destroy();
      httpsAgent.destroy();
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

function detail(body: unknown): string {
  const failure = parseFailure(body);
  if (failure) return [failure.errorType, failure.error].filter(Boolean).join(': ');
  const text = bodyText(body);
  return text.trim() === '' ? '(empty body)' : excerpt(text);
}

/**
 * The network error without the axios request config it carries (headers, so credentials): only
 * its code and message survive as the `cause` of a typed error.
 */
function networkCause(err: unknown): Error {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const cause = new Error(code ? `${code}: ${message}` : message);
  if (code) Object.assign(cause, { code });
  return cause;
}

/** The prometheus-query call for one exchange. */
function run(driver: PrometheusDriver, call: Call): Promise<unknown> {
  switch (call.kind) {
    case 'query':
      return driver.instantQuery(call.promql, call.time);
    case 'range':
      return driver.rangeQuery(call.promql, call.start, call.end, call.stepSeconds);
    case 'config':
      return driver.status();
    case 'buildinfo':
    case 'ready':
      return driver.statusBuildinfo();
  }
}

function requireDate(value: Date, name: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(`${name} must be a valid Date: every query is evaluated at an explicit time`);
  }
  return value;
}

interface BaseUrl {
  readonly display: string;
  /** `http://host:port` */
  readonly origin: string;
  /** The path prefix without a trailing slash, e.g. `/prometheus` or ``. */
  readonly prefix: string;
  readonly userinfo?: { username: string; password: string };
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
    origin,
    prefix,
    ...(userinfo ? { userinfo } : {}),
  };
}
