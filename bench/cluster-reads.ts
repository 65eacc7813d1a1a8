// What the per-run cache saves: the suites' reads of the healthy scenario, through the real client
// and the simulator with 5 ms added to every answer (a nearby API server). Prints figures only.
//   npx tsx bench/cluster-reads.ts
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterClient, loadKubeConfig, Resources, type ResourceRef } from '../src/cluster/index.ts';
import { startSimulator } from '../src/sim/index.ts';

const CHECKS = 20;
const layer = mkdtempSync(path.join(os.tmpdir(), 'meshgate-bench-'));
writeFileSync(
  path.join(layer, 'profile.yaml'),
  JSON.stringify({
    apiVersion: 'sim.meshgate.dev/v1alpha1',
    kind: 'ClusterProfile',
    metadata: { name: 'cluster' },
    spec: { latency: '5ms' },
  }),
);
const sim = await startSimulator({ scenario: ['scenarios/healthy', layer] });
const kinds: ResourceRef[] = [
  Resources.pods,
  Resources.deployments,
  Resources.services,
  Resources.virtualServices,
];

async function run(cached: boolean): Promise<{ ms: number; requests: number }> {
  const client = new ClusterClient(loadKubeConfig({ kubeconfig: sim.kubeconfigPath }), { pageSize: 50 });
  const started = performance.now();
  for (let i = 0; i < CHECKS; i++) {
    if (!cached) client.invalidate();
    await Promise.all(kinds.map((k) => client.list(k)));
  }
  return { ms: performance.now() - started, requests: client.requestCount };
}

try {
  await run(true); // warm up TLS and the JIT
  const withCache = await run(true);
  const without = await run(false);
  console.log(
    `${CHECKS} checks each reading ${kinds.length} kinds (pods, deployments, services, virtualservices), 5 ms per answer`,
  );
  console.log('mode            requests   wall ms');
  console.log(
    `per-run cache   ${String(withCache.requests).padStart(8)}  ${withCache.ms.toFixed(0).padStart(8)}`,
  );
  console.log(
    `no cache        ${String(without.requests).padStart(8)}  ${without.ms.toFixed(0).padStart(8)}`,
  );
  console.log(
    `ratio (cache/no cache): requests ${(withCache.requests / without.requests).toFixed(3)}, wall ${(withCache.ms / without.ms).toFixed(3)}`,
  );
} finally {
  await sim.stop();
}
