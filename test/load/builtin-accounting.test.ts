// The built-in driver's accounting: latency from each request's scheduled start (no coordinated
// omission), `achieved` counting answered requests only, and dropped arrivals counted. Each test uses a
// server whose misbehaviour fixes the expected figures by construction, so they hold however busy the
// machine is; how accurate the figures are against a server's own timing is measured by the bench.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlannedRequest } from '../../load/lib/script-profile.ts';
import { BuiltinRunner } from '../../src/load/index.ts';
import { runOpenLoop } from '../../src/load/open-loop.ts';
import { defaultProfile, type Profile } from '../../src/profile/index.ts';

const STALL_MS = 500;

async function serve(handler: (n: number, req: IncomingMessage, res: ServerResponse) => void): Promise<{
  url: string;
  hits: () => number;
  stop: () => Promise<void>;
}> {
  let n = 0;
  const server: Server = createServer((req, res) => handler(++n, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => n,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Blocks this process's event loop: the server and the load generator share it, as a GC pause would. */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/** The 50th request stalls the whole process for 500 ms; every other one is answered at once. */
const stallOnce = (n: number, _req: IncomingMessage, res: ServerResponse): void => {
  if (n === 50) busyWait(STALL_MS);
  res.end('ok');
};

function profileFor(url: string, maxVUs = 200): Profile {
  return {
    ...defaultProfile,
    load: { ...defaultProfile.load, targetUrl: url, maxVUs, preAllocatedVUs: Math.min(maxVUs, 10) },
  };
}

const count = (samples: Float64Array, atLeast: number): number =>
  samples.reduce((n, v) => (v >= atLeast ? n + 1 : n), 0);

describe('builtin driver accounting', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('counts latency from the scheduled start: a 500 ms stall shows in it, and not in the send-time view', async () => {
    const server = await serve(stallOnce);
    stop = server.stop;
    const request = (): PlannedRequest => ({ method: 'GET', url: `${server.url}/`, headers: {}, tags: {} });
    const stats = await runOpenLoop({
      rate: 100,
      durationMs: 2000,
      maxInFlight: 200,
      request,
      timeoutMs: 30_000,
    });

    expect(stats.completed).toBe(200);
    expect(stats.dropped).toBe(0);
    // While the process stood still, ~50 arrivals fell due; they went out together when it resumed.
    // The ~25 due in the stall's first half had waited at least 250 ms by then: the scheduled-start
    // latency holds that wait, the time from their (late) send to their answer leaves it out. (A busy
    // machine only adds to both; the wait left out is fixed by the stall.)
    const hidden = stats.latencyMs.map((v, i) => v - (stats.serviceMs[i] as number));
    expect(count(hidden, STALL_MS / 2)).toBeGreaterThanOrEqual(20);
    expect(count(stats.latencyMs, STALL_MS / 2)).toBeGreaterThanOrEqual(20);
    expect(stats.maxSendLagMs).toBeGreaterThanOrEqual(STALL_MS - 100);
    // The stalled request itself was answered no sooner than 500 ms after it was due.
    expect(Math.max(...stats.latencyMs)).toBeGreaterThanOrEqual(STALL_MS - 5);
    // No request's latency is less than its send-time view.
    expect(hidden.every((v) => v >= 0)).toBe(true);
  });

  it('reports the stall through the runner: p95 and a note that requests went out late', async () => {
    const server = await serve(stallOnce);
    stop = server.stop;
    const result = await new BuiltinRunner().run(
      { step: 10, runId: 'stall', rate: 100, duration: '2s' },
      { profile: profileFor(server.url) },
    );
    expect(result.achieved).toMatchObject({ requests: 200, dropped: 0 });
    expect(result.latencyMs.p95).toBeGreaterThanOrEqual(STALL_MS / 2);
    expect(result.latencyMs.max).toBeGreaterThanOrEqual(STALL_MS - 5);
    const late = result.notes
      .map((n) => /went out up to (\d+) ms after their scheduled start/.exec(n))
      .find(Boolean);
    expect(Number(late?.[1])).toBeGreaterThanOrEqual(STALL_MS - 100);
  });

  it('drops and counts the arrivals due while the in-flight bound is reached', async () => {
    // One request in flight at most, and the 50th answer held for 500 ms: the ~50 arrivals due
    // meanwhile cannot be sent.
    const server = await serve((n, _req, res) => {
      if (n === 50) setTimeout(() => res.end('late'), STALL_MS);
      else res.end('ok');
    });
    stop = server.stop;
    const t0 = performance.now();
    const result = await new BuiltinRunner().run(
      { step: 10, runId: 'drops', rate: 100, duration: '2s' },
      { profile: profileFor(server.url, 1) },
    );
    const wallS = (performance.now() - t0) / 1000;
    const dropped = result.achieved.dropped ?? 0;
    expect(dropped).toBeGreaterThanOrEqual(STALL_MS / 10 - 2);
    expect(result.achieved.requests).toBe(server.hits());
    expect(result.achieved.requests + dropped).toBe(200);
    // Answered requests per second of the 2 s window (or of a little more if the last went out late).
    expect(result.achieved.rate).toBeLessThanOrEqual(result.achieved.requests / 2);
    expect(result.achieved.rate).toBeGreaterThanOrEqual(result.achieved.requests / Math.max(2, wallS));
    expect(result.ok).toBe(false);
    expect(result.notes.join('\n')).toMatch(
      new RegExp(`of the 100 requested .*, ${dropped} requests dropped at the in-flight limit`),
    );
  });

  it('counts only answered requests as achieved: a request the server hangs up on is a failure, not load carried', async () => {
    // Every 4th request: the connection is closed without an answer.
    const server = await serve((n, req, res) => {
      if (n % 4 === 0) req.socket.destroy();
      else res.end('ok');
    });
    stop = server.stop;
    const result = await new BuiltinRunner().run(
      { step: 10, runId: 'hangups', rate: 100, duration: '1s' },
      { profile: profileFor(server.url) },
    );
    expect(server.hits()).toBe(100);
    expect(result.achieved.requests).toBe(75);
    expect(result.achieved.dropped).toBe(0);
    expect(result.achieved.rate).toBeLessThanOrEqual(75);
    expect(result.errorRate).toBeCloseTo(0.25, 10);
    expect(result.notes[0]).toMatch(/^responses: 200×75; errors: \S+×25$/);
    expect(result.ok).toBe(false);
  });
});
