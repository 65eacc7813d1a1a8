import { PassThrough } from 'node:stream';
import { Exec, Watch, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import {
  ClusterError,
  errorFromStatus,
  InvalidObject,
  NotFound,
  ServerError,
  Unreachable,
  type RequestInfo,
} from './errors.ts';
import { Limiter } from './limiter.ts';
import { collectionPath, objectPath, Resources, type ResourceRef } from './resources.ts';
import { objectProblems } from './schemas.ts';
import { Transport, type RetryPolicy } from './transport.ts';
import type {
  AccessAttributes,
  AccessDecision,
  ExecResult,
  KubeObject,
  ProxyResult,
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
}

export interface WatchOptions extends ListOptions {
  /** Watch one object (a `metadata.name` field selector). */
  name?: string | undefined;
  /** Start after this version; without it the stream opens with ADDED for every current object. */
  resourceVersion?: string | undefined;
  /** Ask the server to end the stream after this long (callers then re-read and watch again). */
  timeoutSeconds?: number | undefined;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** A running watch: `done` settles when the stream ends (rejects with a ClusterError on failure). */
export interface WatchHandle {
  readonly done: Promise<void>;
  stop(): void;
}

export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_POD_CONCURRENCY = 8;
export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

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

  constructor(
    readonly kubeConfig: KubeConfig,
    opts: ClusterClientOptions = {},
  ) {
    this.transport = new Transport(kubeConfig, opts.retry);
    this.podCalls = new Limiter(opts.podConcurrency ?? DEFAULT_POD_CONCURRENCY);
    this.pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
    this.execTimeoutMs = opts.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  }

  get server(): string {
    return this.transport.server;
  }

  /** HTTP requests sent so far (retries included): benchmarks and cache tests read it. */
  get requestCount(): number {
    return this.transport.requests;
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
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

  private listRaw(ref: ResourceRef, opts: ListOptions): Promise<KubeObject[]> {
    const path = collectionPath(ref, opts.namespace);
    const key = `list ${path}?l=${opts.labelSelector ?? ''}&f=${opts.fieldSelector ?? ''}`;
    return this.cached(key, async () => {
      const items: KubeObject[] = [];
      let token: string | undefined;
      do {
        const body = await this.transport.json<ListBody>({
          method: 'GET',
          path,
          query: {
            limit: String(this.pageSize),
            continue: token,
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
          },
          info: info(ref, 'list', path, opts.namespace),
        });
        for (const item of body.items ?? []) {
          if (!isKubeObject(item)) {
            throw errorFromStatus(
              502,
              'the list contains an item without metadata.name',
              info(ref, 'list', path),
            );
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
    });
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
        info: { verb: 'get', group: '', resource: 'version', path: '/version' },
      }),
    );
  }

  /** Every served group/version, e.g. "v1", "apps/v1", "networking.istio.io/v1beta1". */
  servedVersions(): Promise<Set<string>> {
    return this.cached('discovery', async () => {
      const core = await this.transport.json<{ versions?: string[] }>({
        method: 'GET',
        path: '/api',
        info: { verb: 'get', group: '', resource: 'api', path: '/api' },
      });
      const groups = await this.transport.json<{ groups?: { versions?: { groupVersion: string }[] }[] }>({
        method: 'GET',
        path: '/apis',
        info: { verb: 'get', group: '', resource: 'apis', path: '/apis' },
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
      });
      return {
        allowed: body.status?.allowed === true,
        denied: body.status?.denied,
        reason: body.status?.reason,
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
      });
      return {
        allowed: body.status?.allowed === true,
        denied: body.status?.denied,
        reason: body.status?.reason,
      };
    });
  }

  /** GET through the API server's pod proxy, e.g. Envoy stats on 15020. Non-2xx is returned, not thrown. */
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
          // The proxied endpoint's own errors are data for the check; API errors (403, 404 pod) are not.
          if (err instanceof ClusterError && err.kind === 'ServerError') {
            const cause = err.cause as { status?: number; body?: string } | undefined;
            return { status: cause?.status ?? 502, body: cause?.body ?? '' };
          }
          throw err;
        }
      }),
    );
  }

  /** Runs a command in a container through the exec subresource (websocket). */
  podExec(namespace: string, pod: string, container: string, argv: string[]): Promise<ExecResult> {
    const key = `exec ${namespace}/${pod}/${container} ${JSON.stringify(argv)}`;
    return this.cached(key, () => this.podCalls.run(() => this.execOnce(namespace, pod, container, argv)));
  }

  private execOnce(namespace: string, pod: string, container: string, argv: string[]): Promise<ExecResult> {
    const path = `/api/v1/namespaces/${namespace}/pods/${pod}/exec`;
    const reqInfo = info(Resources.pods, 'create', path, namespace, pod, 'exec');
    return new Promise<ExecResult>((resolve, reject) => {
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      stdout.on('data', (c: Buffer) => out.push(c));
      stderr.on('data', (c: Buffer) => errOut.push(c));
      let status: V1Status | undefined;
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Unreachable(this.server, `exec did not finish within ${this.execTimeoutMs} ms`, reqInfo),
            ),
          ),
        this.execTimeoutMs,
      );
      new Exec(this.kubeConfig)
        .exec(namespace, pod, container, argv, stdout, stderr, null, false, (s) => {
          status = s;
        })
        .then((ws) => {
          ws.on('close', () =>
            finish(() => {
              // A Failure without an exit code means the command never ran (the kubelet could not
              // start it, or a replayed snapshot did not record it): that is not the command's answer.
              if (status?.status === 'Failure' && !hasExitCode(status)) {
                reject(
                  new ServerError(
                    reqInfo,
                    status.code ?? 500,
                    `${status.message ?? 'the command could not be run'} (${argv.join(' ')} in container ${container})`,
                  ),
                );
                return;
              }
              const exitCode = exitCodeOf(status);
              resolve({
                stdout: Buffer.concat(out).toString('utf8'),
                stderr: Buffer.concat(errOut).toString('utf8'),
                exitCode,
              });
            }),
          );
        })
        .catch((err: unknown) => finish(() => reject(execError(err, reqInfo, this.server))));
    });
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
   * Streams changes of a kind (or one object) through client-node's Watch, which shares the
   * kubeconfig's credentials and TLS with the transport. Not cached and not retried: a caller that
   * waits on a watch re-reads with get() and watches again when `done` settles.
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
    let settle: (err: unknown) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(watchError(err, reqInfo, this.server)) : resolve());
    });
    done.catch(() => undefined);
    let controller: AbortController;
    try {
      controller = await new Watch(this.kubeConfig).watch(
        path,
        {
          allowWatchBookmarks: true,
          labelSelector: opts.labelSelector,
          fieldSelector: fieldSelector || undefined,
          resourceVersion: opts.resourceVersion,
          timeoutSeconds: opts.timeoutSeconds,
        },
        (type: string, obj: unknown) => {
          if (isKubeObject(obj)) onEvent(type as WatchEventType, obj);
          else if (type === 'ERROR') settle(new Error(JSON.stringify(obj)));
        },
        (err: unknown) => settle(err),
      );
    } catch (err) {
      throw watchError(err, reqInfo, this.server);
    }
    let stopped = false;
    return {
      done,
      stop: () => {
        if (stopped) return;
        stopped = true;
        controller.abort();
        settle(undefined);
      },
    };
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
    });
    if (!dryRun) this.invalidate();
    return created;
  }
}

