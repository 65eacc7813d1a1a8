import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import {
  apiServerStatus,
  checkAppDeployments,
  checkAppHealth,
  checkAppUid,
  checkNamespaceExists,
  checkObservabilityStack,
  checkReadinessProbes,
  checkRestarts,
  healthRequests,
  healthTarget,
  type HealthAnswer,
  type HealthRequest,
} from '../../src/checks/mesh/index.ts';
import { planHealthReads, settleHealthPlan } from '../../src/checks/pod-reads.ts';
import { defaultProfile as profile, type Workload } from '../../src/profile/index.ts';

const api = profile.app.workloads.find((w) => w.name === 'zamaz-api') as Workload;
const web = profile.app.workloads.find((w) => w.name === 'zamaz-frontend') as Workload;

const probers = (entries: Record<string, { path: string; port: number }>): string =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(entries).map(([k, v]) => [k, { httpGet: { ...v, scheme: 'HTTP' }, timeoutSeconds: 1 }]),
    ),
  );

interface PodOpts {
  app?: string;
  container?: string;
  readinessProbe?: Record<string, unknown> | undefined;
  probersEnv?: string | undefined;
  annotations?: Record<string, string>;
  statuses?: Record<string, unknown>[];
  podUid?: number;
  containerUid?: number;
  proxy?: boolean;
}

/** An injected pod as Istio 1.20 leaves it: readiness probe rewritten to 15020, original in ISTIO_KUBE_APP_PROBERS. */
function meshPod(name: string, o: PodOpts = {}): KubeObject {
  const app = o.app ?? 'zamaz-api';
  const container = o.container ?? 'api';
  const readinessProbe =
    'readinessProbe' in o
      ? o.readinessProbe
      : { httpGet: { path: `/app-health/${container}/readyz`, port: 15020, scheme: 'HTTP' } };
  const env =
    'probersEnv' in o
      ? o.probersEnv
      : probers({ [`/app-health/${container}/readyz`]: { path: '/health', port: 8080 } });
  return {
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'zamaz-mesh',
      labels: { app, 'pod-template-hash': 'abc', 'security.istio.io/tlsMode': 'istio' },
      annotations: o.annotations ?? {},
      ownerReferences: [{ kind: 'ReplicaSet', name: `${app}-abc`, controller: true }],
    },
    spec: {
      securityContext: o.podUid === undefined ? {} : { runAsUser: o.podUid },
      containers: [
        {
          name: container,
          ...(readinessProbe ? { readinessProbe } : {}),
          ...(o.containerUid === undefined ? {} : { securityContext: { runAsUser: o.containerUid } }),
        },
        ...(o.proxy === false
          ? []
          : [
              {
                name: 'istio-proxy',
                env: env === undefined ? [] : [{ name: 'ISTIO_KUBE_APP_PROBERS', value: env }],
                securityContext: { runAsUser: 1337 },
              },
            ]),
      ],
    },
    status: {
      phase: 'Running',
      containerStatuses: o.statuses ?? [
        { name: container, ready: true, restartCount: 0 },
        { name: 'istio-proxy', ready: true, restartCount: 0 },
      ],
    },
  };
}

function deployment(name: string, container: string, probe?: Record<string, unknown>): KubeObject {
  return {
    kind: 'Deployment',
    metadata: { name, namespace: 'zamaz-mesh' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: container, ...(probe ? { readinessProbe: probe } : {}) }] },
      },
    },
    status: { readyReplicas: 2, availableReplicas: 2 },
  };
}

const apiDep = deployment('zamaz-api', 'api', { httpGet: { path: '/health', port: 8080 } });
const webDep = deployment('zamaz-frontend', 'web', { httpGet: { path: '/healthz', port: 3000 } });
const webPod = (name: string, o: PodOpts = {}): KubeObject =>
  meshPod(name, {
    app: 'zamaz-frontend',
    container: 'web',
    probersEnv: probers({ '/app-health/web/readyz': { path: '/healthz', port: 3000 } }),
    ...o,
  });

