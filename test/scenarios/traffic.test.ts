// Traffic objects end to end through the mesh suite's check bodies against the simulator (in-process).
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { MESH_GATES } from '../../suites/mesh/mesh-gates.ts';
import { runGates } from '../support/run-gates.ts';

let sim: StartedSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('malformed traffic objects (mesh suite against the simulator)', { timeout: 120_000 }, () => {
  it("an empty route element in another team's namespace is a note; every mesh check still passes", async () => {
    sim = await startSimulator({ scenario: 'scenarios/broken/mesh-malformed-elsewhere' });
    const r = await runGates(sim.kubeconfigPath, defaultProfile, MESH_GATES);
    expect([...r].filter(([, o]) => o.status !== 'passed')).toEqual([]);
    expect(r.get('mesh.traffic.virtual-service')?.details).toContain(
      "note: VirtualService/team-a/reports cannot be read (spec.http.0.route.0.destination: Invalid input: expected object, received undefined); it is outside the profile's namespaces and was skipped",
    );
  });

  it("a mistyped weight on the profile's VirtualService is inconclusive on that object, the other traffic checks still judge", async () => {
    sim = await startSimulator({ scenario: 'scenarios/broken/malformed-virtualservice' });
    const r = await runGates(sim.kubeconfigPath, defaultProfile, MESH_GATES);
    for (const id of ['mesh.traffic.virtual-service', 'mesh.traffic.weights']) {
      const c = r.get(id);
      expect(c?.status).toBe('inconclusive');
      expect(c?.findings.map((f) => [f.object, f.field])).toEqual([
        ['VirtualService/zamaz-mesh/zamaz', 'spec.http.0.route.1.weight'],
      ]);
    }
    expect(r.get('mesh.traffic.gateway')?.status).toBe('passed');
    expect(r.get('mesh.traffic.destination-rules')?.status).toBe('passed');
  });
});
