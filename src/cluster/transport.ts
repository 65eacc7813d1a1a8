import type { Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { request } from 'undici';
import { formatDuration, Interrupted, isInterrupted, systemClock, type Clock } from '../core/index.ts';
import { KubeConnection } from './connection.ts';
import { ClusterError, errorFromStatus, ServerError, Unreachable, type RequestInfo } from './errors.ts';
import { DEFAULT_RETRY, givenUpNote, retryAfterMs, retryDelayMs, type RetryPolicy } from './retry.ts';

export { DEFAULT_RETRY } from './retry.ts';
export type { RetryPolicy } from './retry.ts';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  info: RequestInfo;
  /**
   * A POST without side effects (an access review, a dry run) that may be retried like a read.
   * GET always may; other writes never are.
   */
  idempotent?: boolean | undefined;
  /** Stops this request too (the transport's own signal always applies). */
  signal?: AbortSignal | undefined;
  /** Epoch ms: this request's retries end here too (the transport's deadline always applies). */
  deadlineAt?: number | undefined;
}

export interface HttpResponse {
  status: number;
  text: string;
}

/** The answer to a streaming request once its headers arrived. */
export type StreamResponse =
  | { ok: true; status: number; body: Readable }
  | { ok: false; error: ClusterError; retryAfterMs: number | undefined };

/** How a Transport stops: a signal (its reason is what requests reject with) and a run deadline. */
export interface Cancellation {
  signal?: AbortSignal | undefined;
  /** Epoch ms (by the transport's clock). */
  deadlineAt?: number | undefined;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** The signals that apply, as one. */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  if (given.length <= 1) return given[0];
  return AbortSignal.any(given);
}

/** The first of the signals that aborted (so its own reason is reported). */
function abortedOf(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  return signals.find((s) => s?.aborted);
}

function earliest(...times: (number | undefined)[]): number | undefined {
  const given = times.filter((t): t is number => t !== undefined);
  return given.length ? Math.min(...given) : undefined;
}

/** Marks an attempt cut short by its own timer (not by a caller's signal). */
class AttemptTimeout extends Error {
  override readonly name = 'AttemptTimeout';
  constructor(
    readonly ms: number,
    readonly byDeadline: boolean,
  ) {
    super(`no answer within ${formatDuration(ms)}`);
  }
}

/**
 * The HTTP edge of the cluster layer (undici). Credentials, TLS and auth plugins come from
 * @kubernetes/client-node's KubeConfig through {@link KubeConnection}; this adds retries for
 * idempotent reads (429 and 5xx, honouring Retry-After, with jitter), typed errors, cancellation by
 * an AbortSignal (requests reject with its reason, an Interrupted) and a run deadline that no retry
 * or back-off waits past.
 */
export class Transport {
  readonly server: string;
  readonly connection: KubeConnection;
  requests = 0;
  private readonly signal: AbortSignal | undefined;
  private readonly deadlineAt: number | undefined;

  constructor(
    kc: KubeConfig,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    readonly clock: Clock = systemClock,
    cancel: Cancellation = {},
  ) {
    this.connection = new KubeConnection(kc);
    this.server = this.connection.server;
    this.signal = cancel.signal;
    this.deadlineAt = cancel.deadlineAt;
  }

  url(path: string, query?: Record<string, string | undefined>): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  /** The transport's signal combined with a caller's. */
  signalFor(extra?: AbortSignal): AbortSignal | undefined {
    return anySignal(this.signal, extra);
  }

  /** The earlier of the transport's deadline and a caller's (epoch ms), if any. */
  deadlineFor(extra?: number): number | undefined {
    return earliest(this.deadlineAt, extra);
  }

  /** Throws the Interrupted of whichever signal aborted. */
  throwIfAborted(extra?: AbortSignal): void {
    const aborted = abortedOf(this.signal, extra);
    if (aborted) throw Interrupted.from(aborted);
  }

