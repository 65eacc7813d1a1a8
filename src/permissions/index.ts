// The Kubernetes permissions meshgate uses, once: RBAC manifests, the prereq.permissions list and the docs.
export { PERMISSION_RULES, requiredAccess, ruleAccess, ruleNamespace } from './rules.ts';
export type { PermissionRule, RoleName, RuleScope } from './rules.ts';
export { DEFAULT_SERVICE_ACCOUNT, rbacObjects, renderRbacYaml } from './manifests.ts';
export type { RbacObject, RbacOptions } from './manifests.ts';
export { TABLE_END, TABLE_START, generatedManifests, rbacTable, withRbacTable } from './generated.ts';
