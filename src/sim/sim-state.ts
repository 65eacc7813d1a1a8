import type { ObjectStore } from './object-store.ts';
import { ResourceRegistry } from './resource-registry.ts';
import type { ClusterProfile, PodEndpoint, PodExec } from './scenario-types.ts';

/** One authorization decision on a request (not on an access review), for tests that audit RBAC. */
export interface AccessRecord {
  user: string;
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  allowed: boolean;
}

/** Everything a request handler may consult: the objects, what is served, and the scenario's rules. */
export class SimState {
  readonly store: ObjectStore;
  readonly profile: ClusterProfile;
  readonly podEndpoints: readonly PodEndpoint[];
  readonly podExecs: readonly PodExec[];
  /** Called with every request's authorization decision (SimulatorOptions.onAccess). */
  onAccess: ((record: AccessRecord) => void) | undefined;
  private cachedRegistry: ResourceRegistry | undefined;
  private cachedAt = -1;

  constructor(
    store: ObjectStore,
    profile: ClusterProfile,
    podEndpoints: readonly PodEndpoint[],
    podExecs: readonly PodExec[],
  ) {
    this.store = store;
    this.profile = profile;
    this.podEndpoints = podEndpoints;
    this.podExecs = podExecs;
  }

  /** The served resources, rebuilt after any CustomResourceDefinition write. */
  get registry(): ResourceRegistry {
    if (this.cachedRegistry === undefined || this.cachedAt !== this.store.crdChanges) {
      this.cachedRegistry = new ResourceRegistry(
        this.store.list('apiextensions.k8s.io', 'CustomResourceDefinition'),
      );
      this.cachedAt = this.store.crdChanges;
    }
    return this.cachedRegistry;
  }
}