  /** Throws the Interrupted of whichever signal aborted, or Interrupted('deadline') once it passed. */
  checkpoint(extra?: AbortSignal, deadlineAt?: number): void {
    this.throwIfAborted(extra);
    const deadline = this.deadlineFor(deadlineAt);
    if (deadline !== undefined && this.clock.now() >= deadline) throw new Interrupted('deadline');
  }

  /** Sends the request; returns the parsed JSON body of a 2xx answer or throws a ClusterError. */
  async json<T>(req: HttpRequest): Promise<T> {
    const res = await this.send(req);
    try {
      return JSON.parse(res.text) as T;
    } catch (err) {
      throw new ServerError(req.info, res.status, `the body is not JSON: ${res.text.slice(0, 200)}`, err);
    }
  }

  /**
   * Sends the request and returns the raw body of a 2xx answer. Reads (GET, and requests marked
   * idempotent such as access reviews) are retried on 429,
   * 5xx and network faults: after what the server asked for (Retry-After, at least a little), else
   * with exponential back-off, with jitter; never past the run's deadline (or, without one, the
   * policy's budget). A retry that would wait past it is not made: the last failure is thrown, its
   * message saying so. Writes are never retried, since a retried write is not known to be safe.
   * When the signal aborts, the request stops and rejects with the signal's reason.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.method === 'GET' || req.idempotent === true;
    const started = this.clock.now();
    const runDeadline = this.deadlineFor(req.deadlineAt);
    const budgetEnd = runDeadline ?? started + this.retry.deadlineMs;
    const signal = this.signalFor(req.signal);
    for (let attempt = 1; ; attempt++) {
      this.checkpoint(req.signal, req.deadlineAt);
      let failure: ClusterError;
      let asked: number | undefined;
      // No request starts after the run was told to stop (checkpoint above), but a write already sent
      // is awaited so that its outcome is known and audited: only reads stop with the run in flight.
      const inFlight = idempotent ? signal : req.signal;
      const res = await this.once(req, inFlight, idempotent ? runDeadline : undefined).catch((err: unknown) =>
        this.classify(err, req, inFlight),
      );
      if (res instanceof ClusterError) {
        failure = res;
      } else {
        if (res.status >= 200 && res.status < 300) return res;
        failure = errorFromStatus(res.status, res.text, req.info);
        if (!RETRYABLE_STATUS.has(res.status)) throw failure;
        asked = res.retryAfterMs;
      }
      if (!idempotent || attempt >= this.retry.attempts) throw failure;
      const delay = retryDelayMs(attempt, this.retry, asked);
      const remaining = budgetEnd - this.clock.now();
      if (delay > remaining) {
        throw withNote(
          failure,
          givenUpNote({
            attempts: attempt,
            delayMs: delay,
            askedMs: asked,
            remainingMs: remaining,
            runDeadline: runDeadline !== undefined,
          }),
        );
      }
      await this.clock.sleep(delay, signal);
    }
  }

  /**
   * Opens a streaming GET (a watch) and returns once the headers arrived: the body as a stream for a
   * 2xx answer, else the typed error and any Retry-After. One attempt; the caller decides on retries.
   * The body has no timeout of its own: the caller watches for silence.
   */
  async stream(req: HttpRequest): Promise<StreamResponse> {
    const signal = this.signalFor(req.signal);
    this.checkpoint(req.signal, req.deadlineAt);
    this.requests++;
    const { dispatcher, headers } = await this.connection.prepare();
    try {
      const res = await request(this.url(req.path, req.query), {
        method: 'GET',
        dispatcher,
        headers: { ...headers, accept: 'application/json' },
        signal,
        headersTimeout: this.retry.attemptTimeoutMs,
        bodyTimeout: 0,
      });
      if (res.statusCode >= 200 && res.statusCode < 300) {
        return { ok: true, status: res.statusCode, body: res.body };
      }
      const text = await res.body.text();
      return {
        ok: false,
        error: errorFromStatus(res.statusCode, text, req.info),
        retryAfterMs: retryAfterMs(headerOf(res.headers['retry-after']), text, this.clock.now()),
      };
    } catch (err) {
      throw this.classify(err, req, signal);
    }
  }

