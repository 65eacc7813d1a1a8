import type { KubeObject } from './kube-object.ts';
import type { FaultRule, ForbiddenRule } from './scenario-schema.ts';

export type { FaultRule, ForbiddenRule } from './scenario-schema.ts';

/** The resolved `ClusterProfile` (defaults applied): how the simulated cluster behaves as a server. */
export interface ClusterProfile {
  /** Served at /version. */
  version: Record<string, string>;
  /** Requests of the simulator's own user answered 403, as RBAC would. */
  forbidden: ForbiddenRule[];
  /** The username shown in Forbidden messages and reviews. */
  user: string;
  /** Added before every response. */
  latencyMs: number;
  faults: FaultRule[];
  /** CRD-backed groups of the built-in table (e.g. networking.istio.io) this cluster does not have. */
  absentGroups: string[];
  /**
   * The scenario is a recording (`meshgate snapshot`): only the CRDs it holds are served, and exec or
   * pod-proxy requests it has no answer for say "not recorded in the snapshot" instead of acting like
   * a pod that answered.
   */
  recorded?: { at: string; from?: string | undefined };
}

/** A canned answer for GET through the pod proxy. */
export interface PodEndpoint {
  name: string;
  namespace: string;
  selector?: Record<string, string>;
  pod?: string;
  port?: number;
  path: string;
  status: number;
  body: string;
  contentType: string;
}

/** A canned answer for an exec into a pod. */
export interface PodExec {
  name: string;
  namespace: string;
  selector?: Record<string, string>;
  pod?: string;
  container?: string;
  command: string[];
  match: 'exact' | 'prefix';
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A scenario after overlays and layers are resolved: what the simulator serves when it starts. */
export interface LoadedScenario {
  /**
   * Every object served, defaults applied (uid, resourceVersion, creationTimestamp), including the
   * namespaces and CRDs the simulator adds, sorted by group, kind, namespace and name.
   */
  objects: KubeObject[];
  profile: ClusterProfile;
  podEndpoints: PodEndpoint[];
  podExecs: PodExec[];
  /** The directories (or files) read, bases first. */
  sources: string[];
  /** Things that load but probably are not what the author meant (e.g. a kind nothing serves). */
  warnings: string[];
}
