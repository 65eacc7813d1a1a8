import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { proxyContainer } from '../common/containers.ts';
import { num, rec, recs, str } from '../common/narrow.ts';
import { noPodsToCheck } from '../common/no-pods.ts';
import { failed, inconclusive, objectName, type CheckResult, type Finding } from '../types.ts';
import { appProbers, statusPort } from './app-health.ts';
import { annotations, findByName, podsOfWorkload, restartHint, workloadOf } from './k8s.ts';

const podObj = (p: KubeObject): string => objectName('Pod', p.metadata.name, p.metadata.namespace);

/** The UID Envoy runs as; iptables lets its traffic out unredirected (istioctl IST0144). */
export const PROXY_UID = 1337;

/** Containers Istio injects; everything else in a mesh pod is the application's. */
const INJECTED = new Set(['istio-proxy', 'istio-init', 'istio-validation']);

/**
 * No container of a mesh pod restarts "climbing": restartCount above `app.maxRestarts`, or waiting in
 * CrashLoopBackOff. A snapshot cannot see a trend; the count since the pod started is what the API keeps.
 */
export function checkRestarts(pods: KubeObject[], profile: Profile): CheckResult {
  const max = profile.app.maxRestarts;
  const findings: Finding[] = [];
  let containers = 0;
  let worst = 0;
  for (const pod of pods) {
    const ns = pod.metadata.namespace ?? '';
    const status = rec(pod.status);
    const statuses = [
      ...recs(status.initContainerStatuses).map((s) => ({ s, field: 'initContainerStatuses' })),
      ...recs(status.containerStatuses).map((s) => ({ s, field: 'containerStatuses' })),
    ];
    for (const { s, field } of statuses) {
      containers++;
      const name = str(s.name) ?? '?';
      const restarts = num(s.restartCount) ?? 0;
      worst = Math.max(worst, restarts);
      const waiting = str(rec(rec(s.state).waiting).reason);
      const crashLoop = waiting === 'CrashLoopBackOff';
      if (restarts <= max && !crashLoop) continue;
      const last = rec(rec(s.lastState).terminated);
      const reason = str(last.reason);
      const exit = num(last.exitCode);
      const at = str(last.finishedAt);
      const lastText = reason
        ? `; last terminated ${reason}${exit !== undefined ? ` (exit ${exit})` : ''}${at ? ` at ${at}` : ''}`
        : '';
      const obj = podObj(pod);
      findings.push({
        object: obj,
        message: `${obj} container ${name} has restarted ${restarts} time${restarts === 1 ? '' : 's'}${
          restarts > max ? ` (more than ${max})` : ''
        }${crashLoop ? ' and is in CrashLoopBackOff' : ''}${lastText}: restarts are climbing, the pod drops in and out of the Service`,
        hint:
          `kubectl -n ${ns} logs ${pod.metadata.name} -c ${name} --previous; kubectl -n ${ns} describe pod ${pod.metadata.name}` +
          (reason === 'OOMKilled' ? `; raise resources.limits.memory of ${name}` : ''),
        field: `status.${field}[${name}].restartCount`,
        expected: `<= ${max}`,
        actual: String(restarts),
      });
    }
  }
  if (pods.length === 0) return noPodsToCheck(profile.namespaces.mesh);
  return failed(
    findings,
    `${pods.length} pods, ${containers} containers; highest restartCount ${worst} (limit ${max})`,
  );
}

type Probe = Record<string, unknown>;

function probeTarget(probe: Probe): string {
  const http = rec(probe.httpGet);
  if (Object.keys(http).length) return `httpGet :${String(http.port ?? '?')}${str(http.path) ?? '/'}`;
  const tcp = rec(probe.tcpSocket);
  if (Object.keys(tcp).length) return `tcpSocket :${String(tcp.port ?? '?')}`;
  const grpc = rec(probe.grpc);
  if (Object.keys(grpc).length) return `grpc :${String(grpc.port ?? '?')}`;
  if (Object.keys(rec(probe.exec)).length) return 'exec';
  return 'no handler';
}

/** httpGet, tcpSocket and grpc probes reach the app through the pod IP, so the sidecar must answer them instead. */
function needsRewrite(probe: Probe): boolean {
  return ['httpGet', 'tcpSocket', 'grpc'].some((k) => Object.keys(rec(probe[k])).length > 0);
}