  /** Closes the connection pools. */
  close(): Promise<void> {
    return this.connection.close();
  }

  /**
   * Returns a network-level failure as Unreachable (worth a retry for a read); throws an abort as the
   * signal's Interrupted, and anything else (a ClusterError from the kubeconfig, a bug) as it is.
   */
  classify(err: unknown, req: HttpRequest, signal: AbortSignal | undefined): ClusterError {
    if (err instanceof ClusterError) throw err;
    if (isInterrupted(err)) throw err;
    const aborted = abortedOf(this.signal, req.signal, signal);
    if (aborted) throw Interrupted.from(aborted);
    if (err instanceof AttemptTimeout) {
      if (err.byDeadline) throw new Interrupted('deadline');
      return new Unreachable(this.server, `the request timed out (${err.message})`, req.info, err);
    }
    const detail = networkDetail(err);
    if (detail === undefined) throw err;
    return new Unreachable(this.server, detail, req.info, err);
  }

  private async once(
    req: HttpRequest,
    signal: AbortSignal | undefined,
    runDeadline: number | undefined,
  ): Promise<HttpResponse & { retryAfterMs?: number | undefined }> {
    this.requests++;
    const { dispatcher, headers } = await this.connection.prepare();
    const sendHeaders: Record<string, string> = { ...headers, accept: 'application/json' };
    let body: string | undefined;
    if (req.body !== undefined) {
      sendHeaders['content-type'] = req.contentType ?? 'application/json';
      body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    }
    // One attempt ends at its own timeout or at the run's deadline, whichever comes first. The
    // attempt's controller follows the caller's signal through a listener removed afterwards
    // (not AbortSignal.any, whose derived signals a long-lived run signal would keep collecting).
    const untilDeadline = runDeadline === undefined ? Infinity : runDeadline - this.clock.now();
    const timeoutMs = Math.max(0, Math.min(this.retry.attemptTimeoutMs, untilDeadline));
    const attempt = new AbortController();
    const follow = (): void => attempt.abort(signal?.reason);
    signal?.addEventListener('abort', follow, { once: true });
    if (signal?.aborted) follow();
    const handle = setTimeout(
      () => attempt.abort(new AttemptTimeout(timeoutMs, untilDeadline <= this.retry.attemptTimeoutMs)),
      timeoutMs,
    );
    try {
      const res = await request(this.url(req.path, req.query), {
        method: req.method,
        dispatcher,
        headers: sendHeaders,
        ...(body === undefined ? {} : { body }),
        signal: attempt.signal,
      });
      const text = await res.body.text();
      return {
        status: res.statusCode,
        text,
        retryAfterMs: retryAfterMs(headerOf(res.headers['retry-after']), text, this.clock.now()),
      };
    } catch (err) {
      const reason: unknown = attempt.signal.reason;
      if (reason instanceof AttemptTimeout && !signal?.aborted) throw reason;
      throw err;
    } finally {
      clearTimeout(handle);
      signal?.removeEventListener('abort', follow);
    }
  }
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The same failure, its message extended by why no retry was made. */
export function withNote<E extends ClusterError>(err: E, note: string): E {
  err.message = `${err.message}; ${note}`;
  return err;
}

/** The system or undici error code of a network-level failure, if it is one. */
function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Words for a network-level failure, or undefined when the error is not one (a bug: rethrown). */
function networkDetail(err: unknown): string | undefined {
  const code = codeOf(err);
  if (code === undefined) return undefined;
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'the connection was reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'the request timed out';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'CERT_HAS_EXPIRED':
      return `the server's TLS certificate is not trusted (${code}): check certificate-authority-data in the kubeconfig`;
    default:
      if (/^(E[A-Z]+|UND_ERR_|ERR_SSL|ERR_TLS|CERT_)/.test(code)) return `${code}: ${message}`;
      return undefined;
  }
}
