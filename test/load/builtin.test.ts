// The builtin load driver against a loopback server that keeps its own account: the requests it
// saw, their status codes, Host headers, paths and how long it took to answer each. The runner's
// result must agree with that account.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { BuiltinRunner, NoneRunner, resolveScriptProfile } from '../../src/load/index.ts';
import { quantile } from '../../src/load/quantiles.ts';
import { evaluateThresholds } from '../../src/load/thresholds.ts';
import { defaultProfile, type Profile } from '../../src/profile/index.ts';

interface ServerView {
  url: string;
  requests: number;
  statuses: Map<number, number>;
  hosts: Set<string>;
  paths: Map<string, number>;
  /** Time from the request event to the response's finish, ms: the server's latency view. */
  durations: number[];
  stop(): Promise<void>;
}

/** Every 50th request answers 500 (2 %); every answer waits 5–14 ms. */
async function startServer(
  opts: { failEvery?: number; statusFor?: (path: string) => number } = {},
): Promise<ServerView> {
  const view = {
    requests: 0,
    statuses: new Map<number, number>(),
    hosts: new Set<string>(),
    paths: new Map<string, number>(),
    durations: [] as number[],
  };
  const server: Server = createServer((req, res) => {
    const t0 = performance.now();
    const n = ++view.requests;
    const path = req.url ?? '';
    view.hosts.add(req.headers.host ?? '');
    view.paths.set(path, (view.paths.get(path) ?? 0) + 1);
    const status = opts.statusFor?.(path) ?? (opts.failEvery && n % opts.failEvery === 0 ? 500 : 200);
    view.statuses.set(status, (view.statuses.get(status) ?? 0) + 1);
    res.on('finish', () => view.durations.push(performance.now() - t0));
    setTimeout(
      () => {
        res.statusCode = status;
        res.end('body');
      },
      5 + (n % 10),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...view,
    get requests() {
      return view.requests;
    },
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function profileFor(url: string): Profile {
  return { ...defaultProfile, load: { ...defaultProfile.load, targetUrl: url, maxVUs: 200 } };
}

/** Alternates 0.25 / 0.75: with the default 50/50 weights, an exact half-and-half split. */
function alternating(): () => number {
  let i = 0;
  return () => (i++ % 2 === 0 ? 0.25 : 0.75);
}

describe('builtin runner', () => {
  let server: ServerView | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('reaches the requested rate, and its counts, error ratio and quantiles match the server', async () => {
    server = await startServer({ failEvery: 50 });
    const progress: string[] = [];
    const t0 = performance.now();
    const result = await new BuiltinRunner({ random: alternating() }).run(
      { step: 10, runId: 'run-1', rate: 200, duration: '3s' },
      { profile: profileFor(server.url), onProgress: (l) => progress.push(l) },
    );
    const wallMs = performance.now() - t0;
    const seen = server.requests;
    // 200 req/s for 3 s: 600 arrivals, each one sent, seen by the server and answered, or dropped at
    // the in-flight bound (none on a machine with time to spare; a starved one falls behind).
    const dropped = result.achieved.dropped ?? 0;
    expect(result.achieved.requests).toBe(seen);
    expect(seen + dropped).toBe(600);
    // Answered requests over the arrival window: 3 s, or a little more when the last arrivals went
    // out late on a busy machine, never more than the whole run took.
    expect(result.achieved.rate).toBeLessThanOrEqual(seen / 3);
    expect(result.achieved.rate).toBeGreaterThanOrEqual(seen / Math.max(3, wallMs / 1000));
    expect(result.requested).toEqual({ rate: 200, duration: '3s' });
    expect(server.hosts).toEqual(new Set(['zamaz.example.com']));
    // The 50/50 weights with alternating draws: half the requests sent to each path.
    const health = server.paths.get('/api/health') ?? 0;
    expect(health + (server.paths.get('/') ?? 0)).toBe(seen);
    expect(Math.abs(2 * health - seen)).toBeLessThanOrEqual(1);

    const errors = server.statuses.get(500) ?? 0;
    expect(errors).toBe(Math.floor(seen / 50));
    expect(result.errorRate).toBeCloseTo(errors / seen, 10);
    expect(result.notes).toContain(`responses: 200×${seen - errors}, 500×${errors}`);

    // Each request's latency holds the server's own time and more (the round trip, and any wait for a
    // late send), so every client quantile is at least the server's; and no request can have taken
    // longer than the whole run. How close it comes to the server's view is measured by the bench.
    const sorted = [...server.durations].sort((a, b) => a - b);
    for (const [key, q] of [
      ['p50', 0.5],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const) {
      expect(result.latencyMs[key] as number).toBeGreaterThanOrEqual((quantile(sorted, q) as number) - 1);
    }
    expect(result.latencyMs.max).toBeGreaterThanOrEqual(result.latencyMs.p99 as number);
    expect(result.latencyMs.max).toBeLessThanOrEqual(wallMs);

    // 2 % errors break the 1 % threshold: the run is not ok, and says which threshold failed. (The
    // latency thresholds are judged on what was measured, whatever the machine's load made of it.)
    const p95 = result.latencyMs.p95 as number;
    const p99 = result.latencyMs.p99 as number;
    expect(result.thresholds).toEqual([
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: errors / seen < 0.01, actual: errors / seen },
      { metric: 'http_req_duration', expression: 'p(95)<500', ok: p95 < 500, actual: p95 },
      { metric: 'http_req_duration', expression: 'p(99)<1000', ok: p99 < 1000, actual: p99 },
    ]);
    expect(result.ok).toBe(false);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('says so when the in-flight bound makes it drop requests', async () => {
    server = await startServer();
    const profile = profileFor(server.url);
    // One request in flight at a time against 5–14 ms answers cannot sustain 400 req/s.
    const tight: Profile = { ...profile, load: { ...profile.load, maxVUs: 1, preAllocatedVUs: 1 } };
    const result = await new BuiltinRunner().run(
      { step: 10, runId: 'r', rate: 400, duration: '1s' },
      { profile: tight },
    );
    expect(result.achieved.dropped).toBeGreaterThan(0);
    expect(result.achieved.requests).toBe(server.requests);
    expect(result.achieved.requests + (result.achieved.dropped ?? 0)).toBe(400);
    expect(result.ok).toBe(false);
    expect(result.verdict).toBe('INCONCLUSIVE');
    expect(result.notes.join('\n')).toMatch(
      /reached .* req\/s of the 400 requested .* dropped at the in-flight limit/,
    );
  });

  it('stops early when aborted', async () => {
    server = await startServer();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await new BuiltinRunner().run(
      { step: 10, runId: 'r', rate: 50, duration: '30s' },
      { profile: profileFor(server.url), signal: controller.signal },
    );
    expect(result.ok).toBe(false);
    expect(result.verdict).toBe('INCONCLUSIVE');
    expect(result.achieved.requests).toBeLessThan(1500);
    expect(result.achieved.requests).toBe(server.requests);
    expect(result.notes.at(-1)).toMatch(/^aborted after \d+ of 1500 requests$/);
  });

  it('smoke: checks each target and names the one that failed', async () => {
    server = await startServer({ statusFor: (p) => (p === '/healthz' ? 503 : 200) });
    const result = await new BuiltinRunner().run(
      {
        step: 0,
        runId: 'smoke-1',
        script: 'smoke',
        smokeTargets: [
          { name: 'api health', url: server.url, path: '/health' },
          { name: 'web health', url: server.url, path: '/healthz' },
        ],
      },
      { profile: profileFor(server.url) },
    );
    expect(server.requests).toBe(6);
    expect(result.script).toBe('smoke');
    expect(result.ok).toBe(false);
    expect(result.verdict).toBe('FAIL');
    expect(result.thresholds).toEqual([{ metric: 'checks', expression: 'rate==1', ok: false, actual: 0.5 }]);
    expect(result.notes).toContain(
      `check failed: web health: status 2xx/3xx (GET ${server.url}/healthz answered 503)`,
    );
  });

  it('none: no traffic, and says where it comes from', async () => {
    const result = await new NoneRunner().run({ step: 25, runId: 'r' }, { profile: defaultProfile });
    expect(result).toMatchObject({
      runner: 'none',
      ok: true,
      verdict: 'PASS',
      achieved: { requests: 0 },
      errorRate: null,
    });
    expect(result.notes).toEqual(['no load generated (--load none): traffic comes from real users']);
  });
});

describe('thresholds', () => {
  const script = resolveScriptProfile(defaultProfile, { step: 10, runId: 'r' });
  it('fails a threshold whose value was not measured', () => {
    const t = evaluateThresholds(script, {
      errorRate: null,
      latencyMs: { p50: 1, p95: 2, p99: null, max: 4 },
    });
    expect(t.map((x) => [x.expression, x.ok])).toEqual([
      ['rate<0.01', false],
      ['p(95)<500', true],
      ['p(99)<1000', false],
    ]);
  });
});
