// --timeout and a stop signal, in-process: a slow API server within the budget finishes; beyond it
// the run is INCONCLUSIVE and says what it was still waiting for; a stalled Prometheus never holds a
// gate; a stopped shift never writes. The cluster ends unchanged or fully changed, never half.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interrupted } from '../../src/core/index.ts';
import {
  clusterLayer,
  runMain,
  startCluster,
  startStallingServer,
  type Cluster,
  type StallingServer,
} from './support.ts';

const END = '2026-11-29T10:30:00Z';
let stall: StallingServer;

beforeAll(async () => {
  stall = await startStallingServer();
});
afterAll(async () => {
  await stall?.stop();
});

const doc = (stdout: string) =>
  JSON.parse(stdout) as {
    verdict: string;
    outcome?: string;
    reason: string;
    interrupted?: { cause: string; message: string; pending: string[] };
  };

/** Resolves once `cond` holds (polled), so a stop lands in the stage a test is about. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.concurrent('--timeout: the whole run has a budget', { timeout: 180_000 }, () => {
  let slow: Cluster;
  let verySlow: Cluster;
  beforeAll(async () => {
    [slow, verySlow] = await Promise.all([
      startCluster([clusterLayer({ latency: '200ms' })]),
      startCluster([clusterLayer({ latency: '3s' })]),
    ]);
  });
  afterAll(async () => {
    await Promise.all([slow?.sim.stop(), verySlow?.sim.stop()]);
  });

  it('a slow API server within the budget: the planned rollback completes', async () => {
    const r = await runMain(['rollback', '--planned', '--timeout', '2m', ...slow.flags]);
    expect(r.code, r.stderr).toBe(0);
    expect(await slow.weight()).toBe(0);
  });

  it('beyond the budget: INCONCLUSIVE, what was still waiting is named, nothing written, audited', async () => {
    const before = await verySlow.replicas();
    const r = await runMain(['rollback', '--timeout', '2s', '-o', 'json', ...verySlow.flags]);
    expect(r.code).toBe(2);
    const d = doc(r.stdout);
    expect(d.verdict).toBe('INCONCLUSIVE');
    expect(d.outcome).toBe('interrupted');
    expect(d.interrupted?.cause).toBe('deadline');
    expect(d.interrupted?.message).toBe('the run deadline (--timeout 2s) expired');
    expect(d.reason).toMatch(
      /^the run deadline \(--timeout 2s\) expired before writing: nothing was changed/,
    );
    expect(d.interrupted?.pending).toContain('the emergency rollback');
    expect(await verySlow.weight()).toBe(10);
    expect(await verySlow.replicas()).toEqual(before);
    expect(verySlow.audit().at(-1)).toMatchObject({ action: 'rollback', outcome: 'interrupted' });
  });

  it('verify beyond the budget: INCONCLUSIVE, the checks in flight named, each not verified', async () => {
    // The default engine runs the checks in this process; each read takes 3 s, a check several.
    const r = await runMain(['verify', 'mesh', '--timeout', '8s', '-o', 'json', ...verySlow.flags]);
    expect(r.code, r.stderr).toBe(2);
    const d = JSON.parse(r.stdout) as ReturnType<typeof doc> & {
      checks: { id: string; status: string; findings: { message: string }[] }[];
    };
    expect(d.verdict).toBe('INCONCLUSIVE');
    expect(d.interrupted?.cause).toBe('deadline');
    expect(d.interrupted?.pending.join('\n')).toMatch(
      /^suite mesh: \d+ of \d+ checks not finished \(running: mesh\.[\w.-]+/m,
    );
    const cut = d.checks.filter((c) =>
      c.findings.some((f) =>
        f.message.startsWith('the run deadline (--timeout 8s) expired while this check was running'),
      ),
    );
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.every((c) => c.status === 'inconclusive')).toBe(true);
  });

  it('a Prometheus that never answers: the canary is INCONCLUSIVE at the deadline, no verdict written', async () => {
    const c = await startCluster();
    try {
      const r = await runMain([
        'canary',
        '--step',
        '25',
        '--load',
        'none',
        '--prometheus',
        stall.url,
        '--end',
        END,
        '--window',
        '30m',
        '--timeout',
        '3s',
        '-o',
        'json',
        ...c.flags,
      ]);
      expect(r.code).toBe(2);
      const d = doc(r.stdout);
      expect(d.verdict).toBe('INCONCLUSIVE');
      expect(d.interrupted?.pending).toEqual([
        'the canary verdict for step 25',
        `waiting for Prometheus at ${stall.url} (canary queries)`,
      ]);
      expect(existsSync(path.join(c.reportDir, 'verdicts'))).toBe(false);
    } finally {
      await c.sim.stop();
    }
  });
});

describe('a stop signal during a gated shift', { timeout: 180_000 }, () => {
  it('never writes: exit 143, weights unchanged, audited "interrupted before writing"', async () => {
    const c = await startCluster();
    try {
      const stop = new AbortController();
      const seen = stall.connections;
      const running = runMain(
        [
          'shift',
          '25',
          '--no-verify',
          '--load',
          'none',
          '--prometheus',
          stall.url,
          '--end',
          END,
          '--window',
          '30m',
          ...c.flags,
        ],
        { signal: stop.signal },
      );
      // Stop while the canary queries are in flight, the moment the caller gave up in the issue.
      await until(() => stall.connections > seen, 'the first Prometheus query');
      stop.abort(new Interrupted('SIGTERM'));
      const r = await running;
      expect(r.code).toBe(143);
      expect(r.stdout).toMatch(
        /^shift interrupted: interrupted \(SIGTERM\) before writing: nothing was changed/,
      );
      expect(r.stderr).toContain('not finished:');
      expect(await c.weight()).toBe(10);
      expect(c.audit()).toEqual([
        expect.objectContaining({ action: 'shift', outcome: 'interrupted', from: 10, to: 25 }),
      ]);
      expect(readdirSync(c.reportDir)).not.toContain('verdicts');
    } finally {
      await c.sim.stop();
    }
  });
});
