// Answers "may I?" from the rules a SelfSubjectRulesReview listed, the way Kubernetes RBAC matches
// a request against a PolicyRule, so one review per namespace replaces a review per permission.
import type { AccessAttributes, ResourceRule, RulesReview } from '../../cluster/types.ts';

const has = (list: string[], value: string): boolean => list.includes('*') || list.includes(value);

/** RBAC's resource match: `*`, the resource, `resource/subresource`, `resource/*`, `*\/subresource`. */
function resourceMatches(resources: string[], a: AccessAttributes): boolean {
  if (resources.includes('*')) return true;
  if (!a.subresource) return resources.includes(a.resource);
  return (
    resources.includes(`${a.resource}/${a.subresource}`) ||
    resources.includes(`${a.resource}/*`) ||
    resources.includes(`*/${a.subresource}`)
  );
}

/** Whether one rule grants the request; a rule limited to named objects grants no unnamed request. */
export function ruleAllows(rule: ResourceRule, a: AccessAttributes): boolean {
  if ((rule.resourceNames?.length ?? 0) > 0 && !(a.name && rule.resourceNames?.includes(a.name)))
    return false;
  return has(rule.verbs, a.verb) && has(rule.apiGroups, a.group) && resourceMatches(rule.resources, a);
}

/**
 * Whether a namespace's rules review settles a namespaced request: `true`/`false` when it does,
 * `undefined` when it cannot (an incomplete review does not list every grant, so "not listed" is no
 * denial; the caller asks the API server with a SelfSubjectAccessReview instead).
 */
export function decideFromRules(review: RulesReview, a: AccessAttributes): boolean | undefined {
  if (a.namespace !== review.namespace) return undefined;
  if (review.resourceRules.some((r) => ruleAllows(r, a))) return true;
  return review.incomplete ? undefined : false;
}
