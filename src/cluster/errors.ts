/** What the request was, for messages: never carries credentials. */
export interface RequestInfo {
  verb: string;
  group: string;
  resource: string;
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
  path: string;
  /** A path outside the resource API (`/version`, `/api`): RBAC grants it by URL. */
  nonResource?: boolean | undefined;
}

export type ClusterErrorKind =
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'Invalid'
  | 'Unreachable'
  | 'ServerError'
  | 'InvalidObject'
  | 'KubeconfigError';

/** Base of every error the cluster layer returns; `cause` keeps the original. */
export class ClusterError extends Error {
  override readonly name: string = 'ClusterError';
  constructor(
    readonly kind: ClusterErrorKind,
    message: string,
    readonly request?: RequestInfo,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function target(r: RequestInfo): string {
  const res = r.group ? `${r.resource}.${r.group}` : r.resource;
  const sub = r.subresource ? `/${r.subresource}` : '';
  const name = r.name ? ` "${r.name}"` : '';
  const ns = r.namespace ? ` in namespace ${r.namespace}` : ' (cluster-wide)';
  return `${r.verb} ${res}${sub}${name}${ns}`;
}

export class Unauthorized extends ClusterError {
  override readonly name = 'Unauthorized';
  constructor(request: RequestInfo, cause?: unknown) {
    super(
      'Unauthorized',
      `the API server rejected the credentials (401) for ${target(request)}: refresh the token or check the kubeconfig user`,
      request,
      { cause },
    );
  }
}

/** `pods`, `pods/exec`, `virtualservices.networking.istio.io`: how RBAC messages name a resource. */
function resourceName(r: RequestInfo): string {
  return `${r.group ? `${r.resource}.${r.group}` : r.resource}${r.subresource ? `/${r.subresource}` : ''}`;
}

/**
 * The RBAC rule that would allow the request, as a line for a Role's (or ClusterRole's) `rules:`.
 * Non-resource paths (`/version`) need a ClusterRole rule on `nonResourceURLs`.
 */
export function rbacRuleFor(r: RequestInfo): string {
  if (r.nonResource) return `- {nonResourceURLs: ["${r.path}"], verbs: ["${r.verb}"]}`;
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return `- {apiGroups: ["${r.group}"], resources: ["${resource}"], verbs: ["${r.verb}"]}`;
}

export class Forbidden extends ClusterError {
  override readonly name = 'Forbidden';
  /** The rule to add, e.g. `- {apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}`. */
  readonly rule: string;
  /** Where the rule goes: a Role in the request's namespace, or a ClusterRole for cluster-wide requests. */
  readonly roleKind: 'Role' | 'ClusterRole';

  constructor(
    request: RequestInfo,
    readonly serverMessage: string,
    cause?: unknown,
  ) {
    const rule = rbacRuleFor(request);
    const roleKind = request.namespace && !request.nonResource ? 'Role' : 'ClusterRole';
    const where =
      roleKind === 'Role'
        ? `a Role in namespace ${request.namespace} bound (RoleBinding) to that identity`
        : 'a ClusterRole bound (ClusterRoleBinding) to that identity';
    super(
      'Forbidden',
      `forbidden: the identity running meshgate may not ${target(request)}` +
        (serverMessage ? ` (API server: ${serverMessage})` : '') +
        `; grant "${request.verb}" on "${request.nonResource ? request.path : resourceName(request)}"${request.namespace ? ` in ${request.namespace}` : ''}` +
        `: add the rule ${rule} to ${where}`,
      request,
      { cause },
    );
    this.rule = rule;
    this.roleKind = roleKind;
  }
}

export class NotFound extends ClusterError {
  override readonly name = 'NotFound';
  constructor(request: RequestInfo, cause?: unknown) {
    super('NotFound', `not found: ${target(request)}`, request, { cause });
  }
}

export class Conflict extends ClusterError {
  override readonly name = 'Conflict';
  constructor(
    request: RequestInfo,
    readonly serverMessage: string,
    cause?: unknown,
  ) {
    super(
      'Conflict',
      `conflict on ${target(request)}: the object changed since it was read (${serverMessage}); re-read it and decide again`,
      request,
      { cause },
    );
  }
}

export class Invalid extends ClusterError {
  override readonly name = 'Invalid';
  constructor(request: RequestInfo, serverMessage: string, cause?: unknown) {
    super('Invalid', `the API server rejected ${target(request)}: ${serverMessage}`, request, { cause });
  }
}

export class Unreachable extends ClusterError {
  override readonly name = 'Unreachable';
  constructor(
    readonly server: string,
    detail: string,
    request?: RequestInfo,
    cause?: unknown,
  ) {
    super(
      'Unreachable',
      `cannot reach the Kubernetes API server at ${server}: ${detail}; check the network, the kubeconfig's server URL and --context`,
      request,
      { cause },
    );
  }
}

export class ServerError extends ClusterError {
  override readonly name = 'ServerError';
  constructor(
    request: RequestInfo,
    readonly status: number,
    serverMessage: string,
    cause?: unknown,
  ) {
    super(
      'ServerError',
      `the API server answered ${status} to ${target(request)}: ${serverMessage}`,
      request,
      {
        cause,
      },
    );
  }
}

/** An object the API returned that lacks the shape meshgate relies on: reading it would guess. */
export class InvalidObject extends ClusterError {
  override readonly name = 'InvalidObject';
  constructor(
    request: RequestInfo,
    readonly objects: { object: string; problems: string[] }[],
  ) {
    super(
      'InvalidObject',
      `cannot read ${objects
        .map((o) => `${o.object} (${o.problems.slice(0, 3).join('; ')})`)
        .join(', ')}: the object does not have the shape Istio, SPIRE or k6 define`,
      request,
    );
  }
}

export class KubeconfigError extends ClusterError {
  override readonly name = 'KubeconfigError';
  constructor(message: string, cause?: unknown) {
    super('KubeconfigError', message, undefined, { cause });
  }
}

/** Builds the typed error for a non-2xx answer, reading the Status body when there is one. */
export function errorFromStatus(status: number, body: string, request: RequestInfo): ClusterError {
  let message = '';
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    message = body.slice(0, 300);
  }
  const cause = { status, body: body.slice(0, 2000) };
  switch (status) {
    case 401:
      return new Unauthorized(request, cause);
    case 403:
      return new Forbidden(request, message, cause);
    case 404:
      return new NotFound(request, cause);
    case 409:
      return new Conflict(request, message, cause);
    case 400:
    case 415:
    case 422:
      return new Invalid(request, message || `HTTP ${status}`, cause);
    default:
      return new ServerError(request, status, message || `HTTP ${status}`, cause);
  }
}
