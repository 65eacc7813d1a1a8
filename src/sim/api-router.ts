import { ApiError, methodNotAllowed, pathNotFound } from './api-errors.ts';
import { groupDocument, groupList, legacyVersions, resourceList } from './discovery.ts';
import { json, type HandlerResponse } from './handler-types.ts';
import type { JsonValue } from './json.ts';
import { authorizeRequest } from './authorizer.ts';
import type { Subject } from './rbac.ts';
import { decodePath, resolveRequest } from './request-info.ts';
import { openApiV3 } from './openapi-v3.ts';
import { OPENAPI_V2_PROTOBUF, openApiV2 } from './openapi-v2.ts';
import { handleResource } from './resource-handlers.ts';
import type { SimState } from './sim-state.ts';
import { handleSubresource } from './subresource-handlers.ts';

export interface RoutedRequest {
  method: string;
  url: URL;
  body: JsonValue | undefined;
  contentType: string;
  accept: string;
  serverAddress: string;
  /** Who the request acts as (see requestSubject). */
  subject: Subject;
}

function otherPath(state: SimState, path: string, accept: string): HandlerResponse {
  const gitVersion = state.profile.version.gitVersion ?? '';
  switch (path) {
    case '/version':
    case '/version/':
      return json(200, { ...state.profile.version });
    case '/healthz':
    case '/livez':
    case '/readyz':
      return { type: 'raw', status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' };
    case '/openapi/v2':
      // Only the protobuf form exists here; kubectl asks for nothing else.
      if (!accept.includes('protobuf'))
        throw new ApiError(406, 'NotAcceptable', 'only protobuf is served at /openapi/v2');
      return {
        type: 'raw',
        status: 200,
        contentType: OPENAPI_V2_PROTOBUF,
        body: openApiV2(state.registry, gitVersion),
      };
    default:
      if (path.startsWith('/openapi/v3')) return json(200, openApiV3(state.registry, path, gitVersion));
      throw pathNotFound();
  }
}

export function route(state: SimState, request: RoutedRequest): HandlerResponse {
  const path = decodePath(request.url.pathname);
  const info = resolveRequest(request.method, path, request.url.searchParams);
  if (info === undefined) throw pathNotFound();
  if (info.type === 'other') return otherPath(state, info.path, request.accept);
  if (info.type === 'discovery') {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed();
    switch (info.kind) {
      case 'legacy-versions':
        return json(200, legacyVersions(request.serverAddress));
      case 'groups':
        return json(200, groupList(state.registry));
      case 'group':
        return json(200, groupDocument(state.registry, info.group));
      case 'resources':
        return json(200, resourceList(state.registry, info.group, info.version));
    }
  }
  authorizeRequest(state, request.subject, info);
  const def = state.registry.lookup(info.group, info.version, info.resource);
  if (def === undefined) throw pathNotFound();
  if (!def.namespaced && info.namespace !== undefined) throw pathNotFound();
  if (def.namespaced && info.namespace === undefined) {
    // Cluster-wide paths of namespaced resources only list and watch.
    if (info.name !== undefined) throw pathNotFound();
    if (info.verb !== 'list' && info.verb !== 'watch') throw methodNotAllowed();
  }
  const ctx = {
    state,
    info,
    def,
    query: request.url.searchParams,
    method: request.method,
    body: request.body,
    contentType: request.contentType,
    accept: request.accept,
    subject: request.subject,
  };
  if (info.subresource !== undefined) return handleSubresource(ctx);
  if (!def.verbs.includes(info.verb)) throw methodNotAllowed();
  return handleResource(ctx);
}
