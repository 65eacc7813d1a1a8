// Fault injection: the only tests that use a fake server, because a real Prometheus cannot be made
// to fail on cue. Everything a real Prometheus can show is tested against one in client.test.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Interrupted, systemClock } from '../../src/core/index.ts';
import {
  BadQuery,
  PrometheusError,
  PrometheusUnreachable,
  createPrometheusClient,
  type Clock,
  type PrometheusClient,
  type PrometheusClientOptions,
} from '../../src/metrics/index.ts';

const TOKEN = 'tok-3f9a1c7e-secret';
const PASSWORD = 'hunter2-very-secret';
const AT = new Date('2026-11-29T10:30:00Z');

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse, n: number) => void;

interface FakeServer {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

const servers: Server[] = [];
const clients: PrometheusClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

async function fakeServer(handler: Handler): Promise<FakeServer> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(s);
      handler(s, res, seen.length);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const VECTOR_OK = {
  status: 'success',
  data: {
    resultType: 'vector',
    result: [{ metric: { source_workload_namespace: 'istio-system' }, value: [1795948200, '17955'] }],
  },
};

/** A clock whose sleeps only advance its own time, recording each back-off. */
function fakeClock(): Clock & { sleeps: number[] } {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

function client(options: PrometheusClientOptions): PrometheusClient {
  const c = createPrometheusClient(options);
  clients.push(c);
  return c;
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** Everything a user might log about an error or the client. */
function everythingPrinted(...things: unknown[]): string {
  return things
    .map((t) =>
      [String(t), inspect(t, { depth: 5 }), JSON.stringify(t), t instanceof Error ? t.stack : ''].join('\n'),
    )
    .join('\n');
}

describe('requests', () => {
  it('POSTs a form body with the query and an explicit time in seconds', async () => {
    const server = await fakeServer((_r, res) => json(res, 200, VECTOR_OK));
    const c = client({ url: `${server.url}/prom/`, clock: fakeClock() });
    const result = await c.query('sum(up)', AT);
    expect(result.type).toBe('vector');
    const [req] = server.seen;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/prom/api/v1/query');
    expect(req?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded\b/);
    expect(Object.fromEntries(new URLSearchParams(req?.body))).toEqual({
      query: 'sum(up)',
      time: '1795948200',
    });
  });

  it('POSTs range queries with start, end and step', async () => {
    const server = await fakeServer((_r, res) =>
      json(res, 200, { status: 'success', data: { resultType: 'matrix', result: [] } }),
    );
    const c = client({ url: server.url, clock: fakeClock() });
    await c.queryRange('sum(up)', new Date('2026-11-29T10:00:00Z'), AT, 60);
    expect(server.seen[0]?.url).toBe('/api/v1/query_range');
    expect(Object.fromEntries(new URLSearchParams(server.seen[0]?.body))).toEqual({
      query: 'sum(up)',
      start: '1795946400',
      end: '1795948200',
      step: '60',
    });
  });

  it('refuses to evaluate without a valid explicit time', async () => {
    const c = client({ url: 'http://127.0.0.1:9', clock: fakeClock() });
    await expect(c.query('up', new Date('nope'))).rejects.toThrow(/explicit time/);
    await expect(c.queryRange('up', AT, new Date('2026-11-29T10:00:00Z'), 60)).rejects.toThrow(
      /start is after end/,
    );
    await expect(c.queryRange('up', new Date(0), AT, 0)).rejects.toThrow(/stepSeconds/);
  });

  it('keeps NaN and infinities from the wire as JS numbers', async () => {
    const server = await fakeServer((_r, res) =>
      json(res, 200, {
        status: 'success',
        data: {
          resultType: 'vector',
          result: ['NaN', '+Inf', '-Inf', '1.5e3'].map((v, i) => ({
            metric: { i: String(i) },
            value: [1795948200.5, v],
          })),
        },
      }),
    );
    const result = await client({ url: server.url }).query('x', AT);
    expect(result.type === 'vector' && result.series.map((s) => s.sample.value)).toEqual([
      NaN,
      Infinity,
      -Infinity,
      1500,
    ]);
    expect(result.type === 'vector' && result.series[0]?.sample.timeMs).toBe(1795948200500);
  });
});

describe('retries', () => {
  it('retries 5xx with exponential back-off, then answers', async () => {
    const server = await fakeServer((_r, res, n) =>
      n <= 2
        ? json(res, 503, { status: 'error', errorType: 'unavailable', error: 'starting' })
        : json(res, 200, VECTOR_OK),
    );
    const clock = fakeClock();
    const c = client({ url: server.url, clock, retry: { initialBackoffMs: 100, multiplier: 2 } });
    const result = await c.query('sum(up)', AT);
    expect(result.type === 'vector' && result.series[0]?.sample.value).toBe(17955);
    expect(server.seen).toHaveLength(3);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('gives up after maxAttempts with a PrometheusError that says how often it tried', async () => {
    const server = await fakeServer((_r, res) =>
      json(res, 500, { status: 'error', errorType: 'internal', error: 'boom' }),
    );
    const clock = fakeClock();
    const err = await caught(client({ url: server.url, clock, retry: { maxAttempts: 3 } }).query('up', AT));
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as PrometheusError).status).toBe(500);
    expect(err.message).toBe(
      `Prometheus at ${server.url} answered HTTP 500 after 3 attempts: internal: boom`,
    );
    expect(server.seen).toHaveLength(3);
  });

  it('stops at the overall deadline', async () => {
    const server = await fakeServer((_r, res) => json(res, 502, {}));
    const clock = fakeClock();
    const c = client({
      url: server.url,
      clock,
      retry: {
        maxAttempts: 10,
        initialBackoffMs: 1_000,
        multiplier: 2,
        maxBackoffMs: 60_000,
        deadlineMs: 5_000,
      },
    });
    await expect(c.query('up', AT)).rejects.toThrow(PrometheusError);
    // 1 s and 2 s fit in 5 s; the next 4 s back-off would not.
    expect(clock.sleeps).toEqual([1_000, 2_000]);
    expect(server.seen).toHaveLength(3);
  });

  it.each([400, 422])(
    'never retries %d and reports it as BadQuery with Prometheus’ text and the query',
    async (status) => {
      const server = await fakeServer((_r, res) =>
        json(res, status, {
          status: 'error',
          errorType: status === 400 ? 'bad_data' : 'execution',
          error: 'parse error: x',
        }),
      );
      const err = await caught(client({ url: server.url, clock: fakeClock() }).query('sum(rate(x[5m])', AT));
      expect(err).toBeInstanceOf(BadQuery);
      expect((err as BadQuery).status).toBe(status);
      expect(err.message).toContain('parse error: x');
      expect(err.message).toContain('query: sum(rate(x[5m])');
      expect(server.seen).toHaveLength(1);
    },
  );

  it.each([401, 403, 404, 429])('never retries %d', async (status) => {
    const server = await fakeServer((_r, res) => {
      res.writeHead(status);
      res.end('nope');
    });
    const err = await caught(client({ url: server.url, clock: fakeClock() }).query('up', AT));
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as PrometheusError).status).toBe(status);
    expect(server.seen).toHaveLength(1);
  });

  it('retries a connection reset, then reports PrometheusUnreachable (reset)', async () => {
    // Cut every connection once the request has arrived, without an answer.
    const server = await fakeServer((_r, res) => res.socket?.destroy());
    const clock = fakeClock();
    const err = await caught(client({ url: server.url, clock, retry: { maxAttempts: 3 } }).query('up', AT));
    expect(err).toBeInstanceOf(PrometheusUnreachable);
    expect((err as PrometheusUnreachable).reason).toBe('reset');
    expect((err as PrometheusUnreachable).attempts).toBe(3);
    expect(clock.sleeps).toHaveLength(2);
  });

  it('times out an attempt that gets no answer, retries, and reports PrometheusUnreachable (timeout)', async () => {
    const server = await fakeServer(() => {
      // never answer
    });
    const clock = fakeClock();
    const err = await caught(
      client({ url: server.url, clock, timeoutMs: 150, retry: { maxAttempts: 2 } }).query('up', AT),
    );
    expect(err).toBeInstanceOf(PrometheusUnreachable);
    expect((err as PrometheusUnreachable).reason).toBe('timeout');
    expect(err.message).toContain(`cannot reach Prometheus at ${server.url} (2 attempts): no answer in time`);
    // How many requests reached the server within 150 ms depends on the machine's load; the client's
    // own count of attempts does not.
    expect((err as PrometheusUnreachable).attempts).toBe(2);
  });

  it('reports a closed port as PrometheusUnreachable (refused) at once', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createTcpServer();
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        s.close(() => resolve(p));
      });
    });
    const clock = fakeClock();
    const c = client({ url: `http://127.0.0.1:${port}`, clock, bearerToken: TOKEN });
    const err = await caught(c.query('up', AT));
    expect(everythingPrinted(err, c)).not.toContain(TOKEN);
    expect(err).toBeInstanceOf(PrometheusUnreachable);
    expect((err as PrometheusUnreachable).reason).toBe('refused');
    expect(err.message).toBe(
      `cannot reach Prometheus at http://127.0.0.1:${port} (1 attempt): connection refused: check the URL and port, ` +
        'that Prometheus is running, and that any port-forward or proxy in between is up',
    );
    expect(err.cause).toBeDefined();
    expect(clock.sleeps).toEqual([]);
  });
});

