// Revisioned Istio installs and revision tags, end to end through the mesh suite's own check bodies
// against the simulator (in-process: one simulator per scenario, no vitest boot per run).
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

async function mesh(scenario: string) {
  sim = await startSimulator({ scenario });
  return runGates(sim.kubeconfigPath, defaultProfile, MESH_GATES);
}

describe('Istio revisions and tags (mesh suite against the simulator)', { timeout: 120_000 }, () => {
  it.each([
    ['scenarios/revisioned', 'istiod-1-20-1 1.20.1, 1/1 ready (Helm release istiod-1-20-1); revision 1-20-1 (zamaz-mesh istio.io/rev=1-20-1)'],
    [
      'scenarios/revision-tag',
      'istiod-1-20-1 1.20.1, 1/1 ready (Helm release istiod-1-20-1); revision 1-20-1 (zamaz-mesh istio.io/rev=stable → tag stable → revision 1-20-1)',
    ],
  ])('%s passes every mesh check', async (scenario, istiod) => {
    const r = await mesh(scenario);
    expect([...r].filter(([, o]) => o.status !== 'passed')).toEqual([]);
    expect(r.get('mesh.istio.istiod-ready')?.details[0]).toBe(istiod);
  });

  it.each([
    [
      'mesh-revision-not-installed',
      'mesh.istio.istiod-ready',
      'Deployment/istio-system/istiod-1-21-0',
      'Deployment/istio-system/istiod-1-21-0 does not exist: control plane revision 1-21-0 (zamaz-mesh istio.io/rev=1-21-0, which no installed revision or tag answers to) is not installed; installed revisions: 1-20-1 (1.20.1)',
      'helm upgrade --install istiod-1-21-0 istio/istiod -n istio-system --version 1.20.1 --set revision=1-21-0 --wait',
    ],
    [
      'mesh-revision-not-installed',
      'mesh.namespace.injection',
      'Namespace/zamaz-mesh',
      'no sidecar-injector webhook selects zamaz-mesh (labels istio.io/rev=1-21-0): no control plane revision "1-21-0" is installed and no revision tag has that name (revisions: 1-20-1 (1.20.1); tags: none)',
      'istioctl tag set 1-21-0 --revision <revision>',
    ],
    [
      'mesh-revision-tag-dangling',
      'mesh.istio.webhooks',
      'MutatingWebhookConfiguration/istio-revision-tag-stable',
      'revision tag stable points at revision 1-21-0, which has no istiod (installed: 1-20-1 (1.20.1)): namespaces labelled istio.io/rev=stable get no sidecar',
      'istioctl tag set stable --revision <an installed revision> --overwrite',
    ],
    [
      'mesh-mixed-revisions',
      'mesh.istio.proxy-versions',
      'Pod/zamaz-mesh/zamaz-api-286jrvmmq6-fkv2l',
      'was injected by revision default, zamaz-mesh now uses revision 1-20-1 (zamaz-mesh istio.io/rev=1-20-1): mixed revisions',
      'kubectl rollout restart deployment/zamaz-api -n zamaz-mesh',
    ],
  ])('%s fails %s naming %s', async (scenario, id, object, message, hint) => {
    const r = await mesh(`scenarios/broken/${scenario}`);
    const c = r.get(id);
    expect(c?.status).toBe('failed');
    const f = c?.findings.find((x) => x.object === object && x.message.includes(message));
    expect(f, JSON.stringify(c?.findings, null, 1)).toBeDefined();
    expect(f?.message).toContain(message);
    expect(f?.hint).toContain(hint);
  });
});
