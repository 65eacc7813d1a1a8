import { ApiError, badRequest, notFound } from './api-errors.ts';
import { getPath } from './json.ts';
import { mostSpecificFirst, resolvePort, targetsPod } from './pod-matching.ts';
import type { SimState } from './sim-state.ts';

export interface ProxyAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Splits the proxy target `[scheme:]name[:port]` the way the API server's pod proxy does. The name
 * segment arrives already percent-decoded (`pod%3A15020` → `pod:15020`), which is why client-node's
 * encoded form works against a real server too.
 */
function parseTarget(target: string): { name: string; port: string | undefined } {
  const parts = target.split(':');
  if (parts.length === 1) return { name: target, port: undefined };
  if (parts.length === 2) return { name: parts[0] ?? '', port: parts[1] };
  if (parts.length === 3 && (parts[0] === 'http' || parts[0] === 'https')) {
    return { name: parts[1] ?? '', port: parts[2] };
  }
  throw badRequest(`invalid request "${target}"`);
}

/**
 * GET through `/api/v1/namespaces/{ns}/pods/{pod}[:port]/proxy/{path}`: the pod must exist; the first
 * PodEndpoint whose pod/selector, port and exact path (query ignored) match answers; otherwise 503 as
 * when the API server cannot reach the pod. A request without a port means port 80, as on a real
 * cluster; a PodEndpoint without `port` matches any port.
 */
export function proxyToPod(
  state: SimState,
  namespace: string,
  target: string,
  method: string,
  subpath: string,
): ProxyAnswer {
  const { name, port } = parseTarget(target);
  const pod = state.store.get('', 'Pod', namespace, name);
  if (pod === undefined) throw notFound('', 'pods', name);
  const portNumber = port === undefined || port === '' ? 80 : resolvePort(pod, port);
  const path = `/${subpath}`;
  const podIP = getPath(pod, ['status', 'podIP']);
  const address = `${typeof podIP === 'string' ? podIP : '<pod-ip>'}:${port ?? '80'}`;
  if (portNumber === undefined) {
    throw new ApiError(
      503,
      'ServiceUnavailable',
      `error trying to reach service: unknown port name "${port ?? ''}"`,
    );
  }
  const endpoint =
    method === 'GET' || method === 'HEAD'
      ? mostSpecificFirst(state.podEndpoints).find(
          (e) => targetsPod(e, pod) && (e.port === undefined || e.port === portNumber) && e.path === path,
        )
      : undefined;
  if (endpoint === undefined && state.profile.recorded !== undefined) {
    // Not the pod's answer: a recording that does not hold one (501, which clients do not retry).
    throw new ApiError(
      501,
      'NotRecorded',
      `GET :${portNumber}${path} on pod ${namespace}/${name} was not recorded in the snapshot (recorded ${state.profile.recorded.at})`,
    );
  }
  if (endpoint === undefined) {
    throw new ApiError(
      503,
      'ServiceUnavailable',
      `error trying to reach service: dial tcp ${address}: connect: connection refused`,
    );
  }
  return { status: endpoint.status, contentType: endpoint.contentType, body: endpoint.body };
}