describe('cancellation', () => {
  it('stops a query in flight at once when the signal aborts, rejecting with its Interrupted', async () => {
    const server = await fakeServer(() => {
      // never answer
    });
    const controller = new AbortController();
    const c = client({ url: server.url, signal: controller.signal, timeoutMs: 60_000 });
    const pending = caught(c.query('up', AT));
    // Abort once the request has reached the server (however busy the machine is).
    while (server.seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    const reason = new Interrupted('SIGTERM');
    controller.abort(reason);
    const err = await pending;
    expect(err).toBe(reason);
    expect(server.seen).toHaveLength(1);
  });

  it('does not retry or back off after an abort, and refuses to start once aborted', async () => {
    const controller = new AbortController();
    const server = await fakeServer((_r, res) => {
      json(res, 503, { status: 'error', error: 'starting' });
      controller.abort(new Interrupted('SIGINT'));
    });
    const c = client({
      url: server.url,
      signal: controller.signal,
      clock: systemClock,
      retry: { initialBackoffMs: 60_000, maxAttempts: 5 },
    });
    const err = await caught(c.query('up', AT));
    expect(err).toBeInstanceOf(Interrupted);
    expect((err as Interrupted).trigger).toBe('SIGINT');
    expect(server.seen).toHaveLength(1);
    expect(await caught(c.queryRange('up', AT, AT, 60))).toBeInstanceOf(Interrupted);
    expect(server.seen).toHaveLength(1);
  });
});

describe('warnings', () => {
  it('keeps the warnings and infos Prometheus attaches', async () => {
    const server = await fakeServer((_r, res) =>
      json(res, 200, { ...VECTOR_OK, warnings: ['partial response'], infos: ['info: x'] }),
    );
    const result = await client({ url: server.url }).query('up', AT);
    expect(result.warnings).toEqual(['partial response', 'info: x']);
  });
});

describe('malformed answers', () => {
  it('reports non-JSON and wrong shapes as PrometheusError', async () => {
    const server = await fakeServer((_r, res, n) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        n === 1
          ? '<html>login</html>'
          : JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{}] } }),
      );
    });
    const c = client({ url: server.url });
    await expect(c.query('up', AT)).rejects.toThrow(/malformed response: not JSON: <html>login<\/html>/);
    await expect(c.query('up', AT)).rejects.toThrow(PrometheusError);
  });

  it('reports a matrix from an instant query as BadQuery', async () => {
    const server = await fakeServer((_r, res) =>
      json(res, 200, { status: 'success', data: { resultType: 'matrix', result: [] } }),
    );
    await expect(client({ url: server.url }).query('up[5m]', AT)).rejects.toThrow(/wrap the range selector/);
  });
});

