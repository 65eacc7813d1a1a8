import { ApisApi, AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
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
