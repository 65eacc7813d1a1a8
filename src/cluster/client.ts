import type { KubeConfig } from '@kubernetes/client-node';
import { formatDuration, Interrupted, isInterrupted, systemClock, type Clock } from '../core/index.ts';
import {
  ClusterError,
  errorFromStatus,
  InvalidObject,
  NotFound,
  ServerError,
  Unreachable,
  type RequestInfo,
} from './errors.ts';
import { execInPod } from './exec.ts';
import { Limiter } from './limiter.ts';
import { collectionPath, objectPath, Resources, type ResourceRef } from './resources.ts';
import { objectProblems } from './schemas.ts';
import { Transport, withNote, type RetryPolicy } from './transport.ts';
import {
  DEFAULT_WATCH_POLICY,
  readWatchStream,
  watchUntil,
  type WatchEventType,
  type WatchPolicy,
  type WatchUntilOptions,
} from './watch.ts';
import type {
  AccessAttributes,
  AccessDecision,
  ExecResult,
  KubeObject,
  ProxyResult,
  ResourceRule,
  RulesReview,
  VersionInfo,
} from './types.ts';

export interface ListOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
}

/** An object of a custom kind that lacks the shape meshgate reads, and why. */
export interface RejectedObject {
  /** `Kind/namespace/name`. */
  object: string;
  namespace?: string | undefined;
  /** "field: problem" lines. */
  problems: string[];
  /** The object as the API returned it (snapshot records it as is). */
  item: KubeObject;
}

/** A list split into the objects checks can read and those they cannot. */
export interface CheckedList {
  items: KubeObject[];
  rejected: RejectedObject[];
  request: RequestInfo;
}

export interface ClusterClientOptions {
  pageSize?: number;
  /** Concurrent per-pod calls (proxy, exec). */
  podConcurrency?: number;
  retry?: RetryPolicy;
  execTimeoutMs?: number;
  /**
   * The run's signal. When it aborts, every request, exec session, proxy call and watch of this
   * client, in flight or later, stops and rejects with the signal's reason (an Interrupted).
   */
  signal?: AbortSignal | undefined;
  /** The run's deadline, epoch ms by `clock`: no retry, back-off or wait goes past it. */
  deadlineAt?: number | undefined;
  /** Time for retries, back-offs and deadlines; default the system clock. */
  clock?: Clock | undefined;
  /** How watches notice a dead stream and come back. */
  watch?: Partial<WatchPolicy> | undefined;
}

export interface WatchOptions extends ListOptions {
  /** Watch one object (a `metadata.name` field selector). */
  name?: string | undefined;
  /** Start after this version; without it the stream opens with ADDED for every current object. */
  resourceVersion?: string | undefined;
  /** Ask the server to end the stream after this long (callers then re-read and watch again). */
  timeoutSeconds?: number | undefined;
}

export type { WatchEventType } from './watch.ts';

/**
 * A running watch: `done` resolves when the server ends the stream or `stop()` is called, and
 * rejects with a ClusterError when it breaks, goes silent (Unreachable), or expires (410, a
 * ServerError), or with the client's Interrupted when its signal aborts.
 */
export interface WatchHandle {
  readonly done: Promise<void>;
  stop(): void;
}

export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_POD_CONCURRENCY = 8;
export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
/** A paged list whose continue token expired (410) starts over this many times at most. */
export const MAX_LIST_RESTARTS = 3;

interface ListBody {
  items?: unknown[];
  metadata?: { continue?: string; resourceVersion?: string };
}

function info(
  ref: ResourceRef,
  verb: string,
  path: string,
  namespace?: string,
  name?: string,
  sub?: string,
): RequestInfo {
  return { verb, group: ref.group, resource: ref.plural, namespace, name, subresource: sub, path };
}

function isKubeObject(v: unknown): v is KubeObject {
  if (typeof v !== 'object' || v === null) return false;
  const meta = (v as { metadata?: unknown }).metadata;
  return typeof meta === 'object' && meta !== null && typeof (meta as { name?: unknown }).name === 'string';
}

/**
 * The only way meshgate talks to Kubernetes. Reads go through a per-run cache: a kind is listed
 * once however many checks ask for it, and a failed read is remembered too, so twenty checks over a
 * forbidden resource cost one request and give twenty consistent "could not see" answers.
 */
export class ClusterClient {
  readonly transport: Transport;
  private readonly cache = new Map<string, Promise<unknown>>();
  private readonly podCalls: Limiter;
  private readonly pageSize: number;
  private readonly execTimeoutMs: number;
  private readonly watchPolicy: WatchPolicy;

