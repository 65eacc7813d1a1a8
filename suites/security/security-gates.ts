import { ClusterError, Resources, type ClusterClient, type KubeObject } from '../../src/cluster/index.ts';
import { labelsOf } from '../../src/checks/common/narrow.ts';
import {
  checkAllowPolicies,
  checkDefaultDenyNetworkPolicy,
  checkDeniedPath,
  checkDenyByDefault,
  checkDestinationRuleTls,
  checkNamespacePodSecurity,
  checkNetworkAllowances,
  checkNoAllowAllNetworkPolicy,
  checkPlaintextRefused,
  checkPodSecurityEnforced,
  checkPodsRestricted,
  checkProxyCertValidity,
  checkProxySpiffeIds,
  checkServiceAccountTokens,
  checkSpireIssued,
  checkStrictMtls,
  checkTrustDomain,
  checkWorkloadSelectors,
  curlArgv,
  hasProxy,
  needsAllPods,
  principalNamespaces,
  probeNotRun,
  runningPods,
  selectorNamespaces,
  serviceUrl,
  violatingPod,
  type CertsAnswer,
  type DryRunOutcome,
  type ProbeAnswer,
} from '../../src/checks/security/index.ts';
import { controlPlane } from '../../src/checks/mesh/index.ts';
import { CERTS_ARGV, identityPods, PROXY_CONTAINER } from '../../src/checks/pod-reads.ts';
import type { Profile } from '../../src/profile/index.ts';
import { withMalformed, type Malformed } from '../../src/checks/common/malformed.ts';
import type { GateGroup, GateSpec } from '../support/gate-spec.ts';
import { withProbePod } from './probe-pod.ts';

/** Lists a kind in each namespace (deduplicated): least privilege, and per-namespace RBAC is what users grant. */
async function listIn(
  cluster: ClusterClient,
  ref: (typeof Resources)[keyof typeof Resources],
  namespaces: string[],
): Promise<KubeObject[]> {
  const lists = await Promise.all(
    [...new Set(namespaces)].map((namespace) => cluster.list(ref, { namespace })),
  );
  return lists.flat();
}

/** Like listIn for custom resources: the well-formed objects, and the malformed ones to report on their own. */
async function listInChecked(
  cluster: ClusterClient,
  ref: (typeof Resources)[keyof typeof Resources],
  namespaces: string[],
): Promise<{ items: KubeObject[]; malformed: Malformed[] }> {
  const lists = await Promise.all(
    [...new Set(namespaces)].map((namespace) => cluster.listChecked(ref, { namespace })),
  );
  return { items: lists.flatMap((l) => l.items), malformed: lists.flatMap((l) => l.rejected) };
}

/** Every namespace the profile names, and Istio's root namespace. */
const allNamespaces = (p: Profile): string[] => [
  ...new Set([...Object.values(p.namespaces), p.istio.rootNamespace]),
];

const meshPods = (cluster: ClusterClient, p: Profile) =>
  cluster.list(Resources.pods, { namespace: p.namespaces.mesh });

async function certs(cluster: ClusterClient, p: Profile): Promise<CertsAnswer[]> {
  return Promise.all(
    identityPods(await listIn(cluster, Resources.pods, [p.namespaces.mesh, p.namespaces.istio]), p).map(
      async (pod) => {
        const r = await cluster.podExec(
          pod.metadata.namespace ?? '',
          pod.metadata.name,
          PROXY_CONTAINER,
          CERTS_ARGV,
        );
        return { pod, ...r };
      },
    ),
  );
}

const spec = (id: string, title: string, body: GateSpec['body']): GateSpec => ({ id, title, body });

