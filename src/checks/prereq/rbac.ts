import type { AccessDecision } from '../../cluster/types.ts';
import { failed, inconclusive, type CheckResult } from '../types.ts';

export const RBAC_GROUP_VERSION = 'rbac.authorization.k8s.io/v1';

/**
 * RBAC served is necessary but not proof that it is enforced; an unbound ServiceAccount being denied
 * is. The probe is optional because it needs permission to create SubjectAccessReviews.
 */
export function checkRbac(
  served: Set<string>,
  probe: { subject: string; decision: AccessDecision } | { subject: string; unavailable: string },
): CheckResult {
  if (!served.has(RBAC_GROUP_VERSION)) {
    return failed([
      {
        object: 'cluster/apis',
        message: `the API server does not serve ${RBAC_GROUP_VERSION}: RBAC is not enabled, so authorization policies of the migration cannot be least-privilege`,
        hint: 'start kube-apiserver with --authorization-mode including RBAC (managed clusters: enable RBAC in the cluster settings)',
        field: 'discovery',
        expected: RBAC_GROUP_VERSION,
        actual: 'not served',
      },
    ]);
  }
  if ('unavailable' in probe) {
    // Served is not proof of enforcement (mesh.md): without the probe the question stays open.
    return inconclusive(
      [
        {
          object: 'cluster/rbac',
          message: `${RBAC_GROUP_VERSION} is served, but whether it is enforced could not be tested: ${probe.unavailable}`,
          hint: 'grant the identity running meshgate "create" on "subjectaccessreviews.authorization.k8s.io" (cluster-wide)',
        },
      ],
      `${RBAC_GROUP_VERSION} is served`,
    );
  }
  if (probe.decision.allowed) {
    return failed([
      {
        object: 'cluster/rbac',
        message: `${probe.subject}, a ServiceAccount with no bindings, may list secrets cluster-wide: RBAC is served but not enforced (or a binding grants every ServiceAccount too much)`,
        hint: 'check --authorization-mode (AlwaysAllow must not be set) and ClusterRoleBindings to system:serviceaccounts or system:authenticated',
        field: 'SubjectAccessReview.status.allowed',
        expected: 'false',
        actual: 'true',
      },
    ]);
  }
  return failed([], `${RBAC_GROUP_VERSION} is served`, `enforced: ${probe.subject} may not list secrets`);
}
