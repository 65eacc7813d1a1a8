import {
  ApisApi,
  AppsV1Api,
  CoreApi,
  CoreV1Api,
  CustomObjectsApi,
  VersionApi,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { failure, fixture, raw, useSimulator } from './sim-harness.ts';

describe('discovery', () => {
  const env = useSimulator(fixture('basic'));

  it('serves a 1.28 /version by default', async () => {
    const version = await env().kc.makeApiClient(VersionApi).getCode();
    expect(version).toMatchObject({
      major: '1',
      minor: '28',
      gitVersion: 'v1.28.3',
      platform: 'linux/amd64',
    });
  });

  it('lists the legacy group and the named groups with preferred versions', async () => {
    const { kc } = env();
    const legacy = await kc.makeApiClient(CoreApi).getAPIVersions();
    expect(legacy.versions).toEqual(['v1']);
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    const byName = new Map(groups.groups.map((g) => [g.name, g]));
    expect(byName.get('apps')?.preferredVersion?.groupVersion).toBe('apps/v1');
    // Istio 1.20: networking v1beta1 (preferred) and v1alpha3; security v1 and v1beta1.
    expect(byName.get('networking.istio.io')?.versions.map((v) => v.version)).toEqual([
      'v1beta1',
      'v1alpha3',
    ]);
    expect(byName.get('security.istio.io')?.preferredVersion?.version).toBe('v1');
    expect(byName.has('spire.spiffe.io')).toBe(true);
    expect(byName.has('k6.io')).toBe(true);
    // Defined by a CRD in the scenario; v1alpha1 has served: false.
    expect(byName.get('example.com')?.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1']);
  });

  it('describes core resources with short names and subresources', async () => {
    const list = await env().kc.makeApiClient(CoreV1Api).getAPIResources();
    const pods = list.resources.find((r) => r.name === 'pods');
    expect(pods).toMatchObject({ singularName: 'pod', namespaced: true, kind: 'Pod', shortNames: ['po'] });
    expect(pods?.verbs).toEqual(
      expect.arrayContaining(['get', 'list', 'watch', 'create', 'patch', 'delete']),
    );
    const names = list.resources.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['pods/exec', 'pods/proxy', 'pods/log', 'pods/status', 'namespaces', 'nodes']),
    );
    expect(list.resources.find((r) => r.name === 'namespaces')?.namespaced).toBe(false);
    expect(list.resources.find((r) => r.name === 'pods/exec')).toMatchObject({
      kind: 'PodExecOptions',
      verbs: ['create', 'get'],
    });
  });

  it('reports deployments/scale as autoscaling/v1 Scale', async () => {
    const list = await env().kc.makeApiClient(AppsV1Api).getAPIResources();
    expect(list.resources.find((r) => r.name === 'deployments')?.shortNames).toEqual(['deploy']);
    expect(list.resources.find((r) => r.name === 'deployments/scale')).toMatchObject({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
  });

  it('serves CRD-defined resources from the CRD spec', async () => {
    const res = await raw(env().sim, 'GET', '/apis/example.com/v1');
    expect(res.status).toBe(200);
    const resources = res.json().resources as Array<Record<string, unknown>>;
    expect(resources.find((r) => r.name === 'widgets')).toMatchObject({
      kind: 'Widget',
      namespaced: true,
      shortNames: ['wd'],
      categories: ['all'],
    });
    expect(resources.map((r) => r.name)).toEqual(['widgets', 'widgets/status', 'widgets/scale']);
    expect((await raw(env().sim, 'GET', '/apis/example.com/v1alpha1')).status).toBe(404);
  });

  it('answers unknown paths with a NotFound Status', async () => {
    const res = await raw(env().sim, 'GET', '/apis/nope.example.com/v1/things');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json()).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
    });
    const missing = await failure(
      env().kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
        group: 'example.com',
        version: 'v1',
        namespace: 'default',
        plural: 'gadgets',
      }),
    );
    expect(missing.code).toBe(404);
  });
});

describe('discovery with a ClusterProfile', () => {
  const env = useSimulator(fixture('profile'));

  it('serves the profile version, deriving nothing the profile sets itself', async () => {
    const version = await env().kc.makeApiClient(VersionApi).getCode();
    expect(version).toMatchObject({
      major: '1',
      minor: '27+',
      gitVersion: 'v1.27.9-eks-1234',
      platform: 'linux/arm64',
    });
  });
});
