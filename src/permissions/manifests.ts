import { Document, isMap, isSeq } from 'yaml';
import type { Profile } from '../profile/index.ts';
import { PERMISSION_RULES, ruleNamespace, type PermissionRule, type RoleName } from './rules.ts';

/** A Kubernetes object as these manifests need it. */
export interface RbacObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  [key: string]: unknown;
}

export interface RbacOptions {
  /** The identity meshgate runs as (the Job's ServiceAccount). */
  serviceAccount?: { name: string; namespace: string };
  /** Roles to render: `read` and `traffic` by default; `probe` and `load` for those features. */
  roles?: readonly RoleName[];
  /** Leave out rules by id (tests: the suites without one rule). */
  without?: readonly string[];
  /** Include the ServiceAccount (default true; the opt-in file leaves it to the main one). */
  serviceAccountObject?: boolean;
}

export const DEFAULT_SERVICE_ACCOUNT = { name: 'meshgate', namespace: 'meshgate' };
const RBAC = 'rbac.authorization.k8s.io';
const ROLE_NAME: Record<RoleName, string> = {
  read: 'meshgate-read',
  traffic: 'meshgate-traffic',
  probe: 'meshgate-probe',
  load: 'meshgate-load',
  canary: 'meshgate-canary',
};

const labels = (role: RoleName) => ({
  'app.kubernetes.io/name': 'meshgate',
  'app.kubernetes.io/component': `rbac-${role}`,
});

function rbacRule(rule: PermissionRule, p: Profile): Record<string, unknown> {
  const names = rule.resourceNames?.(p);
  return {
    apiGroups: [rule.apiGroup],
    resources: [...rule.resources],
    ...(names ? { resourceNames: names } : {}),
    verbs: [...rule.verbs],
  };
}

interface RenderedRole {
  object: RbacObject;
  rules: PermissionRule[];
}

/**
 * The RBAC objects for a profile: the ServiceAccount, a ClusterRole (and binding) for cluster-wide
 * reads, and per namespace a Role (and binding) per role. One RBAC rule per permission rule, in the
 * order of PERMISSION_RULES, so a rule can be found (and left out) by its id.
 */
function roles(p: Profile, opts: RbacOptions): { roles: RenderedRole[]; bindings: RbacObject[] } {
  const sa = opts.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT;
  const wanted = opts.roles ?? ['read', 'traffic'];
  const rules = PERMISSION_RULES.filter((r) => wanted.includes(r.role) && !opts.without?.includes(r.id));
  const out: RenderedRole[] = [];
  const bindings: RbacObject[] = [];
  const subjects = [{ kind: 'ServiceAccount', name: sa.name, namespace: sa.namespace }];
  for (const role of wanted) {
    const mine = rules.filter((r) => r.role === role);
    const clusterWide = mine.filter((r) => ruleNamespace(r, p) === undefined);
    if (clusterWide.length) {
      const name = ROLE_NAME[role];
      out.push({
        object: {
          apiVersion: `${RBAC}/v1`,
          kind: 'ClusterRole',
          metadata: { name, labels: labels(role) },
          rules: clusterWide.map((r) => rbacRule(r, p)),
        },
        rules: clusterWide,
      });
      bindings.push({
        apiVersion: `${RBAC}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: { name, labels: labels(role) },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name },
        subjects,
      });
    }
    const namespaces = [...new Set(mine.map((r) => ruleNamespace(r, p)).filter((n) => n !== undefined))];
    for (const namespace of namespaces) {
      const inNs = mine.filter((r) => ruleNamespace(r, p) === namespace);
      const name = ROLE_NAME[role];
      out.push({
        object: {
          apiVersion: `${RBAC}/v1`,
          kind: 'Role',
          metadata: { name, namespace, labels: labels(role) },
          rules: inNs.map((r) => rbacRule(r, p)),
        },
        rules: inNs,
      });
      bindings.push({
        apiVersion: `${RBAC}/v1`,
        kind: 'RoleBinding',
        metadata: { name, namespace, labels: labels(role) },
        roleRef: { apiGroup: RBAC, kind: 'Role', name },
        subjects,
      });
    }
  }
  return { roles: out, bindings };
}

export function rbacObjects(p: Profile, opts: RbacOptions = {}): RbacObject[] {
  const sa = opts.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT;
  const { roles: rs, bindings } = roles(p, opts);
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: sa.name, namespace: sa.namespace, labels: labels('read') },
      // meshgate reads with the token; nothing else in its pod needs the API.
      automountServiceAccountToken: true,
    },
    ...rs.map((r) => r.object),
    ...bindings,
  ];
}

/**
 * The manifests as one multi-document YAML file, each RBAC rule preceded by a comment naming its id
 * and why meshgate needs it (`kubectl apply -f` ignores comments).
 */
export function renderRbacYaml(p: Profile, opts: RbacOptions = {}, header = ''): string {
  const sa = opts.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT;
  const { roles: rs, bindings } = roles(p, opts);
  const docs: Document[] = [];
  const [account] = rbacObjects(p, { ...opts, roles: [] });
  if (opts.serviceAccountObject !== false) docs.push(new Document(account));
  for (const r of rs) {
    const doc = new Document(r.object);
    const seq = doc.get('rules', true);
    if (isSeq(seq)) {
      seq.items.forEach((item, i) => {
        const rule = r.rules[i];
        if (!rule || !isMap(item)) return;
        item.commentBefore = ` ${rule.id}: ${rule.why}`;
        // [""] and [get, list] read better on one line.
        for (const pair of item.items) if (isSeq(pair.value)) pair.value.flow = true;
      });
    }
    docs.push(doc);
  }
  for (const b of bindings) docs.push(new Document(b));
  if (docs[0]) {
    docs[0].commentBefore = `${header}${header ? '\n' : ''} Roles of ServiceAccount ${sa.namespace}/${sa.name} (src/permissions/rules.ts).`;
  }
  return docs.map((d) => d.toString({ lineWidth: 0, flowCollectionPadding: false })).join('---\n');
}
