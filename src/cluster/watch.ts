import type { Readable } from 'node:stream';
import { formatDuration, Interrupted, isInterrupted } from '../core/index.ts';
import { ClusterError, errorFromStatus, ServerError, Unreachable, type RequestInfo } from './errors.ts';
import { collectionPath, type ResourceRef } from './resources.ts';
import { RETRY_JITTER } from './retry.ts';
import { anySignal, type Transport } from './transport.ts';
import type { KubeObject } from './types.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** How watches notice trouble and come back, like client-go's reflector. */
export interface WatchPolicy {
  /**
   * Silence after which a stream is presumed dead and re-opened from the last resourceVersion. The
   * API server sends a BOOKMARK about once a minute at most, so a quiet stream may be healthy; but
   * re-opening costs one request and loses nothing, so it is done well before TCP would notice.
   */
  idleTimeoutMs: number;
  /** Each watch asks the server to end it after a random 1–2× this (client-go: 5–10 minutes). */
  minWatchSeconds: number;
  /** Pause after a failed list or watch: starts here, doubles up to maxBackoffMs, with jitter. */
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_WATCH_POLICY: WatchPolicy = {
  idleTimeoutMs: 30_000,
  minWatchSeconds: 300,
  minBackoffMs: 250,
  maxBackoffMs: 5_000,
};

/** How one watch stream ended. */
export type StreamEnd =
  | { kind: 'stopped' }
  | { kind: 'closed'; events: number }
  | { kind: 'silent'; ms: number }
  | { kind: 'expired'; message: string }
  | { kind: 'failed'; error: ClusterError };

/** Return true from onEvent to stop reading. */
export type EventSink = (type: WatchEventType, obj: KubeObject) => boolean | void;

function isKubeObject(v: unknown): v is KubeObject {
  if (typeof v !== 'object' || v === null) return false;
  const meta = (v as { metadata?: unknown }).metadata;
  return typeof meta === 'object' && meta !== null;
}

/**
 * Reads `{"type":…,"object":…}` lines until the server ends the stream, it breaks, it stays silent
 * for `idleTimeoutMs`, an ERROR event arrives, or onEvent asks to stop. Rejects only with the
 * signal's Interrupted when the signal aborts.
 */
export async function readWatchStream(
  body: Readable,
  opts: {
    idleTimeoutMs: number;
    signal: AbortSignal | undefined;
    info: RequestInfo;
    server: string;
    onEvent: EventSink;
  },
): Promise<StreamEnd> {
  let silent = false;
  const idle = setTimeout(() => {
    silent = true;
    body.destroy();
  }, opts.idleTimeoutMs);
  let events = 0;
  let pending = '';
  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      idle.refresh();
      pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        if (line === '') continue;
        let event: { type?: unknown; object?: unknown };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          return failed(opts, `the watch stream sent a line that is not JSON: ${line.slice(0, 120)}`);
        }
        const type = event.type as WatchEventType;
        if (type === 'ERROR') {
          const status = (event.object ?? {}) as { code?: unknown; message?: unknown };
          const code = typeof status.code === 'number' ? status.code : 500;
          if (code === 410) return { kind: 'expired', message: String(status.message ?? 'Expired') };
          return { kind: 'failed', error: errorFromStatus(code, JSON.stringify(status), opts.info) };
        }
        if (!isKubeObject(event.object)) continue;
        events++;
        if (opts.onEvent(type, event.object) === true) {
          body.destroy();
          return { kind: 'stopped' };
        }
      }
    }
    return { kind: 'closed', events };
  } catch (err) {
    if (opts.signal?.aborted) throw Interrupted.from(opts.signal);
    if (isInterrupted(err)) throw err;
    if (silent) return { kind: 'silent', ms: opts.idleTimeoutMs };
    return failed(opts, `the watch stream broke: ${err instanceof Error ? err.message : String(err)}`, err);
  } finally {
    clearTimeout(idle);
  }
}

function failed(opts: { server: string; info: RequestInfo }, detail: string, cause?: unknown): StreamEnd {
  return { kind: 'failed', error: new Unreachable(opts.server, detail, opts.info, cause) };
}

/** What {@link watchUntil} needs from the client. */
export interface WatchTarget {
  ref: ResourceRef;
  name: string;
  namespace?: string | undefined;
}