describe('mesh.app.health: the app health endpoint through the pod proxy', () => {
  it('asks the rewritten probe on 15020, the liveness one when only it was rewritten, else the app port', () => {
    expect(healthTarget(meshPod('a'), api)).toEqual({
      port: 15020,
      path: '/app-health/api/readyz',
      via: 'istio',
    });
    expect(
      healthTarget(
        meshPod('a', {
          readinessProbe: undefined,
          probersEnv: probers({ '/app-health/api/livez': { path: '/health', port: 8080 } }),
        }),
        api,
      ),
    ).toEqual({ port: 15020, path: '/app-health/api/livez', via: 'istio' });
    expect(
      healthTarget(
        meshPod('a', { readinessProbe: { httpGet: { path: '/health', port: 8080 } }, proxy: false }),
        api,
      ),
    ).toEqual({ port: 8080, path: '/health', via: 'app' });
    // A moved status port (status.sidecar.istio.io/port) is followed.
    const moved = meshPod('a', {
      annotations: { 'status.sidecar.istio.io/port': '15099' },
      readinessProbe: { httpGet: { path: '/app-health/api/readyz', port: 15099 } },
    });
    expect(healthTarget(moved, api).port).toBe(15099);
  });

  it('builds one request per running pod of each profile workload', () => {
    const pending = meshPod('zamaz-api-p');
    (pending.status as Record<string, unknown>).phase = 'Pending';
    const reqs = healthRequests(
      [apiDep, webDep],
      [meshPod('zamaz-api-1'), pending, webPod('zamaz-frontend-1')],
      profile,
    );
    expect(reqs.map((r) => `${r.pod.metadata.name} ${r.target.port}${r.target.path}`)).toEqual([
      'zamaz-api-1 15020/app-health/api/readyz',
      'zamaz-frontend-1 15020/app-health/web/readyz',
    ]);
  });

  const answer = (pod: KubeObject, w: Workload, a: { status: number; body: string } | { error: string }) =>
    ({ workload: w, pod, target: healthTarget(pod, w), ...a }) as HealthAnswer;

  it('passes when every pod answers 2xx', () => {
    const r = checkAppHealth(
      [
        answer(meshPod('zamaz-api-1'), api, { status: 200, body: '{"status":"ok"}' }),
        answer(webPod('zamaz-frontend-1'), web, { status: 200, body: '' }),
      ],
      profile,
    );
    expect(r.status).toBe('passed');
    expect(r.details[0]).toMatch(/^2\/2 health endpoints answered 2xx/);
  });

  it("fails on the app's non-2xx, naming the pod, the URL and the status", () => {
    const r = checkAppHealth(
      [
        answer(meshPod('zamaz-api-1'), api, { status: 503, body: '' }),
        answer(webPod('zamaz-frontend-1'), web, { status: 200, body: '' }),
      ],
      profile,
    );
    expect(r.status).toBe('failed');
    expect(r.findings[0]).toMatchObject({
      object: 'Pod/zamaz-mesh/zamaz-api-1',
      message: expect.stringContaining(
        'answers 503 on the rewritten readiness probe :15020/app-health/api/readyz',
      ) as unknown,
      hint: expect.stringContaining('kubectl -n zamaz-mesh logs zamaz-api-1 -c api') as unknown,
      actual: '503',
    });
  });

  it('is inconclusive when the API server could not deliver the request (its own Status, 403)', () => {
    const blocked = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'error trying to reach service: dial tcp 10.244.1.16:15020: i/o timeout',
      reason: 'ServiceUnavailable',
      code: 503,
    });
    expect(apiServerStatus(blocked)).toContain('i/o timeout');
    expect(apiServerStatus('{"status":"down"}')).toBeUndefined();
    const r = checkAppHealth(
      [
        answer(meshPod('zamaz-api-1'), api, { status: 503, body: blocked }),
        answer(webPod('zamaz-frontend-1'), web, { error: 'forbidden: may not get pods/proxy' }),
      ],
      profile,
    );
    expect(r.status).toBe('inconclusive');
    expect(r.findings[0]?.message).toContain(
      'A default-deny NetworkPolicy in zamaz-mesh blocks the pod proxy unless it admits the API server on port 15020 (exec is not affected)',
    );
    expect(r.findings[0]?.hint).toContain('-c istio-proxy -- curl');
    expect(r.findings[1]?.hint).toContain('grant "get" on "pods/proxy" in zamaz-mesh');
  });

  it('fails (not inconclusive) when one pod is unhealthy and another unreadable; no pod at all is inconclusive', () => {
    const r = checkAppHealth(
      [
        answer(meshPod('zamaz-api-1'), api, { status: 500, body: 'db down' }),
        answer(webPod('zamaz-frontend-1'), web, { error: 'forbidden' }),
      ],
      profile,
    );
    expect(r.status).toBe('failed');
    const none = checkAppHealth([], profile);
    expect(none.status).toBe('inconclusive');
    expect(none.findings.map((f) => f.object)).toEqual([
      'Deployment/zamaz-mesh/zamaz-api',
      'Deployment/zamaz-mesh/zamaz-frontend',
    ]);
  });
});

