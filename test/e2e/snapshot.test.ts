// `meshgate snapshot`: record a cluster into a scenario, replay it with the simulator.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClient, loadKubeConfig, Resources } from '../../src/cluster/index.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import { attestedConfig, pathWithTools, runCli, verifyJson } from '../support/cli.ts';

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

    const { config } = attestedConfig();
    const env = { PATH: pathWithTools() };
    const live = await verifyJson(
      ['verify', 'prereq', '--config', config, '--kubeconfig', sim.kubeconfigPath],
      { env },
    );
    const replay = await verifyJson(['verify', 'prereq', '--config', config, '--scenario', out], { env });
    expect(replay.code).toBe(live.code);
    expect(replay.report.checks.map((c) => [c.id, c.status, c.details])).toEqual(
      live.report.checks.map((c) => [c.id, c.status, c.details]),
    );
  });
});
