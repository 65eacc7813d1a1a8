import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { failure, fixture, raw, useSimulator } from './sim-harness.ts';

const VS = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  namespace: 'zamaz-mesh',
  plural: 'virtualservices',
};
const WIDGETS = { group: 'example.com', version: 'v1', namespace: 'zamaz-mesh', plural: 'widgets' };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

interface Obj {
  metadata: { name: string; resourceVersion: string; generation?: number; uid?: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

describe('writing objects', () => {
  const env = useSimulator(fixture('basic'));
  const core = () => env().kc.makeApiClient(CoreV1Api);
  const apps = () => env().kc.makeApiClient(AppsV1Api);
  const custom = () => env().kc.makeApiClient(CustomObjectsApi);

  it('creates objects with server-set metadata and a rising resourceVersion', async () => {
    const before = Number((await core().listNamespace()).metadata?.resourceVersion);
    const created = await core().createNamespacedConfigMap({
      namespace: 'zamaz-mesh',
      body: { metadata: { name: 'created' }, data: { a: '1' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(before);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const read = await core().readNamespacedConfigMap({ name: 'created', namespace: 'zamaz-mesh' });
    expect(read.data).toEqual({ a: '1' });
  });

  it('generates names, refuses duplicates and unknown namespaces', async () => {
    const generated = await core().createNamespacedConfigMap({
      namespace: 'zamaz-mesh',
      body: { metadata: { generateName: 'gen-' } },
    });
    expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const dup = await failure(
      core().createNamespacedConfigMap({ namespace: 'zamaz-mesh', body: { metadata: { name: 'created' } } }),
    );
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({
      reason: 'AlreadyExists',
      message: 'configmaps "created" already exists',
    });
    const noNs = await failure(
      core().createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }),
    );
    expect(noNs.code).toBe(404);
    expect(noNs.body.message).toBe('namespaces "nowhere" not found');
    const unnamed = await failure(
      core().createNamespacedConfigMap({ namespace: 'zamaz-mesh', body: { metadata: {} } }),
    );
    expect(unnamed.code).toBe(422);
    expect(unnamed.body).toMatchObject({ reason: 'Invalid', details: { kind: 'ConfigMap' } });
  });

  it('validates but does not store with dryRun=All', async () => {
    const body: V1ConfigMap = { metadata: { name: 'dry' } };
    const answer = await core().createNamespacedConfigMap({ namespace: 'zamaz-mesh', body, dryRun: 'All' });
    expect(answer.metadata?.name).toBe('dry');
    expect(
      (await failure(core().readNamespacedConfigMap({ name: 'dry', namespace: 'zamaz-mesh' }))).code,
    ).toBe(404);
  });

  it('replaces, refusing a stale resourceVersion with the real Conflict message', async () => {
    const current = (await custom().getNamespacedCustomObject({ ...VS, name: 'zamaz' })) as Obj;
    const updated = (await custom().replaceNamespacedCustomObject({
      ...VS,
      name: 'zamaz',
      body: { ...current, spec: { ...current.spec, gateways: ['replaced'] } },
    })) as Obj;
    expect(updated.spec.gateways).toEqual(['replaced']);
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(
      Number(current.metadata.resourceVersion),
    );
    expect(updated.metadata.generation).toBe((current.metadata.generation ?? 1) + 1);
    const stale = await failure(
      custom().replaceNamespacedCustomObject({
        ...VS,
        name: 'zamaz',
        body: { ...current, spec: { hosts: ['x'] } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on virtualservices.networking.istio.io "zamaz": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'zamaz', group: 'networking.istio.io', kind: 'virtualservices' },
    });
  });

  it('merge-patches (RFC 7386), with 409 for a stale resourceVersion in the patch', async () => {
    const before = (await custom().getNamespacedCustomObject({ ...VS, name: 'zamaz' })) as Obj;
    const patched = (await custom().patchNamespacedCustomObject(
      { ...VS, name: 'zamaz', body: { spec: { gateways: null, exportTo: ['.'] } } },
      merge,
    )) as Obj;
    expect(patched.spec).not.toHaveProperty('gateways');
    expect(patched.spec.exportTo).toEqual(['.']);
    expect(patched.spec.hosts).toEqual(before.spec.hosts);
    const stale = await failure(
      custom().patchNamespacedCustomObject(
        {
          ...VS,
          name: 'zamaz',
          body: { metadata: { resourceVersion: before.metadata.resourceVersion }, spec: { exportTo: ['*'] } },
        },
        merge,
      ),
    );
    expect(stale.code).toBe(409);
    const fresh = (await custom().patchNamespacedCustomObject(
      {
        ...VS,
        name: 'zamaz',
        body: { metadata: { resourceVersion: patched.metadata.resourceVersion }, spec: { exportTo: ['*'] } },
      },
      merge,
    )) as Obj;
    expect(fresh.spec.exportTo).toEqual(['*']);
  });

  it('json-patches (RFC 6902) and answers 422 when a test op fails', async () => {
    const patched = (await custom().patchNamespacedCustomObject(
      {
        ...VS,
        name: 'zamaz',
        body: [
          { op: 'test', path: '/spec/http/0/route/0/weight', value: 90 },
          { op: 'replace', path: '/spec/http/0/route/0/weight', value: 80 },
          { op: 'replace', path: '/spec/http/0/route/1/weight', value: 20 },
        ],
      },
      jsonPatch,
    )) as { spec: { http: Array<{ route: Array<{ weight: number }> }> } };
    expect(patched.spec.http[0]?.route.map((r) => r.weight)).toEqual([80, 20]);
    const failed = await failure(
      custom().patchNamespacedCustomObject(
        { ...VS, name: 'zamaz', body: [{ op: 'test', path: '/spec/http/0/route/0/weight', value: 90 }] },
        jsonPatch,
      ),
    );
    expect(failed.code).toBe(422);
    expect(failed.body).toMatchObject({
      reason: 'Invalid',
      message: 'testing value /spec/http/0/route/0/weight failed: test failed',
    });
  });

  it('strategic-merge-patches built-in kinds by merge key and refuses it for custom resources (415)', async () => {
    const patched = await apps().patchNamespacedDeployment(
      {
        name: 'zamaz-v1',
        namespace: 'zamaz-mesh',
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'zamaz', image: 'zamaz:1.1', env: [{ name: 'EXTRA', value: '1' }] },
                  { name: 'sidecar', image: 'busybox' },
                ],
              },
            },
          },
        },
      },
      strategic,
    );
    const containers = patched.spec?.template.spec?.containers ?? [];
    expect(containers.map((c) => [c.name, c.image])).toEqual([
      ['zamaz', 'zamaz:1.1'],
      ['sidecar', 'busybox'],
    ]);
    // Merged by name: the untouched port and env entry survive.
    expect(containers[0]?.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(containers[0]?.env?.map((e) => e.name)).toEqual(['MODE', 'EXTRA']);
    expect(patched.metadata?.generation).toBe(2);
    const removed = await apps().patchNamespacedDeployment(
      {
        name: 'zamaz-v1',
        namespace: 'zamaz-mesh',
        body: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
      },
      strategic,
    );
    expect(removed.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['zamaz']);
    const refused = await failure(
      custom().patchNamespacedCustomObject(
        { ...VS, name: 'zamaz', body: { spec: { hosts: ['y'] } } },
        strategic,
      ),
    );
    expect(refused.code).toBe(415);
    expect(refused.body.reason).toBe('UnsupportedMediaType');
  });

  it('scales deployments through the scale subresource', async () => {
    const scale = await apps().readNamespacedDeploymentScale({ name: 'zamaz-v1', namespace: 'zamaz-mesh' });
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 2 },
      status: { replicas: 2, selector: 'app=zamaz,version=v1' },
    });
    await apps().patchNamespacedDeploymentScale(
      { name: 'zamaz-v1', namespace: 'zamaz-mesh', body: { spec: { replicas: 4 } } },
      merge,
    );
    expect(
      (await apps().readNamespacedDeployment({ name: 'zamaz-v1', namespace: 'zamaz-mesh' })).spec?.replicas,
    ).toBe(4);
    const replaced = await apps().replaceNamespacedDeploymentScale({
      name: 'zamaz-v1',
      namespace: 'zamaz-mesh',
      body: { metadata: { name: 'zamaz-v1', namespace: 'zamaz-mesh' }, spec: { replicas: 1 } },
    });
    expect(replaced.spec?.replicas).toBe(1);
  });

  it('scales a custom resource along the paths its CRD declares', async () => {
    const scale = (await custom().getNamespacedCustomObjectScale({ ...WIDGETS, name: 'gizmo' })) as {
      spec: { replicas: number };
      status: { replicas: number; selector: string };
    };
    expect(scale.spec.replicas).toBe(3);
    expect(scale.status).toEqual({ replicas: 3, selector: 'app=gizmo' });
    await custom().patchNamespacedCustomObjectScale(
      { ...WIDGETS, name: 'gizmo', body: { spec: { replicas: 7 } } },
      merge,
    );
    const widget = (await custom().getNamespacedCustomObject({ ...WIDGETS, name: 'gizmo' })) as Obj;
    expect(widget.spec.size).toBe(7);
  });

  it('changes status only through /status, and ignores status in main-resource writes', async () => {
    const before = await apps().readNamespacedDeployment({ name: 'zamaz-v1', namespace: 'zamaz-mesh' });
    const main = await apps().patchNamespacedDeployment(
      {
        name: 'zamaz-v1',
        namespace: 'zamaz-mesh',
        body: { status: { readyReplicas: 0 }, metadata: { labels: { x: 'y' } } },
      },
      merge,
    );
    expect(main.status?.readyReplicas).toBe(before.status?.readyReplicas);
    expect(main.metadata?.labels?.x).toBe('y');
    expect(main.metadata?.generation).toBe(before.metadata?.generation);
    const status = await apps().patchNamespacedDeploymentStatus(
      {
        name: 'zamaz-v1',
        namespace: 'zamaz-mesh',
        body: { status: { readyReplicas: 0 }, spec: { replicas: 9 } },
      },
      merge,
    );
    expect(status.status?.readyReplicas).toBe(0);
    expect(status.spec?.replicas).toBe(before.spec?.replicas);
    const crStatus = (await custom().replaceNamespacedCustomObjectStatus({
      ...WIDGETS,
      name: 'gizmo',
      body: {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'gizmo' },
        spec: { size: 1 },
        status: { size: 5 },
      },
    })) as Obj;
    expect(crStatus.status).toEqual({ size: 5 });
    expect(crStatus.spec.size).toBe(7);
  });

  it('does not bump resourceVersion for a patch that changes nothing', async () => {
    const before = await core().readNamespacedConfigMap({ name: 'created', namespace: 'zamaz-mesh' });
    const after = await core().patchNamespacedConfigMap(
      { name: 'created', namespace: 'zamaz-mesh', body: { data: { a: '1' } } },
      merge,
    );
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('deletes objects, returning them, and namespaces with their contents', async () => {
    const deleted = await raw(env().sim, 'DELETE', '/api/v1/namespaces/zamaz-mesh/configmaps/created');
    expect(deleted.status).toBe(200);
    expect(deleted.json()).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'created' } });
    expect(
      (await failure(core().readNamespacedConfigMap({ name: 'created', namespace: 'zamaz-mesh' }))).code,
    ).toBe(404);
    await core().deleteNamespace({ name: 'zamaz-legacy' });
    expect((await failure(core().readNamespace({ name: 'zamaz-legacy' }))).code).toBe(404);
    expect((await core().listNamespacedPod({ namespace: 'zamaz-legacy' })).items).toEqual([]);
  });

  it('answers 405 for verbs a resource does not have', async () => {
    const res = await raw(env().sim, 'PUT', '/api/v1/namespaces/zamaz-mesh/pods', { body: {} });
    expect(res.status).toBe(405);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405 });
  });
});
