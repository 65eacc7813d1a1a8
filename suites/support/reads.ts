// What each suite reads from the cluster, declared up front so the worker can read it all at once,
// with bounded concurrency, through the shared per-run cache: against a slow API server a run then
// costs about the slowest read, not the sum of them. A read listed here that a check no longer makes
// costs one request; a read a check makes that is not listed is simply read when the check asks.
// Keep this in step with the suites (the same kinds, namespaces and selectors).

import { Limiter, Resources, type ClusterClient } from '../../src/cluster/index.ts';
import type { Profile } from '../../src/profile/index.ts';
import type { SuiteName } from '../../src/report/types.ts';

/** Reads in flight at once while prefetching: enough to overlap a slow server, not to flood it. */
export const PREFETCH_CONCURRENCY = 8;

type Read = (c: ClusterClient, p: Profile) => Promise<unknown>;

const revisioned = (base: string, p: Profile): string =>
  p.istio.revision ? `${base}-${p.istio.revision}` : base;

const SHARED: Read[] = [
  (c, p) => c.list(Resources.pods, { namespace: p.namespaces.mesh }),
  (c, p) => c.list(Resources.pods, { namespace: p.namespaces.istio }),
  (c) => c.list(Resources.services),
  (c) => c.list(Resources.namespaces),
  (c) => c.list(Resources.csiDrivers),
  (c, p) => c.find(Resources.namespaces, p.namespaces.mesh),
  (c, p) => c.find(Resources.configMaps, revisioned(p.istio.meshConfigMap, p), p.namespaces.istio),
];

const READS: Record<SuiteName, Read[]> = {
  prereq: [
    (c) => c.version(),
    (c) => c.list(Resources.nodes),
    (c) => c.list(Resources.deployments),
    (c) => c.list(Resources.storageClasses),
    (c) => c.servedVersions(),
  ],
  mesh: [
    ...SHARED,
    (c) => c.list(Resources.nodes),
    (c) => c.list(Resources.crds),
    (c) => c.list(Resources.mutatingWebhooks),
    (c) => c.list(Resources.validatingWebhooks),
    (c) => c.list(Resources.gateways),
    (c) => c.list(Resources.virtualServices),
    (c) => c.list(Resources.destinationRules),
    (c) => c.list(Resources.clusterSpiffeIds),
    (c, p) => c.list(Resources.pods, { namespace: p.namespaces.spire }),
    (c, p) => c.find(Resources.namespaces, p.namespaces.istio),
    (c, p) => c.find(Resources.namespaces, p.namespaces.spire),
    (c, p) => c.find(Resources.configMaps, p.spire.serverConfigMap, p.namespaces.spire),
  ],
  security: [
    ...SHARED,
    (c, p) => c.list(Resources.services, { namespace: p.namespaces.mesh }),
    (c, p) => c.list(Resources.networkPolicies, { namespace: p.namespaces.mesh }),
    (c, p) => c.list(Resources.serviceAccounts, { namespace: p.namespaces.mesh }),
    (c, p) => c.list(Resources.peerAuthentications, { namespace: p.namespaces.mesh }),
    (c, p) => c.list(Resources.destinationRules, { namespace: p.namespaces.mesh }),
    (c, p) => c.list(Resources.authorizationPolicies, { namespace: p.namespaces.mesh }),
    (c, p) => c.find(Resources.configMaps, p.spire.server.name, p.namespaces.spire),
  ],
  canary: [(c, p) => c.find(Resources.virtualServices, p.traffic.virtualService, p.namespaces.mesh)],
};

/**
 * Starts every read the run's suites declare (deduplicated by the cache), at most
 * {@link PREFETCH_CONCURRENCY} at a time. Failures are remembered by the cache and reported by the
 * check that asks, so nothing is awaited or thrown here.
 */
export function prefetch(cluster: ClusterClient, profile: Profile, suites: readonly SuiteName[]): void {
  const limiter = new Limiter(PREFETCH_CONCURRENCY);
  const reads = [...new Set(suites.flatMap((s) => READS[s] ?? []))];
  for (const read of reads) void limiter.run(() => read(cluster, profile).catch(() => undefined));
}
