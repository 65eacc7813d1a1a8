// One run, one worker, one cache: `verify prereq mesh security` reads every kind, exec and pod-proxy
// answer once, across suites. Counted on the wire by an HTTPS proxy between meshgate and the
// simulator (what a kubectl -v=6 log would show), so nothing inside meshgate is trusted for it.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect } from 'node:tls';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import { generateTlsMaterial } from '../../src/sim/tls-material.ts';
import { ROOT, runCli } from '../support/cli.ts';
import { TMP } from '../faults/support.ts';

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
}

let sim: StartedSimulator;
let proxy: Server;
const seen: string[] = [];
let kubeconfig = '';

beforeAll(async () => {
  sim = await startSimulator({ scenario: path.join(ROOT, 'scenarios/healthy') });
  const kc = parse(readFileSync(sim.kubeconfigPath, 'utf8')) as Kubeconfig;
  const upstream = new URL(sim.url);
  const simCa = Buffer.from(kc.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64');
  const tls = await generateTlsMaterial();
  const target = { host: upstream.hostname, port: Number(upstream.port), ca: simCa };
  proxy = createServer({ key: tls.serverKey, cert: tls.serverCert }, (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const up = request({ ...target, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  // exec is a WebSocket upgrade: count it, then splice the two connections.
  proxy.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    seen.push(`UPGRADE ${req.url}`);
    const up = connect(
      { ...target, servername: target.host === '127.0.0.1' ? undefined : target.host },
      () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2)
          lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        up.write(`${lines.join('\r\n')}\r\n\r\n`);
        up.write(head);
        socket.pipe(up).pipe(socket);
      },
    );
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as { port: number }).port;
  const cluster = kc.clusters[0]?.cluster;
  if (!cluster) throw new Error('the simulator wrote no cluster');
  cluster.server = `https://127.0.0.1:${port}`;
  cluster['certificate-authority-data'] = Buffer.from(tls.caCert).toString('base64');
  kubeconfig = path.join(TMP, 'counted.kubeconfig');
  writeFileSync(kubeconfig, stringify(kc), { mode: 0o600 });
}, 120_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await sim?.stop();
});

describe('verify prereq mesh security', { timeout: 300_000 }, () => {
  it('reads each kind, exec and proxy answer once per run, across suites, and keeps the suites apart', async () => {
    const r = await runCli([
      'verify',
      'prereq',
      'mesh',
      'security',
      '--kubeconfig',
      kubeconfig,
      '--report-dir',
      path.join(TMP, 'counted-reports'),
      '-o',
      'json',
    ]);
    const report = JSON.parse(r.stdout) as { checks: { suite: string }[] };
    expect(new Set(report.checks.map((c) => c.suite))).toEqual(new Set(['prereq', 'mesh', 'security']));
    // Reads: lists, gets, pod proxy (GET) and exec (upgrades). /version is read twice by design: once
    // by the CLI to say "unreachable" once instead of per check, once by the prereq check itself.
    const reads = seen.filter(
      (s) => (s.startsWith('GET ') || s.startsWith('UPGRADE ')) && !s.startsWith('GET /version'),
    );
    const counts = new Map<string, number>();
    for (const s of reads) counts.set(s, (counts.get(s) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([s, n]) => `${n}× ${s}`);
    expect(twice).toEqual([]);
    // The suites did read through the proxy: a list of the mesh pods, an exec into a mesh pod.
    expect(reads).toContain('GET /api/v1/namespaces/zamaz-mesh/pods?limit=500');
    expect(reads.some((s) => s.startsWith('UPGRADE /api/v1/namespaces/zamaz-mesh/pods/'))).toBe(true);
  });
});
