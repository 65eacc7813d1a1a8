// The cluster transport under faults, against the simulator over HTTPS through client-node's
// kubeconfig: cancellation, the run deadline, Retry-After, expired continue tokens and Forbidden.
import { describe, expect, it } from 'vitest';
import { Interrupted } from '../../src/core/index.ts';
import {
  Forbidden,
  MAX_LIST_RESTARTS,
  Resources,
  ServerError,
  type ClusterClient,
} from '../../src/cluster/index.ts';
import { QUICK_RETRY, rejection, useFaultySimulator } from './transport-support.ts';

const LATENCY_MS = 1_500;

describe('cancellation and the run deadline (API answering in 1.5 s)', () => {
  const env = useFaultySimulator({ latency: `${LATENCY_MS}ms` });

  /** A signal aborted, as the gate does on SIGTERM, once the client has had time to send. */
  const sigtermSoon = () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Interrupted('SIGTERM')), 200);
    return controller.signal;
  };

  it('abort mid-request: the read rejects with the signal reason, never completes', async () => {
    const signal = sigtermSoon();
    const c = env().client({ signal });
    const err = await rejection(c.list(Resources.pods, { namespace: 'zamaz-mesh' }));
    // Without the abort the list would have succeeded 1.5 s later: an Interrupted proves it stopped.
    expect(err).toBe(signal.reason);
    expect((err as Interrupted).trigger).toBe('SIGTERM');
  });

  it('after the abort, later requests reject at once without reaching the server (cache included)', async () => {
    const controller = new AbortController();
    const c = env().client({ signal: controller.signal });
    controller.abort(new Interrupted('SIGINT'));
    const sent = c.requestCount;
    for (const call of [
      () => c.list(Resources.pods),
      () => c.get(Resources.virtualServices, 'zamaz', 'zamaz-mesh'),
      () => c.podProxyGet('zamaz-mesh', 'zamaz-api-286jrvmmq6-fkv2l', 15020, '/stats/prometheus'),
      () => c.podExec('spire-system', 'spire-server-0', 'spire-server', ['/opt/spire/bin/spire-server']),
      () => c.mergePatch(Resources.virtualServices, 'zamaz', 'zamaz-mesh', { metadata: {} }),
      () => c.watchUntil(Resources.configMaps, 'x', () => true, { namespace: 'zamaz' }),
    ]) {
      const err = await rejection(call());
      expect(err).toBeInstanceOf(Interrupted);
      expect((err as Interrupted).trigger).toBe('SIGINT');
    }
    expect(c.requestCount).toBe(sent);
  });

  it('abort stops an exec session and a pod proxy call in flight; a write already sent is awaited', async () => {
    const signal = sigtermSoon();
    const c = env().client({ signal });
    const [exec, proxy, write] = await Promise.allSettled([
      c.podExec('spire-system', 'spire-server-0', 'spire-server', [
        '/opt/spire/bin/spire-server',
        'healthcheck',
      ]),
      c.podProxyGet('zamaz-mesh', 'zamaz-api-286jrvmmq6-fkv2l', 15020, '/stats/prometheus'),
      c.mergePatch(Resources.configMaps, 'istio', 'istio-system', {
        metadata: { annotations: { 'meshgate.dev/touched': 'yes' } },
      }),
    ]);
    expect(exec).toMatchObject({ status: 'rejected', reason: signal.reason });
    expect(proxy).toMatchObject({ status: 'rejected', reason: signal.reason });
    // Aborting a sent write would not unsend it, only hide whether it was applied: the gate waits for
    // the answer so that the audit line can say what changed.
    expect(signal.aborted).toBe(true);
    expect(write.status).toBe('fulfilled');
    const after = await env().client().get(Resources.configMaps, 'istio', 'istio-system');
    expect(after.metadata.annotations?.['meshgate.dev/touched']).toBe('yes');
  });

  it('a slow API within the deadline answers', async () => {
    const c = env().client({ deadlineAt: Date.now() + 30_000 });
    expect(await c.list(Resources.nodes)).toHaveLength(4);
  });

  it('a slow API beyond the deadline stops at the deadline as Interrupted("deadline"), not Unreachable', async () => {
    const c = env().client({ deadlineAt: Date.now() + 300 });
    const err = await rejection(c.list(Resources.nodes));
    expect(err).toBeInstanceOf(Interrupted);
    expect((err as Interrupted).trigger).toBe('deadline');
    expect((err as Error).message).toBe('the run deadline (--timeout) expired');
  });

  it('abort ends a waiting watchUntil with the signal reason', async () => {
    const signal = sigtermSoon();
    const c = env().client({ signal });
    const err = await rejection(
      c.watchUntil(Resources.configMaps, 'istio', () => false, { namespace: 'istio-system' }),
    );
    expect(err).toBe(signal.reason);
  });
});