  constructor(
    readonly kubeConfig: KubeConfig,
    opts: ClusterClientOptions = {},
  ) {
    this.transport = new Transport(kubeConfig, opts.retry, opts.clock ?? systemClock, {
      signal: opts.signal,
      deadlineAt: opts.deadlineAt,
    });
    this.podCalls = new Limiter(opts.podConcurrency ?? DEFAULT_POD_CONCURRENCY);
    this.pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
    this.execTimeoutMs = opts.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    this.watchPolicy = { ...DEFAULT_WATCH_POLICY, ...opts.watch };
  }

  /** Closes the client's connection pools; later requests open new ones. */
  close(): Promise<void> {
    return this.transport.close();
  }

  get server(): string {
    return this.transport.server;
  }

  /** HTTP requests sent so far (retries included): benchmarks and cache tests read it. */
  get requestCount(): number {
    return this.transport.requests;
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    // After the signal, nothing is answered, not even from the cache: the run is over.
    try {
      this.transport.throwIfAborted();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    let hit = this.cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = load();
      this.cache.set(key, hit);
      // Keep the rejection in the cache but never as an unhandled one.
      hit.catch(() => undefined);
    }
    return hit;
  }

  /** Forgets cached reads, after a write or between monitor intervals. */
  invalidate(): void {
    this.cache.clear();
  }

  /**
   * Lists every object of a kind, following `continue` tokens. A custom resource without the shape
   * meshgate reads fails the whole list (InvalidObject); `listChecked` keeps the others.
   */
  async list(ref: ResourceRef, opts: ListOptions = {}): Promise<KubeObject[]> {
    const { items, rejected, request } = await this.listChecked(ref, opts);
    if (rejected.length > 0) throw new InvalidObject(request, rejected);
    return items;
  }

  /**
   * Lists every object of a kind and checks custom resources against the fields meshgate reads:
   * `items` are the objects with that shape, `rejected` the others with their problems, so one
   * malformed object (say, in another team's namespace) does not hide the rest.
   */
  listChecked(ref: ResourceRef, opts: ListOptions = {}): Promise<CheckedList> {
    const path = collectionPath(ref, opts.namespace);
    const request = info(ref, 'list', path, opts.namespace);
    return this.listRaw(ref, opts).then((all) => {
      const items: KubeObject[] = [];
      const rejected: RejectedObject[] = [];
      for (const o of all) {
        const problems = objectProblems(ref, o);
        if (problems.length === 0) items.push(o);
        else rejected.push({ object: objectRef(ref, o), namespace: o.metadata.namespace, problems, item: o });
      }
      return { items, rejected, request };
    });
  }

  /**
   * Every object of a kind, page by page. A continue token that expired (410 Gone, the pages span
   * more history than the server keeps) starts the list over, as client-go does: the pages read so
   * far may be from another version of the collection.
   */
  private listRaw(ref: ResourceRef, opts: ListOptions): Promise<KubeObject[]> {
    const path = collectionPath(ref, opts.namespace);
    const key = `list ${path}?l=${opts.labelSelector ?? ''}&f=${opts.fieldSelector ?? ''}`;
    return this.cached(key, async () => {
      const reqInfo = info(ref, 'list', path, opts.namespace);
      for (let restart = 0; ; restart++) {
        try {
          return await this.listPages(ref, path, opts, reqInfo);
        } catch (err) {
          if (!(err instanceof ExpiredContinue)) throw err;
          if (restart >= MAX_LIST_RESTARTS)
            throw withNote(
              err.error,
              `the list was restarted ${MAX_LIST_RESTARTS} times and its continue token expired each time`,
            );
        }
      }
    });
  }

  private async listPages(
    ref: ResourceRef,
    path: string,
    opts: ListOptions,
    reqInfo: RequestInfo,
  ): Promise<KubeObject[]> {
    const items: KubeObject[] = [];
    let token: string | undefined;
    do {
      let body: ListBody;
      try {
        body = await this.transport.json<ListBody>({
          method: 'GET',
          path,
          query: {
            limit: String(this.pageSize),
            continue: token,
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
          },
          info: reqInfo,
        });
      } catch (err) {
        if (token !== undefined && err instanceof ServerError && err.status === 410)
          throw new ExpiredContinue(err);
        throw err;
      }
      for (const item of body.items ?? []) {
        if (!isKubeObject(item)) {
          throw errorFromStatus(502, 'the list contains an item without metadata.name', reqInfo);
        }
        // Lists of built-in kinds omit kind/apiVersion per item; checks and reports want them.
        items.push({
          apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version,
          kind: ref.kind,
          ...item,
        });
      }
      token = body.metadata?.continue || undefined;
    } while (token);
    return items;
  }

