// The simulator counts what it answers, so a test or the bench can say how many requests a run cost:
// in-process (requestCounts), over HTTP (GET /debug/requests) and as a JSON-lines file (requestLog).
import { AppsV1Api, CoreV1Api, CustomObjectsApi, Exec, type V1Status } from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RequestRecord, type StartedSimulator } from '../../src/sim/index.ts';
import { failure, fixture, kubectlRunner, raw } from './sim-harness.ts';

describe('request counting', () => {
  let dir: string;
  let sim: StartedSimulator;
  let kc: KubeConfig;
  const kubectl = kubectlRunner(() => sim.kubeconfigPath);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshgate-reqlog-'));
    sim = await startSimulator({ scenario: fixture('basic'), requestLog: join(dir, 'requests.jsonl') });
    kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
  });
  afterAll(async () => {
    await sim.stop();
    await kubectl.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function exec(pod: string, command: string[]): Promise<V1Status> {
    return new Promise<V1Status>((resolve, reject) => {
      new Exec(kc)
        .exec(
          'zamaz-mesh',
          pod,
          'istio-proxy',
          command,
          new PassThrough(),
          new PassThrough(),
          null,
          false,
          resolve,
        )
        .catch(reject);
    });
  }

  it('counts each request by verb, resource and subresource, and logs each as a JSON line', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const before = sim.requestCounts();
    expect(before).toEqual({ total: 0, requests: [] });

    await core.listNamespacedPod({ namespace: 'zamaz-mesh' });
    await core.listPodForAllNamespaces();
    await core.listPodForAllNamespaces();
    await core.readNamespacedPod({ namespace: 'zamaz-mesh', name: 'zamaz-v1-abc12' });
    await kc.makeApiClient(AppsV1Api).listDeploymentForAllNamespaces();
    await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({
      group: 'networking.istio.io',
      version: 'v1beta1',
      plural: 'virtualservices',
    });
    await core.connectGetNamespacedPodProxyWithPath({
      name: 'zamaz-v1-abc12:15020',
      namespace: 'zamaz-mesh',
      path: 'stats/prometheus',
    });
    await exec('zamaz-v1-abc12', ['pilot-agent', 'request', 'GET', 'certs']);
    expect((await failure(core.readNamespacedPod({ namespace: 'zamaz-mesh', name: 'ghost' }))).code).toBe(
      404,
    );
    await core.getAPIResources();

    const counts = sim.requestCounts();
    expect(counts.total).toBe(10);
    expect(counts.requests).toEqual([
      { verb: 'list', resource: 'pods', subresource: '', count: 3 },
      { verb: 'get', resource: 'pods', subresource: '', count: 2 },
      { verb: 'create', resource: 'pods', subresource: 'exec', count: 1 },
      { verb: 'get', resource: '/api/v1', subresource: '', count: 1 },
      { verb: 'get', resource: 'pods', subresource: 'proxy', count: 1 },
      { verb: 'list', resource: 'deployments.apps', subresource: '', count: 1 },
      { verb: 'list', resource: 'virtualservices.networking.istio.io', subresource: '', count: 1 },
    ]);

    // The file holds the same requests, in order, each with its status and time.
    await sim.stop();
    const lines = (await readFile(join(dir, 'requests.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RequestRecord);
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatchObject({ verb: 'list', resource: 'pods', namespace: 'zamaz-mesh', status: 200 });
    expect(lines.find((l) => l.subresource === 'exec')).toMatchObject({
      verb: 'create',
      name: 'zamaz-v1-abc12',
      status: 101,
    });
    expect(lines.find((l) => l.name === 'ghost')?.status).toBe(404);
    for (const line of lines) {
      expect(line.ms).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(Date.parse(line.at))).toBe(false);
    }
  });

  it('answers the counts at /debug/requests, as kubectl and a bench in another process read them', async () => {
    // A fresh simulator: the first test stopped its own.
    sim = await startSimulator({ scenario: fixture('basic') });
    const listed = await kubectl.run('get', 'pods', '-n', 'zamaz-mesh', '-o', 'name');
    expect(listed.code).toBe(0);
    const res = await kubectl.run('get', '--raw', '/debug/requests');
    expect(res.code).toBe(0);
    const body = JSON.parse(res.stdout) as { total: number; requests: { verb: string; resource: string }[] };
    // kubectl's discovery requests are counted too; the counts endpoint itself is not.
    expect(body.requests).toContainEqual({ verb: 'list', resource: 'pods', subresource: '', count: 1 });
    expect(body.requests.some((r) => r.resource === '/debug/requests')).toBe(false);
    expect(body.total).toBe(sim.requestCounts().total);
    // Without the token, nothing.
    expect((await raw(sim, 'GET', '/debug/requests', { token: null })).status).toBe(401);
  });
});