describe('Retry-After, 410 on continue, and Forbidden', () => {
  const env = useFaultySimulator({
    faults: [
      { match: '^/api/v1/nodes', method: 'GET', status: 503, retryAfter: 3, count: 1 },
      { match: '^/apis/storage.k8s.io/v1/storageclasses', status: 429, retryAfter: 30 },
      { match: '^/api/v1/namespaces/zamaz/services', status: 429, count: 1 },
      { match: '^/api/v1/pods\\?.*continue=', status: 410, count: 1 },
      { match: '^/api/v1/configmaps\\?.*continue=', status: 410 },
      { match: '^/apis/apps/v1/namespaces/zamaz-mesh/deployments/zamaz-api$', method: 'PATCH', status: 503 },
      { match: 'selfsubjectaccessreviews', method: 'POST', status: 503, count: 1 },
    ],
    forbidden: [
      { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: 'spire-system' },
      { verb: 'get', group: '', resource: 'pods', subresource: 'proxy', namespace: 'istio-system' },
      { verb: 'list', group: '', resource: 'serviceaccounts', namespace: 'zamaz-mesh' },
      { verb: 'list', group: 'storage.k8s.io', resource: 'csidrivers' },
      { verb: 'watch', group: '', resource: 'configmaps', namespace: 'zamaz' },
    ],
  });
  const matching = (re: RegExp) =>
    env()
      .sim.faultLog()
      .filter((e) => re.test(e.path));

  it('honours Retry-After: 3 (not capped at 2 s): the retry comes at least 3 s after the 503', async () => {
    const c = env().client();
    expect(await c.list(Resources.nodes)).toHaveLength(4);
    const [first, second, ...rest] = matching(/^\/api\/v1\/nodes/);
    expect(first?.fault).toBe(503);
    expect(second?.fault).toBeUndefined();
    expect(rest).toEqual([]);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(3_000);
  });

  it('Retry-After: 0 still backs off a little (at least the base delay)', async () => {
    const c = env().client({ retry: { ...QUICK_RETRY, baseDelayMs: 300 } });
    await c.list(Resources.services, { namespace: 'zamaz' });
    const [first, second] = matching(/^\/api\/v1\/namespaces\/zamaz\/services/);
    expect(first?.fault).toBe(429);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(300);
  });

  it('a Retry-After beyond the deadline is not waited for: the last error, saying why', async () => {
    const c = env().client({ deadlineAt: Date.now() + 5_000 });
    const err = await rejection(c.list(Resources.storageClasses));
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).status).toBe(429);
    expect((err as Error).message).toMatch(
      /^the API server answered 429 to list storageclasses\.storage\.k8s\.io \(cluster-wide\): Too many requests, please try again later\.; gave up after 1 attempt\(s\): the server asked to retry after 30s \(Retry-After\), past the run's deadline \(\d.*left\)$/,
    );
    expect(matching(/storageclasses/)).toHaveLength(1);
  });

  it('writes are never retried, whatever Retry-After says', async () => {
    const c = env().client();
    const before = c.requestCount;
    const err = await rejection(
      c.mergePatch(Resources.deployments, 'zamaz-api', 'zamaz-mesh', { metadata: { labels: { a: 'b' } } }),
    );
    expect(err).toBeInstanceOf(ServerError);
    expect(c.requestCount - before).toBe(1);
  });

  it('an access review (a POST that stores nothing) is retried like a read', async () => {
    const c = env().client();
    expect(await c.canI({ verb: 'get', group: '', resource: 'pods', namespace: 'zamaz' })).toMatchObject({
      allowed: true,
    });
    expect(matching(/selfsubjectaccessreviews/).map((e) => e.fault)).toEqual([503, undefined]);
  });

  it('410 on a continue token: the list starts over and is complete', async () => {
    const c = env().client({ pageSize: 5 });
    const pods = await c.list(Resources.pods);
    expect(pods).toHaveLength(33);
    expect(new Set(pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).size).toBe(33);
    // Continued pages: the expired one, then the 6 of the list started over.
    expect(matching(/^\/api\/v1\/pods\?/).map((e) => e.fault)).toEqual([410, ...Array(6).fill(undefined)]);
    // One page, the expired second page, then all 7 pages again.
    expect(c.requestCount).toBe(9);
  });

  it('a continue token that always expires ends in the 410, saying the list was restarted', async () => {
    const c = env().client({ pageSize: 10 });
    const err = await rejection(c.list(Resources.configMaps));
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).status).toBe(410);
    expect((err as Error).message).toContain('The provided continue parameter is too old');
    expect((err as Error).message).toContain(
      `the list was restarted ${MAX_LIST_RESTARTS} times and its continue token expired each time`,
    );
  });

  describe('Forbidden names verb, resource, subresource, namespace and the RBAC rule', () => {
    const expectForbidden = async (call: (c: ClusterClient) => Promise<unknown>) => {
      const err = await rejection(call(env().client()));
      expect(err).toBeInstanceOf(Forbidden);
      expect((err as Error).message).not.toContain('[object Object]');
      return err as Forbidden;
    };

    it('exec refused at the WebSocket handshake', async () => {
      const err = await expectForbidden((c) =>
        c.podExec('spire-system', 'spire-server-0', 'spire-server', [
          '/opt/spire/bin/spire-server',
          'healthcheck',
        ]),
      );
      expect(err.message).toBe(
        'forbidden: the identity running meshgate may not create pods/exec "spire-server-0" in namespace spire-system ' +
          '(API server: pods "spire-server-0" is forbidden: User "system:serviceaccount:meshgate:meshgate" cannot create resource "pods/exec" in API group "" in the namespace "spire-system"); ' +
          'grant "create" on "pods/exec" in spire-system: add the rule - {apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]} ' +
          'to a Role in namespace spire-system bound (RoleBinding) to that identity',
      );
      expect(err.rule).toBe('- {apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}');
      expect(err.roleKind).toBe('Role');
    });

    it('pod proxy', async () => {
      const err = await expectForbidden((c) =>
        c.podProxyGet('istio-system', 'istio-ingressgateway-m2cg6fvzjr-j6ph7', 15020, '/healthz/ready'),
      );
      expect(err.message).toContain('may not get pods/proxy "istio-ingressgateway-m2cg6fvzjr-j6ph7"');
      expect(err.rule).toBe('- {apiGroups: [""], resources: ["pods/proxy"], verbs: ["get"]}');
    });

    it('a namespaced read', async () => {
      const err = await expectForbidden((c) =>
        c.list(Resources.serviceAccounts, { namespace: 'zamaz-mesh' }),
      );
      expect(err.message).toBe(
        'forbidden: the identity running meshgate may not list serviceaccounts in namespace zamaz-mesh ' +
          '(API server: serviceaccounts is forbidden: User "system:serviceaccount:meshgate:meshgate" cannot list resource "serviceaccounts" in API group "" in the namespace "zamaz-mesh"); ' +
          'grant "list" on "serviceaccounts" in zamaz-mesh: add the rule - {apiGroups: [""], resources: ["serviceaccounts"], verbs: ["list"]} ' +
          'to a Role in namespace zamaz-mesh bound (RoleBinding) to that identity',
      );
    });

    it('a cluster-wide read needs a ClusterRole', async () => {
      const err = await expectForbidden((c) => c.list(Resources.csiDrivers));
      expect(err.roleKind).toBe('ClusterRole');
      expect(err.message).toContain(
        'add the rule - {apiGroups: ["storage.k8s.io"], resources: ["csidrivers"], verbs: ["list"]} to a ClusterRole bound (ClusterRoleBinding) to that identity',
      );
    });

    it('a watch', async () => {
      const err = await expectForbidden((c) =>
        c.watchUntil(Resources.configMaps, 'zamaz-config', () => false, {
          namespace: 'zamaz',
          timeoutMs: 20_000,
        }),
      );
      expect(err.rule).toBe('- {apiGroups: [""], resources: ["configmaps"], verbs: ["watch"]}');
      expect(err.message).toContain('may not watch configmaps "zamaz-config" in namespace zamaz');
    });
  });
});
