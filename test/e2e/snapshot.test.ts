// `meshgate snapshot`: record a cluster into a scenario, replay it with the simulator.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClient, loadKubeConfig, Resources } from '../../src/cluster/index.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { PREREQ_GATES } from '../../suites/prereq/prereq-gates.ts';
import { pathWithTools, runCli } from '../support/cli.ts';
import { runGates } from '../support/run-gates.ts';

let sim: StartedSimulator;
beforeAll(async () => {
  sim = await startSimulator({ scenario: 'scenarios/healthy' });
  // A credential-looking ConfigMap key, as some apps keep them: it must not reach the snapshot.
  const c = new ClusterClient(loadKubeConfig({ kubeconfig: sim.kubeconfigPath }));
  await c.create(
    Resources.configMaps,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-env' },
      data: { DB_PASSWORD: 'hunter2-s3cret', LOG_LEVEL: 'info' },
    },
    'zamaz-mesh',
  );
});
afterAll(async () => {
  await sim?.stop();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('meshgate snapshot', { timeout: 180_000 }, () => {
  it('records what the suites read (objects, Endpoints, pod-proxy and exec answers), never Secrets or credential values, and replays with the same prereq result', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'meshgate-snapshot-'));
    const res = await runCli(['snapshot', '--out', out, '--kubeconfig', sim.kubeconfigPath]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(
      /^recorded \d+ objects and \d+ pod-proxy\/exec answers into .* \(Secrets are never recorded; token-like values are redacted\)\n$/,
    );
    const text = filesUnder(out)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(text).toContain('kind: ClusterProfile');
    expect(text).toMatch(/recorded:\n\s+at: /);
    expect(text).toContain('kind: Endpoints');
    // The answers the checks read, per pod: certificates (exec) and Envoy stats (pod proxy).
    expect(text).toMatch(
      /kind: PodExec[\s\S]*command:\n\s+- pilot-agent\n\s+- request\n\s+- GET\n\s+- certs/,
    );
    expect(text).toMatch(/kind: PodEndpoint[\s\S]*path: \/stats\/prometheus/);
    expect(text).toContain('name: zamaz');
    expect(text).not.toMatch(/kind: Secret\b/);
    expect(text).not.toContain('hunter2-s3cret');
    expect(text).toContain('DB_PASSWORD: <redacted by meshgate>');

    // The prereq checks, in-process, live and replayed (every suite's statuses: snapshot-replay.test.ts).
    const env = { PATH: pathWithTools() };
    const live = await runGates(sim.kubeconfigPath, defaultProfile, PREREQ_GATES, { env });
    const replaySim = await startSimulator({ scenario: out });
    try {
      const replay = await runGates(replaySim.kubeconfigPath, defaultProfile, PREREQ_GATES, { env });
      expect([...replay].map(([id, c]) => [id, c.status, c.details])).toEqual(
        [...live].map(([id, c]) => [id, c.status, c.details]),
      );
      expect([...live.values()].every((c) => c.status === 'passed')).toBe(true);
    } finally {
      await replaySim.stop();
    }
  });
});
