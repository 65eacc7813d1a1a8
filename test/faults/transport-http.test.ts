// A kubeconfig whose server is plain http:// (what `kubectl proxy` gives) works as in kubectl: reads,
// writes, pod proxy, exec (ws://) and watches, through the simulator's plain-HTTP mode; and real
// kubectl agrees with the simulator's new fault modes.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Resources, type KubeObject } from '../../src/cluster/index.ts';
import { kubectlRunner } from '../sim/sim-harness.ts';
import { useFaultySimulator } from './transport-support.ts';

describe('a plain http:// kubeconfig (kubectl proxy)', () => {
  const env = useFaultySimulator({}, { plainHttp: true });
  const kubectl = kubectlRunner(() => env().sim.kubeconfigPath);
  afterAll(() => kubectl.cleanup());

  it('the kubeconfig is what kubectl proxy gives: an http:// server, no CA, no credentials', () => {
    const text = readFileSync(env().sim.kubeconfigPath, 'utf8');
    expect(env().sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(text).toContain(`server: ${env().sim.url}`);
    expect(text).not.toContain('certificate-authority');
    expect(text).not.toContain('token');
  });

  it('reads, writes and the pod proxy work', async () => {
    const c = env().client();
    expect((await c.version()).gitVersion).toMatch(/^v1\./);
    expect(await c.list(Resources.pods, { namespace: 'zamaz-mesh' })).toHaveLength(4);
    const vs = await c.get(Resources.virtualServices, 'zamaz', 'zamaz-mesh');
    const patched = await c.mergePatch(Resources.virtualServices, 'zamaz', 'zamaz-mesh', {
      metadata: { resourceVersion: vs.metadata.resourceVersion, labels: { via: 'http' } },
    });
    expect(patched.metadata.labels?.via).toBe('http');
    const stats = await c.podProxyGet('zamaz-mesh', 'zamaz-api-286jrvmmq6-fkv2l', 15020, '/stats/prometheus');
    expect(stats.status).toBe(200);
  });

  it('exec works over ws://', async () => {
    const c = env().client();
    expect(
      await c.podExec('spire-system', 'spire-server-0', 'spire-server', [
        '/opt/spire/bin/spire-server',
        'healthcheck',
      ]),
    ).toEqual({ stdout: 'Server is healthy.\n', stderr: '', exitCode: 0 });
  });

  it('watches work', async () => {
    const c = env().client();
    const waiting = c.watchUntil(Resources.configMaps, 'over-http', (cm) => cm !== undefined, {
      namespace: 'zamaz',
      timeoutMs: 30_000,
    });
    await c.create(Resources.configMaps, { metadata: { name: 'over-http' } }, 'zamaz');
    expect((await waiting)?.metadata.name).toBe('over-http');
    const events: string[] = [];
    const handle = await c.watch(
      Resources.configMaps,
      { namespace: 'zamaz', name: 'over-http' },
      (t, o: KubeObject) => events.push(`${t} ${o.metadata.name}`),
    );
    await c.delete(Resources.configMaps, 'over-http', 'zamaz');
    while (events.length < 2) await new Promise((r) => setTimeout(r, 20));
    handle.stop();
    expect(events).toEqual(['ADDED over-http', 'DELETED over-http']);
  });

  it('real kubectl reads and execs through the same kubeconfig', async () => {
    const get = await kubectl.run('get', 'pods', '-n', 'zamaz-mesh', '-o', 'name');
    expect(get.code).toBe(0);
    expect(get.stdout.trim().split('\n')).toHaveLength(4);
    const exec = await kubectl.run(
      'exec',
      '-n',
      'spire-system',
      'spire-server-0',
      '-c',
      'spire-server',
      '--',
      '/opt/spire/bin/spire-server',
      'healthcheck',
    );
    expect(exec).toMatchObject({ code: 0, stdout: 'Server is healthy.\n' });
  });
});

describe('real kubectl against the new fault modes', () => {
  const env = useFaultySimulator({
    faults: [
      { match: '^/api/v1/nodes', method: 'GET', status: 503, retryAfter: 1, count: 1 },
      { match: '^/api/v1/namespaces/zamaz/pods\\?.*continue=', status: 410 },
    ],
  });
  const kubectl = kubectlRunner(() => env().sim.kubeconfigPath);
  afterAll(() => kubectl.cleanup());

  it('kubectl (client-go) waits as Retry-After says, then succeeds', async () => {
    const res = await kubectl.run('get', 'nodes', '-o', 'name');
    expect(res.code).toBe(0);
    expect(res.stdout.trim().split('\n')).toHaveLength(4);
    const [first, second] = env()
      .sim.faultLog()
      .filter((e) => e.path.startsWith('/api/v1/nodes'));
    expect(first?.fault).toBe(503);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
  });

  it('kubectl reports an expired continue token with the API server wording', async () => {
    const res = await kubectl.run('get', 'pods', '-n', 'zamaz', '--chunk-size', '2', '-o', 'name');
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(
      'The provided continue parameter is too old to display a consistent list result',
    );
  });
});
