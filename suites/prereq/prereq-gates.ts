import { Resources } from '../../src/cluster/index.ts';
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
import { probeTool } from '../../src/host/tools.ts';
import type { GateGroup, GateSpec } from '../support/gate-spec.ts';

const RBAC_PROBE_SUBJECT = 'system:serviceaccount:default:meshgate-rbac-probe';

const spec = (id: string, title: string, body: GateSpec['body']): GateSpec => ({ id, title, body });

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
        async ({ profile }) => {
          const names = Object.keys(profile.prereq.tools) as ('kubectl' | 'helm' | 'istioctl')[];
          return checkTools(await Promise.all(names.map((n) => probeTool(n))), profile);
        },
      ),

      spec(
        'prereq.permissions',
        'The identity running meshgate can read what the suites need',
        async ({ cluster, profile }) => {
          const wanted = requiredPermissions(profile);
          const answers = await Promise.all(
            wanted.map(async (attrs) => ({ attrs, decision: await cluster.canI(attrs) })),
          );
          return checkPermissions(answers);
        },
      ),
    ],
  },
];
