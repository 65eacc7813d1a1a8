import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { DEFAULT_SERVICE_ACCOUNT, renderRbacYaml, type RbacOptions } from '../../src/permissions/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { ROOT } from '../support/cli.ts';

export const SERVICE_ACCOUNT_USER = `system:serviceaccount:${DEFAULT_SERVICE_ACCOUNT.namespace}:${DEFAULT_SERVICE_ACCOUNT.name}`;
const HEALTHY = path.join(ROOT, 'scenarios/healthy');

/** The broad RBAC scenarios/healthy gives meshgate's ServiceAccount: removed, so only ours applies. */
const HEALTHY_MESHGATE_RBAC = [
  { kind: 'ClusterRole', name: 'meshgate-reader' },
  { kind: 'ClusterRoleBinding', name: 'meshgate-reader' },
  ...['zamaz-mesh', 'istio-system', 'spire-system'].flatMap((namespace) => [
    { kind: 'Role', namespace, name: 'meshgate-probe' },
    { kind: 'RoleBinding', namespace, name: 'meshgate-probe' },
  ]),
  { kind: 'Role', namespace: 'zamaz-mesh', name: 'meshgate-operator' },
  { kind: 'RoleBinding', namespace: 'zamaz-mesh', name: 'meshgate-operator' },
].map((r) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', ...r }));

/**
 * scenarios/healthy where meshgate's ServiceAccount holds exactly the RBAC of src/permissions (less
 * `without`), and the simulator's own user is an admin, so the ServiceAccount is judged by RBAC alone
 * when a kubeconfig impersonates it.
 */
export function rbacScenario(opts: RbacOptions = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-rbac-scenario-'));
  writeFileSync(
    path.join(dir, 'scenario.yaml'),
    stringify({
      apiVersion: 'sim.meshgate.dev/v1alpha1',
      kind: 'Scenario',
      metadata: { name: 'healthy-least-privilege' },
      spec: { base: path.relative(dir, HEALTHY), remove: HEALTHY_MESHGATE_RBAC },
    }),
  );
  const profile = parseAllDocuments(readFileSync(path.join(HEALTHY, '00-cluster.yaml'), 'utf8'))
    .map((d) => d.toJS() as { kind?: string; spec?: Record<string, unknown> })
    .find((o) => o.kind === 'ClusterProfile');
  if (!profile?.spec) throw new Error('scenarios/healthy has no ClusterProfile');
  profile.spec.user = 'kubernetes-admin';
  writeFileSync(path.join(dir, 'cluster-profile.yaml'), stringify(profile));
  writeFileSync(
    path.join(dir, 'rbac.yaml'),
    renderRbacYaml(defaultProfile, { roles: ['read', 'traffic'], ...opts }),
  );
  return dir;
}

/** A copy of a kubeconfig whose user impersonates `user` (kubeconfig `as:`, as kubectl --as). */
export function impersonatingKubeconfig(kubeconfig: string, user = SERVICE_ACCOUNT_USER): string {
  const doc = parseAllDocuments(readFileSync(kubeconfig, 'utf8'))[0]?.toJS() as {
    users: { name: string; user: Record<string, unknown> }[];
  };
  for (const u of doc.users) u.user.as = user;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'meshgate-as-')), 'kubeconfig');
  writeFileSync(file, stringify(doc), { mode: 0o600 });
  return file;
}
