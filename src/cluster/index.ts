export { ClusterClient, DEFAULT_PAGE_SIZE, DEFAULT_POD_CONCURRENCY } from './client.ts';
export type {
  CheckedList,
  ClusterClientOptions,
  ListOptions,
  RejectedObject,
  WatchEventType,
  WatchHandle,
  WatchOptions,
} from './client.ts';
export { systemClock } from '../core/index.ts';
export type { Clock } from '../core/index.ts';
export {
  ClusterError,
  Conflict,
  Forbidden,
  Invalid,
  InvalidObject,
  KubeconfigError,
  NotFound,
  ServerError,
  Unauthorized,
  Unreachable,
  errorFromStatus,
} from './errors.ts';
export type { ClusterErrorKind, RequestInfo } from './errors.ts';
export { loadKubeConfig } from './kubeconfig.ts';
export type { KubeconfigOptions } from './kubeconfig.ts';
export { Limiter } from './limiter.ts';
export { Resources, apiVersionOf, collectionPath, objectPath, qualifiedResource } from './resources.ts';
export type { ResourceName, ResourceRef } from './resources.ts';
export { DEFAULT_RETRY, Transport } from './transport.ts';
export type { RetryPolicy } from './transport.ts';
export type * from './types.ts';
