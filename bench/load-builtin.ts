// The builtin load driver next to autocannon (closed loop: each connection sends its next request when
// the last is answered), against the same loopback server in a child process that times each request
// itself (from its arrival to the end of its answer). For each rate: what each tool achieved, and how
// far its latency quantiles are from the server's own. Then the highest rate each held within 2 %, and
// autocannon's closed-loop ceiling. Prints figures only: they depend on the machine and its load.
//   npm run bench                                   # all benches
//   npx tsx bench/load-builtin.ts 500 2000 --duration 5s --connections 64
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { BuiltinRunner } from '../src/load/index.ts';
import { defaultProfile, type Profile } from '../src/profile/index.ts';
import { printTable } from './lib/table.ts';

/** A rate counts as held when the achieved one is within this share of it (above or below). */
const HELD = 0.02;
const SERVER_DELAY_MS = 2;

// The server keeps its own account: per request, from the 'request' event to the answer's 'finish'.
// GET /__stats answers the quantiles since the last call and starts afresh; it is not counted.
const SERVER = `
const http = require('node:http');
let times = [];
const q = (s, p) => s.length ? s[Math.min(s.length - 1, Math.floor((s.length - 1) * p + 0.5))] : null;
const server = http.createServer((req, res) => {
  if (req.url === '/__stats') {
    const s = times.sort((a, b) => a - b);
    times = [];
    res.end(JSON.stringify({ count: s.length, p50: q(s, 0.5), p99: q(s, 0.99), max: s.at(-1) ?? null }));
    return;
  }
  const t0 = performance.now();
  res.on('finish', () => times.push(performance.now() - t0));
  setTimeout(() => res.end('ok'), ${SERVER_DELAY_MS});
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

interface ServerStats {
  count: number;
  p50: number | null;
  p99: number | null;
}

interface Row {
  tool: string;
  requested: number | null;
  achieved: number;
  dropped: number | null;
  p50: number | null;
  p99: number | null;
  server: ServerStats;
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const duration = flag('--duration', '3s');
const durationS = Number(duration.replace(/s$/, ''));
const connections = Number(flag('--connections', '64'));
const rates = args
  .filter((a, i) => /^\d+$/.test(a) && !['--duration', '--connections'].includes(args[i - 1] ?? ''))
  .map(Number);

const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
const url = `http://127.0.0.1:${chunk.toString().trim()}`;
const serverStats = async (): Promise<ServerStats> =>
  (await (await fetch(`${url}/__stats`)).json()) as ServerStats;

async function builtin(rate: number): Promise<Row> {
  const profile: Profile = {
    ...defaultProfile,
    load: { ...defaultProfile.load, targetUrl: url, maxVUs: 1024 },
  };
  await serverStats();
  const r = await new BuiltinRunner().run({ step: 0, runId: `bench-${rate}`, rate, duration }, { profile });
  return {
    tool: 'builtin (open)',
    requested: rate,
    achieved: r.achieved.rate ?? 0,
    dropped: r.achieved.dropped ?? 0,
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    server: await serverStats(),
  };
}

async function cannon(rate: number | null): Promise<Row> {
  await serverStats();
  const r = await autocannon({
    url,
    connections,
    duration: durationS,
    ...(rate === null ? {} : { overallRate: rate }),
  });
  return {
    tool:
      rate === null
        ? `autocannon (closed, ${connections} conn, no rate)`
        : `autocannon (closed, ${connections} conn)`,
    requested: rate,
    achieved: r.requests.total / r.duration,
    dropped: null,
    p50: r.latency.p50,
    p99: r.latency.p99,
    server: await serverStats(),
  };
}

const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(2));
const diff = (a: number | null, b: number | null): string =>
  a === null || b === null ? '-' : `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(2)}`;

try {
  const rows: Row[] = [];
  await builtin(200); // warm up the JIT, the sockets and the server
  for (const rate of rates.length ? rates : [500, 1000, 2000, 4000]) {
    rows.push(await builtin(rate));
    rows.push(await cannon(rate));
  }
  rows.push(await cannon(null));

  console.log(
    `load drivers against ${url} (the server answers after ${SERVER_DELAY_MS} ms and times itself), ${duration} per run`,
  );
  printTable(
    [
      'tool',
      'requested/s',
      'achieved/s',
      'ratio',
      'dropped',
      'p50 ms',
      'p99 ms',
      'server p50',
      'server p99',
      'p50 error',
      'p99 error',
    ],
    rows.map((r) => [
      r.tool,
      r.requested === null ? '-' : String(r.requested),
      r.achieved.toFixed(1),
      r.requested === null ? '-' : (r.achieved / r.requested).toFixed(3),
      r.dropped === null ? '-' : String(r.dropped),
      ms(r.p50),
      ms(r.p99),
      ms(r.server.p50),
      ms(r.server.p99),
      diff(r.p50, r.server.p50),
      diff(r.p99, r.server.p99),
    ]),
  );
  const held = (tool: string): string => {
    const ok = rows.filter(
      (r) =>
        r.tool.startsWith(tool) && r.requested !== null && Math.abs(r.achieved / r.requested - 1) <= HELD,
    );
    const best = ok.reduce<number | null>((m, r) => Math.max(m ?? 0, r.requested ?? 0), null);
    return best === null ? 'none of the rates tried' : `${best} req/s`;
  };
  console.log(
    `highest rate held within ${(HELD * 100).toFixed(0)} %: builtin ${held('builtin')}, autocannon ${held('autocannon (closed, ' + connections + ' conn)')}`,
  );
  const ceiling = rows.at(-1);
  if (ceiling)
    console.log(
      `autocannon closed-loop ceiling (${connections} connections, no rate): ${ceiling.achieved.toFixed(0)} req/s`,
    );
  console.log(
    'latency error = tool quantile - server quantile (the round trip, the client, and any queueing before the server saw the request)',
  );
} finally {
  child.kill();
}
