import type { AccessAttributes, AccessDecision } from '../../cluster/types.ts';
import { requiredAccess } from '../../permissions/index.ts';
import type { Profile } from '../../profile/index.ts';
import { inconclusive, type CheckResult, type Finding } from '../types.ts';

/**
 * Every permission the suites need, from the one list in src/permissions (which also renders
 * deploy/kubernetes/rbac.yaml and docs/rbac.md), with the profile's namespaces and object names.
 */
export function requiredPermissions(profile: Profile): AccessAttributes[] {
  return requiredAccess(profile, ['read']);
}

function describe(a: AccessAttributes): string {
  const res = `${a.group ? `${a.resource}.${a.group}` : a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
  return `${a.verb} ${res} ${a.namespace ? `in ${a.namespace}` : 'cluster-wide'}`;
}

/**
 * One finding per permission the identity lacks, each with the RBAC rule that grants it. Missing
 * permissions make the gate inconclusive, not failed: they say nothing about the cluster's health.
 */
export function checkPermissions(
  answers: { attrs: AccessAttributes; decision: AccessDecision }[],
): CheckResult {
  const findings: Finding[] = answers
    .filter((a) => !a.decision.allowed)
    .map(({ attrs }) => ({
      object: `permission/${describe(attrs)}`,
      message: `the identity running meshgate may not ${describe(attrs)}; the checks that need it will be inconclusive`,
      hint:
        `grant it: rules: [{apiGroups: ["${attrs.group}"], resources: ["${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}"], verbs: ["${attrs.verb}"]}]` +
        (attrs.namespace ? ` in a Role bound in ${attrs.namespace}` : ' in a ClusterRole'),
      expected: 'allowed',
      actual: 'denied',
    }));
  return inconclusive(
    findings,
    `${answers.length - findings.length} of ${answers.length} required permissions granted`,
  );
}
