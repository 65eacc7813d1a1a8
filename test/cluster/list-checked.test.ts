import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClient, InvalidObject, loadKubeConfig, Resources } from '../../src/cluster/index.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';

// A second, well-formed VirtualService in another namespace, beside the malformed one in zamaz-mesh.
function layer(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-layer-'));
  writeFileSync(
    path.join(dir, 'vs.yaml'),
    JSON.stringify({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'reports', namespace: 'monitoring' },
      spec: {
        hosts: ['grafana.monitoring.svc.cluster.local'],
        http: [{ route: [{ destination: { host: 'grafana' } }] }],
      },
    }),
  );
  return dir;
}

describe('ClusterClient.listChecked', () => {
  let sim: StartedSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ scenario: ['scenarios/broken/malformed-virtualservice', layer()] });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('keeps the well-formed objects and names the malformed one with its field', async () => {
    const c = new ClusterClient(loadKubeConfig({ kubeconfig: sim.kubeconfigPath }));
    const { items, rejected } = await c.listChecked(Resources.virtualServices);
    expect(items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['monitoring/reports']);
    expect(rejected.map(({ item: _, ...r }) => r)).toEqual([
      {
        object: 'VirtualService/zamaz-mesh/zamaz',
        namespace: 'zamaz-mesh',
        problems: ['spec.http.0.route.1.weight: Invalid input: expected number, received string'],
      },
    ]);
    expect(rejected[0]?.item.metadata.name).toBe('zamaz');
    // list() keeps failing the whole read, for callers that cannot work around one object.
    await expect(c.list(Resources.virtualServices)).rejects.toBeInstanceOf(InvalidObject);
  });
});
