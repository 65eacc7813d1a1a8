// The guide's Phase 4 end to end: shift, monitor, complete and rollback through the real CLI, against
// a simulated cluster whose state carries over between commands and a real Prometheus.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClient, Conflict, loadKubeConfig, Resources } from '../../src/cluster/index.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import { applyMeshWeight, currentSplit, type AuditRecord } from '../../src/traffic/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { ROOT, runCli } from '../support/cli.ts';
import { runMain } from '../faults/support.ts';
import { preset } from '../support/openmetrics-presets.ts';
import { startPrometheus, type StartedPrometheus } from '../support/prometheus.ts';

const healthy = preset('healthyCanary');
const regression = preset('appRegression');
const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-traffic-e2e-'));
let prom: StartedPrometheus;
let app: Server;
let appUrl = '';
let config = '';

beforeAll(async () => {
  prom = await startPrometheus({ openmetrics: [healthy.openmetrics, regression.openmetrics] });
  // Stands in for the mesh services in the Step 7 smoke run (they are not reachable from here).
  app = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}`;
  config = path.join(dir, 'meshgate.config.ts');
  writeFileSync(
    config,
    `export default { canary: { services: ['zamaz-api'] }, load: { targetUrl: '${appUrl}', rate: 20, duration: '1s',` +
      ` smokeTargets: [{ name: 'api health', url: '${appUrl}', path: '/health' }, { name: 'frontend', url: '${appUrl}', path: '/' }] } };\n`,
  );
}, 120_000);

afterAll(async () => {
  await prom?.stop();
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
});

interface Cluster {
  sim: StartedSimulator;
  client: () => ClusterClient;
  reportDir: string;
  weight: () => Promise<number>;
  audit: () => AuditRecord[];
  run: (args: string[], env?: NodeJS.ProcessEnv) => ReturnType<typeof runCli>;
}

async function cluster(layers: string[] = []): Promise<Cluster> {
  const sim = await startSimulator({ scenario: ['scenarios/healthy', ...layers] });
  const reportDir = mkdtempSync(path.join(dir, 'reports-'));
  const client = () => new ClusterClient(loadKubeConfig({ kubeconfig: sim.kubeconfigPath }));
  return {
    sim,
    client,
    reportDir,
    weight: async () => (await currentSplit(client(), defaultProfile)).split.meshWeight,
    audit: () => {
      const f = path.join(reportDir, 'audit.jsonl');
      return existsSync(f)
        ? readFileSync(f, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as AuditRecord)
        : [];
    },
    run: (args, env) => {
      const argv = [
        ...args,
        '--kubeconfig',
        sim.kubeconfigPath,
        '--config',
        config,
        '--report-dir',
        reportDir,
      ];
      // In-process where no suite runs (a vitest inside this test's worker is not a thing to do): the
      // same main(), without a process start per command. The process boundary has its own tests.
      const runsSuites = (args[0] === 'shift' || args[0] === 'complete') && !args.includes('--no-verify');
      return runsSuites || args[0] === 'test'
        ? runCli(argv, { env })
        : runMain(argv, { env }).then((r) => ({ ...r, code: r.code as number | null }));
    },
  };
}

const analysis = (end: Date, load = 'none'): string[] => [
  '--load',
  load,
  '--prometheus',
  prom.url,
  '--end',
  end.toISOString(),
  '--window',
  '30m',
];

// Generous: several commands per test, some spawning the CLI and vitest, on 2 shared cores.
describe.concurrent(
  'traffic gates (CLI against the simulator and a real Prometheus)',
  { timeout: 180_000 },
  () => {
    it('runs 10 → 25 → 50 → 75 → 100 on healthy data, each step gated and audited', async () => {
      const c = await cluster();
      try {
        const first = await c.run(['shift', '25', ...analysis(healthy.params.end)]);
        expect(first.stderr).toContain('canary');
        expect(first.code).toBe(0);
        expect(await c.weight()).toBe(25);
        for (const step of ['50', '75']) {
          const r = await c.run(['shift', step, '--no-verify', ...analysis(healthy.params.end)]);
          expect(r.code, r.stderr).toBe(0);
        }
        const done = await c.run(['complete', '--no-verify', ...analysis(healthy.params.end)]);
        expect(done.code, done.stderr).toBe(0);
        expect(await c.weight()).toBe(100);
        const audit = c.audit();
        expect(audit.map((a) => [a.action, a.outcome, a.from, a.to, a.verdict])).toEqual([
          ['shift', 'applied', 10, 25, 'PASS'],
          ['shift', 'applied', 25, 50, 'PASS'],
          ['shift', 'applied', 50, 75, 'PASS'],
          ['complete', 'applied', 75, 100, 'PASS'],
        ]);
        expect(audit.every((a) => a.verdictFile && existsSync(a.verdictFile))).toBe(true);
        const vs = await c.client().get(Resources.virtualServices, 'zamaz', 'zamaz-mesh');
        expect(JSON.parse(vs.metadata.annotations?.['meshgate.dev/last-shift'] ?? '{}')).toMatchObject({
          action: 'complete',
          from: 75,
          to: 100,
          verdict: 'PASS',
        });
      } finally {
        await c.sim.stop();
      }
    });

    it('refuses a shift on a FAIL verdict: weights unchanged, the audit says why', async () => {
      const c = await cluster();
      try {
        const r = await c.run(['shift', '25', '--no-verify', ...analysis(regression.params.end)]);
        expect(r.code).toBe(1);
        expect(r.stdout).toContain('shift refused: gate FAIL, weights unchanged at 10 %');
        expect(await c.weight()).toBe(10);
        const [record] = c.audit();
        expect(record).toMatchObject({
          action: 'shift',
          outcome: 'refused',
          from: 10,
          to: 25,
          verdict: 'FAIL',
        });
        expect(record?.reason).toContain('canary verdict at 10 % FAIL');
      } finally {
        await c.sim.stop();
      }
    });

    it('refuses to skip a step without --force, and --dry-run prints the patch without writing', async () => {
      const c = await cluster();
      try {
        const skip = await c.run(['shift', '50', ...analysis(healthy.params.end)]);
        expect(skip.code).toBe(3);
        expect(skip.stderr).toContain(
          'moving from 10 % to 50 % skips 25 %: shift one step at a time (next: 25 %), or pass --force',
        );
        const dry = await c.run([
          'shift',
          '50',
          '--force',
          '--dry-run',
          '--no-verify',
          ...analysis(healthy.params.end),
        ]);
        expect(dry.code, dry.stderr).toBe(0);
        expect(dry.stdout).toContain('dry run: would patch VirtualService/zamaz-mesh/zamaz (merge patch)');
        expect(dry.stdout).toContain('"resourceVersion"');
        expect(await c.weight()).toBe(10);
        expect(c.audit().map((a) => a.outcome)).toEqual(['refused', 'dry-run']);
      } finally {
        await c.sim.stop();
      }
    });

    it('reports a 409 when the VirtualService changed underneath, and writes nothing', async () => {
      const layer = mkdtempSync(path.join(dir, 'conflict-'));
      writeFileSync(
        path.join(layer, 'profile.yaml'),
        JSON.stringify({
          apiVersion: 'sim.meshgate.dev/v1alpha1',
          kind: 'ClusterProfile',
          metadata: { name: 'cluster' },
          spec: {
            faults: [
              {
                match: '/namespaces/zamaz-mesh/virtualservices/zamaz$',
                method: 'PATCH',
                status: 409,
                count: 1,
              },
            ],
          },
        }),
      );
      const c = await cluster([layer]);
      try {
        const r = await c.run(['shift', '25', '--no-verify', ...analysis(healthy.params.end)]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('VirtualService/zamaz-mesh/zamaz changed after it was read');
        expect(r.stderr).toContain('nothing was written');
        expect(await c.weight()).toBe(10);
        expect(c.audit()[0]).toMatchObject({ outcome: 'conflict', from: 10, to: 25 });

        // The same guard with a real concurrent change: a stale read never overwrites a newer object.
        const stale = await currentSplit(c.client(), defaultProfile);
        const other = c.client();
        await other.mergePatch(Resources.virtualServices, 'zamaz', 'zamaz-mesh', {
          metadata: { labels: { edited: 'by-someone' } },
        });
        await expect(applyMeshWeight(c.client(), stale, 25, {})).rejects.toBeInstanceOf(Conflict);
        expect(await c.weight()).toBe(10);
      } finally {
        await c.sim.stop();
      }
    });

    it('rolls back in an emergency with Prometheus down, idempotently, and a later shift restores the replicas', async () => {
      const c = await cluster();
      try {
        const down = { MESHGATE_PROMETHEUS_URL: 'http://127.0.0.1:9' };
        const r = await c.run(['rollback'], down);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain(
          'rollback applied: VirtualService/zamaz-mesh/zamaz mesh weight 10 % → 0 %; scaled zamaz-api 2 → 0, zamaz-frontend 2 → 0',
        );
        expect(await c.weight()).toBe(0);
        const k = c.client();
        const replicas = async (ns: string) =>
          Object.fromEntries(
            (await k.list(Resources.deployments, { namespace: ns })).map((d) => [
              d.metadata.name,
              (d.spec as { replicas: number }).replicas,
            ]),
          );
        expect(await replicas('zamaz-mesh')).toEqual({ 'zamaz-api': 0, 'zamaz-frontend': 0 });
        const legacy = await replicas('zamaz');
        expect(legacy['zamaz-api']).toBe(2);
        const again = await c.run(['rollback'], down);
        expect(again.code).toBe(0);
        expect(again.stdout).toContain('rollback unchanged');
        k.invalidate();
        expect(await replicas('zamaz-mesh')).toEqual({ 'zamaz-api': 0, 'zamaz-frontend': 0 });

        // 0 → 10 is gated by the Step 7 smoke run, not a canary verdict, and brings the replicas back.
        const up = await c.run(['shift', '10', '--no-verify', '--load', 'builtin']);
        expect(up.code, up.stderr + up.stdout).toBe(0);
        expect(await c.weight()).toBe(10);
        k.invalidate();
        expect(await replicas('zamaz-mesh')).toEqual({ 'zamaz-api': 2, 'zamaz-frontend': 2 });
        expect(c.audit().map((a) => [a.action, a.outcome])).toEqual([
          ['rollback', 'applied'],
          ['rollback', 'unchanged'],
          ['shift', 'applied'],
        ]);
      } finally {
        await c.sim.stop();
      }
    });

    it('steps down one step on a planned rollback', async () => {
      const c = await cluster();
      try {
        const r = await c.run(['rollback', '--planned']);
        expect(r.code, r.stderr).toBe(0);
        expect(await c.weight()).toBe(0);
        expect(c.audit()[0]).toMatchObject({ action: 'planned-rollback', from: 10, to: 0 });
      } finally {
        await c.sim.stop();
      }
    });

    it('monitor stops early on a regression once the failure budget is spent', async () => {
      const c = await cluster();
      try {
        const r = await c.run([
          'monitor',
          '--duration',
          '5m',
          '--interval',
          '1m',
          ...analysis(regression.params.end),
          '-o',
          'json',
        ]);
        expect(r.code).toBe(1);
        const doc = JSON.parse(r.stdout) as {
          verdict: string;
          reason: string;
          timeline: { verdict: string }[];
        };
        expect(doc.verdict).toBe('FAIL');
        expect(doc.timeline.map((t) => t.verdict)).toEqual(['FAIL', 'FAIL']);
        expect(doc.reason).toContain('stopped early: 2 FAIL verdicts in a row (budget 2)');
        expect(r.stderr).toMatch(/\[01:00\/05:00\] 10 % to mesh: FAIL/);
        const ok = await c.run([
          'monitor',
          '--duration',
          '3m',
          '--interval',
          '1m',
          ...analysis(healthy.params.end),
          '-o',
          'json',
        ]);
        expect(ok.code, ok.stderr).toBe(0);
        expect((JSON.parse(ok.stdout) as { timeline: unknown[] }).timeline).toHaveLength(3);
      } finally {
        await c.sim.stop();
      }
    });

    it('answers Flagger webhooks: 200 on PASS, 412 on FAIL', async () => {
      const c = await cluster();
      const serve = (end: Date) =>
        new Promise<{ url: string; stop: () => Promise<void> }>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [
              path.join(ROOT, 'bin/meshgate.js'),
              'serve-webhook',
              ...analysis(end),
              '--kubeconfig',
              c.sim.kubeconfigPath,
              '--config',
              config,
              '--report-dir',
              c.reportDir,
            ],
            { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
          );
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
            if (m?.[1]) {
              resolve({
                url: m[1],
                stop: () => new Promise((done) => (child.on('close', () => done()), child.kill('SIGTERM'))),
              });
            }
          });
          child.on('error', reject);
          child.on('close', (code) => reject(new Error(`serve-webhook exited ${code}: ${out}`)));
        });
      const call = async (url: string) => {
        const res = await fetch(url, {
          method: 'POST',
          body: JSON.stringify({ name: 'zamaz', namespace: 'zamaz-mesh', phase: 'Progressing' }),
        });
        return { status: res.status, body: (await res.json()) as { verdict: string } };
      };
      try {
        const good = await serve(healthy.params.end);
        const bad = await serve(regression.params.end);
        try {
          expect(await call(good.url)).toMatchObject({ status: 200, body: { verdict: 'PASS' } });
          expect(await call(bad.url)).toMatchObject({ status: 412, body: { verdict: 'FAIL' } });
        } finally {
          await Promise.all([good.stop(), bad.stop()]);
        }
      } finally {
        await c.sim.stop();
      }
    });

    it('meshgate test runs the Step 7 smoke run and the security suite', async () => {
      const c = await cluster();
      try {
        // Both runs read the same cluster and write nothing: run them side by side.
        const [r, none] = await Promise.all([
          c.run(['test', '--load', 'builtin', '-o', 'json']),
          c.run(['test', '--load', 'none', '-o', 'json']),
        ]);
        const doc = JSON.parse(r.stdout) as {
          verdict: string;
          smoke: { verdict: string };
          security: { verdict: string };
        };
        expect(doc.smoke.verdict).toBe('PASS');
        expect(doc.security.verdict).toBe('PASS');
        expect(r.code).toBe(0);
        expect(none.code).toBe(2);
        expect((JSON.parse(none.stdout) as { smoke: { reason: string } }).smoke.reason).toContain(
          'not run (--load none)',
        );
      } finally {
        await c.sim.stop();
      }
    });

    it('canary --apply shifts on PASS; --rollback-on-fail rolls back on FAIL', async () => {
      const [a, b] = await Promise.all([cluster(), cluster()]);
      try {
        const pass = await a.run(['canary', '--step', '25', '--apply', ...analysis(healthy.params.end)]);
        expect(pass.code, pass.stderr).toBe(0);
        expect(await a.weight()).toBe(25);
        expect(a.audit()[0]).toMatchObject({
          action: 'shift',
          outcome: 'applied',
          from: 10,
          to: 25,
          verdict: 'PASS',
        });

        const fail = await b.run([
          'canary',
          '--step',
          '25',
          '--apply',
          '--rollback-on-fail',
          ...analysis(regression.params.end),
        ]);
        expect(fail.code).toBe(1);
        expect(fail.stderr).toContain('rolled back: mesh weight 10 % → 0 %');
        expect(await b.weight()).toBe(0);
        expect(b.audit()[0]).toMatchObject({
          action: 'rollback',
          outcome: 'applied',
          from: 10,
          to: 0,
          verdict: 'FAIL',
        });
      } finally {
        await Promise.all([a.sim.stop(), b.sim.stop()]);
      }
    });
  },
);