describe('mesh.app.restarts', () => {
  it('flags a container above app.maxRestarts with its last termination and the --previous logs', () => {
    const pod = meshPod('zamaz-api-1', {
      statuses: [
        {
          name: 'api',
          restartCount: 7,
          lastState: {
            terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: '2026-11-29T08:21:40Z' },
          },
        },
        { name: 'istio-proxy', restartCount: 0 },
      ],
    });
    const r = checkRestarts([pod, meshPod('zamaz-api-2')], profile);
    expect(r.status).toBe('failed');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.message).toContain(
      'container api has restarted 7 times (more than 3); last terminated OOMKilled (exit 137) at 2026-11-29T08:21:40Z',
    );
    expect(r.findings[0]?.hint).toContain('kubectl -n zamaz-mesh logs zamaz-api-1 -c api --previous');
    expect(r.findings[0]?.hint).toContain('raise resources.limits.memory');
  });

  it('flags CrashLoopBackOff below the threshold; counts at the threshold pass; no pod is inconclusive', () => {
    const loop = meshPod('zamaz-api-1', {
      statuses: [{ name: 'api', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
    });
    expect(checkRestarts([loop], profile).findings[0]?.message).toContain('is in CrashLoopBackOff');
    const three = meshPod('zamaz-api-1', { statuses: [{ name: 'api', restartCount: 3 }] });
    expect(checkRestarts([three], profile).status).toBe('passed');
    expect(checkRestarts([three], { ...profile, app: { ...profile.app, maxRestarts: 2 } }).status).toBe(
      'failed',
    );
    expect(checkRestarts([], profile).status).toBe('inconclusive');
  });
});

describe('mesh.app.probes', () => {
  it('passes on rewritten probes with their ISTIO_KUBE_APP_PROBERS entries', () => {
    const r = checkReadinessProbes(
      [apiDep, webDep],
      [meshPod('zamaz-api-1'), webPod('zamaz-frontend-1')],
      profile,
    );
    expect(r.status).toBe('passed');
    expect(r.details[0]).toContain('zamaz-api httpGet :8080/health');
  });

  it('fails a Deployment whose app container has no readinessProbe', () => {
    const r = checkReadinessProbes(
      [apiDep, deployment('zamaz-frontend', 'web')],
      [meshPod('zamaz-api-1')],
      profile,
    );
    expect(r.findings[0]).toMatchObject({
      object: 'Deployment/zamaz-mesh/zamaz-frontend',
      message: expect.stringContaining('container web has no readinessProbe') as unknown,
      hint: expect.stringContaining('readinessProbe: {httpGet: {path: /healthz, port: 3000}}') as unknown,
    });
  });

  it('fails an injected pod whose probe was not rewritten (opt-out annotation) or whose prober entry is missing', () => {
    const plain = meshPod('zamaz-api-1', {
      readinessProbe: { httpGet: { path: '/health', port: 8080 } },
      annotations: { 'sidecar.istio.io/rewriteAppHTTPProbers': 'false' },
    });
    const noEntry = meshPod('zamaz-api-2', { probersEnv: probers({}) });
    const r = checkReadinessProbes([apiDep], [plain, noEntry], profile);
    expect(r.findings.map((f) => f.object)).toEqual([
      'Pod/zamaz-mesh/zamaz-api-1',
      'Pod/zamaz-mesh/zamaz-api-2',
    ]);
    expect(r.findings[0]?.message).toContain(
      'readiness probe (httpGet :8080/health) was not rewritten for the sidecar (annotation sidecar.istio.io/rewriteAppHTTPProbers: "false")',
    );
    expect(r.findings[0]?.hint).toContain('kubectl rollout restart deployment/zamaz-api -n zamaz-mesh');
    expect(r.findings[1]?.message).toContain('has no /app-health/api/readyz entry');
  });

  it('is inconclusive, not passed, when no profile Deployment exists', () => {
    expect(checkReadinessProbes([], [], profile).status).toBe('inconclusive');
  });

  it('accepts exec probes, which need no rewriting', () => {
    const execProbe = { exec: { command: ['/bin/ready'] } };
    const r = checkReadinessProbes(
      [deployment('zamaz-api', 'api', execProbe)],
      [meshPod('zamaz-api-1', { readinessProbe: execProbe, probersEnv: undefined })],
      profile,
    );
    expect(r.status).toBe('passed');
  });
});

