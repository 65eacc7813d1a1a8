// What makes the simulator fast at real sizes must not change what it serves: the fast YAML reader
// reads every scenario in the repository as the careful one does, a broken file is still reported
// with its document and line, and the sorted, copy-free list path follows every write. (How fast it
// is, is measured by `npm run bench`, never asserted here.)
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ObjectStore } from '../../src/sim/object-store.ts';
import { listManifestFiles, readManifestFile } from '../../src/sim/scenario-files.ts';
import { loadScenario, startSimulator, type KubeObject, type StartedSimulator } from '../../src/sim/index.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');

/** What the `yaml` package alone makes of a file: every document, Lists expanded (items as written). */
function carefulRead(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((v) => v !== null)
    .flatMap((v) =>
      typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items) ? v.items : [v],
    );
}

describe('scenario files at speed', () => {
  it('reads every scenario file in the repository exactly as the yaml package does', async () => {
    const files = await listManifestFiles(SCENARIOS);
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const careful = carefulRead(await readFile(file, 'utf8'));
      const fast = (await readManifestFile(file, SCENARIOS)).map((s) => s.object);
      // Typed-list items get apiVersion/kind filled in by the reader; compare what both hold.
      expect(fast.length, file).toBe(careful.length);
      fast.forEach((object, i) => expect(object, `${file} #${i}`).toMatchObject(careful[i] as object));
    }
  });

  it('still names the document and line of a broken file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshgate-broken-'));
    try {
      await writeFile(
        join(dir, 'objects.yaml'),
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n   namespace: a\n',
      );
      await expect(loadScenario(dir)).rejects.toThrow(/objects\.yaml \(document 2\): .*line \d+/s);
      // A .json file that is not JSON is read as YAML, as before.
      await rm(join(dir, 'objects.yaml'));
      await writeFile(join(dir, 'ns.json'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: from-yaml}\n');
      const loaded = await loadScenario(dir);
      expect(loaded.objects.some((o) => o.kind === 'Namespace' && o.metadata.name === 'from-yaml')).toBe(
        true,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('object store order after writes', () => {
  const pod = (namespace: string, name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, resourceVersion: '1' },
  });
  const names = (objects: readonly KubeObject[]) =>
    objects.map((o) => `${String(o.metadata.namespace)}/${o.metadata.name}`);

  it('lists in (namespace, name) order, and every create, update and delete shows in the next list', () => {
    const store = new ObjectStore([pod('b', 'x'), pod('a', 'z'), pod('a', 'y')]);
    expect(names(store.view('', 'Pod'))).toEqual(['a/y', 'a/z', 'b/x']);
    store.create(pod('a', 'a'));
    expect(names(store.list('', 'Pod'))).toEqual(['a/a', 'a/y', 'a/z', 'b/x']);
    store.delete('', 'Pod', 'a', 'z');
    expect(names(store.view('', 'Pod'))).toEqual(['a/a', 'a/y', 'b/x']);
    expect(names(store.view('', 'Pod', 'b'))).toEqual(['b/x']);
    const updated = store.update({ ...pod('b', 'x'), spec: { nodeName: 'n1' } });
    expect(store.view('', 'Pod', 'b')[0]?.spec).toEqual({ nodeName: 'n1' });
    // list hands out copies: changing one changes nothing stored.
    const copy = store.list('', 'Pod', 'b')[0] as KubeObject;
    copy.metadata.name = 'changed';
    expect(store.get('', 'Pod', 'b', 'x')?.metadata.resourceVersion).toBe(updated.metadata.resourceVersion);
    expect(names(store.view('', 'Pod'))).toEqual(['a/a', 'a/y', 'b/x']);
  });

  it('copies what it is given unless told to adopt it', () => {
    const given = [pod('a', 'x')];
    const store = new ObjectStore(given);
    (given[0] as KubeObject).metadata.name = 'renamed';
    expect(names(store.view('', 'Pod'))).toEqual(['a/x']);
    const adopted = [pod('a', 'x')];
    expect(new ObjectStore(adopted, { adopt: true }).view('', 'Pod')[0]).toBe(adopted[0]);
  });
});

describe('a cluster of a few thousand pods', () => {
  const NAMESPACES = 40;
  const PER_NAMESPACE = 50;
  let dir: string;
  let sim: StartedSimulator;
  let core: CoreV1Api;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshgate-scale-'));
    const items: KubeObject[] = [];
    for (let n = 0; n < NAMESPACES; n++) {
      for (let p = 0; p < PER_NAMESPACE; p++) {
        items.push({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `app-${String(p).padStart(3, '0')}`,
            namespace: `ns-${String(n).padStart(2, '0')}`,
          },
          spec: { containers: [{ name: 'app', image: 'app:1' }] },
        });
      }
    }
    await writeFile(join(dir, 'pods.yaml'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    sim = await startSimulator({ scenario: dir });
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function listAll(limit: number, midway?: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listPodForAllNamespaces({ limit, ...(token ? { _continue: token } : {}) });
      seen.push(...page.items.map((p: V1Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`));
      token = page.metadata?._continue;
      if (++pages === 2) await midway?.();
    } while (token);
    return seen;
  }

  it('pages through all of them once, in order, and a write between pages shows where it belongs', async () => {
    const all = await listAll(500);
    expect(all).toHaveLength(NAMESPACES * PER_NAMESPACE);
    expect([...all].sort()).toEqual(all);
    expect(new Set(all).size).toBe(all.length);

    // Pages continue after the last key against the current objects: a pod created ahead of the
    // cursor appears, one deleted ahead of it does not.
    const during = await listAll(500, async () => {
      await core.createNamespacedPod({
        namespace: 'ns-39',
        body: { metadata: { name: 'app-late' }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
      });
      await core.deleteNamespacedPod({ namespace: 'ns-30', name: 'app-000' });
    });
    expect(during).toContain('ns-39/app-late');
    expect(during).not.toContain('ns-30/app-000');
    expect(during).toHaveLength(NAMESPACES * PER_NAMESPACE);
    expect(sim.requestCounts().requests).toContainEqual({
      verb: 'list',
      resource: 'pods',
      subresource: '',
      count: 2 * Math.ceil((NAMESPACES * PER_NAMESPACE) / 500),
    });
  });
});
