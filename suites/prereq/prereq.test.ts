import { readFile } from 'node:fs/promises';
import { describe } from 'vitest';
import { Resources } from '../../src/cluster/index.ts';
import { Inconclusive } from '../../src/checks/inconclusive.ts';
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
import { defaultProfile } from '../../src/profile/index.ts';
import { probeTool } from '../../src/host/tools.ts';
import { profileRelative } from '../../src/run/context.ts';
import { gate } from '../support/gate.ts';
import { suiteContext } from '../support/context.ts';

const RBAC_PROBE_SUBJECT = 'system:serviceaccount:default:meshgate-rbac-probe';

describe('Prerequisites: cluster requirements', () => {
  gate(
    'prereq',
    'prereq.kubernetes-version',
    'Kubernetes version is at least the minimum',
    async ({ cluster, profile }) => checkKubernetesVersion(await cluster.version(), profile),
  );

  gate(
    'prereq',
    'prereq.capacity',
    'Schedulable nodes have the minimum allocatable CPU and memory',
    async ({ cluster, profile }) => checkCapacity(await cluster.list(Resources.nodes), profile),
  );

  gate(
    'prereq',
    'prereq.load-balancer',
    'LoadBalancer Services get an address',
    async ({ cluster, profile }) => {
      const services = await cluster.list(Resources.services);
      const deployments = await cluster.list(Resources.deployments);
      return checkLoadBalancer(services, deployments, profile);
    },
  );

  gate('prereq', 'prereq.storage-class', 'A default StorageClass exists', async ({ cluster }) =>
    checkDefaultStorageClass(await cluster.list(Resources.storageClasses)),
  );

  gate('prereq', 'prereq.rbac', 'RBAC is enabled and enforced', async ({ cluster }) => {
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
  });
});

describe('Prerequisites: tools and access', () => {
  gate(
    'prereq',
    'prereq.tools',
    'kubectl, helm and istioctl are installed (istioctl matches Istio)',
    async ({ profile }) => {
      const names = Object.keys(profile.prereq.tools) as ('kubectl' | 'helm' | 'istioctl')[];
      return checkTools(await Promise.all(names.map((n) => probeTool(n))), profile);
    },
  );

  gate(
    'prereq',
    'prereq.permissions',
    'The identity running meshgate can read what the suites need',
    async ({ cluster, profile }) => {
      const wanted = requiredPermissions(profile);
      const answers = await Promise.all(
        wanted.map(async (attrs) => ({ attrs, decision: await cluster.canI(attrs) })),
      );
      return checkPermissions(answers);
    },
  );
});

// The profile's items are known only once the run context is read; vitest collects tests
// synchronously, so the items come from the context file when present, else the defaults.
const { profile: collected } = await suiteContext().catch(() => ({ profile: defaultProfile }));

describe('Pre-migration checklist (attested by people)', () => {
  let records: Promise<{ records: AttestationRecord[]; file: string }> | undefined;
  const load = async () => {
    const { run, profile } = await suiteContext();
    const file = profileRelative(run, profile.prereq.attestationsFile);
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
  for (const item of collected.prereq.attestations) {
    gate('prereq', `prereq.attestation.${item.id}`, item.title, async () => {
      records ??= load();
      const { records: recs, file } = await records;
      return checkAttestation(item, recs, file);
    });
  }
});