describe('mesh.app.uid (IST0144)', () => {
  it('flags an app container running as 1337, from the pod or its own securityContext', () => {
    const r = checkAppUid(
      [
        meshPod('zamaz-api-1', { podUid: 1337 }),
        meshPod('zamaz-api-2', { podUid: 1337, containerUid: 1000 }),
        meshPod('zamaz-api-3', { containerUid: 1337 }),
        meshPod('zamaz-api-4', { podUid: 1000 }),
      ],
      profile,
    );
    expect(r.findings.map((f) => f.object)).toEqual([
      'Pod/zamaz-mesh/zamaz-api-1',
      'Pod/zamaz-mesh/zamaz-api-3',
    ]);
    expect(r.findings[0]?.message).toContain('(istioctl analyze: IST0144)');
    expect(r.findings[0]?.message).toContain('(from the pod securityContext)');
    expect(checkAppUid([], profile).status).toBe('inconclusive');
  });

  it('covers pods without a sidecar yet and Deployment templates (the pods they will create)', () => {
    // Not injected yet (created before the label, or opted out): it gets a sidecar at its next restart.
    const bare = checkAppUid([meshPod('zamaz-api-1', { proxy: false, containerUid: 1337 })], profile);
    expect(bare.findings[0]?.message).toBe(
      "Pod/zamaz-mesh/zamaz-api-1 container api runs as UID 1337, the sidecar's UID: iptables lets its traffic out unredirected, so it bypasses mTLS and policy (istioctl analyze: IST0144)",
    );
    expect(checkAppUid([meshPod('zamaz-api-2', { proxy: false, containerUid: 1000 })], profile).status).toBe(
      'passed',
    );
    const dep = deployment('zamaz-api', 'api');
    (dep.spec as { template: { spec: Record<string, unknown> } }).template.spec.securityContext = {
      runAsUser: 1337,
    };
    const r = checkAppUid([meshPod('zamaz-api-3', { podUid: 1337 })], profile, [dep]);
    // The template is the fix; its pod is not reported a second time.
    expect(r.findings).toEqual([
      {
        object: 'Deployment/zamaz-mesh/zamaz-api',
        message:
          "Deployment/zamaz-mesh/zamaz-api pod template container api runs as UID 1337 (from the pod securityContext), the sidecar's UID: iptables lets its traffic out unredirected, so it bypasses mTLS and policy (istioctl analyze: IST0144)",
        hint: 'set securityContext.runAsUser to another UID in deployment/zamaz-api (kubectl -n zamaz-mesh edit deployment/zamaz-api)',
        field: 'spec.template.spec.containers[api].securityContext.runAsUser',
        expected: 'not 1337',
        actual: '1337',
      },
    ]);
    expect(checkAppUid([], profile, [deployment('zamaz-api', 'api')]).status).toBe('passed');
  });
});

describe('mesh.app.deployments: available', () => {
  it('fails a Deployment that is ready but not available', () => {
    const svc = (name: string, port: number): KubeObject => ({
      kind: 'Service',
      metadata: { name, namespace: 'zamaz-mesh' },
      spec: { ports: [{ port }] },
    });
    const dep = deployment('zamaz-api', 'api');
    dep.status = {
      readyReplicas: 2,
      availableReplicas: 1,
      conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }],
    };
    const r = checkAppDeployments(
      [dep, webDep],
      [svc('zamaz-api', 8080), svc('zamaz-frontend', 80)],
      profile,
    );
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.message).toContain(
      'is not available: 1/2 replicas available (condition Available=False',
    );
  });
});

