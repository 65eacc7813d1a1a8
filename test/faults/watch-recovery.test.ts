// Watches like client-go's reflector, against the simulator's watch faults: a stream cut, closed,
// silenced or expired mid-way still lets the waiter see the final state; a stalled object and a lost
// watch time out naming the last state seen.
import { describe, expect, it } from 'vitest';
import {
  Resources,
  ServerError,
  Unreachable,
  WatchTimeout,
  type ClusterClient,
  type KubeObject,
} from '../../src/cluster/index.ts';
import { rejection, useFaultySimulator } from './transport-support.ts';

const NS = 'zamaz';
const stateOf = (cm: KubeObject | undefined): string | undefined =>
  (cm?.data as Record<string, string> | undefined)?.state;

/** A watch request for one ConfigMap, by its field selector as the client encodes it. */
const watchOf = (name: string) =>
  `/namespaces/${NS}/configmaps\\?watch=true&(.*&)?fieldSelector=metadata\\.name%3D${name}(&|$)`;

describe('watchUntil through watch faults', () => {
  const env = useFaultySimulator({
    faults: [
      { match: watchOf('cm-reset'), watch: { afterEvents: 1, action: 'reset' }, count: 1 },
      { match: watchOf('cm-close'), watch: { afterEvents: 1, action: 'close' }, count: 1 },
      { match: watchOf('cm-silent'), watch: { afterEvents: 1, action: 'silent' }, count: 1 },
      { match: watchOf('cm-expire'), watch: { afterEvents: 1, action: 'expire' }, count: 1 },
      { match: watchOf('cm-gone'), status: 410, count: 1 },
      { match: watchOf('cm-lost'), status: 503 },
      { match: watchOf('cm-raw-silent'), watch: { afterEvents: 0, action: 'silent' } },
      { match: watchOf('cm-raw-reset'), watch: { after: '200ms', action: 'reset' } },
    ],
  });

  const setState = (c: ClusterClient, name: string, state: string) =>
    c.mergePatch(Resources.configMaps, name, NS, { data: { state } });

  /**
   * Creates the ConfigMap at "start", waits for it to reach "done" while moving it to "working"
   * (the event the fault strikes after) and then "done" once the waiter saw "working" or the fault
   * struck. Returns what the waiter returned and the states it reported.
   */
  async function runThrough(name: string, idleTimeoutMs = 30_000) {
    const c = env().client({ watch: { idleTimeoutMs } });
    await c.create(Resources.configMaps, { metadata: { name }, data: { state: 'start' } }, NS);
    const states: (string | undefined)[] = [];
    let listed: () => void = () => undefined;
    const seenStart = new Promise<void>((resolve) => (listed = resolve));
    const waiting = c.watchUntil(Resources.configMaps, name, (cm) => stateOf(cm) === 'done', {
      namespace: NS,
      timeoutMs: 30_000,
      onChange: (cm) => {
        states.push(stateOf(cm));
        if (stateOf(cm) === 'start') listed();
      },
    });
    await seenStart;
    await setState(c, name, 'working');
    // Wait until the fault struck (the stream now is broken, closed, silent or expired).
    while (
      !env()
        .sim.faultLog()
        .some((e) => e.path.includes(`%3D${name}&`) && e.fault !== undefined)
    )
      await new Promise((r) => setTimeout(r, 20));
    await setState(c, name, 'done');
    const final = await waiting;
    return {
      final,
      states,
      log: env()
        .sim.faultLog()
        .filter((e) => e.path.includes(`%3D${name}&`)),
    };
  }

  it('a stream reset mid-way: watched again from the last resourceVersion, the final state is seen', async () => {
    const { final, states, log } = await runThrough('cm-reset');
    expect(stateOf(final)).toBe('done');
    expect(states).toEqual(['start', 'working', 'done']);
    expect(log.map((e) => e.fault)).toEqual(['reset', undefined]);
    expect(log[1]?.path).toMatch(/resourceVersion=\d+/);
  });

  it('a stream the server closes mid-way: watched again, the final state is seen', async () => {
    const { final, log } = await runThrough('cm-close');
    expect(stateOf(final)).toBe('done');
    expect(log.map((e) => e.fault)).toEqual(['close', undefined]);
  });

  it('a silent stream is noticed (idle timeout) and replaced: the final state is seen', async () => {
    // The silenced stream stays open and never delivers "done": only noticing silence gets there.
    const { final, log } = await runThrough('cm-silent', 500);
    expect(stateOf(final)).toBe('done');
    expect(log.map((e) => e.fault)).toEqual(['silent', undefined]);
  });

  it('410 Expired inside the stream: listed again, the final state is seen', async () => {
    const { final, log } = await runThrough('cm-expire');
    expect(stateOf(final)).toBe('done');
    expect(log.map((e) => e.fault)).toEqual(['expire', undefined]);
    // The watch after the re-list starts from the list's version, newer than the expired one.
    const rv = (i: number) => Number(/resourceVersion=(\d+)/.exec(log[i]?.path ?? '')?.[1]);
    expect(rv(1)).toBeGreaterThan(rv(0));
  });

  it('410 Gone answered to the watch request: listed again, then watched', async () => {
    const c = env().client();
    await c.create(Resources.configMaps, { metadata: { name: 'cm-gone' }, data: { state: 'done' } }, NS);
    await setState(c, 'cm-gone', 'working');
    const waiting = c.watchUntil(Resources.configMaps, 'cm-gone', (cm) => stateOf(cm) === 'done', {
      namespace: NS,
      timeoutMs: 30_000,
    });
    while (
      !env()
        .sim.faultLog()
        .some((e) => e.path.includes('%3Dcm-gone&'))
    )
      await new Promise((r) => setTimeout(r, 20));
    await setState(c, 'cm-gone', 'done');
    expect(stateOf(await waiting)).toBe('done');
    // Whether the re-list already saw "done" or a second watch did depends on timing; the 410 came first.
    expect(
      env()
        .sim.faultLog()
        .find((e) => e.path.includes('%3Dcm-gone&'))?.fault,
    ).toBe(410);
  });

  it('an object that never reaches the condition: WatchTimeout naming the last state, watch not lost', async () => {
    const c = env().client();
    await c.create(Resources.configMaps, { metadata: { name: 'cm-stall' }, data: { state: 'working' } }, NS);
    const err = await rejection(
      c.watchUntil(Resources.configMaps, 'cm-stall', (cm) => stateOf(cm) === 'done', {
        namespace: NS,
        timeoutMs: 1_500,
        condition: 'data.state done',
        describe: (cm) => `state ${stateOf(cm) ?? '(none)'}`,
      }),
    );
    expect(err).toBeInstanceOf(WatchTimeout);
    const t = err as WatchTimeout;
    expect(t.lost).toBe(false);
    expect(stateOf(t.lastSeen)).toBe('working');
    expect(t.message).toMatch(
      /^ConfigMap\/zamaz\/cm-stall: data\.state done not reached within 1\.\d+s; last state seen: state working$/,
    );
  });

  it('a watch that cannot be re-established: WatchTimeout says it was lost and why', async () => {
    const c = env().client();
    await c.create(Resources.configMaps, { metadata: { name: 'cm-lost' }, data: { state: 'working' } }, NS);
    const err = await rejection(
      c.watchUntil(Resources.configMaps, 'cm-lost', (cm) => stateOf(cm) === 'done', {
        namespace: NS,
        timeoutMs: 2_000,
        describe: (cm) => `state ${stateOf(cm) ?? '(none)'}`,
      }),
    );
    expect(err).toBeInstanceOf(WatchTimeout);
    const t = err as WatchTimeout;
    expect(t.lost).toBe(true);
    expect(t.lastError).toBeInstanceOf(ServerError);
    expect(t.message).toContain('last state seen: state working');
    expect(t.message).toContain(
      'the watch was lost and could not be re-established before the deadline (last error: the API server answered 503 to watch configmaps "cm-lost" in namespace zamaz: the server is currently unable to handle the request)',
    );
    expect(
      env()
        .sim.faultLog()
        .filter((e) => e.path.includes('%3Dcm-lost&')).length,
    ).toBeGreaterThan(1);
  });

  it('a waiter for an object that does not exist yet sees it created', async () => {
    const c = env().client();
    const waiting = c.watchUntil(Resources.configMaps, 'cm-later', (cm) => cm !== undefined, {
      namespace: NS,
      timeoutMs: 30_000,
    });
    await c.create(Resources.configMaps, { metadata: { name: 'cm-later' }, data: { state: 'x' } }, NS);
    expect((await waiting)?.metadata.name).toBe('cm-later');
  });

  describe('one watch stream (ClusterClient.watch)', () => {
    it('a silent stream ends as Unreachable after the idle timeout', async () => {
      const c = env().client({ watch: { idleTimeoutMs: 300 } });
      await c.create(Resources.configMaps, { metadata: { name: 'cm-raw-silent' } }, NS);
      const handle = await c.watch(Resources.configMaps, { namespace: NS, name: 'cm-raw-silent' }, () => {});
      const err = await rejection(handle.done);
      expect(err).toBeInstanceOf(Unreachable);
      expect((err as Error).message).toContain(
        'the watch sent nothing for 300ms: the stream is presumed dead',
      );
    });

    it('a reset stream ends as Unreachable; stop() ends a healthy one quietly', async () => {
      const c = env().client();
      await c.create(Resources.configMaps, { metadata: { name: 'cm-raw-reset' } }, NS);
      const events: string[] = [];
      const broken = await c.watch(Resources.configMaps, { namespace: NS, name: 'cm-raw-reset' }, (t, o) =>
        events.push(`${t} ${o.metadata.name}`),
      );
      const err = await rejection(broken.done);
      expect(err).toBeInstanceOf(Unreachable);
      expect((err as Error).message).toContain('the watch stream broke');
      expect(events).toEqual(['ADDED cm-raw-reset']);

      const healthy = await c.watch(Resources.configMaps, { namespace: NS, name: 'cm-quiet' }, () => {});
      healthy.stop();
      await expect(healthy.done).resolves.toBeUndefined();
    });
  });
});