/**
 * Every profile workload defines a readiness probe on its app container, and on injected pods the probe
 * was rewritten for the sidecar: it points at pilot-agent (`:15020/app-health/<container>/readyz`) and
 * `ISTIO_KUBE_APP_PROBERS` in istio-proxy holds the original. Unrewritten HTTP/TCP/gRPC probes are
 * plaintext from the kubelet, which a STRICT sidecar refuses.
 */
export function checkReadinessProbes(
  deployments: KubeObject[],
  pods: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.mesh;
  const findings: Finding[] = [];
  const seen: string[] = [];
  for (const w of profile.app.workloads) {
    const dep = findByName(deployments, w.name, ns);
    if (!dep) continue; // mesh.app.deployments reports it
    const depObj = objectName('Deployment', w.name, ns);
    const template = recs(rec(rec(rec(dep.spec).template).spec).containers).find(
      (c) => c.name === w.container,
    );
    if (!template) {
      findings.push({
        object: depObj,
        message: `${depObj} has no container ${w.container} (the profile's app container): its readiness probe cannot be checked`,
        hint: `correct app.workloads[${w.name}].container in meshgate.config.ts`,
      });
      continue;
    }
    const probe = rec(template.readinessProbe);
    if (Object.keys(probe).length === 0) {
      findings.push({
        object: depObj,
        message: `${depObj} container ${w.container} has no readinessProbe: its pods get traffic as soon as they start, and a pod that cannot serve keeps its share of the canary`,
        hint: `add readinessProbe: {httpGet: {path: ${w.healthPath}, port: ${w.port}}} to container ${w.container} (kubectl -n ${ns} edit deployment/${w.name}); Istio rewrites it for the sidecar on injection`,
        field: `spec.template.spec.containers[${w.container}].readinessProbe`,
        expected: `httpGet :${w.port}${w.healthPath}`,
        actual: '<unset>',
      });
      continue;
    }
    let injected = 0;
    let rewrittenOk = 0;
    for (const pod of podsOfWorkload(dep, pods)) {
      if (!proxyContainer(pod)) continue; // mesh.app.sidecars reports it
      injected++;
      const obj = podObj(pod);
      const app = recs(rec(pod.spec).containers).find((c) => c.name === w.container);
      const podProbe = rec(app?.readinessProbe);
      if (Object.keys(podProbe).length === 0) {
        findings.push({
          object: obj,
          message: `${obj} container ${w.container} has no readinessProbe, although ${depObj} defines one: the pod predates the template`,
          hint: restartHint(pod),
          field: `spec.containers[${w.container}].readinessProbe`,
        });
        continue;
      }
      if (!needsRewrite(podProbe)) {
        rewrittenOk++;
        continue;
      }
      const sp = statusPort(pod);
      const want = `/app-health/${w.container}/readyz`;
      const http = rec(podProbe.httpGet);
      const rewritten = num(http.port) === sp && str(http.path) === want;
      if (!rewritten) {
        const optOut = annotations(pod)['sidecar.istio.io/rewriteAppHTTPProbers'] === 'false';
        findings.push({
          object: obj,
          message: `${obj} container ${w.container}'s readiness probe (${probeTarget(podProbe)}) was not rewritten for the sidecar${
            optOut ? ' (annotation sidecar.istio.io/rewriteAppHTTPProbers: "false")' : ''
          }: the kubelet probes in plaintext, which the STRICT sidecar refuses, so the pod flaps or never becomes ready`,
          hint: `${optOut ? 'remove the annotation sidecar.istio.io/rewriteAppHTTPProbers from the pod template' : 'enable probe rewriting (sidecarInjectorWebhook.rewriteAppHTTPProbe, the default)'} and ${restartHint(pod)}`,
          field: `spec.containers[${w.container}].readinessProbe`,
          expected: `httpGet :${sp}${want}`,
          actual: probeTarget(podProbe),
        });
        continue;
      }
      const probers = appProbers(pod);
      if (probers?.[want] === undefined) {
        findings.push({
          object: obj,
          message: `${obj}'s readiness probe points at :${sp}${want}, but istio-proxy's ${'ISTIO_KUBE_APP_PROBERS'} ${
            probers ? `has no ${want} entry` : 'is missing or unreadable'
          }: pilot-agent does not know the app's probe and answers 404, so the pod never becomes ready`,
          hint: `re-inject the pod: ${restartHint(pod)}`,
          field: `spec.containers[istio-proxy].env[ISTIO_KUBE_APP_PROBERS]`,
          expected: `an entry for ${want}`,
        });
      } else rewrittenOk++;
    }
    seen.push(
      `${w.name} ${probeTarget(probe)}${needsRewrite(probe) ? ` (rewritten for the sidecar on ${rewrittenOk}/${injected} pods)` : ''}`,
    );
  }
  if (findings.length === 0 && seen.length === 0) {
    return inconclusive([
      {
        object: objectName('Namespace', ns),
        message: `none of the profile's Deployments (${profile.app.workloads.map((w) => w.name).join(', ')}) exists in ${ns}: there are no readiness probes to verify`,
        hint: 'see mesh.app.deployments',
      },
    ]);
  }
  return failed(findings, `readiness probes: ${seen.join(', ')}`);
}

