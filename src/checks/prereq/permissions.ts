import type { AccessAttributes, AccessDecision } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { inconclusive, type CheckResult, type Finding } from '../types.ts';

const CLUSTER_READS: [string, string][] = [
  ['', 'namespaces'],
  ['', 'nodes'],
  ['storage.k8s.io', 'storageclasses'],
  ['storage.k8s.io', 'csidrivers'],
  ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
  ['admissionregistration.k8s.io', 'validatingwebhookconfigurations'],
  ['apiextensions.k8s.io', 'customresourcedefinitions'],
  ['spire.spiffe.io', 'clusterspiffeids'],
];

const NAMESPACED_READS: [string, string][] = [
  ['', 'pods'],
  ['', 'services'],
  ['', 'serviceaccounts'],
  ['', 'configmaps'],
  ['apps', 'deployments'],
  ['apps', 'statefulsets'],
  ['apps', 'daemonsets'],
  ['networking.k8s.io', 'networkpolicies'],
  ['networking.istio.io', 'gateways'],
  ['networking.istio.io', 'virtualservices'],
  ['networking.istio.io', 'destinationrules'],
  ['security.istio.io', 'peerauthentications'],
  ['security.istio.io', 'authorizationpolicies'],
];

/**
 * Every permission the suites need, derived from the profile's namespaces so that a renamed
 * namespace is checked where it is.
 */
export function requiredPermissions(profile: Profile): AccessAttributes[] {
  const ns = profile.namespaces;
  const out: AccessAttributes[] = CLUSTER_READS.map(([group, resource]) => ({
    verb: 'list',
    group,
    resource,
  }));
  // prereq.rbac proves enforcement by asking about another subject.
  out.push({ verb: 'create', group: 'authorization.k8s.io', resource: 'subjectaccessreviews' });
  for (const namespace of [...new Set([ns.istio, ns.spire, ns.mesh, ns.legacy, ns.monitoring])]) {
    for (const [group, resource] of NAMESPACED_READS) out.push({ verb: 'list', group, resource, namespace });
  }
  out.push({ verb: 'get', group: '', resource: 'pods', subresource: 'proxy', namespace: ns.mesh });
  out.push({ verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: ns.mesh });
  out.push({ verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: ns.spire });
  return out;
}

function describe(a: AccessAttributes): string {
  const res = `${a.group ? `${a.resource}.${a.group}` : a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
  return `${a.verb} ${res} ${a.namespace ? `in ${a.namespace}` : 'cluster-wide'}`;
}

/**
 * One finding per permission the identity lacks, each with the RBAC rule that grants it. Missing
 * permissions make the gate inconclusive, not failed: they say nothing about the cluster's health.
 */
export function checkPermissions(
  answers: { attrs: AccessAttributes; decision: AccessDecision }[],
): CheckResult {
  const findings: Finding[] = answers
    .filter((a) => !a.decision.allowed)
    .map(({ attrs }) => ({
      object: `permission/${describe(attrs)}`,
      message: `the identity running meshgate may not ${describe(attrs)}; the checks that need it will be inconclusive`,
      hint:
        `grant it: rules: [{apiGroups: ["${attrs.group}"], resources: ["${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}"], verbs: ["${attrs.verb}"]}]` +
        (attrs.namespace ? ` in a Role bound in ${attrs.namespace}` : ' in a ClusterRole'),
      expected: 'allowed',
      actual: 'denied',
    }));
  return inconclusive(
    findings,
    `${answers.length - findings.length} of ${answers.length} required permissions granted`,
  );
}
