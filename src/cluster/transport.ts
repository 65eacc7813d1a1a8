import type { KubeConfig } from '@kubernetes/client-node';
import fetch, { type RequestInit } from 'node-fetch';
import { Interrupted, systemClock, throwIfInterrupted, type Clock } from '../core/index.ts';
import { ClusterError, errorFromStatus, ServerError, Unreachable, type RequestInfo } from './errors.ts';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Overall budget for one logical request, retries included. */
  deadlineMs: number;
  /** Budget for one attempt. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  deadlineMs: 20_000,
  attemptTimeoutMs: 30_000,
};

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  info: RequestInfo;
}

export interface HttpResponse {
  status: number;
  text: string;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** How a run stops its requests: the run's AbortSignal and deadline (epoch ms). */
export interface TransportRun {
  signal?: AbortSignal | undefined;
  deadlineAt?: number | undefined;
}

/**
 * The HTTP edge of the cluster layer. Credentials, TLS and auth plugins come from
 * @kubernetes/client-node's KubeConfig (the same code its own API classes and Watch use);
 * this adds retries with backoff for idempotent reads and typed errors.
 */
export class Transport {
  readonly server: string;
  requests = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly clock: Clock = systemClock,
    private readonly run: TransportRun = {},
  ) {
    this.server = kc.getCurrentCluster()?.server ?? '';
  }

  url(path: string, query?: Record<string, string | undefined>): URL {
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    return url;
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
   * Sends the request and returns the raw body of a 2xx answer. Reads (GET) are retried on 429,
   * 5xx and network faults with exponential backoff (Retry-After wins) inside the deadline; writes
   * are never retried here, since a retried write is not known to be safe.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.method === 'GET';
    const started = this.clock.now();
    for (let attempt = 1; ; attempt++) {
      // No request starts after the run was told to stop (a write above all).
      throwIfInterrupted(this.run.signal);
      let failure: ClusterError;
      let retryAfterMs: number | undefined;
      try {
        const res = await this.once(req);
        if (res.status >= 200 && res.status < 300) return res;
        failure = errorFromStatus(res.status, res.text, req.info);
        if (!RETRYABLE_STATUS.has(res.status)) throw failure;
        retryAfterMs = res.retryAfterMs;
      } catch (err) {
        if (err instanceof ClusterError || err instanceof Interrupted) throw err;
        if (!(err instanceof Error) || (err.name !== 'FetchError' && err.name !== 'AbortError')) throw err;
        failure = new Unreachable(this.server, describeNetworkError(err), req.info, err);
      }
      const delay = Math.min(
        this.retry.maxDelayMs,
        retryAfterMs ?? this.retry.baseDelayMs * 2 ** (attempt - 1),
      );
      const outOfBudget =
        attempt >= this.retry.attempts ||
        this.clock.now() - started + delay > this.retry.deadlineMs ||
        (this.run.deadlineAt !== undefined && this.clock.now() + delay > this.run.deadlineAt);
      if (!idempotent || outOfBudget) throw failure;
      await this.clock.sleep(delay, this.run.signal);
    }
  }

  private async once(req: HttpRequest): Promise<HttpResponse & { retryAfterMs?: number }> {
    this.requests++;
    const init = (await this.kc.applyToFetchOptions({})) as RequestInit;
    const headers = init.headers as unknown as { set(k: string, v: string): void };
    headers.set('Accept', 'application/json');
    init.method = req.method;
    if (req.body !== undefined) {
      headers.set('Content-Type', req.contentType ?? 'application/json');
      init.body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.retry.attemptTimeoutMs);
    init.signal = controller.signal as RequestInit['signal'];
    // A read in flight stops with the run; a write already sent is awaited, so its outcome is known.
    const runSignal = req.method === 'GET' ? this.run.signal : undefined;
    const onAbort = (): void => controller.abort();
    runSignal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await fetch(this.url(req.path, req.query).href, init);
      const text = await res.text();
      const retryAfter = Number(res.headers.get('retry-after'));
      return {
        status: res.status,
        text,
        ...(Number.isFinite(retryAfter) && res.headers.has('retry-after')
          ? { retryAfterMs: retryAfter * 1000 }
          : {}),
      };
    } catch (err) {
      if (runSignal?.aborted) throw Interrupted.from(runSignal);
      throw err;
    } finally {
      clearTimeout(timer);
      runSignal?.removeEventListener('abort', onAbort);
    }
  }
}

function describeNetworkError(err: Error): string {
  if (err.name === 'AbortError') return 'the request timed out';
  const code = (err as Error & { code?: string }).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return 'the host name does not resolve';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return `the server's TLS certificate is not trusted (${code}): check certificate-authority-data in the kubeconfig`;
    default:
      return code ? `${code}: ${err.message}` : err.message;
  }
}