describe('mesh.observability.stack', () => {
  const obsDep = (name: string, ns = 'monitoring'): KubeObject => ({
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { replicas: 1, template: { metadata: { labels: { app: name } } } },
    status: { readyReplicas: 1 },
  });
  const svc = (name: string, app: string): KubeObject => ({
    kind: 'Service',
    metadata: { name, namespace: 'monitoring' },
    spec: { selector: { app } },
  });
  const ep = (name: string, n = 1): KubeObject => ({
    kind: 'Endpoints',
    metadata: { name, namespace: 'monitoring' },
    subsets: [{ addresses: Array.from({ length: n }, (_, i) => ({ ip: `10.0.0.${i}` })) }],
  });
  const deps = ['prometheus-server', 'grafana', 'jaeger'].map((n) => obsDep(n));
  const svcs = [
    svc('prometheus-server', 'prometheus-server'),
    svc('grafana', 'grafana'),
    svc('jaeger-query', 'jaeger'),
  ];
  const eps = [ep('prometheus-server'), ep('grafana'), ep('jaeger-query')];

  it('reports Kiali when present and notes it when absent, without failing', () => {
    const without = checkObservabilityStack(deps, svcs, eps, profile);
    expect(without.status).toBe('passed');
    expect(without.details[1]).toBe(
      'Kiali: not installed (optional; no Deployment kiali in monitoring or istio-system)',
    );
    const withKiali = checkObservabilityStack([...deps, obsDep('kiali', 'istio-system')], svcs, eps, profile);
    expect(withKiali.details[1]).toBe('Kiali: Deployment istio-system/kiali 1/1 ready');
  });

  it('fails a component without a Service, or whose Service has no ready endpoints', () => {
    const r = checkObservabilityStack(
      deps,
      svcs.slice(0, 2),
      [ep('prometheus-server'), ep('grafana', 0)],
      profile,
    );
    expect(r.findings.map((f) => f.object)).toEqual([
      'Service/monitoring/grafana',
      'Deployment/monitoring/jaeger',
    ]);
    expect(r.findings[1]?.message).toContain('no Service in monitoring selects the pods');
  });
});

describe('namespace exists', () => {
  it('fails a missing or terminating namespace', () => {
    expect(
      checkNamespaceExists(undefined, 'istio-system', 'Istio', 'kubectl create namespace istio-system')
        .findings[0]?.message,
    ).toBe('Namespace/istio-system does not exist: Istio is not installed');
    const terminating: KubeObject = {
      kind: 'Namespace',
      metadata: { name: 'spire-system' },
      status: { phase: 'Terminating' },
    };
    expect(checkNamespaceExists(terminating, 'spire-system', 'SPIRE', 'x').findings[0]?.actual).toBe(
      'Terminating',
    );
    expect(checkNamespaceExists({ kind: 'Namespace', metadata: { name: 'x' } }, 'x', 'X', 'x').status).toBe(
      'passed',
    );
  });
});

