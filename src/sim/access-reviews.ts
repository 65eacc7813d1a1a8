import { badRequest } from './api-errors.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './json.ts';
import { decide, isSimUser, rbacObjects, type AccessQuestion } from './authorizer.ts';
import { ruleMatches, type ResourceAttributes } from './profile-authz.ts';
import { rbacRules, type Decision, type Subject } from './rbac.ts';
import { SUBRESOURCE_INFO } from './resource-table.ts';
import type { SimState } from './sim-state.ts';

function str(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

function resourceAttributes(spec: JsonObject): ResourceAttributes | undefined {
  const attrs = spec.resourceAttributes;
  if (!isJsonObject(attrs)) return undefined;
  return {
    verb: str(attrs.verb),
    group: str(attrs.group),
    resource: str(attrs.resource),
    subresource: str(attrs.subresource),
    namespace: str(attrs.namespace),
    name: str(attrs.name),
  };
}

function specOf(body: JsonObject): JsonObject {
  if (!isJsonObject(body.spec)) throw badRequest('spec is required');
  return body.spec;
}

function respond(body: JsonObject, status: JsonObject): JsonObject {
  const metadata = isJsonObject(body.metadata) ? body.metadata : {};
  return { ...body, metadata: { creationTimestamp: null, ...metadata }, status };
}

function decisionStatus(decision: Decision): JsonObject {
  const status: JsonObject = { allowed: decision.allowed };
  if (decision.reason !== '') status.reason = decision.reason;
  return status;
}

/** SelfSubjectAccessReview: whoever makes the request (the simulator's user, or an impersonated one). */
export function selfSubjectAccessReview(state: SimState, subject: Subject, body: JsonObject): JsonObject {
  const spec = specOf(body);
  return respond(body, decisionStatus(decide(state, subject, question(spec))));
}

function question(spec: JsonObject): AccessQuestion {
  const attrs = resourceAttributes(spec);
  if (attrs !== undefined) return { resource: attrs };
  const nonResource = spec.nonResourceAttributes;
  if (isJsonObject(nonResource)) {
    return { nonResource: { path: str(nonResource.path), verb: str(nonResource.verb) } };
  }
  throw badRequest('exactly one of nonResourceAttributes or resourceAttributes must be specified');
}

/**
 * SubjectAccessReview (and LocalSubjectAccessReview, whose namespace comes from the path): RBAC over the
 * scenario's roles and bindings. The simulator's own user is answered from the ClusterProfile instead,
 * so every way of asking about it agrees.
 */
export function subjectAccessReview(state: SimState, body: JsonObject, pathNamespace?: string): JsonObject {
  const spec = specOf(body);
  const user = str(spec.user);
  const groups = Array.isArray(spec.groups)
    ? spec.groups.filter((g): g is string => typeof g === 'string')
    : [];
  if (user === '' && groups.length === 0) throw badRequest('at least one of user or group must be specified');
  const asked = question(spec);
  if (pathNamespace !== undefined && (!('resource' in asked) || asked.resource.namespace !== pathNamespace)) {
    throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${pathNamespace}`);
  }
  return respond(body, decisionStatus(decide(state, { user, groups }, asked)));
}

interface Target {
  group: string;
  resource: string;
  subresource: string;
  verbs: string[];
}

/**
 * SelfSubjectRulesReview. For an impersonated user: the RBAC rules bound to it. For the simulator's
 * user: RBAC rules only add, so "everything except the
 * forbidden list" is written out: when nothing applies to the namespace, one rule `*`/`*`/`*`;
 * otherwise a `*`-resources rule per untouched group, and for each touched group one rule per
 * (sub)resource listing the verbs still allowed. A forbidden rule naming one object removes the verb
 * for the whole resource: rules cannot subtract names, so the review errs on the side of less.
 */
export function selfSubjectRulesReview(state: SimState, subject: Subject, body: JsonObject): JsonObject {
  const spec = specOf(body);
  const namespace = str(spec.namespace);
  if (!isSimUser(state, subject)) {
    const rules = rbacRules(rbacObjects(state), subject, namespace);
    return respond(body, {
      resourceRules: rules.resource,
      nonResourceRules: rules.nonResource,
      incomplete: false,
    });
  }
  const applicable = state.profile.forbidden.filter(
    (rule) => rule.namespace === undefined || rule.namespace === '*' || rule.namespace === namespace,
  );
  const nonResourceRules: JsonValue[] = [{ verbs: ['*'], nonResourceURLs: ['*'] }];
  if (applicable.length === 0) {
    return respond(body, {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules,
      incomplete: false,
    });
  }
  const targets: Target[] = state.registry.all().flatMap((def) => [
    { group: def.group, resource: def.resource, subresource: '', verbs: def.verbs },
    ...def.subresources.map((sub) => ({
      group: def.group,
      resource: def.resource,
      subresource: sub,
      verbs: SUBRESOURCE_INFO[sub].verbs,
    })),
  ]);
  const denied = (t: Target, verb: string) =>
    applicable.some((rule) =>
      ruleMatches(
        { ...rule, name: undefined, namespace: undefined },
        {
          verb,
          group: t.group,
          resource: t.resource,
          subresource: t.subresource,
          namespace,
          name: '',
        },
      ),
    );
  const rules: JsonValue[] = [];
  const groups = [...new Set(targets.map((t) => t.group))];
  for (const group of groups) {
    const inGroup = targets.filter((t) => t.group === group);
    const touched = inGroup.filter((t) => t.verbs.some((v) => denied(t, v)));
    if (touched.length === 0) {
      rules.push({ verbs: ['*'], apiGroups: [group], resources: ['*'] });
      continue;
    }
    const name = (t: Target) => (t.subresource === '' ? t.resource : `${t.resource}/${t.subresource}`);
    const untouched = inGroup.filter((t) => !touched.includes(t)).map(name);
    if (untouched.length > 0) rules.push({ verbs: ['*'], apiGroups: [group], resources: untouched });
    for (const t of touched) {
      const verbs = t.verbs.filter((v) => !denied(t, v));
      if (verbs.length > 0) rules.push({ verbs, apiGroups: [group], resources: [name(t)] });
    }
  }
  return respond(body, { resourceRules: rules, nonResourceRules, incomplete: false });
}
