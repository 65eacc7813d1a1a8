// Shared set-up of the transport fault tests: simulators over the healthy scenario with a
// ClusterProfile layer, and clients reaching them through client-node's kubeconfig over HTTPS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  ClusterClient,
  loadKubeConfig,
  type ClusterClientOptions,
  type RetryPolicy,
} from '../../src/cluster/index.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';

/** Quick retries, so only what a test asks for (Retry-After, a deadline) takes time. */
export const QUICK_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 20,
  maxDelayMs: 100,
  deadlineMs: 20_000,
  attemptTimeoutMs: 20_000,
};

/** A scenario layer holding only a ClusterProfile (it replaces the base scenario's). */
export function profileLayer(spec: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-faults-'));
  writeFileSync(
    path.join(dir, 'profile.yaml'),
    JSON.stringify({
      apiVersion: 'sim.meshgate.dev/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'cluster' },
      spec,
    }),
  );
  return dir;
}

export interface SimFixture {
  sim: StartedSimulator;
  client(opts?: ClusterClientOptions): ClusterClient;
}

/**
 * Starts a simulator (healthy + the given profile) for the file's tests and stops it, and every
 * client made from it, afterwards.
 */
export function useFaultySimulator(spec: object, options: { plainHttp?: boolean } = {}): () => SimFixture {
  let fixture: SimFixture | undefined;
  const clients: ClusterClient[] = [];
  let layer: string | undefined;
  beforeAll(async () => {
    layer = profileLayer(spec);
    const sim = await startSimulator({
      scenario: ['scenarios/healthy', layer],
      ...(options.plainHttp ? { plainHttp: true } : {}),
    });
    fixture = {
      sim,
      client: (opts = {}) => {
        const c = new ClusterClient(loadKubeConfig({ kubeconfig: sim.kubeconfigPath }), {
          retry: QUICK_RETRY,
          ...opts,
        });
        clients.push(c);
        return c;
      },
    };
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await fixture?.sim.stop();
    if (layer) rmSync(layer, { recursive: true, force: true });
  });
  return () => {
    if (!fixture) throw new Error('simulator not started');
    return fixture;
  };
}

/** The rejection of a promise that must fail. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}
