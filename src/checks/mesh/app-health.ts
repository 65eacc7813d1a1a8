import type { KubeObject } from '../../cluster/types.ts';
import type { Profile, Workload } from '../../profile/index.ts';
import { proxyContainer } from '../common/containers.ts';
import { num, rec, recs, str } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { annotations, findByName, labels, podsOfWorkload } from './k8s.ts';

/** pilot-agent's status port, where Istio's probe rewriting sends the kubelet (`status.sidecar.istio.io/port`). */
export const ISTIO_STATUS_PORT = 15020;
/** Env var of istio-proxy holding the original app probes, keyed by their rewritten `/app-health/...` paths. */
export const APP_PROBERS_ENV = 'ISTIO_KUBE_APP_PROBERS';

const podObj = (p: KubeObject): string => objectName('Pod', p.metadata.name, p.metadata.namespace);

/** The port pilot-agent serves the rewritten probes on for this pod. */
export function statusPort(pod: KubeObject): number {
  const a = annotations(pod)['status.sidecar.istio.io/port'];
  const n = a === undefined ? NaN : Number(a);
  return Number.isInteger(n) && n > 0 ? n : ISTIO_STATUS_PORT;
}

/** `ISTIO_KUBE_APP_PROBERS` of the pod's istio-proxy, parsed; undefined when absent or unreadable. */
export function appProbers(pod: KubeObject): Record<string, unknown> | undefined {
  const proxy = proxyContainer(pod);
  const env = recs(proxy?.spec.env).find((e) => e.name === APP_PROBERS_ENV);
  const value = str(env?.value);
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export interface HealthTarget {
  port: number;
  path: string;
  /** `istio`: pilot-agent's rewritten probe endpoint; `app`: the app port and the profile's healthPath. */
  via: 'istio' | 'app';
}

/**
 * Where the app's health answers for this pod: the rewritten probe (`/app-health/<container>/readyz` on
 * 15020, or `livez` when only the liveness probe was rewritten) when Istio rewrote it, else the workload's
 * port and the profile's `healthPath`.
 */
export function healthTarget(pod: KubeObject, w: Workload): HealthTarget {
  const sp = statusPort(pod);
  const app = recs(rec(pod.spec).containers).find((c) => c.name === w.container);
  const http = rec(rec(app?.readinessProbe).httpGet);
  const path = str(http.path);
  if (num(http.port) === sp && path?.startsWith('/app-health/')) return { port: sp, path, via: 'istio' };
  // No rewritten readiness probe: pilot-agent still knows the app's health endpoint from the liveness probe.
  const probers = appProbers(pod);
  for (const kind of ['readyz', 'livez']) {
    const rewritten = `/app-health/${w.container}/${kind}`;
    if (probers?.[rewritten] !== undefined) return { port: sp, path: rewritten, via: 'istio' };
  }
  return { port: w.port, path: w.healthPath, via: 'app' };
}

export interface HealthRequest {
  workload: Workload;
  pod: KubeObject;
  target: HealthTarget;
}

/** The running pods of each profile workload (by its Deployment's selector, else `app=<name>`) and what to ask each. */
export function healthRequests(
  deployments: KubeObject[],
  pods: KubeObject[],
  profile: Profile,
): HealthRequest[] {
  const ns = profile.namespaces.mesh;
  return profile.app.workloads.flatMap((w) => {
    const dep = findByName(deployments, w.name, ns);
    const mine = dep
      ? podsOfWorkload(dep, pods)
      : pods.filter((p) => p.metadata.namespace === ns && labels(p).app === w.name);
    return mine
      .filter((p) => str(rec(p.status).phase) === 'Running')
      .map((pod) => ({ workload: w, pod, target: healthTarget(pod, w) }));
  });
}

/**
 * The kubelet probes the endpoint the check would read: the app container's readiness probe is an
 * HTTP GET on the same port and path. Then a Ready pod's app answered it 2xx within the probe's
 * period, and its `Ready` condition says what a GET through the pod proxy would.
 */
export function readinessProbeIsTarget(req: HealthRequest): boolean {
  const app = recs(rec(req.pod.spec).containers).find((c) => c.name === req.workload.container);
  const http = rec(rec(app?.readinessProbe).httpGet);
  const path = str(http.path);
  const norm = (p: string) => `/${p.replace(/^\/+/, '')}`;
  return num(http.port) === req.target.port && path !== undefined && norm(path) === norm(req.target.path);
}

export type HealthAnswer = HealthRequest &
  (
    | { status: number; body: string }
    /** The GET was refused by the API server itself (403 on pods/proxy, ...): the app was not asked. */
    | { error: string }
  );

/** The API server's own answer (a `Status` object), e.g. "error trying to reach service", not the app's. */
export function apiServerStatus(body: string): string | undefined {
  try {
    const doc = rec(JSON.parse(body) as unknown);
    if (doc.kind === 'Status' && typeof doc.message === 'string') return doc.message;
  } catch {
    // Not JSON: the app's (or pilot-agent's) own body.
  }
  return undefined;
}

const proxyPath = (a: HealthRequest): string =>
  `/api/v1/namespaces/${a.pod.metadata.namespace ?? ''}/pods/${a.pod.metadata.name}:${a.target.port}/proxy${a.target.path}`;

const execHint = (a: HealthRequest): string =>
  `kubectl -n ${a.pod.metadata.namespace ?? ''} exec ${a.pod.metadata.name} -c istio-proxy -- curl -sS -o /dev/null -w '%{http_code}' http://localhost:${a.target.port}${a.target.path}`;

/**
 * The app's health endpoint answers 2xx through the API server's pod proxy. A non-2xx from the app is a
 * failure; a request the API server could not deliver (forbidden, pod unreachable, typically a default-deny
 * NetworkPolicy: the pod proxy is blocked by it, exec is not) says nothing about the app: inconclusive.
 */
export function checkAppHealth(
  answers: HealthAnswer[],
  profile: Profile,
  /** Pods not asked, judged by their `Ready` condition (see `planHealthReads`); all Ready. */
  judgedReady: HealthRequest[] = [],
): CheckResult {
  const ns = profile.namespaces.mesh;
  const findings: Finding[] = [];
  const unseen: Finding[] = [];
  let ok = 0;
  for (const a of answers) {
    const obj = podObj(a.pod);
    const url = `:${a.target.port}${a.target.path}`;
    const what =
      a.target.via === 'istio'
        ? `the rewritten ${a.target.path.endsWith('/livez') ? 'liveness' : 'readiness'} probe ${url} (pilot-agent → ${a.workload.container})`
        : `${a.workload.container}'s health endpoint ${url}`;
    if ('error' in a) {
      unseen.push({
        object: obj,
        message: `could not GET ${what} through the pod proxy: ${a.error}`,
        hint: `grant "get" on "pods/proxy" in ${ns} to the identity running meshgate, or ask from inside the pod: ${execHint(a)}`,
      });
      continue;
    }
    const apiError = apiServerStatus(a.body);
    if (a.status >= 200 && a.status < 300) {
      ok++;
      continue;
    }
    if (apiError !== undefined && /not recorded in the snapshot/.test(apiError)) {
      // A replayed snapshot (meshgate snapshot) that holds no answer for this request.
      unseen.push({
        object: obj,
        message: `${what} was not recorded in the snapshot (${apiError}): the replay cannot say how the app answers`,
        hint: 'record the snapshot again with meshgate snapshot (it records what the checks read), or verify against the live cluster',
      });
      continue;
    }
    if (apiError !== undefined) {
      unseen.push({
        object: obj,
        message:
          `the API server's pod proxy could not reach ${what} (${a.status}: ${apiError}): the app was not asked. ` +
          `A default-deny NetworkPolicy in ${ns} blocks the pod proxy unless it admits the API server on port ${a.target.port} (exec is not affected)` +
          (a.target.via === 'app'
            ? `; with STRICT mTLS the sidecar also refuses the proxy's plaintext request to the app port (see mesh.app.probes: rewritten probes answer on ${ISTIO_STATUS_PORT})`
            : ''),
        hint: `allow ingress from the control plane to port ${a.target.port} in a NetworkPolicy of ${ns}, or check from inside the pod: ${execHint(a)}`,
      });
      continue;
    }
    const body = a.body.trim().replace(/\s+/g, ' ').slice(0, 120);
    findings.push({
      object: obj,
      message: `${obj} answers ${a.status}${body ? ` (${body})` : ''} on ${what}: ${a.workload.name} reports itself unhealthy, and the kubelet's probe gets the same answer and takes the pod out of the Service`,
      hint: `kubectl -n ${ns} logs ${a.pod.metadata.name} -c ${a.workload.container}; kubectl -n ${ns} describe pod ${a.pod.metadata.name}; kubectl get --raw ${proxyPath(a)}`,
      field: a.target.path,
      expected: '2xx',
      actual: String(a.status),
    });
  }
  for (const w of profile.app.workloads) {
    if (![...answers, ...judgedReady].some((a) => a.workload.name === w.name)) {
      unseen.push({
        object: objectName('Deployment', w.name, ns),
        message: `no running pod of ${w.name} in ${ns}: there is no health endpoint to ask`,
        hint: 'see mesh.app.deployments',
      });
    }
  }
  const details = `${ok}/${answers.length} health endpoints answered 2xx${
    answers.length
      ? ` (${[...new Set(answers.map((a) => `${a.workload.name} :${a.target.port}${a.target.path}`))].join(', ')})`
      : ''
  }${
    judgedReady.length
      ? `; ${judgedReady.length} more pods Ready (the kubelet's readiness probe GETs the same endpoint)`
      : ''
  }`;
  if (findings.length === 0 && unseen.length)
    return { status: 'inconclusive', findings: unseen, details: [details] };
  return failed([...findings, ...unseen], details);
}
