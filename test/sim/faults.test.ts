import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApisApi, AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { failure, fixture, raw, useSimulator } from './sim-harness.ts';

describe('ClusterProfile.spec.faults', () => {
  const env = useSimulator(fixture('profile'));

  it('answers the first `count` matching requests with 429 and Retry-After: 0, then serves normally', async () => {
    const core = env().kc.makeApiClient(CoreV1Api);
    for (let i = 0; i < 2; i++) {
      const res = await raw(env().sim, 'GET', '/api/v1/namespaces/zamaz-legacy/configmaps');
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('0');
      expect(res.json()).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
    }
    expect((await core.listNamespacedConfigMap({ namespace: 'zamaz-legacy' })).items).toEqual([]);
  });

  it('fires forever without a count, and only for matching paths', async () => {
    const apps = env().kc.makeApiClient(AppsV1Api);
    for (let i = 0; i < 3; i++) {
      const { code, body } = await failure(
        apps.readNamespacedDeployment({ name: 'broken', namespace: 'zamaz-mesh' }),
      );
      expect(code).toBe(500);
      expect(body.reason).toBe('InternalError');
    }
    expect(
      (await apps.readNamespacedDeployment({ name: 'zamaz-v1', namespace: 'zamaz-mesh' })).metadata?.name,
    ).toBe('zamaz-v1');
  });
});

describe('ClusterProfile.spec.latency and absentGroups', () => {
  const env = useSimulator([fixture('basic'), fixture('latency')]);

  it('delays every response by the configured latency', async () => {
    const core = env().kc.makeApiClient(CoreV1Api);
    const started = performance.now();
    await core.readNamespace({ name: 'default' });
    const { code } = await failure(core.readNamespace({ name: 'missing' }));
    expect(code).toBe(404);
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('does not serve a CRD-backed group the profile marks absent', async () => {
    const groups = await env().kc.makeApiClient(ApisApi).getAPIVersions();
    const names = groups.groups.map((g) => g.name);
    expect(names).not.toContain('k6.io');
    expect(names).toContain('networking.istio.io');
  });
});

describe('ClusterProfile.spec.faults: retryAfter, 410 and the fault log', () => {
  const layer = mkdtempSync(join(tmpdir(), 'meshgate-status-faults-'));
  writeFileSync(
    join(layer, 'profile.yaml'),
    JSON.stringify({
      apiVersion: 'sim.meshgate.dev/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'cluster' },
      spec: {
        faults: [
          { match: '^/api/v1/namespaces$', status: 503, retryAfter: 7, count: 1 },
          { match: 'continue=', status: 410 },
          { match: '^/api/v1/nodes\\?.*watch=', status: 410 },
        ],
      },
    }),
  );
  const env = useSimulator([fixture('basic'), layer]);
  afterAll(() => rmSync(layer, { recursive: true, force: true }));

  it('sends Retry-After and details.retryAfterSeconds with the status, for the first `count` requests', async () => {
    const first = await raw(env().sim, 'GET', '/api/v1/namespaces');
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('7');
    expect(first.json()).toMatchObject({ reason: 'ServiceUnavailable', details: { retryAfterSeconds: 7 } });
    expect((await raw(env().sim, 'GET', '/api/v1/namespaces')).status).toBe(200);
    expect(
      env()
        .sim.faultLog()
        .filter((e) => e.path === '/api/v1/namespaces'),
    ).toMatchObject([
      { method: 'GET', fault: 503 },
      { method: 'GET', fault: undefined },
    ]);
  });

  it('answers 410 Expired worded for a continue token, or for a watch resourceVersion', async () => {
    const page = await raw(env().sim, 'GET', '/api/v1/namespaces?limit=1');
    const token = (page.json().metadata as { continue: string }).continue;
    const expired = await raw(env().sim, 'GET', `/api/v1/namespaces?limit=1&continue=${token}`);
    expect(expired.status).toBe(410);
    expect(expired.json()).toMatchObject({
      reason: 'Expired',
      message:
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
    });
    const watch = await raw(env().sim, 'GET', '/api/v1/nodes?watch=true&resourceVersion=3');
    expect(watch.status).toBe(410);
    expect(watch.json()).toMatchObject({
      reason: 'Expired',
      message: 'too old resource version: 3 (injected fault)',
    });
  });
});
