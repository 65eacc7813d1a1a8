import { badRequest, forbidden } from './api-errors.ts';
import { findForbidding, forbiddenError, forbiddenReason, type ResourceAttributes } from './profile-authz.ts';
import {
  rbacDecide,
  type Decision,
  type NonResourceAttributes,
  type RbacObjects,
  type Subject,
} from './rbac.ts';
import type { ResourceRequest } from './request-info.ts';
import type { SimState } from './sim-state.ts';

export type AccessQuestion = { resource: ResourceAttributes } | { nonResource: NonResourceAttributes };

const SA_PREFIX = 'system:serviceaccount:';

export function rbacObjects(state: SimState): RbacObjects {
  const group = 'rbac.authorization.k8s.io';
  return {
    roles: state.store.list(group, 'Role'),
    clusterRoles: state.store.list(group, 'ClusterRole'),
    roleBindings: state.store.list(group, 'RoleBinding'),
    clusterRoleBindings: state.store.list(group, 'ClusterRoleBinding'),
  };
}

export function isSimUser(state: SimState, subject: Subject): boolean {
  return subject.user === state.profile.user;
}

/**
 * The one authorizer behind requests and reviews alike. The simulator's own user may do everything
 * the ClusterProfile does not forbid (non-resource paths always); any other user, which a request
 * reaches by impersonation, is judged by the scenario's RBAC objects.
 */
export function decide(state: SimState, subject: Subject, question: AccessQuestion): Decision {
  if (!isSimUser(state, subject)) return rbacDecide(rbacObjects(state), subject, question);
  if (!('resource' in question)) {
    return { allowed: true, reason: 'meshgate-sim: non-resource paths are not restricted' };
  }
  if (findForbidding(state.profile.forbidden, question.resource) < 0) {
    return { allowed: true, reason: 'allowed by meshgate-sim ClusterProfile (nothing forbidden matches)' };
  }
  // RBAC gives no reason for a denial (it only ever allows), so neither does the simulator.
  return { allowed: false, reason: '' };
}

/** Authorization attributes as the API server derives them (exec is `create`, whatever the method). */
export function attributesOf(info: ResourceRequest): ResourceAttributes {
  const namespace =
    info.namespace ?? (info.resource === 'namespaces' && info.name !== undefined ? info.name : '');
  return {
    verb: info.subresource === 'exec' ? 'create' : info.verb,
    group: info.group,
    resource: info.resource,
    subresource: info.subresource ?? '',
    namespace,
    name: info.name ?? '',
  };
}

/** 403 Forbidden, worded like the API server's, unless `subject` may make the request. */
export function authorizeRequest(state: SimState, subject: Subject, info: ResourceRequest): void {
  const attrs = attributesOf(info);
  const allowed = decide(state, subject, { resource: attrs }).allowed;
  state.onAccess?.({ user: subject.user, ...attrs, allowed });
  if (!allowed) throw forbiddenError(subject.user, attrs);
}

/**
 * The subject a request acts as: the simulator's user, or whoever `Impersonate-User` /
 * `Impersonate-Group` name (kubectl --as / --as-group). Impersonating needs the `impersonate` verb on
 * users, groups or serviceaccounts, which the ClusterProfile can forbid like any other.
 */
export function requestSubject(
  state: SimState,
  user: string | undefined,
  groups: readonly string[],
): Subject {
  const self: Subject = { user: state.profile.user, groups: [] };
  if (user === undefined || user === '') {
    if (groups.length > 0) throw badRequest('impersonating groups requires impersonating a user too');
    return self;
  }
  const targets: ResourceAttributes[] = [];
  if (user.startsWith(SA_PREFIX)) {
    const [namespace = '', name = ''] = user.slice(SA_PREFIX.length).split(':');
    targets.push({
      verb: 'impersonate',
      group: '',
      resource: 'serviceaccounts',
      subresource: '',
      namespace,
      name,
    });
  } else {
    targets.push({
      verb: 'impersonate',
      group: '',
      resource: 'users',
      subresource: '',
      namespace: '',
      name: user,
    });
  }
  for (const group of groups) {
    targets.push({
      verb: 'impersonate',
      group: '',
      resource: 'groups',
      subresource: '',
      namespace: '',
      name: group,
    });
  }
  for (const attrs of targets) {
    if (!decide(state, self, { resource: attrs }).allowed) {
      throw forbidden('', attrs.resource, attrs.name, forbiddenReason(self.user, attrs));
    }
  }
  return { user, groups: [...groups] };
}