describe('mesh.app.health sampling: one pod per ReplicaSet read, the others judged by Ready', () => {
  const ready = (p: KubeObject, isReady = true): KubeObject => ({
    ...p,
    status: {
      ...(p.status as Record<string, unknown>),
      conditions: [{ type: 'Ready', status: isReady ? 'True' : 'False' }],
    },
  });
  const names = (rs: HealthRequest[]) => rs.map((r) => r.pod.metadata.name);
  const ok = (r: HealthRequest): HealthAnswer => ({ ...r, status: 200, body: 'ok' });

  it('reads the first Ready pod of each ReplicaSet and judges the other Ready pods, naming both in the details', () => {
    const pods = [
      ready(meshPod('zamaz-api-2')),
      ready(meshPod('zamaz-api-1')),
      ready(meshPod('zamaz-api-3')),
      ready(webPod('zamaz-frontend-1')),
    ];
    const plan = planHealthReads(healthRequests([apiDep, webDep], pods, profile), false);
    expect(names(plan.read)).toEqual(['zamaz-api-1', 'zamaz-frontend-1']);
    expect(names(plan.judgedReady)).toEqual(['zamaz-api-2', 'zamaz-api-3']);
    expect(plan.details).toBe(
      'read through the pod proxy (one pod per ReplicaSet, and every pod not judged by Ready; --all-pods reads every pod): ' +
        'Pod/zamaz-mesh/zamaz-api-1 for ReplicaSet/zamaz-mesh/zamaz-api-abc (1 of 3), ' +
        'Pod/zamaz-mesh/zamaz-frontend-1 for ReplicaSet/zamaz-mesh/zamaz-frontend-abc (1 of 1); ' +
        "judged by their Ready condition (Ready, and the kubelet's readiness probe is the endpoint read): " +
        'ReplicaSet/zamaz-mesh/zamaz-api-abc: zamaz-api-2, zamaz-api-3',
    );
    const r = checkAppHealth(plan.read.map(ok), profile, plan.judgedReady);
    expect(r.status).toBe('passed');
    expect(r.details[0]).toContain(
      "; 2 more pods Ready (the kubelet's readiness probe GETs the same endpoint)",
    );
  });

  it('reads a pod that is not Ready, or whose readiness probe is not the endpoint read, directly', () => {
    const livezOnly = ready(
      meshPod('zamaz-api-3', {
        readinessProbe: undefined,
        probersEnv: probers({ '/app-health/api/livez': { path: '/health', port: 8080 } }),
      }),
    );
    const pods = [ready(meshPod('zamaz-api-1')), ready(meshPod('zamaz-api-2'), false), livezOnly];
    const plan = planHealthReads(healthRequests([apiDep], pods, profile), false);
    expect(names(plan.read)).toEqual(['zamaz-api-1', 'zamaz-api-2', 'zamaz-api-3']);
    expect(plan.judgedReady).toEqual([]);
    expect(plan.details).toContain('Pod/zamaz-mesh/zamaz-api-2 (not Ready)');
    expect(plan.details).toContain(
      'Pod/zamaz-mesh/zamaz-api-3 (its readiness probe is not :15020/app-health/api/livez)',
    );
  });

  it("fails when the sampled pod answers 503, and then reads its ReplicaSet's other pods too", () => {
    const pods = [ready(meshPod('zamaz-api-1')), ready(meshPod('zamaz-api-2'))];
    const planned = planHealthReads(healthRequests([apiDep], pods, profile), false);
    const first = planned.read.map((r): HealthAnswer => ({ ...r, status: 503, body: 'draining' }));
    const { plan, more } = settleHealthPlan(planned, first);
    expect(names(more)).toEqual(['zamaz-api-2']);
    expect(plan.judgedReady).toEqual([]);
    expect(plan.details).toContain(
      "Pod/zamaz-mesh/zamaz-api-2 (its ReplicaSet's sampled pod did not answer 2xx)",
    );
    const r = checkAppHealth([...first, ...more.map(ok)], profile, plan.judgedReady);
    expect(r.status).toBe('failed');
    // (zamaz-frontend has no pod here: its own finding.)
    expect(r.findings.filter((f) => f.object.startsWith('Pod/'))).toHaveLength(1);
    expect(r.findings[0]?.object).toBe('Pod/zamaz-mesh/zamaz-api-1');
    expect(r.findings[0]?.message).toContain(
      'answers 503 (draining) on the rewritten readiness probe :15020/app-health/api/readyz',
    );
    // A healthy sample leaves the judged pods alone.
    expect(settleHealthPlan(planned, planned.read.map(ok)).more).toEqual([]);
  });

  it('reads every pod with --all-pods', () => {
    const pods = [ready(meshPod('zamaz-api-1')), ready(meshPod('zamaz-api-2'))];
    const plan = planHealthReads(healthRequests([apiDep], pods, profile), true);
    expect(names(plan.read)).toEqual(['zamaz-api-1', 'zamaz-api-2']);
    expect(plan.judgedReady).toEqual([]);
    expect(plan.details).toBe('every pod read (--all-pods): 2 pods');
  });
});