describe('credentials', () => {
  it('sends the bearer token and never shows it', async () => {
    const server = await fakeServer((_r, res) =>
      json(res, 401, { status: 'error', error: `token ${TOKEN} expired` }),
    );
    const c = client({
      url: server.url,
      bearerToken: TOKEN,
      headers: { 'X-Scope-OrgID': 'team-a', 'X-Api-Key': 'k-secret-42' },
    });
    const err = await caught(c.query('up', AT));
    expect(server.seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.seen[0]?.headers['x-scope-orgid']).toBe('team-a');
    expect(server.seen[0]?.headers['x-api-key']).toBe('k-secret-42');
    expect(err).toBeInstanceOf(PrometheusError);
    expect(err.message).toContain('check the bearer token');
    const printed = everythingPrinted(err, c, c.options);
    expect(printed).not.toContain(TOKEN);
    expect(printed).not.toContain('k-secret-42');
    expect(c.options).toMatchObject({
      auth: 'bearer',
      headers: { 'X-Scope-OrgID': 'team-a', 'X-Api-Key': '[REDACTED]' },
    });
    expect(String(c)).toBe(`PrometheusClient(${server.url}, auth=bearer)`);
  });

  it('sends basic auth, from options or from the URL, and never shows the password', async () => {
    const server = await fakeServer((_r, res) =>
      json(res, 500, { status: 'error', error: `bad password ${PASSWORD}` }),
    );
    const expected = `Basic ${Buffer.from(`meshgate:${PASSWORD}`).toString('base64')}`;
    const fromOptions = client({
      url: server.url,
      basicAuth: { username: 'meshgate', password: PASSWORD },
      retry: { maxAttempts: 1 },
    });
    const fromUrl = client({
      url: `http://meshgate:${encodeURIComponent(PASSWORD)}@${server.url.slice('http://'.length)}`,
      retry: { maxAttempts: 1 },
    });
    const errors = [await caught(fromOptions.query('up', AT)), await caught(fromUrl.query('up', AT))];
    expect(server.seen.map((s) => s.headers.authorization)).toEqual([expected, expected]);
    expect(fromUrl.options.url).toBe(server.url);
    const printed = everythingPrinted(...errors, fromOptions, fromUrl);
    expect(printed).not.toContain(PASSWORD);
    expect(printed).not.toContain(expected.slice('Basic '.length));
    expect(printed).toContain('[REDACTED]');
  });

  it('does not echo a malformed URL that may carry credentials', () => {
    const messageOf = (url: string) => {
      try {
        createPrometheusClient({ url });
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error(`expected ${url} to be rejected`);
    };
    expect(messageOf(`not a url ${TOKEN}`)).toBe(
      'Prometheus url is not a valid absolute URL (expected e.g. http://prometheus:9090)',
    );
    expect(messageOf(`prometheus:9090?token=${TOKEN}`)).toBe(
      'Prometheus url must be http or https (e.g. http://prometheus:9090), got scheme "prometheus:"',
    );
    expect(messageOf(`http://x:9090/?token=${TOKEN}`)).toBe(
      'Prometheus url must not have a query string or fragment: pass extra values as headers',
    );
    expect(() =>
      createPrometheusClient({
        url: 'http://x',
        bearerToken: TOKEN,
        basicAuth: { username: 'a', password: 'b' },
      }),
    ).toThrow(/exclusive/);
  });
});

describe('isOnline and buildInfo', () => {
  it('is online when /-/ready answers 200, offline otherwise, and never throws', async () => {
    const server = await fakeServer((r, res) => {
      res.writeHead(r.url === '/-/ready' ? 200 : 404);
      res.end();
    });
    expect(await client({ url: server.url }).isOnline()).toBe(true);
    expect(await client({ url: 'http://127.0.0.1:9', timeoutMs: 500 }).isOnline()).toBe(false);
  });

  it('falls back to buildinfo when a proxy hides /-/ready', async () => {
    const server = await fakeServer((r, res) =>
      r.url === '/api/v1/status/buildinfo'
        ? json(res, 200, {
            status: 'success',
            data: { version: '2.42.0', revision: 'r', branch: 'b', goVersion: 'go1.19' },
          })
        : (res.writeHead(404), res.end()),
    );
    const c = client({ url: server.url });
    expect(await c.isOnline()).toBe(true);
    expect(await c.buildInfo()).toEqual({
      version: '2.42.0',
      revision: 'r',
      branch: 'b',
      goVersion: 'go1.19',
    });
  });
});