/** The security suite: the guide's security checklist (mTLS, authorization, NetworkPolicies, identity, Pod Security). */
export const SECURITY_GATES: GateGroup[] = [
  {
    title: 'Network Security',
    gates: [
      spec(
        'security.mtls.strict',
        'Every mesh pod and port resolves to STRICT mTLS',
        async ({ cluster, profile }) => {
          const pas = await listInChecked(cluster, Resources.peerAuthentications, [
            profile.istio.rootNamespace,
            profile.namespaces.mesh,
          ]);
          return withMalformed(
            checkStrictMtls(await meshPods(cluster, profile), pas.items, profile),
            pas.malformed,
            ['PeerAuthentication'],
            profile,
          );
        },
      ),

      spec(
        'security.mtls.destination-rules',
        'No DestinationRule disables or downgrades mTLS to a mesh host',
        async ({ cluster, profile }) => {
          const ns = profile.namespaces;
          const rules = await listInChecked(cluster, Resources.destinationRules, [
            ns.mesh,
            profile.istio.rootNamespace,
            ns.legacy,
          ]);
          return withMalformed(
            checkDestinationRuleTls(
              rules.items,
              await cluster.list(Resources.services, { namespace: ns.mesh }),
              profile,
            ),
            rules.malformed,
            ['DestinationRule'],
            profile,
          );
        },
      ),

      spec(
        'security.mtls.selectors',
        'PeerAuthentication and DestinationRule workload selectors match running pods',
        async ({ cluster, profile }) => {
          const ns = profile.namespaces;
          const root = profile.istio.rootNamespace;
          const pas = await listInChecked(cluster, Resources.peerAuthentications, [root, ns.mesh]);
          const drs = await listInChecked(cluster, Resources.destinationRules, [ns.mesh, root, ns.legacy]);
          // Only the namespaces that hold a selector, plus the mesh's (to tell "selects nothing" from
          // "nothing deployed yet").
          const pods = await listIn(cluster, Resources.pods, [
            ns.mesh,
            ...selectorNamespaces(pas.items, drs.items, profile),
          ]);
          return withMalformed(
            checkWorkloadSelectors(pas.items, drs.items, pods, profile),
            [...pas.malformed, ...drs.malformed],
            ['PeerAuthentication', 'DestinationRule'],
            profile,
          );
        },
      ),

      spec(
        'security.authz.deny-by-default',
        'A deny-all AuthorizationPolicy covers the mesh and nothing allows all',
        async ({ cluster, profile }) => {
          const policies = await listInChecked(cluster, Resources.authorizationPolicies, [
            profile.namespaces.mesh,
            profile.istio.rootNamespace,
          ]);
          return withMalformed(
            checkDenyByDefault(policies.items, profile),
            policies.malformed,
            ['AuthorizationPolicy'],
            profile,
          );
        },
      ),

      spec(
        'security.authz.allow-policies',
        'AuthorizationPolicies select running workloads; ALLOW policies name principals of the trust domain',
        async ({ cluster, profile }) => {
          // Every namespace of the profile: a policy there that selects nothing is dead config (IST0127).
          const checkedPolicies = await listInChecked(
            cluster,
            Resources.authorizationPolicies,
            allNamespaces(profile),
          );
          const policies = checkedPolicies.items;
          const sas = await listIn(cluster, Resources.serviceAccounts, principalNamespaces(policies));
          // A root-namespace selector applies mesh-wide, so only then are all pods listed (IST0127).
          const pods = needsAllPods(policies, profile)
            ? await cluster.list(Resources.pods)
            : await listIn(cluster, Resources.pods, [
                profile.namespaces.mesh,
                ...policies.map((p) => p.metadata.namespace ?? ''),
              ]);
          return withMalformed(
            checkAllowPolicies(policies, pods, sas, profile),
            checkedPolicies.malformed,
            ['AuthorizationPolicy'],
            profile,
          );
        },
      ),

      spec(
        'security.netpol.default-deny',
        'A default-deny NetworkPolicy covers ingress and egress',
        async ({ cluster, profile }) =>
          checkDefaultDenyNetworkPolicy(
            await cluster.list(Resources.networkPolicies, { namespace: profile.namespaces.mesh }),
            profile,
          ),
      ),

      spec(
        'security.netpol.no-allow-all',
        'No NetworkPolicy allows all traffic',
        async ({ cluster, profile }) =>
          checkNoAllowAllNetworkPolicy(
            await cluster.list(Resources.networkPolicies, { namespace: profile.namespaces.mesh }),
            profile,
          ),
      ),

      spec(
        'security.netpol.allowances',
        'NetworkPolicies allow what the mesh needs (DNS, istiod, gateway, scraping, data)',
        async ({ cluster, profile }) =>
          checkNetworkAllowances(
            await cluster.list(Resources.networkPolicies, { namespace: profile.namespaces.mesh }),
            await meshPods(cluster, profile),
            await cluster.list(Resources.namespaces),
            profile,
          ),
      ),

      spec(
        'security.probe.plaintext',
        'Probe: plaintext from outside the mesh is refused',
        async ({ cluster, profile, run }) => {
          if (!run.probe) return probeNotRun();
          return withProbePod(cluster, profile, async (exec) => {
            const answers: ProbeAnswer[] = [];
            for (const w of profile.app.workloads) {
              const url = serviceUrl(w, profile, w.healthPath);
              answers.push({ url, ...(await exec(curlArgv(url))) });
            }
            return checkPlaintextRefused(answers, profile);
          });
        },
      ),

      spec(
        'security.probe.denied-path',
        'Probe: a path no policy allows gets 403 RBAC: access denied',
        async ({ cluster, profile, run }) => {
          if (!run.probe) return probeNotRun();
          const from = profile.app.workloads.find((w) => w.name === profile.security.probe.fromWorkload);
          const pod = runningPods(await meshPods(cluster, profile), profile.namespaces.mesh).find(
            (p) => labelsOf(p.metadata.labels).app === from?.name,
          );
          if (!from || !pod)
            return checkDeniedPath([], `${profile.security.probe.fromWorkload} (no running pod)`, profile);
          const answers: ProbeAnswer[] = [];
          for (const w of profile.app.workloads.filter((x) => x.name !== from.name)) {
            const url = serviceUrl(w, profile, profile.security.probe.deniedPath);
            answers.push({
              url,
              ...(await cluster.podExec(
                profile.namespaces.mesh,
                pod.metadata.name,
                from.container,
                curlArgv(url),
              )),
            });
          }
          return checkDeniedPath(answers, `Pod/${profile.namespaces.mesh}/${pod.metadata.name}`, profile);
        },
      ),
    ],
  },

  {
    title: 'Identity and Access',
    gates: [
      spec(
        'security.identity.spiffe-id',
        'Each proxy presents the SPIFFE ID of its own ServiceAccount',
        async ({ cluster, profile }) => checkProxySpiffeIds(await certs(cluster, profile), profile),
      ),

      spec(
        'security.identity.cert-validity',
        'Proxy certificates are valid and rotated (workload: by lifetime used; CA: beyond the margin)',
        async ({ cluster, profile }) =>
          checkProxyCertValidity(
            await certs(cluster, profile),
            profile,
            new Date(),
            await cluster.list(Resources.pods, { namespace: profile.namespaces.spire }),
          ),
      ),

      spec(
        'security.identity.spire-issued',
        'Identities come from SPIRE (CSI workload socket, SPIRE label)',
        async ({ cluster, profile }) => {
          const pods = runningPods(await meshPods(cluster, profile), profile.namespaces.mesh).filter(
            hasProxy,
          );
          return checkSpireIssued(pods, await cluster.list(Resources.csiDrivers), profile);
        },
      ),

      spec(
        'security.identity.trust-domain',
        "Istio's trust domain equals SPIRE's",
        async ({ cluster, profile }) => {
          // The mesh config of the revision the mesh namespace uses (revision tags resolved).
          const cp = controlPlane(
            await cluster.find(Resources.namespaces, profile.namespaces.mesh),
            await cluster.list(Resources.deployments, { namespace: profile.namespaces.istio }),
            await cluster.list(Resources.mutatingWebhooks),
            profile,
          );
          const mesh = await cluster.find(
            Resources.configMaps,
            cp.names.meshConfig,
            profile.namespaces.istio,
          );
          const spire = await cluster.find(
            Resources.configMaps,
            profile.spire.server.name,
            profile.namespaces.spire,
          );
          return checkTrustDomain(mesh, spire, profile, cp.names.meshConfig);
        },
      ),

      spec(
        'security.hygiene.sa-token',
        'No mesh pod mounts an API token it does not need',
        async ({ cluster, profile }) =>
          checkServiceAccountTokens(
            await meshPods(cluster, profile),
            await cluster.list(Resources.serviceAccounts, { namespace: profile.namespaces.mesh }),
            profile,
          ),
      ),
    ],
  },

  {
    title: 'Compliance',
    gates: [
      spec(
        'security.pss.namespace',
        'The mesh namespace enforces, audits and warns Pod Security "restricted"',
        async ({ cluster, profile }) =>
          checkNamespacePodSecurity(
            await cluster.find(Resources.namespaces, profile.namespaces.mesh),
            profile,
          ),
      ),

      spec(
        'security.pss.pods',
        'Every pod and container in the mesh namespace complies with "restricted"',
        async ({ cluster, profile }) => checkPodsRestricted(await meshPods(cluster, profile), profile),
      ),

      spec(
        'security.pss.enforced',
        'A violating pod is rejected (server-side dry run)',
        async ({ cluster, profile }) => {
          let outcome: DryRunOutcome;
          try {
            await cluster.create(Resources.pods, violatingPod(profile), profile.namespaces.mesh, true);
            outcome = { outcome: 'admitted' };
          } catch (err) {
            if (!(err instanceof ClusterError) || err.kind !== 'Forbidden') throw err;
            // Both RBAC and Pod Security answer 403; only the message tells them apart.
            const message = 'serverMessage' in err ? String(err.serverMessage) : err.message;
            outcome = /violates PodSecurity/.test(message)
              ? { outcome: 'rejected', message }
              : { outcome: 'forbidden', message };
          }
          return checkPodSecurityEnforced(outcome, profile);
        },
      ),
    ],
  },
];
