import type { JsonObject } from './json.ts';

/**
 * A failure answered as a `Status` body, shaped like k8s.io/apimachinery's StatusError so clients
 * (client-node's ApiException, kubectl's error printer) see what a real API server would send.
 */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: JsonObject | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: number,
    reason: string,
    message: string,
    details?: JsonObject,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
    this.headers = headers;
  }

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
    };
    if (this.details !== undefined) status.details = this.details;
    status.code = this.code;
    return status;
  }
}

/** `pods`, or `virtualservices.networking.istio.io`: how the API server names a group-resource. */
export function qualifiedResource(group: string, resource: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

function resourceDetails(group: string, resource: string, name: string): JsonObject {
  const details: JsonObject = {};
  if (name !== '') details.name = name;
  if (group !== '') details.group = group;
  details.kind = resource;
  return details;
}

export function notFound(group: string, resource: string, name: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${qualifiedResource(group, resource)} "${name}" not found`,
    resourceDetails(group, resource, name),
  );
}

export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(group: string, resource: string, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(group, resource)} "${name}" already exists`,
    resourceDetails(group, resource, name),
  );
}

export function conflict(group: string, resource: string, name: string, why: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${why}`,
    resourceDetails(group, resource, name),
  );
}

export const STALE_OBJECT =
  'the object has been modified; please apply your changes to the latest version and try again';

export function forbidden(group: string, resource: string, name: string, why: string): ApiError {
  const subject = qualifiedResource(group, resource);
  const message =
    name === '' ? `${subject} is forbidden: ${why}` : `${subject} "${name}" is forbidden: ${why}`;
  return new ApiError(403, 'Forbidden', message, resourceDetails(group, resource, name));
}

export interface InvalidCause {
  reason: string;
  message: string;
  field: string;
}

export function invalid(group: string, kind: string, name: string, causes: InvalidCause[]): ApiError {
  const subject = group === '' ? kind : `${kind}.${group}`;
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  const details: JsonObject = { name, kind, causes: causes.map((c) => ({ ...c })) };
  if (group !== '') details.group = group;
  const shown = causes.length > 1 ? `[${summary}]` : summary;
  return new ApiError(422, 'Invalid', `${subject} "${name}" is invalid: ${shown}`, details);
}

/** A 422 without object details, as the API server answers a failed JSON-patch `test` operation. */
export function unprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

/** The continue token of a paged list is older than the kept history, as the API server words it. */
export const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

/**
 * Statuses the ClusterProfile's `faults` may inject, with the reason a real server would give.
 * `retryAfterSeconds` adds `Retry-After` (429 always carries one, 0 by default); `pathAndQuery`
 * words a 410 for what was asked (a continue token or a watch resourceVersion).
 */
export function injectedFault(code: number, retryAfterSeconds?: number, pathAndQuery = ''): ApiError {
  const error = baseFault(code, pathAndQuery);
  const seconds = retryAfterSeconds ?? (code === 429 ? 0 : undefined);
  if (seconds === undefined) return error;
  return new ApiError(
    error.code,
    error.reason,
    error.message,
    { ...error.details, retryAfterSeconds: seconds },
    { ...error.headers, 'Retry-After': String(seconds) },
  );
}

function baseFault(code: number, pathAndQuery: string): ApiError {
  switch (code) {
    case 429:
      return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', {});
    case 500:
      return new ApiError(500, 'InternalError', 'Internal error occurred: injected fault', {
        causes: [{ message: 'injected fault' }],
      });
    case 503:
      return new ApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
    case 504:
      return new ApiError(504, 'Timeout', 'the server was unable to return a response in the time allotted');
    case 401:
      return unauthorized();
    case 403:
      return new ApiError(403, 'Forbidden', 'forbidden: injected fault');
    case 404:
      return pathNotFound();
    case 409:
      return new ApiError(409, 'Conflict', 'Operation cannot be fulfilled: injected fault');
    case 410: {
      const query = new URLSearchParams(pathAndQuery.split('?')[1] ?? '');
      if (query.get('continue')) return gone(EXPIRED_CONTINUE);
      return gone(`too old resource version: ${query.get('resourceVersion') ?? '0'} (injected fault)`);
    }
    default:
      return new ApiError(
        code,
        code >= 500 ? 'InternalError' : 'BadRequest',
        `injected fault (HTTP ${code})`,
      );
  }
}
