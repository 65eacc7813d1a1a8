import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/sim/index.ts';
import { fixture, raw, useSimulator } from './sim-harness.ts';

interface Event {
  type: string;
  name: string;
  apiVersion: string;
  kind: string;
  labels: Record<string, string>;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('watch', () => {
  const env = useSimulator(fixture('basic'));
  const core = () => env().kc.makeApiClient(CoreV1Api);

  /** Starts a client-node Watch and returns its events so far plus a way to wait for more. */
  async function watch(path: string, query: Record<string, string | number>) {
    const events: Event[] = [];
    const waiters: Array<() => void> = [];
    let ended: unknown = 'running';
    const controller = await new Watch(env().kc).watch(
      path,
      query,
      (
        type,
        object: {
          apiVersion: string;
          kind: string;
          metadata: { name: string; labels?: Record<string, string> };
        },
      ) => {
        events.push({
          type,
          name: object.metadata.name,
          apiVersion: object.apiVersion,
          kind: object.kind,
          labels: object.metadata.labels ?? {},
        });
        waiters.splice(0).forEach((w) => w());
      },
      (err: unknown) => {
        ended = err;
        waiters.splice(0).forEach((w) => w());
      },
    );
    const until = async (predicate: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out; events so far: ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    };
    return { events, until, stop: () => controller.abort(), ended: () => ended };
  }

  it('sends current objects as ADDED, then ADDED/MODIFIED/DELETED as they happen', async () => {
    const w = await watch('/api/v1/namespaces/zamaz-mesh/configmaps', {});
    await core().createNamespacedConfigMap({
      namespace: 'zamaz-mesh',
      body: { metadata: { name: 'watched' } },
    });
    await core().patchNamespacedConfigMap(
      { name: 'watched', namespace: 'zamaz-mesh', body: { data: { k: 'v' } } },
      merge,
    );
    await core().deleteNamespacedConfigMap({ name: 'watched', namespace: 'zamaz-mesh' });
    await w.until(() => w.events.some((e) => e.type === 'DELETED'));
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual([
      'ADDED watched',
      'MODIFIED watched',
      'DELETED watched',
    ]);
    // Unlike list items, watch objects carry apiVersion and kind.
    expect(w.events[0]).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
  });

  it('replays the current state when no resourceVersion is given', async () => {
    const w = await watch('/api/v1/pods', {});
    await w.until(() => w.events.length >= 3);
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual([
      'ADDED zamaz-legacy-0',
      'ADDED zamaz-v1-abc12',
      'ADDED zamaz-v2-def34',
    ]);
  });

  it('sends only later events when resuming from a list resourceVersion', async () => {
    const list = await core().listNamespacedPod({ namespace: 'zamaz-mesh' });
    const w = await watch('/api/v1/namespaces/zamaz-mesh/pods', {
      resourceVersion: list.metadata?.resourceVersion ?? '',
    });
    await core().patchNamespacedPod(
      { name: 'zamaz-v2-def34', namespace: 'zamaz-mesh', body: { metadata: { labels: { touched: 'yes' } } } },
      merge,
    );
    await w.until(() => w.events.length >= 1);
    w.stop();
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({
      type: 'MODIFIED',
      name: 'zamaz-v2-def34',
      labels: { touched: 'yes' },
    });
  });

  it('applies selectors, reporting objects entering and leaving them as ADDED and DELETED', async () => {
    const list = await core().listNamespacedPod({ namespace: 'zamaz-mesh' });
    const w = await watch('/api/v1/namespaces/zamaz-mesh/pods', {
      resourceVersion: list.metadata?.resourceVersion ?? '',
      labelSelector: 'canary=true',
    });
    const label = (value: string | null) =>
      core().patchNamespacedPod(
        {
          name: 'zamaz-v1-abc12',
          namespace: 'zamaz-mesh',
          body: { metadata: { labels: { canary: value } } },
        },
        merge,
      );
    await label('true');
    await label(null);
    await core().patchNamespacedPod(
      { name: 'zamaz-v2-def34', namespace: 'zamaz-mesh', body: { metadata: { labels: { other: 'x' } } } },
      merge,
    );
    await w.until(() => w.events.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual([
      'ADDED zamaz-v1-abc12',
      'DELETED zamaz-v1-abc12',
    ]);
  });

  it('watches custom resources under the requested version', async () => {
    const w = await watch('/apis/networking.istio.io/v1beta1/namespaces/zamaz-mesh/virtualservices', {});
    await env()
      .kc.makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObject(
        {
          group: 'networking.istio.io',
          version: 'v1alpha3',
          namespace: 'zamaz-mesh',
          plural: 'virtualservices',
          name: 'zamaz',
          body: { metadata: { labels: { w: '1' } } },
        },
        merge,
      );
    await w.until(() => w.events.length >= 2);
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.apiVersion}`)).toEqual([
      'ADDED networking.istio.io/v1beta1',
      'MODIFIED networking.istio.io/v1beta1',
    ]);
  });

  it('ends the stream after timeoutSeconds', async () => {
    const w = await watch('/api/v1/namespaces', { timeoutSeconds: 1 });
    await w.until(() => w.ended() !== 'running');
    expect(w.ended()).toBeNull();
    expect(w.events.length).toBeGreaterThan(0);
  });

  it('streams JSON lines for watch=true and on the legacy /watch/ path', async () => {
    const [query, legacy] = await Promise.all([
      raw(
        env().sim,
        'GET',
        '/api/v1/namespaces?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Ddefault',
      ),
      raw(
        env().sim,
        'GET',
        '/api/v1/watch/namespaces/zamaz-mesh/pods?timeoutSeconds=1&labelSelector=version%3Dv1',
      ),
    ]);
    const events = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } })
        .map((l) => `${l.type} ${l.object.metadata.name}`);
    expect(query.status).toBe(200);
    expect(events(query.text)).toEqual(['ADDED default']);
    expect(legacy.status).toBe(200);
    expect(events(legacy.text)).toEqual(['ADDED zamaz-v1-abc12']);
  });
});

describe('watch faults (ClusterProfile.spec.faults[].watch)', () => {
  const layer = mkdtempSync(join(tmpdir(), 'meshgate-watch-faults-'));
  writeFileSync(
    join(layer, 'profile.yaml'),
    JSON.stringify({
      apiVersion: 'sim.meshgate.dev/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'cluster' },
      spec: {
        faults: [
          { match: 'namespaces\\?.*watch=true.*label%3Dclose', watch: { afterEvents: 2, action: 'close' } },
          { match: 'namespaces\\?.*watch=true.*label%3Dreset', watch: { afterEvents: 1, action: 'reset' } },
          { match: 'namespaces\\?.*watch=true.*label%3Dexpire', watch: { action: 'expire' } },
          { match: 'namespaces\\?.*watch=true.*label%3Dsilent', watch: { afterEvents: 1, action: 'silent' } },
          { match: 'namespaces\\?.*watch=true.*label%3Dtimed', watch: { after: '300ms', action: 'close' } },
        ],
      },
    }),
  );
  const env = useSimulator([fixture('basic'), layer]);
  afterAll(() => rmSync(layer, { recursive: true, force: true }));

  /** A client-node Watch on every namespace, tagged so one fault rule matches it. */
  async function watchTagged(tag: string, timeoutSeconds?: number) {
    const events: string[] = [];
    const ended = new Promise<unknown>((resolve) => {
      void new Watch(env().kc).watch(
        '/api/v1/namespaces',
        { labelSelector: `label=${tag}`, ...(timeoutSeconds ? { timeoutSeconds } : {}) },
        (type, obj: { metadata?: { name?: string }; code?: number; reason?: string }) =>
          events.push(type === 'ERROR' ? `ERROR ${obj.code} ${obj.reason}` : `${type} ${obj.metadata?.name}`),
        resolve,
      );
    });
    return { events, ended };
  }

  beforeAll(async () => {
    // Three namespaces every tagged watch sees, so "after N events" has events to count.
    const core = env().kc.makeApiClient(CoreV1Api);
    for (const tag of ['close', 'reset', 'expire', 'silent', 'timed'])
      for (const n of [1, 2, 3])
        await core.createNamespace({ body: { metadata: { name: `${tag}-${n}`, labels: { label: tag } } } });
  });

  it('close: the stream ends cleanly after the given number of events', async () => {
    const w = await watchTagged('close');
    expect(await w.ended).toBeNull();
    expect(w.events).toEqual(['ADDED close-1', 'ADDED close-2']);
  });

  it('reset: the connection breaks after the given number of events', async () => {
    const w = await watchTagged('reset');
    expect(await w.ended).toBeInstanceOf(Error);
    expect(w.events.length).toBeLessThanOrEqual(1);
  });

  it('expire: one ERROR event carrying 410 Expired, then the end', async () => {
    const w = await watchTagged('expire');
    expect(await w.ended).toBeNull();
    expect(w.events).toEqual(['ERROR 410 Expired']);
  });

  it('after: a duration instead of an event count', async () => {
    const w = await watchTagged('timed');
    expect(await w.ended).toBeNull();
    expect(w.events).toEqual(['ADDED timed-1', 'ADDED timed-2', 'ADDED timed-3']);
    expect(
      env()
        .sim.faultLog()
        .filter((e) => e.path.includes('label%3Dtimed')),
    ).toMatchObject([{ method: 'GET', fault: 'close' }]);
  });

  it('silent: nothing more is sent, timeoutSeconds included, but the stream stays open', async () => {
    const w = await watchTagged('silent', 1);
    const outcome = await Promise.race([
      w.ended.then(() => 'ended'),
      new Promise((r) => setTimeout(() => r('still open'), 1_500)),
    ]);
    expect(outcome).toBe('still open');
    expect(w.events).toEqual(['ADDED silent-1']);
  });

  it('a fault needs exactly one of status and watch, and retryAfter goes with status', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'meshgate-bad-fault-'));
    try {
      for (const [fault, message] of [
        [{ match: 'x', status: 503, watch: { action: 'close' } }, 'give exactly one of status and watch'],
        [{ match: 'x', watch: { action: 'close' }, retryAfter: 1 }, 'retryAfter goes with status'],
        [{ match: 'x', watch: { action: 'close', after: 'soon' } }, 'a Go-style duration'],
      ] as const) {
        writeFileSync(
          join(bad, 'profile.yaml'),
          JSON.stringify({
            apiVersion: 'sim.meshgate.dev/v1alpha1',
            kind: 'ClusterProfile',
            metadata: { name: 'cluster' },
            spec: { faults: [fault] },
          }),
        );
        await expect(loadScenario(bad)).rejects.toThrow(message);
      }
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
