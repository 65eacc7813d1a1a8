import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type KubeObject } from '../../src/sim/index.ts';
import { failure, fixture, useSimulator } from './sim-harness.ts';

const find = (objects: readonly KubeObject[], kind: string, namespace: string, name: string) =>
  objects.find(
    (o) => o.kind === kind && (o.metadata.namespace ?? '') === namespace && o.metadata.name === name,
  );

describe('loadScenario', () => {
  it('reads YAML, JSON, multi-document files and Lists recursively, filling in metadata', async () => {
    const scenario = await loadScenario(fixture('basic'));
    expect(find(scenario.objects, 'Namespace', '', 'zamaz-mesh')?.metadata.labels).toMatchObject({
      'istio-injection': 'enabled',
      'kubernetes.io/metadata.name': 'zamaz-mesh',
    });
    const cm = find(scenario.objects, 'ConfigMap', 'istio-system', 'istio');
    expect(cm?.metadata.resourceVersion).toBe('500');
    expect(cm?.metadata.creationTimestamp).toBe('2024-01-01T00:00:00Z');
    // Deterministic uids: loading twice gives the same ones.
    const again = await loadScenario(fixture('basic'));
    expect(find(again.objects, 'ConfigMap', 'istio-system', 'istio')?.metadata.uid).toBe(cm?.metadata.uid);
    expect(scenario.warnings).toEqual([]);
    expect(scenario.podExecs.map((e) => e.name).sort()).toEqual(['certs', 'failing', 'stats']);
    expect(scenario.podEndpoints.find((e) => e.name === 'ready')).toMatchObject({
      pod: 'zamaz-v1-abc12',
      port: 15021,
      body: '{"status":"ready"}',
      contentType: 'application/json',
    });
    expect(scenario.profile.user).toBe('system:serviceaccount:meshgate:meshgate');
  });

  it('adds the namespaces every cluster has and the CRDs of the built-in CRD-backed groups', async () => {
    const { objects } = await loadScenario(fixture('basic'));
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      expect(find(objects, 'Namespace', '', ns)).toBeDefined();
    }
    const crd = find(objects, 'CustomResourceDefinition', '', 'virtualservices.networking.istio.io');
    expect(crd?.spec).toMatchObject({ group: 'networking.istio.io', scope: 'Namespaced' });
    expect(
      find(objects, 'CustomResourceDefinition', '', 'widgets.example.com')?.metadata.annotations,
    ).toBeUndefined();
  });

  it('layers two overlays on one base without the second re-applying the base over the first', async () => {
    const scenario = await loadScenario([fixture('overlay'), fixture('overlay-2')]);
    expect(find(scenario.objects, 'ConfigMap', 'zamaz-legacy', 'added')?.data).toEqual({ from: 'overlay' });
    expect(find(scenario.objects, 'ConfigMap', 'zamaz-legacy', 'added-2')?.data).toEqual({
      from: 'overlay-2',
    });
    const vs = find(scenario.objects, 'VirtualService', 'zamaz-mesh', 'zamaz') as
      { spec?: { http?: unknown[] } } | undefined;
    expect(JSON.stringify(vs?.spec)).toContain('"weight":50');
  });

  it('applies an overlay: base, minus remove, with same-identity objects replaced and new ones added', async () => {
    const scenario = await loadScenario(fixture('overlay'));
    expect(scenario.sources.map((s) => s.split('/').pop())).toEqual(['basic', 'overlay']);
    expect(find(scenario.objects, 'DestinationRule', 'zamaz-mesh', 'zamaz')).toBeUndefined();
    const vs = scenario.objects.filter((o) => o.kind === 'VirtualService');
    expect(vs).toHaveLength(1);
    expect(vs[0]?.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(find(scenario.objects, 'ConfigMap', 'zamaz-legacy', 'added')?.data).toEqual({ from: 'overlay' });
    expect(find(scenario.objects, 'Deployment', 'zamaz-mesh', 'zamaz-v1')).toBeDefined();
  });

  it('layers a list of scenarios, later ones winning', async () => {
    const scenario = await loadScenario([fixture('basic'), fixture('latency')]);
    expect(scenario.profile.latencyMs).toBe(60);
    expect(scenario.profile.absentGroups).toEqual(['k6.io']);
    expect(find(scenario.objects, 'CustomResourceDefinition', '', 'testruns.k6.io')).toBeUndefined();
  });

  describe('rejects broken scenarios with a message naming the problem', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'meshgate-scenario-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    const scenario = async (name: string, files: Record<string, string>) => {
      const root = join(dir, name);
      for (const [file, text] of Object.entries(files)) {
        await mkdir(join(root, file, '..'), { recursive: true });
        await writeFile(join(root, file), text);
      }
      return root;
    };

    it('a base cycle', async () => {
      const a = await scenario('a', {
        'scenario.yaml':
          'apiVersion: sim.meshgate.dev/v1alpha1\nkind: Scenario\nmetadata: {name: a}\nspec: {base: ../b}\n',
      });
      await scenario('b', {
        'scenario.yaml':
          'apiVersion: sim.meshgate.dev/v1alpha1\nkind: Scenario\nmetadata: {name: b}\nspec: {base: ../a}\n',
      });
      await expect(loadScenario(a)).rejects.toThrow(/base cycle/);
    });

    it('the same object twice in one directory', async () => {
      const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n';
      const root = await scenario('dup', {
        'one.yaml': cm,
        'sub/two.yml': cm.replace(', namespace: default', ''),
      });
      await expect(loadScenario(root)).rejects.toThrow(/ConfigMap default\/x is defined twice/);
    });

    it('a remove entry that matches nothing', async () => {
      const root = await scenario('remove', {
        'scenario.yaml': `apiVersion: sim.meshgate.dev/v1alpha1\nkind: Scenario\nmetadata: {name: r}\nspec:\n  base: ${fixture('basic')}\n  remove: [{kind: Pod, namespace: zamaz-mesh, name: nope}]\n`,
      });
      await expect(loadScenario(root)).rejects.toThrow(/remove: no Pod nope in namespace zamaz-mesh/);
    });

    it('a typo in a simulator kind', async () => {
      const root = await scenario('typo', {
        'p.yaml':
          'apiVersion: sim.meshgate.dev/v1alpha1\nkind: ClusterProfile\nmetadata: {name: p}\nspec: {forbiden: []}\n',
      });
      await expect(loadScenario(root)).rejects.toThrow(/ClusterProfile p: invalid spec/);
    });

    it('an object without kind', async () => {
      const root = await scenario('nokind', { 'x.yaml': 'apiVersion: v1\nmetadata: {name: x}\n' });
      await expect(loadScenario(root)).rejects.toThrow(/without apiVersion and kind/);
    });

    it('warns about kinds nothing serves', async () => {
      const root = await scenario('unknown', {
        'x.yaml': 'apiVersion: example.org/v1\nkind: Thing\nmetadata: {name: x}\n',
      });
      const loaded = await loadScenario(root);
      expect(loaded.warnings.join('\n')).toMatch(/Thing\.example\.org x: no served resource has kind Thing/);
    });
  });
});

describe('an overlay served', () => {
  const env = useSimulator(fixture('overlay'));

  it('serves the replaced object, not the removed one, and the base objects', async () => {
    const custom = env().kc.makeApiClient(CustomObjectsApi);
    const vs = (await custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1alpha3',
      namespace: 'zamaz-mesh',
      plural: 'virtualservices',
      name: 'zamaz',
    })) as { spec: { http: Array<{ route: Array<{ weight: number }> }> } };
    expect(vs.spec.http[0]?.route.map((r) => r.weight)).toEqual([50, 50]);
    const dr = await failure(
      custom.getNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1beta1',
        namespace: 'zamaz-mesh',
        plural: 'destinationrules',
        name: 'zamaz',
      }),
    );
    expect(dr.code).toBe(404);
    const core = env().kc.makeApiClient(CoreV1Api);
    expect((await core.readNamespacedConfigMap({ name: 'added', namespace: 'zamaz-legacy' })).data).toEqual({
      from: 'overlay',
    });
    expect((await core.listNamespacedPod({ namespace: 'zamaz-mesh' })).items).toHaveLength(2);
  });
});
