// RBAC: bootstrap cluster-admin, and what meshgate's ServiceAccount may read and do.
import { meta } from '../k8s.mjs';
import { serviceAccount } from '../workloads.mjs';
import { T, emitList, ISTIO_NS, SPIRE_NS, MESH } from '../model.mjs';

// ---------------------------------------------------------------- RBAC
const rbacObjs = [];
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: meta({ name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }, createdAt: T.cluster, key: 'cr/cluster-admin' }),
  rules: [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ],
});
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: meta({ name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }, createdAt: T.cluster, key: 'crb/cluster-admin' }),
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }],
});
const R = ['get', 'list', 'watch'];
rbacObjs.push(serviceAccount({ namespace: 'meshgate', name: 'meshgate', labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate }));
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: meta({ name: 'meshgate-reader', labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: 'cr/meshgate-reader' }),
  rules: [
    { apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'namespaces', 'nodes', 'configmaps', 'serviceaccounts', 'events', 'persistentvolumeclaims'], verbs: R },
    { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: R },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: R },
    { apiGroups: ['storage.k8s.io'], resources: ['storageclasses', 'csidrivers'], verbs: R },
    { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], verbs: R },
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: R },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'], verbs: R },
    { apiGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io', 'install.istio.io'], resources: ['*'], verbs: R },
    { apiGroups: ['spire.spiffe.io'], resources: ['clusterspiffeids', 'clusterfederatedtrustdomains', 'clusterstaticentries'], verbs: R },
    { apiGroups: ['k6.io'], resources: ['testruns', 'privateloadzones'], verbs: R },
    { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews'], verbs: ['create'] },
  ],
});
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: meta({ name: 'meshgate-reader', labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: 'crb/meshgate-reader' }),
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'meshgate-reader' },
  subjects: [{ kind: 'ServiceAccount', name: 'meshgate', namespace: 'meshgate' }],
});
for (const ns of [MESH, ISTIO_NS, SPIRE_NS]) {
  rbacObjs.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta({ name: 'meshgate-probe', namespace: ns, labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: `role/${ns}/meshgate-probe` }),
    rules: [
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
      { apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] },
    ],
  });
  rbacObjs.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta({ name: 'meshgate-probe', namespace: ns, labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: `rb/${ns}/meshgate-probe` }),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'meshgate-probe' },
    subjects: [{ kind: 'ServiceAccount', name: 'meshgate', namespace: 'meshgate' }],
  });
}
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: meta({ name: 'meshgate-operator', namespace: MESH, labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: `role/${MESH}/meshgate-operator` }),
  rules: [
    { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
    { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'patch', 'update'] },
  ],
});
rbacObjs.push({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: meta({ name: 'meshgate-operator', namespace: MESH, labels: { 'app.kubernetes.io/name': 'meshgate' }, createdAt: T.meshgate, key: `rb/${MESH}/meshgate-operator` }),
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'meshgate-operator' },
  subjects: [{ kind: 'ServiceAccount', name: 'meshgate', namespace: 'meshgate' }],
});
emitList('rbac.yaml', rbacObjs);
