// Faithful replay: a snapshot of the simulator serving a scenario, replayed by the simulator, gives every
// check of the prereq, mesh and security suites the same status as the live scenario. In-process (the
// suites' check bodies against two simulators per scenario) so that many scenarios stay affordable; the
// CLI path of `snapshot` is covered by snapshot.test.ts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterClient, loadKubeConfig } from '../../src/cluster/index.ts';
import { recordSnapshot } from '../../src/gate/snapshot/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { startSimulator } from '../../src/sim/index.ts';
import { MESH_GATES } from '../../suites/mesh/mesh-gates.ts';
import { PREREQ_GATES } from '../../suites/prereq/prereq-gates.ts';
import { SECURITY_GATES } from '../../suites/security/security-gates.ts';
import type { GateGroup } from '../../suites/support/gate-spec.ts';
import { runGates, type GateOutcome } from '../support/run-gates.ts';

// prereq.tools probes this workstation's binaries, not the cluster: the same either way.
const GATES: GateGroup[] = [
  ...PREREQ_GATES.map((g) => ({ ...g, gates: g.gates.filter((x) => x.id !== 'prereq.tools') })),
  ...MESH_GATES,
  ...SECURITY_GATES,
];

/**
 * One scenario per way an answer reaches a check: the reference cluster (objects, exec and pod-proxy
 * answers), RBAC refusals of lists and exec, a pod-proxy error answer (API 503), exec answers that fail
 * a check (certificates), a malformed custom resource, and reviews (SubjectAccessReview).
 * MESHGATE_REPLAY_ALL=1 replays every scenario under scenarios/ instead (about 50, several minutes).
 */
const REPRESENTATIVE = [
  'healthy',
  'broken/forbidden',
  'broken/mesh-pod-proxy-blocked',
  'broken/security-expired-cert',
  'broken/malformed-virtualservice',
  'broken/prereq-rbac-not-enforced',
];

function allScenarios(): string[] {
  const broken = readdirSync('scenarios/broken').map((d) => `broken/${d}`);
  return ['healthy', 'revisioned', 'revision-tag', ...broken.sort()];
}

const SCENARIOS = process.env.MESHGATE_REPLAY_ALL === '1' ? allScenarios() : REPRESENTATIVE;

async function statuses(kubeconfig: string): Promise<Map<string, GateOutcome>> {
  return runGates(kubeconfig, defaultProfile, GATES);
}

describe('snapshot replay gives every check the status it had live', { timeout: 600_000 }, () => {
  it.each(SCENARIOS)('%s', async (scenario) => {
    const live = await startSimulator({ scenario: `scenarios/${scenario}` });
    const out = mkdtempSync(path.join(os.tmpdir(), 'meshgate-replay-'));
    try {
      const before = await statuses(live.kubeconfigPath);
      const client = new ClusterClient(loadKubeConfig({ kubeconfig: live.kubeconfigPath }));
      await recordSnapshot(client, defaultProfile, out);
      await live.stop();
      const replay = await startSimulator({ scenario: out });
      let after: Map<string, GateOutcome>;
      try {
        after = await statuses(replay.kubeconfigPath);
      } finally {
        await replay.stop();
      }
      const diff = [...before]
        .filter(([id, o]) => after.get(id)?.status !== o.status)
        .map(([id, o]) => ({
          id,
          live: o.status,
          replay: after.get(id)?.status,
          replayFindings: after.get(id)?.findings.map((f) => f.message),
        }));
      expect(diff).toEqual([]);
      expect([...after].filter(([, o]) => o.status === 'crashed')).toEqual([]);
      expect(after.size).toBe(before.size);
    } finally {
      await live.stop();
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('answers what the snapshot did not record as "not recorded in the snapshot": inconclusive, never failed', async () => {
    const live = await startSimulator({ scenario: 'scenarios/healthy' });
    const out = mkdtempSync(path.join(os.tmpdir(), 'meshgate-replay-'));
    try {
      await recordSnapshot(
        new ClusterClient(loadKubeConfig({ kubeconfig: live.kubeconfigPath })),
        defaultProfile,
        out,
      );
      await live.stop();
      // Lose every recorded exec and pod-proxy answer, as a snapshot taken with less access would.
      rmSync(path.join(out, 'sim'), { recursive: true });
      const replay = await startSimulator({ scenario: out });
      let r: Map<string, GateOutcome>;
      try {
        r = await statuses(replay.kubeconfigPath);
      } finally {
        await replay.stop();
      }
      expect([...r].filter(([, o]) => o.status === 'failed' || o.status === 'crashed')).toEqual([]);
      for (const id of [
        'mesh.spire.server',
        'mesh.spire.entries',
        'mesh.app.health',
        'mesh.app.identities',
        'mesh.envoy.circuit-breakers',
        'mesh.envoy.cluster-limits',
        'security.identity.spiffe-id',
        'security.identity.cert-validity',
      ]) {
        const c = r.get(id);
        expect(c?.status, id).toBe('inconclusive');
        expect(c?.findings[0]?.message, id).toContain('not recorded in the snapshot');
      }
      // Everything read from objects is judged as live.
      expect(r.get('mesh.traffic.virtual-service')?.status).toBe('passed');
    } finally {
      await live.stop();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