  /** Reads one object; NotFound is thrown as a typed error. */
  get(ref: ResourceRef, name: string, namespace?: string): Promise<KubeObject> {
    const path = objectPath(ref, name, namespace);
    return this.cached(`get ${path}`, async () => {
      const obj = await this.transport.json<unknown>({
        method: 'GET',
        path,
        info: info(ref, 'get', path, namespace, name),
      });
      if (!isKubeObject(obj))
        throw errorFromStatus(502, 'the object has no metadata.name', info(ref, 'get', path));
      return obj;
    });
  }

  /** Like get, but a missing object is `undefined` instead of an error. */
  async find(ref: ResourceRef, name: string, namespace?: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(ref, name, namespace);
    } catch (err) {
      if (err instanceof NotFound) return undefined;
      throw err;
    }
  }

  version(): Promise<VersionInfo> {
    return this.cached('version', () =>
      this.transport.json<VersionInfo>({
        method: 'GET',
        path: '/version',
        info: { verb: 'get', group: '', resource: 'version', path: '/version', nonResource: true },
      }),
    );
  }

  /** Every served group/version, e.g. "v1", "apps/v1", "networking.istio.io/v1beta1". */
  servedVersions(): Promise<Set<string>> {
    return this.cached('discovery', async () => {
      const core = await this.transport.json<{ versions?: string[] }>({
        method: 'GET',
        path: '/api',
        info: { verb: 'get', group: '', resource: 'api', path: '/api', nonResource: true },
      });
      const groups = await this.transport.json<{ groups?: { versions?: { groupVersion: string }[] }[] }>({
        method: 'GET',
        path: '/apis',
        info: { verb: 'get', group: '', resource: 'apis', path: '/apis', nonResource: true },
      });
      const served = new Set(core.versions ?? []);
      for (const g of groups.groups ?? []) for (const v of g.versions ?? []) served.add(v.groupVersion);
      return served;
    });
  }

  /** Asks whether the identity running meshgate may do something (SelfSubjectAccessReview). */
  canI(attrs: AccessAttributes): Promise<AccessDecision> {
    const key = `ssar ${JSON.stringify(attrs)}`;
    return this.cached(key, async () => {
      const path = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
      const body = await this.transport.json<{ status?: AccessDecision }>({
        method: 'POST',
        path,
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: attrs },
        },
        info: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', path },
        // A review is answered, never stored: asking again is safe.
        idempotent: true,
      });
      return {
        allowed: body.status?.allowed === true,
        denied: body.status?.denied,
        reason: body.status?.reason,
      };
    });
  }

  /**
   * What the identity running meshgate may do in a namespace, in one request
   * (SelfSubjectRulesReview). The rules include cluster-wide grants, but cannot tell them from the
   * namespace's own; `incomplete` says the authorizer could not list every rule.
   */
  rulesIn(namespace: string): Promise<RulesReview> {
    return this.cached(`ssrr ${namespace}`, async () => {
      const path = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';
      const body = await this.transport.json<{
        status?: { resourceRules?: unknown; incomplete?: unknown; evaluationError?: unknown };
      }>({
        method: 'POST',
        path,
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectRulesReview',
          spec: { namespace },
        },
        info: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews', path },
        // A review is answered, never stored: asking again is safe.
        idempotent: true,
      });
      const st = body.status ?? {};
      const strings = (v: unknown): string[] =>
        Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
      const rules: ResourceRule[] = (Array.isArray(st.resourceRules) ? st.resourceRules : []).map(
        (r: { verbs?: unknown; apiGroups?: unknown; resources?: unknown; resourceNames?: unknown }) => ({
          verbs: strings(r.verbs),
          apiGroups: strings(r.apiGroups),
          resources: strings(r.resources),
          resourceNames: strings(r.resourceNames),
        }),
      );
      return {
        namespace,
        resourceRules: rules,
        // No status at all is not a complete answer.
        incomplete: body.status === undefined || st.incomplete === true,
        evaluationError: typeof st.evaluationError === 'string' ? st.evaluationError : undefined,
      };
    });
  }

  /** Asks the API server whether another subject may do something (SubjectAccessReview). */
  canSubject(subject: { user: string; groups?: string[] }, attrs: AccessAttributes): Promise<AccessDecision> {
    const key = `sar ${JSON.stringify(subject)} ${JSON.stringify(attrs)}`;
    return this.cached(key, async () => {
      const path = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
      const body = await this.transport.json<{ status?: AccessDecision }>({
        method: 'POST',
        path,
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: { user: subject.user, groups: subject.groups, resourceAttributes: attrs },
        },
        info: { verb: 'create', group: 'authorization.k8s.io', resource: 'subjectaccessreviews', path },
        // A review is answered, never stored: asking again is safe.
        idempotent: true,
      });
      return {
        allowed: body.status?.allowed === true,
        denied: body.status?.denied,
        reason: body.status?.reason,
      };
    });
  }

  /**
   * GET through the API server's pod proxy, e.g. Envoy stats on 15020. The pod's own non-2xx answers
   * are returned, not thrown; the API server's refusals (403 on pods/proxy, 404 for the pod) are.
   */
  podProxyGet(namespace: string, pod: string, port: number, path: string): Promise<ProxyResult> {
    const clean = path.replace(/^\/+/, '');
    const reqPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}:${port}/proxy/${clean}`;
    return this.cached(`proxy ${reqPath}`, () =>
      this.podCalls.run(async () => {
        const req = {
          method: 'GET' as const,
          path: reqPath,
          info: info(Resources.pods, 'get', reqPath, namespace, pod, 'proxy'),
        };
        try {
          const res = await this.transport.send(req);
          return { status: res.status, body: res.text };
        } catch (err) {
          if (!(err instanceof ClusterError)) throw err;
          const cause = err.cause as { status?: number; body?: string } | undefined;
          // A Status body is the API server speaking; anything else came from the pod.
          const fromPod =
            err.kind !== 'Unreachable' && cause?.status !== undefined && !isApiStatus(cause.body);
          if (err.kind === 'ServerError' || fromPod) {
            return { status: cause?.status ?? 502, body: cause?.body ?? '' };
          }
          throw err;
        }
      }),
    );
  }

  /** Runs a command in a container through the exec subresource (WebSocket). */
  podExec(namespace: string, pod: string, container: string, argv: string[]): Promise<ExecResult> {
    const key = `exec ${namespace}/${pod}/${container} ${JSON.stringify(argv)}`;
    return this.cached(key, () =>
      this.podCalls.run(() => {
        this.transport.checkpoint();
        const path = `/api/v1/namespaces/${namespace}/pods/${pod}/exec`;
        const deadline = this.transport.deadlineFor();
        const untilDeadline = deadline === undefined ? Infinity : deadline - this.transport.clock.now();
        return execInPod(this.transport.connection, {
          namespace,
          pod,
          container,
          argv,
          timeoutMs: Math.max(0, Math.min(this.execTimeoutMs, untilDeadline)),
          signal: this.transport.signalFor(),
          info: info(Resources.pods, 'create', path, namespace, pod, 'exec'),
        });
      }),
    );
  }

  /** Merge patch carrying the observed resourceVersion: a concurrent change answers 409 Conflict. */
  async mergePatch(
    ref: ResourceRef,
    name: string,
    namespace: string | undefined,
    patch: object,
  ): Promise<KubeObject> {
    const path = objectPath(ref, name, namespace);
    const obj = await this.transport.json<KubeObject>({
      method: 'PATCH',
      path,
      body: patch,
      contentType: 'application/merge-patch+json',
      info: info(ref, 'patch', path, namespace, name),
    });
    this.invalidate();
    return obj;
  }

  /** Sets replicas through the scale subresource. */
  async scale(ref: ResourceRef, name: string, namespace: string, replicas: number): Promise<void> {
    const path = `${objectPath(ref, name, namespace)}/scale`;
    await this.transport.json<unknown>({
      method: 'PATCH',
      path,
      body: { spec: { replicas } },
      contentType: 'application/merge-patch+json',
      info: info(ref, 'patch', path, namespace, name, 'scale'),
    });
    this.invalidate();
  }

  /** Deletes an object; an object already gone is not an error (deleting is how meshgate cleans up). */
  async delete(ref: ResourceRef, name: string, namespace?: string): Promise<void> {
    const path = objectPath(ref, name, namespace);
    try {
      await this.transport.json<unknown>({
        method: 'DELETE',
        path,
        body: { propagationPolicy: 'Background' },
        info: info(ref, 'delete', path, namespace, name),
      });
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
    } finally {
      this.invalidate();
    }
  }

  /**
   * Streams changes of a kind (or one object): one watch request, with bookmarks asked for; a
   * stream silent for the policy's idle timeout is ended as broken. Not cached and not retried: a
   * caller that must see a condition through drops uses {@link watchUntil}. Rejects at once when
   * the watch cannot be opened (Forbidden, NotFound, 410, Unreachable…).
   */
  async watch(
    ref: ResourceRef,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
  ): Promise<WatchHandle> {
    const path = collectionPath(ref, opts.namespace);
    const reqInfo = info(ref, 'watch', path, opts.namespace, opts.name);
    const fieldSelector = [opts.name ? `metadata.name=${opts.name}` : undefined, opts.fieldSelector]
      .filter((s) => s)
      .join(',');
    const stopper = new AbortController();
    const signal = this.transport.signalFor(stopper.signal);
    const res = await this.transport.stream({
      method: 'GET',
      path,
      query: {
        watch: 'true',
        allowWatchBookmarks: 'true',
        labelSelector: opts.labelSelector,
        fieldSelector: fieldSelector || undefined,
        resourceVersion: opts.resourceVersion,
        timeoutSeconds: opts.timeoutSeconds === undefined ? undefined : String(opts.timeoutSeconds),
      },
      info: reqInfo,
      signal: stopper.signal,
    });
    if (!res.ok) throw res.error;
    const done = readWatchStream(res.body, {
      idleTimeoutMs: this.watchPolicy.idleTimeoutMs,
      signal,
      info: reqInfo,
      server: this.server,
      onEvent: (type, obj) => {
        if (typeof obj.metadata.name === 'string' || type === 'BOOKMARK') onEvent(type, obj);
      },
    }).then(
      (end) => {
        switch (end.kind) {
          case 'closed':
          case 'stopped':
            return;
          case 'failed':
            throw end.error;
          case 'expired':
            throw new ServerError(reqInfo, 410, end.message);
          case 'silent':
            throw new Unreachable(
              this.server,
              `the watch sent nothing for ${formatDuration(end.ms)}: the stream is presumed dead`,
              reqInfo,
            );
        }
      },
      (err: unknown) => {
        // stop() is not an interruption of the run.
        if (stopper.signal.aborted && !this.transport.signalFor()?.aborted && isInterrupted(err)) return;
        throw err;
      },
    );
    done.catch(() => undefined);
    return {
      done,
      stop: () => stopper.abort(new Interrupted('cancelled', 'watch stopped')),
    };
  }

  /**
   * Waits until `predicate` holds for one object (`undefined` = it does not exist) and returns
   * that state, watching it like client-go's reflector: a stream that ends, breaks or goes silent is
   * re-opened from the last resourceVersion, 410 Gone re-lists, failures back off (Retry-After
   * honoured) inside the deadline. At the deadline it throws a WatchTimeout carrying the last state
   * seen and whether the watch was lost; when the signal aborts, the signal's Interrupted.
   */
  watchUntil(
    ref: ResourceRef,
    name: string,
    predicate: (obj: KubeObject | undefined) => boolean,
    opts: WatchUntilOptions & { namespace?: string | undefined } = {},
  ): Promise<KubeObject | undefined> {
    return watchUntil(
      this.transport,
      this.watchPolicy,
      { ref, name, namespace: opts.namespace },
      predicate,
      opts,
    );
  }

  /** Creates an object; `dryRun` asks the server to validate and admit it without storing it. */
  async create(ref: ResourceRef, obj: object, namespace?: string, dryRun = false): Promise<KubeObject> {
    const path = collectionPath(ref, namespace);
    const created = await this.transport.json<KubeObject>({
      method: 'POST',
      path,
      query: dryRun ? { dryRun: 'All' } : {},
      body: obj,
      info: info(ref, 'create', path, namespace),
      // A dry run stores nothing: asking again is safe.
      idempotent: dryRun,
    });
    if (!dryRun) this.invalidate();
    return created;
  }
}

/** `Kind/namespace/name` (or `Kind/name`), the way findings and errors name an object. */
function objectRef(ref: ResourceRef, o: KubeObject): string {
  return `${ref.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/** Whether a body is a Kubernetes Status (the API server's own answer, not a proxied pod's). */
function isApiStatus(body: string | undefined): boolean {
  if (!body) return false;
  try {
    const parsed = JSON.parse(body) as { kind?: unknown; apiVersion?: unknown };
    return parsed.kind === 'Status' && parsed.apiVersion === 'v1';
  } catch {
    return false;
  }
}

/** A continue token the server no longer honours (410): the list starts over. */
class ExpiredContinue extends Error {
  constructor(readonly error: ServerError) {
    super(error.message);
  }
}