/** App containers (injected ones excluded) of a pod spec running as the proxy's UID, with where the UID comes from. */
function proxyUidContainers(spec: Record<string, unknown>): { name: string; fromPod: boolean }[] {
  const podUid = num(rec(spec.securityContext).runAsUser);
  const out: { name: string; fromPod: boolean }[] = [];
  for (const field of ['initContainers', 'containers'] as const) {
    for (const c of recs(spec[field])) {
      const name = str(c.name) ?? '';
      if (INJECTED.has(name)) continue;
      const own = num(rec(c.securityContext).runAsUser);
      if ((own ?? podUid) === PROXY_UID) out.push({ name, fromPod: own === undefined });
    }
  }
  return out;
}

/**
 * No application container in the mesh namespace runs as the proxy's UID 1337 (istioctl analyze
 * IST0144): iptables lets that UID's traffic out unredirected, so it bypasses mTLS and policy. Every
 * pod counts, with a sidecar or not yet (it gets one at its next restart), and so do the Deployments'
 * pod templates (the pods they will create). The UID is the one the container runs as: its own
 * runAsUser, else the pod's.
 */
export function checkAppUid(
  pods: KubeObject[],
  profile: Profile,
  deployments: KubeObject[] = [],
): CheckResult {
  const mesh = profile.namespaces.mesh;
  const findings: Finding[] = [];
  const flagged = new Set<string>();
  let n = 0;
  const finding = (
    obj: string,
    c: { name: string; fromPod: boolean },
    what: string,
    target: string,
  ): Finding => ({
    object: obj,
    message: `${obj} ${what}container ${c.name} runs as UID ${PROXY_UID}${c.fromPod ? ' (from the pod securityContext)' : ''}, the sidecar's UID: iptables lets its traffic out unredirected, so it bypasses mTLS and policy (istioctl analyze: IST0144)`,
    hint: `set securityContext.runAsUser to another UID in ${target} (kubectl -n ${mesh} edit ${target})`,
    field: `spec.${what ? 'template.spec.' : ''}containers[${c.name}].securityContext.runAsUser`,
    expected: `not ${PROXY_UID}`,
    actual: String(PROXY_UID),
  });
  for (const dep of deployments.filter((d) => d.metadata.namespace === mesh)) {
    const spec = rec(rec(rec(dep.spec).template).spec);
    n += recs(spec.containers).filter((c) => !INJECTED.has(str(c.name) ?? '')).length;
    const bad = proxyUidContainers(spec);
    if (bad.length) flagged.add(dep.metadata.name);
    for (const c of bad)
      findings.push(
        finding(
          objectName('Deployment', dep.metadata.name, mesh),
          c,
          'pod template ',
          `deployment/${dep.metadata.name}`,
        ),
      );
  }
  for (const pod of pods) {
    const w = workloadOf(pod);
    // Its Deployment's template is reported above: the pod is the same fix.
    if (w?.kind === 'Deployment' && flagged.has(w.name)) continue;
    const spec = rec(pod.spec);
    n += recs(spec.containers).filter((c) => !INJECTED.has(str(c.name) ?? '')).length;
    const target = w ? `${w.kind.toLowerCase()}/${w.name}` : `pod/${pod.metadata.name}`;
    for (const c of proxyUidContainers(spec)) findings.push(finding(podObj(pod), c, '', target));
  }
  if (pods.length === 0 && deployments.length === 0) return noPodsToCheck(mesh);
  return failed(
    findings,
    `${n} app containers in ${pods.length} pods and ${deployments.filter((d) => d.metadata.namespace === mesh).length} Deployment templates; ${findings.length} run as UID ${PROXY_UID}`,
  );
}
