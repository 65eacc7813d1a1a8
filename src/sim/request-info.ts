import { badRequest } from './api-errors.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceRequest {
  type: 'resource';
  verb: Verb;
  group: string;
  version: string;
  /** Namespace from the path; undefined for cluster-wide paths. */
  namespace: string | undefined;
  resource: string;
  name: string | undefined;
  subresource: string | undefined;
  /** What follows the subresource, e.g. the target path of `pods/x/proxy/...` (already decoded). */
  subpath: string;
}

export type DiscoveryRequest =
  | { type: 'discovery'; kind: 'legacy-versions' }
  | { type: 'discovery'; kind: 'groups' }
  | { type: 'discovery'; kind: 'group'; group: string }
  | { type: 'discovery'; kind: 'resources'; group: string; version: string };

export type RequestInfo = ResourceRequest | DiscoveryRequest | { type: 'other'; path: string };

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function verbFor(method: string, hasName: boolean, watch: boolean): Verb | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch) return 'watch';
      return hasName ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

/** Percent-decodes the whole path before splitting, as Go's net/http does for the API server. */
export function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    throw badRequest(`invalid URL escape in "${rawPath}"`);
  }
}

/**
 * Classifies a request the way the API server's RequestInfoResolver does: discovery documents, or a
 * resource request with verb, group, version, namespace, resource, name and subresource.
 */
export function resolveRequest(
  method: string,
  path: string,
  query: URLSearchParams,
): RequestInfo | undefined {
  const parts = path.split('/').slice(1);
  const trailingSlash = path.endsWith('/') && parts.length > 1;
  if (trailingSlash) parts.pop();
  const [prefix] = parts;
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (prefix === 'api') {
    if (parts.length === 1) return { type: 'discovery', kind: 'legacy-versions' };
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (prefix === 'apis') {
    if (parts.length === 1) return { type: 'discovery', kind: 'groups' };
    group = parts[1] ?? '';
    if (parts.length === 2) return { type: 'discovery', kind: 'group', group };
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { type: 'other', path };
  }
  if (version === undefined || version === '') return undefined;
  if (rest.length === 0) return { type: 'discovery', kind: 'resources', group, version };

  let watch = query.get('watch') === 'true' || query.get('watch') === '1';
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  const [resource, name, subresource, ...subparts] = rest;
  if (resource === undefined || resource === '') return undefined;
  const verb = verbFor(method, name !== undefined, watch);
  if (verb === undefined) return undefined;
  // `namespaces/foo` names the namespace object, not a namespace scope.
  if (resource === 'namespaces') namespace = undefined;
  let subpath = subparts.join('/');
  if (trailingSlash && subresource !== undefined) subpath += '/';
  return {
    type: 'resource',
    verb,
    group,
    version,
    namespace,
    resource,
    name,
    subresource,
    subpath,
  };
}
