/**
 * meshgate's cluster simulator: an HTTPS server speaking the Kubernetes REST API that serves a
 * scenario directory of plain Kubernetes YAML. It shares no code with src/cluster or src/checks on
 * purpose, so it can catch their mistakes. The scenario format is documented in docs/scenarios.md.
 */
export { startSimulator, type SimulatorOptions, type StartedSimulator } from './simulator.ts';
export type { AccessRecord } from './sim-state.ts';
export { loadScenario } from './scenario-loader.ts';
export type { RequestCount, RequestCounts, RequestRecord } from './request-log.ts';
export type { FaultLogEntry, WatchFault } from './fault-injector.ts';
export type {
  ClusterProfile,
  FaultRule,
  ForbiddenRule,
  LoadedScenario,
  PodEndpoint,
  PodExec,
} from './scenario-types.ts';
export type { KubeObject } from './kube-object.ts';
export type { JsonObject, JsonValue } from './json.ts';
