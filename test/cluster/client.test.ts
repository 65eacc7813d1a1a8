import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterClient,
  Conflict,
  Forbidden,
  loadKubeConfig,
  NotFound,
  Resources,
  ServerError,
  Unauthorized,
  Unreachable,
  type RetryPolicy,
} from '../../src/cluster/index.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';

const FAST_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 1,
  maxDelayMs: 5,
  deadlineMs: 5_000,
  attemptTimeoutMs: 5_000,
};

/** A scenario layer holding only a ClusterProfile, laid over healthy. */
function profileLayer(spec: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-layer-'));
  writeFileSync(
    path.join(dir, 'profile.yaml'),
    JSON.stringify({
      apiVersion: 'sim.meshgate.dev/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'cluster' },
      spec,
    }),
  );
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('ClusterClient against the simulator', () => {
  let sim: StartedSimulator;
  let faulty: StartedSimulator;
  const client = (s: StartedSimulator, opts: ConstructorParameters<typeof ClusterClient>[1] = {}) =>
    new ClusterClient(loadKubeConfig({ kubeconfig: s.kubeconfigPath }), { retry: FAST_RETRY, ...opts });

  beforeAll(async () => {
    sim = await startSimulator({ scenario: 'scenarios/healthy' });
    faulty = await startSimulator({
      scenario: [
        'scenarios/healthy',
        profileLayer({
          forbidden: [
            {
              verb: 'list',
              group: 'security.istio.io',
              resource: 'peerauthentications',
              namespace: 'zamaz-mesh',
            },
          ],
          faults: [
            { match: '^/api/v1/nodes', status: 503, count: 2 },
            { match: '^/apis/storage.k8s.io/v1/storageclasses', status: 429, count: 1 },
            { match: '^/api/v1/namespaces/zamaz/services', status: 500 },
            {
              match: '^/apis/networking.istio.io/v1beta1/namespaces/zamaz-mesh/virtualservices/zamaz$',
              method: 'PATCH',
              status: 503,
              count: 1,
            },
          ],
        }),
      ],
    });
  });
  afterAll(async () => {
    await sim?.stop();
    await faulty?.stop();
  });

  it('pages through a list with limit/continue and returns every object', async () => {
    const c = client(sim, { pageSize: 5 });
    const pods = await c.list(Resources.pods);
    expect(pods).toHaveLength(33);
    expect(new Set(pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).size).toBe(33);
    expect(c.requestCount).toBe(7);
    expect(pods.every((p) => p.kind === 'Pod' && p.apiVersion === 'v1')).toBe(true);
  });

  it('lists a kind once per run however many checks ask', async () => {
    const c = client(sim);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => c.list(Resources.pods, { namespace: 'zamaz-mesh' })),
    );
    expect(results.every((r) => r.length === results[0]?.length)).toBe(true);
    expect(c.requestCount).toBe(1);
    c.invalidate();
    await c.list(Resources.pods, { namespace: 'zamaz-mesh' });
    expect(c.requestCount).toBe(2);
  });

  it('applies label selectors on the server', async () => {
    const pods = await client(sim).list(Resources.pods, {
      namespace: 'zamaz-mesh',
      labelSelector: 'app=zamaz-api',
    });
    expect(pods.map((p) => p.metadata.labels?.app)).toEqual(['zamaz-api', 'zamaz-api']);
  });

  it('maps 403 to Forbidden naming the verb, resource and namespace, and remembers it', async () => {
    const c = client(faulty);
    const errors = await Promise.all(
      Array.from({ length: 5 }, () =>
        c.list(Resources.peerAuthentications, { namespace: 'zamaz-mesh' }).catch((e: unknown) => e),
      ),
    );
    expect(errors[0]).toBeInstanceOf(Forbidden);
    expect((errors[0] as Forbidden).message).toContain(
      'forbidden: the identity running meshgate may not list peerauthentications.security.istio.io in namespace zamaz-mesh',
    );
    expect((errors[0] as Forbidden).message).toContain(
      'grant "list" on "peerauthentications.security.istio.io" in zamaz-mesh',
    );
    expect((errors[0] as Forbidden).cause).toMatchObject({ status: 403 });
    expect(c.requestCount).toBe(1);
  });

  it('retries reads on 503 and 429 with backoff, then succeeds', async () => {
    const c = client(faulty);
    expect(await c.list(Resources.nodes)).toHaveLength(4);
    expect(c.requestCount).toBe(3);
    expect(await c.list(Resources.storageClasses)).toHaveLength(1);
    expect(c.requestCount).toBe(5);
  });

  it('gives up after the retry budget with a ServerError', async () => {
    const c = client(faulty);
    const err = await c.list(Resources.services, { namespace: 'zamaz' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).status).toBe(500);
    expect(c.requestCount).toBe(FAST_RETRY.attempts);
  });

  it('never retries a write', async () => {
    const c = client(faulty);
    const vs = await c.get(Resources.virtualServices, 'zamaz', 'zamaz-mesh');
    const before = c.requestCount;
    const err = await c
      .mergePatch(Resources.virtualServices, 'zamaz', 'zamaz-mesh', {
        metadata: { resourceVersion: vs.metadata.resourceVersion, annotations: { a: 'b' } },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(c.requestCount - before).toBe(1);
  });

  it('reports a stale resourceVersion as Conflict', async () => {
    const c = client(sim);
    const vs = await c.get(Resources.virtualServices, 'zamaz', 'zamaz-mesh');
    const rv = vs.metadata.resourceVersion;
    await c.mergePatch(Resources.virtualServices, 'zamaz', 'zamaz-mesh', {
      metadata: { resourceVersion: rv, labels: { touched: 'once' } },
    });
    const err = await c
      .mergePatch(Resources.virtualServices, 'zamaz', 'zamaz-mesh', {
        metadata: { resourceVersion: rv, labels: { touched: 'twice' } },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Conflict);
    expect((err as Conflict).message).toContain('the object changed since it was read');
  });

  it('returns undefined from find() and NotFound from get() for a missing object', async () => {
    const c = client(sim);
    expect(await c.find(Resources.deployments, 'nope', 'zamaz-mesh')).toBeUndefined();
    await expect(c.get(Resources.deployments, 'nope', 'zamaz-mesh')).rejects.toBeInstanceOf(NotFound);
  });

  it('reads the pod proxy and runs exec', async () => {
    const c = client(sim);
    const [pod] = await c.list(Resources.pods, { namespace: 'zamaz-mesh', labelSelector: 'app=zamaz-api' });
    const stats = await c.podProxyGet('zamaz-mesh', pod!.metadata.name, 15020, '/stats/prometheus');
    expect(stats.status).toBe(200);
    expect(stats.body).toContain('envoy_cluster_circuit_breakers_default_cx_open');
    const ok = await c.podExec('spire-system', 'spire-server-0', 'spire-server', [
      '/opt/spire/bin/spire-server',
      'healthcheck',
    ]);
    expect(ok).toEqual({ stdout: 'Server is healthy.\n', stderr: '', exitCode: 0 });
    const unknown = await c.podExec('spire-system', 'spire-server-0', 'spire-server', ['no-such-command']);
    expect(unknown.exitCode).toBe(127);
  });

  it('reports a wrong token as Unauthorized', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-kc-'));
    const kc = loadKubeConfig({ kubeconfig: sim.kubeconfigPath });
    kc.users = kc.users.map((u) => ({ ...u, token: 'wrong' }));
    writeFileSync(path.join(dir, 'config'), kc.exportConfig());
    const c = new ClusterClient(loadKubeConfig({ kubeconfig: path.join(dir, 'config') }), {
      retry: FAST_RETRY,
    });
    await expect(c.version()).rejects.toBeInstanceOf(Unauthorized);
  });

  it('reports a closed port as Unreachable', async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-kc-'));
    writeFileSync(
      path.join(dir, 'config'),
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
    );
    const err = await new ClusterClient(loadKubeConfig({ kubeconfig: path.join(dir, 'config') }), {
      retry: FAST_RETRY,
    })
      .version()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Unreachable);
    expect((err as Unreachable).message).toBe(
      `cannot reach the Kubernetes API server at https://127.0.0.1:${port}: connection refused; check the network, the kubeconfig's server URL and --context`,
    );
  });
});

describe('loadKubeConfig', () => {
  it('refuses to fall back to localhost:8080 when nothing is configured', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'meshgate-home-'));
    expect(() => loadKubeConfig({ env: { HOME: home } })).toThrow(
      /no kubeconfig found.*never assumes http:\/\/localhost:8080/s,
    );
  });

  it('names the known contexts when --context is wrong', async () => {
    const s = await startSimulator({ scenario: 'scenarios/sim-fixtures/basic' });
    try {
      expect(() => loadKubeConfig({ kubeconfig: s.kubeconfigPath, context: 'prod' })).toThrow(
        'context "prod" is not in the kubeconfig; known contexts: meshgate-sim',
      );
      expect(
        loadKubeConfig({
          env: { KUBECONFIG: `/nonexistent:${s.kubeconfigPath}`, HOME: '/nonexistent' },
        }).getCurrentContext(),
      ).toBe('meshgate-sim');
    } finally {
      await s.stop();
    }
  });
});