export interface WatchUntilOptions {
  /** Stops the wait (with the signal's Interrupted); the client's own signal always applies. */
  signal?: AbortSignal | undefined;
  /** Epoch ms by the client's clock; the client's deadline always applies. */
  deadlineAt?: number | undefined;
  /** How long to wait from now (the earlier of this and deadlineAt wins). */
  timeoutMs?: number | undefined;
  /** Called with every state seen (undefined: the object does not exist), e.g. for progress. */
  onChange?: ((obj: KubeObject | undefined) => void) | undefined;
  /** The condition, for the timeout message: e.g. `status.stage finished or error`. */
  condition?: string | undefined;
  /** Describes a state for the timeout message; default its resourceVersion. */
  describe?: ((obj: KubeObject | undefined) => string) | undefined;
  /** Overrides of the client's watch policy (tests use a short idle timeout). */
  policy?: Partial<WatchPolicy> | undefined;
}

/**
 * A wait that ended at its deadline. `lastSeen` is the last state observed; `lost` says the watch
 * had broken and could not be re-established before the deadline (then nothing can be said about
 * the object since `lastError`), as opposed to a healthy watch on an object that did not change.
 */
export class WatchTimeout extends Error {
  override readonly name = 'WatchTimeout';
  constructor(
    /** `TestRun/meshgate/meshgate-run-s25` */
    readonly object: string,
    readonly waitedMs: number,
    /** Whether any state was seen at all (lastSeen undefined then means "does not exist"). */
    readonly seen: boolean,
    readonly lastSeen: KubeObject | undefined,
    readonly lost: boolean,
    readonly lastError: Error | undefined,
    /** Times the list or watch was re-established. */
    readonly restarts: number,
    condition: string,
    describe: (obj: KubeObject | undefined) => string,
  ) {
    const last = seen ? describe(lastSeen) : '(none: the object could not be read)';
    super(
      `${object}: ${condition} not reached within ${formatDuration(waitedMs)}; last state seen: ${last}` +
        (lost
          ? `; the watch was lost and could not be re-established before the deadline (last error: ${lastError?.message ?? 'unknown'})`
          : ''),
    );
  }
}

/** Errors a re-list cannot cure: waiting longer would only hide them. */
function isPermanent(err: ClusterError): boolean {
  return err.kind !== 'Unreachable' && err.kind !== 'ServerError';
}

function jittered(ms: number): number {
  return Math.round(ms * (1 + RETRY_JITTER * Math.random()));
}

interface ListOne {
  items?: unknown[];
  metadata?: { resourceVersion?: string };
}

/**
 * Waits until `predicate` holds for one object (undefined = it does not exist), the way client-go's
 * reflector keeps an informer current: list (one object, by field selector), then watch from the
 * list's resourceVersion with bookmarks; when the stream ends, breaks or goes silent, watch again
 * from the last resourceVersion seen; on 410 Gone list again. Failures back off (honouring
 * Retry-After) without ever waiting past the deadline. Returns the state that satisfied the
 * predicate; throws {@link WatchTimeout} at the deadline, the signal's Interrupted when it aborts,
 * and permanent errors (Forbidden, Unauthorized, a kind not served) at once.
 */
