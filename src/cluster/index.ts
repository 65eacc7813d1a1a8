export {
  ClusterClient,
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_PAGE_SIZE,
  DEFAULT_POD_CONCURRENCY,
  MAX_LIST_RESTARTS,
} from './client.ts';
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
  rbacRuleFor,
} from './errors.ts';
export type { ClusterErrorKind, RequestInfo } from './errors.ts';
export { loadKubeConfig } from './kubeconfig.ts';
export type { KubeconfigOptions } from './kubeconfig.ts';
export { Limiter } from './limiter.ts';
export { Resources, apiVersionOf, collectionPath, objectPath, qualifiedResource } from './resources.ts';
export type { ResourceName, ResourceRef } from './resources.ts';
export { DEFAULT_RETRY, RETRY_JITTER, retryAfterMs, retryDelayMs } from './retry.ts';
export type { RetryPolicy } from './retry.ts';
export { Transport } from './transport.ts';
export type { Cancellation, HttpRequest, HttpResponse, StreamResponse } from './transport.ts';
export { DEFAULT_WATCH_POLICY, WatchTimeout } from './watch.ts';
export type { WatchPolicy, WatchUntilOptions } from './watch.ts';
export type * from './types.ts';
