import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { failure, fixture, raw, useSimulator } from './sim-harness.ts';

describe('reading objects', () => {
  const env = useSimulator(fixture('basic'));
  const core = () => env().kc.makeApiClient(CoreV1Api);
  const custom = () => env().kc.makeApiClient(CustomObjectsApi);

  it('gets a namespaced object with scenario metadata kept and defaults filled in', async () => {
    const cm = await core().readNamespacedConfigMap({ name: 'istio', namespace: 'istio-system' });
    expect(cm.kind).toBe('ConfigMap');
    expect(cm.metadata?.resourceVersion).toBe('500');
    expect(cm.metadata?.creationTimestamp?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(cm.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(cm.data?.mesh).toContain('trustDomain: cluster.local');
  });

  it('gets cluster-scoped objects at cluster paths only', async () => {
    const node = await core().readNode({ name: 'node-a' });
    expect(node.status?.allocatable).toEqual({ cpu: '3920m', memory: '16265580Ki' });
    expect((await raw(env().sim, 'GET', '/api/v1/namespaces/default/nodes/node-a')).status).toBe(404);
  });

  it('answers a missing object with a NotFound Status naming the resource', async () => {
    const { code, body } = await failure(
      core().readNamespacedPod({ name: 'ghost', namespace: 'zamaz-mesh' }),
    );
    expect(code).toBe(404);
    expect(body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      message: 'pods "ghost" not found',
      details: { name: 'ghost', kind: 'pods' },
      code: 404,
    });
    const vs = await failure(
      custom().getNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1beta1',
        namespace: 'zamaz-mesh',
        plural: 'virtualservices',
        name: 'ghost',
      }),
    );
    expect(vs.body.message).toBe('virtualservices.networking.istio.io "ghost" not found');
    expect(vs.body.details).toEqual({ name: 'ghost', group: 'networking.istio.io', kind: 'virtualservices' });
  });

  it('lists across namespaces and per namespace, ordered by namespace and name', async () => {
    const all = await core().listPodForAllNamespaces();
    expect(all.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual([
      'zamaz-legacy/zamaz-legacy-0',
      'zamaz-mesh/zamaz-v1-abc12',
      'zamaz-mesh/zamaz-v2-def34',
    ]);
    const mesh = await core().listNamespacedPod({ namespace: 'zamaz-mesh' });
    expect(mesh.items).toHaveLength(2);
    expect(mesh.kind).toBe('PodList');
    expect(mesh.apiVersion).toBe('v1');
    expect(mesh.metadata?.resourceVersion).toMatch(/^\d+$/);
  });

  it('leaves apiVersion/kind off built-in list items but keeps them on custom resources, as a real server', async () => {
    const pods = await raw(env().sim, 'GET', '/api/v1/namespaces/zamaz-mesh/pods');
    const items = pods.json().items as Array<Record<string, unknown>>;
    expect(items[0]).not.toHaveProperty('kind');
    expect(items[0]).not.toHaveProperty('apiVersion');
    const widgets = (await custom().listNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: 'zamaz-mesh',
      plural: 'widgets',
    })) as { kind: string; items: Array<{ kind: string; apiVersion: string }> };
    expect(widgets.kind).toBe('WidgetList');
    expect(widgets.items[0]).toMatchObject({ kind: 'Widget', apiVersion: 'example.com/v1' });
  });

  it('returns an object stored in one served version under the requested one', async () => {
    const args = {
      group: 'networking.istio.io',
      namespace: 'zamaz-mesh',
      plural: 'virtualservices',
      name: 'zamaz',
    };
    const beta = (await custom().getNamespacedCustomObject({ ...args, version: 'v1beta1' })) as Record<
      string,
      unknown
    >;
    const alpha = (await custom().getNamespacedCustomObject({ ...args, version: 'v1alpha3' })) as Record<
      string,
      unknown
    >;
    expect(beta.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(alpha.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(beta.spec).toEqual(alpha.spec);
    expect(
      (await raw(env().sim, 'GET', '/apis/networking.istio.io/v1/namespaces/zamaz-mesh/virtualservices'))
        .status,
    ).toBe(404);
  });

  it('filters by label selector', async () => {
    const names = async (labelSelector: string) =>
      (await core().listPodForAllNamespaces({ labelSelector })).items.map((p) => p.metadata?.name);
    expect(await names('app=zamaz,version==v2')).toEqual(['zamaz-v2-def34']);
    expect(await names('app!=zamaz')).toEqual(['zamaz-legacy-0']);
    expect(await names('version in (v1, v3)')).toEqual(['zamaz-v1-abc12']);
    expect(await names('app,version notin (v1)')).toEqual(['zamaz-legacy-0', 'zamaz-v2-def34']);
    expect(await names('version,version notin (v1)')).toEqual(['zamaz-v2-def34']);
    expect(await names('!version')).toEqual(['zamaz-legacy-0']);
    expect(await names('security.istio.io/tlsMode=istio')).toHaveLength(2);
    const bad = await failure(core().listPodForAllNamespaces({ labelSelector: 'a in (b' }));
    expect(bad.code).toBe(400);
  });

  it('filters by field selector and rejects fields the kind does not index', async () => {
    const names = async (fieldSelector: string) =>
      (await core().listPodForAllNamespaces({ fieldSelector })).items.map((p) => p.metadata?.name);
    expect(await names('status.phase=Running,spec.nodeName=node-a')).toEqual(['zamaz-v1-abc12']);
    expect(await names('status.phase!=Running')).toEqual(['zamaz-legacy-0']);
    expect(await names('metadata.namespace==zamaz-mesh,metadata.name!=zamaz-v1-abc12')).toEqual([
      'zamaz-v2-def34',
    ]);
    const bad = await failure(core().listPodForAllNamespaces({ fieldSelector: 'spec.containers=x' }));
    expect(bad.code).toBe(400);
    expect(bad.body.message).toBe('field label not supported: spec.containers');
  });

  it('pages with limit/continue in stable order, with remainingItemCount', async () => {
    const seen: string[] = [];
    const remaining: Array<number | undefined> = [];
    let token: string | undefined;
    do {
      const page = await core().listNamespace({ limit: 3, _continue: token });
      seen.push(...page.items.map((n) => n.metadata?.name ?? ''));
      remaining.push(page.metadata?.remainingItemCount);
      token = page.metadata?._continue;
      expect(page.items.length).toBeLessThanOrEqual(3);
    } while (token !== undefined && token !== '');
    const unpaged = (await core().listNamespace()).items.map((n) => n.metadata?.name);
    expect(seen).toEqual(unpaged);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toHaveLength(7);
    expect(remaining).toEqual([4, 1, undefined]);
  });

  it('rejects a forged continue token', async () => {
    const bad = await failure(core().listNamespace({ limit: 1, _continue: 'not-a-token' }));
    expect(bad.code).toBe(400);
  });

  it('reads deployments through the typed apps client', async () => {
    const list = await env().kc.makeApiClient(AppsV1Api).listDeploymentForAllNamespaces();
    expect(list.items.map((d) => d.metadata?.name)).toEqual(['zamaz-v1']);
    expect(list.items[0]?.metadata?.generation).toBe(1);
  });
});
