import {
  Limiter,
  Resources,
  type AccessAttributes,
  type AccessDecision,
  type ClusterClient,
  type RulesReview,
} from '../../src/cluster/index.ts';
import {
  checkCapacity,
  checkDefaultStorageClass,
  checkKubernetesVersion,
  checkLoadBalancer,
  checkPermissions,
  checkRbac,
  checkTools,
  requiredPermissions,
} from '../../src/checks/prereq/index.ts';
import { decideFromRules } from '../../src/checks/prereq/rules-review.ts';
import type { CheckResult } from '../../src/checks/types.ts';
import { probeTool } from '../../src/host/tools.ts';
import type { GateGroup, GateSpec } from '../support/gate-spec.ts';

const RBAC_PROBE_SUBJECT = 'system:serviceaccount:default:meshgate-rbac-probe';

const spec = (id: string, title: string, body: GateSpec['body']): GateSpec => ({ id, title, body });

/** Access reviews in flight at once: enough to overlap a slow server, not to flood it. */
export const REVIEW_CONCURRENCY = 4;

/**
 * Every permission the suites need, in as few requests as the API allows: one SelfSubjectRulesReview
 * per namespace answers that namespace's permissions; a SelfSubjectAccessReview answers each
 * cluster-wide one (a rules review cannot tell a ClusterRoleBinding's grant from a RoleBinding's) and
 * each permission of a namespace whose rules review is incomplete or failed. The details say which.
 */
async function permissions(cluster: ClusterClient, wanted: AccessAttributes[]): Promise<CheckResult> {
  const namespaces = [...new Set(wanted.flatMap((a) => (a.namespace ? [a.namespace] : [])))];
  const reviews = new Map<string, RulesReview | Error>(
    await Promise.all(
      namespaces.map(async (ns): Promise<[string, RulesReview | Error]> => {
        try {
          return [ns, await cluster.rulesIn(ns)];
        } catch (err) {
          return [ns, err instanceof Error ? err : new Error(String(err))];
        }
      }),
    ),
  );
  const limiter = new Limiter(REVIEW_CONCURRENCY);
  let fromRules = 0;
  const answers = await Promise.all(
    wanted.map(async (attrs): Promise<{ attrs: AccessAttributes; decision: AccessDecision }> => {
      const review = attrs.namespace ? reviews.get(attrs.namespace) : undefined;
      const settled = review && !(review instanceof Error) ? decideFromRules(review, attrs) : undefined;
      if (settled !== undefined) {
        fromRules++;
        return { attrs, decision: { allowed: settled } };
      }
      return { attrs, decision: await limiter.run(() => cluster.canI(attrs)) };
    }),
  );
  const result = checkPermissions(answers);
  const asked = answers.length - fromRules;
  const notes = [
    `${fromRules} answered by ${namespaces.length} SelfSubjectRulesReview(s) (one per namespace: ${namespaces.join(', ')}); ${asked} by SelfSubjectAccessReview (cluster-wide permissions, and any a rules review could not settle)`,
  ];
  for (const [ns, r] of reviews) {
    if (r instanceof Error)
      notes.push(
        `the SelfSubjectRulesReview in ${ns} failed (${r.message}): its permissions were asked one by one`,
      );
    else if (r.incomplete)
      notes.push(
        `the SelfSubjectRulesReview in ${ns} is incomplete${r.evaluationError ? ` (${r.evaluationError})` : ''}: permissions it does not list were asked one by one`,
      );
  }
  return { ...result, details: [...result.details, ...notes] };
}

/** The prerequisites the cluster and this workstation must meet (the attested items are in prereq.test.ts). */
export const PREREQ_GATES: GateGroup[] = [
  {
    title: 'Prerequisites: cluster requirements',
    gates: [
      spec(
        'prereq.kubernetes-version',
        'Kubernetes version is at least the minimum',
        async ({ cluster, profile }) => checkKubernetesVersion(await cluster.version(), profile),
      ),

      spec(
        'prereq.capacity',
        'Schedulable nodes have the minimum allocatable CPU and memory',
        async ({ cluster, profile }) => checkCapacity(await cluster.list(Resources.nodes), profile),
      ),

      spec('prereq.load-balancer', 'LoadBalancer Services get an address', async ({ cluster, profile }) => {
        const services = await cluster.list(Resources.services);
        const deployments = await cluster.list(Resources.deployments);
        return checkLoadBalancer(services, deployments, profile);
      }),

      spec('prereq.storage-class', 'A default StorageClass exists', async ({ cluster }) =>
        checkDefaultStorageClass(await cluster.list(Resources.storageClasses)),
      ),

      spec('prereq.rbac', 'RBAC is enabled and enforced', async ({ cluster }) => {
        const served = await cluster.servedVersions();
        try {
          const decision = await cluster.canSubject(
            {
              user: RBAC_PROBE_SUBJECT,
              groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
            },
            { verb: 'list', group: '', resource: 'secrets' },
          );
          return checkRbac(served, { subject: RBAC_PROBE_SUBJECT, decision });
        } catch (err) {
          return checkRbac(served, { subject: RBAC_PROBE_SUBJECT, unavailable: (err as Error).message });
        }
      }),
    ],
  },

  {
    title: 'Prerequisites: tools and access',
    gates: [
      spec(
        'prereq.tools',
        'kubectl, helm and istioctl are installed (istioctl matches Istio)',
        async ({ profile, env }) => {
          const names = Object.keys(profile.prereq.tools) as ('kubectl' | 'helm' | 'istioctl')[];
          return checkTools(await Promise.all(names.map((n) => probeTool(n, env))), profile);
        },
      ),

      spec(
        'prereq.permissions',
        'The identity running meshgate can read what the suites need',
        async ({ cluster, profile }) => permissions(cluster, requiredPermissions(profile)),
      ),
    ],
  },
];