export async function watchUntil(
  transport: Transport,
  basePolicy: WatchPolicy,
  target: WatchTarget,
  predicate: (obj: KubeObject | undefined) => boolean,
  opts: WatchUntilOptions = {},
): Promise<KubeObject | undefined> {
  const policy = { ...basePolicy, ...opts.policy };
  const clock = transport.clock;
  const started = clock.now();
  const deadline = transport.deadlineFor(
    opts.timeoutMs === undefined
      ? opts.deadlineAt
      : Math.min(opts.deadlineAt ?? Infinity, started + opts.timeoutMs),
  );
  const { ref, name, namespace } = target;
  const path = collectionPath(ref, namespace);
  const label = `${ref.kind}/${namespace ? `${namespace}/` : ''}${name}`;
  const info = (verb: string): RequestInfo => ({
    verb,
    group: ref.group,
    resource: ref.plural,
    namespace,
    name,
    path,
  });
  // The deadline as a signal, so a list or stream in flight stops when it passes.
  const atDeadline = new AbortController();
  const timer =
    deadline === undefined
      ? undefined
      : setTimeout(() => atDeadline.abort(new Interrupted('deadline')), Math.max(0, deadline - started));
  const external = transport.signalFor(opts.signal);
  const signal = anySignal(external, atDeadline.signal);

  let seen = false;
  let last: KubeObject | undefined;
  let rv: string | undefined;
  let healthy = false;
  let lastError: Error | undefined;
  let restarts = 0;
  let backoff = policy.minBackoffMs;
  const observe = (obj: KubeObject | undefined): boolean => {
    const changed = !seen || obj?.metadata.resourceVersion !== last?.metadata.resourceVersion;
    seen = true;
    last = obj;
    if (changed) opts.onChange?.(obj);
    return predicate(obj);
  };
  const timeout = (): WatchTimeout =>
    new WatchTimeout(
      label,
      clock.now() - started,
      seen,
      last,
      !healthy,
      lastError,
      restarts,
      opts.condition ?? 'the condition',
      opts.describe ??
        ((o) =>
          o === undefined ? '(the object does not exist)' : `resourceVersion ${o.metadata.resourceVersion}`),
    );
  /** After a failure: rethrow what waiting cannot cure, else pause (never past the deadline). */
  const recover = async (err: unknown, askedMs?: number): Promise<void> => {
    if (!(err instanceof ClusterError) || isPermanent(err)) throw err;
    healthy = false;
    lastError = err;
    restarts++;
    const delay = jittered(Math.max(askedMs ?? 0, backoff));
    backoff = Math.min(policy.maxBackoffMs, backoff * 2);
    if (deadline !== undefined && clock.now() + delay >= deadline) throw timeout();
    await clock.sleep(delay, signal);
  };

  try {
    for (;;) {
      if (rv === undefined) {
        let list: ListOne;
        try {
          list = await transport.json<ListOne>({
            method: 'GET',
            path,
            query: { fieldSelector: `metadata.name=${name}` },
            info: info('list'),
            signal,
          });
        } catch (err) {
          await recover(err);
          continue;
        }
        const item = (list.items ?? []).find(isKubeObject);
        if (observe(item ? { apiVersion: apiVersionOf(ref), kind: ref.kind, ...item } : undefined))
          return last;
        rv = list.metadata?.resourceVersion;
        healthy = true;
        backoff = policy.minBackoffMs;
        if (rv === undefined) throw new ServerError(info('list'), 200, 'the list has no resourceVersion');
      }
      const timeoutSeconds = Math.round(policy.minWatchSeconds * (1 + Math.random()));
      const opened = clock.now();
      let res;
      try {
        res = await transport.stream({
          method: 'GET',
          path,
          query: {
            watch: 'true',
            fieldSelector: `metadata.name=${name}`,
            resourceVersion: rv,
            allowWatchBookmarks: 'true',
            timeoutSeconds: String(
              deadline === undefined
                ? timeoutSeconds
                : Math.max(1, Math.min(timeoutSeconds, Math.ceil((deadline - opened) / 1000))),
            ),
          },
          info: info('watch'),
          signal,
        });
      } catch (err) {
        await recover(err);
        continue;
      }
      if (!res.ok) {
        if (res.error instanceof ServerError && res.error.status === 410) {
          rv = undefined;
          restarts++;
          continue;
        }
        await recover(res.error, res.retryAfterMs);
        continue;
      }
      healthy = true;
      let met = false;
      const end = await readWatchStream(res.body, {
        idleTimeoutMs: policy.idleTimeoutMs,
        signal,
        info: info('watch'),
        server: transport.server,
        onEvent: (type, obj) => {
          if (obj.metadata.resourceVersion) rv = obj.metadata.resourceVersion;
          if (type === 'BOOKMARK') return false;
          const state =
            type === 'DELETED' ? undefined : { apiVersion: apiVersionOf(ref), kind: ref.kind, ...obj };
          met = observe(state);
          return met;
        },
      });
      if (met) return last;
      switch (end.kind) {
        case 'expired':
          rv = undefined;
          restarts++;
          break;
        case 'failed':
          await recover(end.error);
          break;
        case 'silent':
          lastError = new Unreachable(
            transport.server,
            `the watch sent nothing for ${formatDuration(end.ms)}`,
            info('watch'),
          );
          restarts++;
          break;
        case 'closed':
          restarts++;
          // A server that ends watches at once must not turn this into a busy loop.
          if (end.events === 0 && clock.now() - opened < 1_000) await clock.sleep(jittered(backoff), signal);
          break;
        case 'stopped':
          return last;
      }
    }
  } catch (err) {
    // The deadline passing (rather than the caller's or the client's signal) is a timeout with
    // the last state seen, not an interruption.
    if (isInterrupted(err) && !external?.aborted && atDeadline.signal.aborted) throw timeout();
    if (isInterrupted(err) && err.trigger === 'deadline' && !external?.aborted) throw timeout();
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    atDeadline.abort(new Interrupted('cancelled'));
  }
}

function apiVersionOf(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}
