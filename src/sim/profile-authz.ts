import { forbidden, type ApiError } from './api-errors.ts';
import type { ForbiddenRule } from './scenario-schema.ts';

/** What the authorizer sees of a request (k8s.io/apiserver authorizer.Attributes, resource part). */
export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

const wild = (pattern: string | undefined, value: string) =>
  pattern === undefined || pattern === '*' || pattern === value;

/**
 * Whether a `ClusterProfile.spec.forbidden` rule covers a request. An absent `subresource` covers the
 * resource itself only (as an RBAC rule for `pods` does not grant `pods/exec`); `*` covers both.
 */
export function ruleMatches(rule: ForbiddenRule, attrs: ResourceAttributes): boolean {
  if (
    !wild(rule.verb, attrs.verb) ||
    !wild(rule.group, attrs.group) ||
    !wild(rule.resource, attrs.resource)
  ) {
    return false;
  }
  const subresourceOk =
    rule.subresource === undefined ? attrs.subresource === '' : wild(rule.subresource, attrs.subresource);
  return subresourceOk && wild(rule.namespace, attrs.namespace) && wild(rule.name, attrs.name);
}

export function findForbidding(rules: readonly ForbiddenRule[], attrs: ResourceAttributes): number {
  return rules.findIndex((rule) => ruleMatches(rule, attrs));
}

/** The authorizer's reason text, word for word as k8s.io/apiserver's forbiddenMessage writes it. */
export function forbiddenReason(user: string, attrs: ResourceAttributes): string {
  const resource = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const where = attrs.namespace === '' ? 'at the cluster scope' : `in the namespace "${attrs.namespace}"`;
  return `User "${user}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${where}`;
}

export function forbiddenError(user: string, attrs: ResourceAttributes): ApiError {
  return forbidden(attrs.group, attrs.resource, attrs.name, forbiddenReason(user, attrs));
}