/** `Kind/namespace/name` (or `Kind/name`), the way findings and errors name an object. */
function objectRef(ref: ResourceRef, o: KubeObject): string {
  return `${ref.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

function hasExitCode(status: V1Status): boolean {
  return (status.details?.causes ?? []).some((c) => c.reason === 'ExitCode');
}

function exitCodeOf(status: V1Status | undefined): number {
  if (!status) return -1;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : 1;
}

function watchError(err: unknown, reqInfo: RequestInfo, server: string): ClusterError {
  if (err instanceof ClusterError) return err;
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    return errorFromStatus(Number((err as { statusCode: unknown }).statusCode), '', reqInfo);
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new Unreachable(server, `watch failed: ${msg}`, reqInfo, err);
}

function execError(err: unknown, reqInfo: RequestInfo, server: string): ClusterError {
  // The websocket handshake fails with the HTTP status in the message ("Unexpected server response: 403").
  const msg = err instanceof Error ? err.message : String(err);
  const m = /Unexpected server response: (\d{3})/.exec(msg);
  if (m) return errorFromStatus(Number(m[1]), '', reqInfo);
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    return errorFromStatus(Number((err as { statusCode: unknown }).statusCode), '', reqInfo);
  }
  return new Unreachable(server, `exec failed: ${msg}`, reqInfo, err);
}
