import { readFile } from 'node:fs/promises';
import {
  Limiter,
  Resources,
  type AccessAttributes,
  type AccessDecision,
  type ClusterClient,
  type RulesReview,
} from '../../src/cluster/index.ts';
import {
  checkAttestation,
  checkCapacity,
  checkDefaultStorageClass,
  checkKubernetesVersion,
  checkLoadBalancer,
  checkPermissions,
  checkRbac,
  checkTools,
  parseAttestations,
  requiredPermissions,
  type AttestationRecord,
} from '../../src/checks/prereq/index.ts';
import { Inconclusive } from '../../src/checks/inconclusive.ts';
import { decideFromRules } from '../../src/checks/prereq/rules-review.ts';
import type { Profile } from '../../src/profile/index.ts';
import { profileRelative } from '../../src/run/context.ts';
import type { SuiteContext } from '../support/context.ts';
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

/**
 * The items of the pre-migration checklist that people attest (profile.prereq.attestations), one
 * check each, reading the attestations file once per group. They depend on the profile, so they are
 * built from it: by the vitest file at collection, by the direct engine once the run's profile is known.
 */
export function attestationGates(profile: Profile): GateGroup {
  let records: Promise<{ records: AttestationRecord[]; file: string }> | undefined;
  const load = async ({ run, profile: p }: SuiteContext) => {
    const file = profileRelative(run, p.prereq.attestationsFile);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return { records: [], file };
    }
    const parsed = parseAttestations(text);
    if (parsed.problems.length) {
      throw new Inconclusive(`${file} cannot be read: ${parsed.problems.join('; ')}`, `fix ${file}`);
    }
    return { records: parsed.records, file };
  };
  return {
    title: 'Pre-migration checklist (attested by people)',
    gates: profile.prereq.attestations.map((item) =>
      spec(`prereq.attestation.${item.id}`, item.title, async (ctx) => {
        records ??= load(ctx);
        const { records: recs, file } = await records;
        return checkAttestation(item, recs, file);
      }),
    ),
  };
}
