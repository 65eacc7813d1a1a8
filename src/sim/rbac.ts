import { isJsonObject, type JsonObject, type JsonValue } from './json.ts';
import { objectLabels, objectName, objectNamespace, type KubeObject } from './kube-object.ts';
import { labelSelectorFromObject, matchesLabels } from './label-selector.ts';
import type { ResourceAttributes } from './profile-authz.ts';

export interface Subject {
  user: string;
  groups: string[];
}

export interface NonResourceAttributes {
  path: string;
  verb: string;
}

/** The RBAC objects of the cluster, read from the store when a review arrives. */
export interface RbacObjects {
  roles: KubeObject[];
  clusterRoles: KubeObject[];
  roleBindings: KubeObject[];
  clusterRoleBindings: KubeObject[];
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

const SA_PREFIX = 'system:serviceaccount:';

/** Groups the authenticator adds: service accounts belong to their namespace's group and all SAs'. */
export function effectiveGroups(subject: Subject): string[] {
  const groups = new Set(subject.groups);
  if (subject.user.startsWith(SA_PREFIX)) {
    const namespace = subject.user.slice(SA_PREFIX.length).split(':')[0] ?? '';
    groups.add('system:serviceaccounts');
    groups.add(`system:serviceaccounts:${namespace}`);
  }
  if (subject.user !== 'system:anonymous') groups.add('system:authenticated');
  return [...groups];
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function rulesOf(role: KubeObject): JsonObject[] {
  return Array.isArray(role.rules) ? role.rules.filter(isJsonObject) : [];
}

/** A ClusterRole's rules, including those aggregated from ClusterRoles its aggregationRule selects. */
function clusterRoleRules(role: KubeObject, all: readonly KubeObject[]): JsonObject[] {
  const own = rulesOf(role);
  const aggregation = role.aggregationRule;
  if (!isJsonObject(aggregation) || !Array.isArray(aggregation.clusterRoleSelectors)) return own;
  const selectors = aggregation.clusterRoleSelectors.map(labelSelectorFromObject);
  const aggregated = all
    .filter(
      (other) =>
        other !== role && selectors.some((s) => s.length > 0 && matchesLabels(s, objectLabels(other))),
    )
    .flatMap(rulesOf);
  return [...own, ...aggregated];
}

function subjectMatches(
  entry: JsonObject,
  bindingNamespace: string,
  subject: Subject,
  groups: readonly string[],
): string | undefined {
  const name = typeof entry.name === 'string' ? entry.name : '';
  switch (entry.kind) {
    case 'User':
      return name === subject.user ? `User "${name}"` : undefined;
    case 'Group':
      return groups.includes(name) ? `Group "${name}"` : undefined;
    case 'ServiceAccount': {
      const namespace =
        typeof entry.namespace === 'string' && entry.namespace !== '' ? entry.namespace : bindingNamespace;
      return subject.user === `${SA_PREFIX}${namespace}:${name}`
        ? `ServiceAccount "${name}/${namespace}"`
        : undefined;
    }
    default:
      return undefined;
  }
}

function resourceRuleAllows(rule: JsonObject, attrs: ResourceAttributes): boolean {
  const verbs = strings(rule.verbs);
  if (!verbs.includes('*') && !verbs.includes(attrs.verb)) return false;
  const groups = strings(rule.apiGroups);
  if (!groups.includes('*') && !groups.includes(attrs.group)) return false;
  const resources = strings(rule.resources);
  const combined = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const resourceOk = resources.some(
    (r) => r === '*' || r === combined || (attrs.subresource !== '' && r === `*/${attrs.subresource}`),
  );
  if (!resourceOk) return false;
  const names = strings(rule.resourceNames);
  return names.length === 0 || (attrs.name !== '' && names.includes(attrs.name));
}

function nonResourceRuleAllows(rule: JsonObject, attrs: NonResourceAttributes): boolean {
  const verbs = strings(rule.verbs);
  if (!verbs.includes('*') && !verbs.includes(attrs.verb)) return false;
  return strings(rule.nonResourceURLs).some(
    (url) =>
      url === '*' || url === attrs.path || (url.endsWith('*') && attrs.path.startsWith(url.slice(0, -1))),
  );
}

/**
 * The rules RBAC grants a subject in a namespace (what a SelfSubjectRulesReview reports): those of
 * every ClusterRoleBinding and, in `namespace`, every RoleBinding whose subjects include it.
 */
export function rbacRules(
  objects: RbacObjects,
  subject: Subject,
  namespace: string,
): { resource: JsonObject[]; nonResource: JsonObject[] } {
  const groups = effectiveGroups(subject);
  if (groups.includes('system:masters')) {
    return {
      resource: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResource: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    };
  }
  const rules: JsonObject[] = [];
  const bindings = [
    ...objects.clusterRoleBindings,
    ...objects.roleBindings.filter((b) => namespace !== '' && objectNamespace(b) === namespace),
  ];
  for (const binding of bindings) {
    const subjects = Array.isArray(binding.subjects) ? binding.subjects.filter(isJsonObject) : [];
    if (
      !subjects.some(
        (entry) => subjectMatches(entry, objectNamespace(binding), subject, groups) !== undefined,
      )
    )
      continue;
    const roleRef = isJsonObject(binding.roleRef) ? binding.roleRef : {};
    if (roleRef.kind === 'ClusterRole') {
      const role = objects.clusterRoles.find((r) => objectName(r) === roleRef.name);
      if (role !== undefined) rules.push(...clusterRoleRules(role, objects.clusterRoles));
    } else if (roleRef.kind === 'Role' && binding.kind === 'RoleBinding') {
      const role = objects.roles.find(
        (r) => objectName(r) === roleRef.name && objectNamespace(r) === objectNamespace(binding),
      );
      if (role !== undefined) rules.push(...rulesOf(role));
    }
  }
  const pick = (rule: JsonObject, keys: string[]): JsonObject =>
    Object.fromEntries(keys.filter((k) => rule[k] !== undefined).map((k) => [k, rule[k] ?? null]));
  return {
    resource: rules
      .filter((r) => Array.isArray(r.resources))
      .map((r) => pick(r, ['verbs', 'apiGroups', 'resources', 'resourceNames'])),
    nonResource: rules
      .filter((r) => Array.isArray(r.nonResourceURLs))
      .map((r) => pick(r, ['verbs', 'nonResourceURLs'])),
  };
}

/**
 * Evaluates RBAC the way the API server's RBAC authorizer does: ClusterRoleBindings anywhere, and
 * RoleBindings in the request's namespace, whose subjects include the user, one of its groups, or its
 * ServiceAccount. `system:masters` is bound to cluster-admin implicitly, as in every cluster.
 */
export function rbacDecide(
  objects: RbacObjects,
  subject: Subject,
  attrs: { resource: ResourceAttributes } | { nonResource: NonResourceAttributes },
): Decision {
  const groups = effectiveGroups(subject);
  if (groups.includes('system:masters')) {
    return {
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    };
  }
  const allows = (rule: JsonObject) =>
    'resource' in attrs
      ? resourceRuleAllows(rule, attrs.resource)
      : nonResourceRuleAllows(rule, attrs.nonResource);
  const clusterRole = (name: string) => objects.clusterRoles.find((r) => objectName(r) === name);

  const bindings: { binding: KubeObject; scope: 'ClusterRoleBinding' | 'RoleBinding' }[] = [
    ...objects.clusterRoleBindings.map((binding) => ({ binding, scope: 'ClusterRoleBinding' as const })),
  ];
  const namespace = 'resource' in attrs ? attrs.resource.namespace : '';
  if (namespace !== '') {
    for (const binding of objects.roleBindings) {
      if (objectNamespace(binding) === namespace) bindings.push({ binding, scope: 'RoleBinding' });
    }
  }
  for (const { binding, scope } of bindings) {
    const roleRef = isJsonObject(binding.roleRef) ? binding.roleRef : {};
    const refName = typeof roleRef.name === 'string' ? roleRef.name : '';
    let role: KubeObject | undefined;
    let rules: JsonObject[] = [];
    if (roleRef.kind === 'ClusterRole') {
      role = clusterRole(refName);
      if (role !== undefined) rules = clusterRoleRules(role, objects.clusterRoles);
    } else if (roleRef.kind === 'Role' && scope === 'RoleBinding') {
      role = objects.roles.find(
        (r) => objectName(r) === refName && objectNamespace(r) === objectNamespace(binding),
      );
      if (role !== undefined) rules = rulesOf(role);
    }
    if (role === undefined || !rules.some(allows)) continue;
    const subjects = Array.isArray(binding.subjects) ? binding.subjects.filter(isJsonObject) : [];
    for (const entry of subjects) {
      const who = subjectMatches(entry, objectNamespace(binding), subject, groups);
      if (who === undefined) continue;
      const bindingName =
        scope === 'RoleBinding' ? `${objectName(binding)}/${objectNamespace(binding)}` : objectName(binding);
      return {
        allowed: true,
        reason: `RBAC: allowed by ${scope} "${bindingName}" of ${String(roleRef.kind)} "${refName}" to ${who}`,
      };
    }
  }
  return { allowed: false, reason: '' };
}
