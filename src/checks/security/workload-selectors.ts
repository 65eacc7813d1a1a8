import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import {
  formatSelector,
  matchesSelector,
  readSelector,
  type LabelSelector,
} from '../common/label-selector.ts';
import { labelsOf, rec, str } from '../common/narrow.ts';
import { noPodsToCheck } from '../common/no-pods.ts';
import { failed, objectName, passed, type CheckResult, type Finding } from '../types.ts';
import { plural, runningPods } from './mesh-pods.ts';

interface Selecting {
  kind: 'PeerAuthentication' | 'DestinationRule';
  ref: string;
  name: string;
  namespace: string;
  field: 'spec.selector.matchLabels' | 'spec.workloadSelector.matchLabels';
  selector: LabelSelector;
  /** What the object does to the pods it selects, for the message. */
  effect: string;
}

type Kind = Selecting['kind'];

/**
 * The workload selector of a PeerAuthentication (`spec.selector`) or DestinationRule
 * (`spec.workloadSelector`). Istio's WorkloadSelector has only `matchLabels`, and an empty one
 * selects the whole namespace, so only a non-empty `matchLabels` counts as a selector. The kind is
 * passed in: list items from the API do not always carry one.
 */
function readSelecting(obj: KubeObject, kind: Kind): Selecting | undefined {
  const spec = rec(obj.spec);
  const isPa = kind === 'PeerAuthentication';
  const raw = isPa ? spec.selector : spec.workloadSelector;
  if (raw === undefined) return undefined;
  const selector = readSelector(raw);
  if (Object.keys(selector.matchLabels ?? {}).length === 0) return undefined;
  const namespace = obj.metadata.namespace ?? '';
  return {
    kind,
    ref: objectName(kind, obj.metadata.name, namespace),
    name: obj.metadata.name,
    namespace,
    field: isPa ? 'spec.selector.matchLabels' : 'spec.workloadSelector.matchLabels',
    selector,
    effect: isPa
      ? `the mTLS mode it declares (${str(rec(spec.mtls).mode) ?? 'UNSET'}) applies to no workload`
      : `its traffic policy for ${str(spec.host) ?? '(no host)'} applies to no client`,
  };
}

function readAll(peerAuthentications: KubeObject[], destinationRules: KubeObject[]): Selecting[] {
  return [
    ...peerAuthentications.flatMap((o) => readSelecting(o, 'PeerAuthentication') ?? []),
    ...destinationRules.flatMap((o) => readSelecting(o, 'DestinationRule') ?? []),
  ];
}

/** A PeerAuthentication selector in the root namespace: Istio ignores it (composePeerAuthentication). */
function ignoredByIstio(s: Selecting, root: string): boolean {
  return s.kind === 'PeerAuthentication' && s.namespace === root;
}

/**
 * Namespaces whose pods `checkWorkloadSelectors` needs besides the mesh namespace's: those holding a
 * selector it will match (a PeerAuthentication selector in the root namespace needs none).
 */
export function selectorNamespaces(
  peerAuthentications: KubeObject[],
  destinationRules: KubeObject[],
  profile: Profile,
): string[] {
  const root = profile.istio.rootNamespace;
  const needed = readAll(peerAuthentications, destinationRules).filter((s) => !ignoredByIstio(s, root));
  return [...new Set(needed.map((s) => s.namespace))].sort();
}

function noWorkloadFinding(s: Selecting): Finding {
  const sel = formatSelector(s.selector);
  return {
    object: s.ref,
    message:
      `${s.ref} selects ${sel}, which matches no running pod in ${s.namespace}: ${s.effect} ` +
      '(the IST0127 NoMatchingWorkloadsFound case; istioctl analyze checks it for AuthorizationPolicies only)',
    hint: `set ${s.field} to the labels of the workload it is for (kubectl -n ${s.namespace} get pods --show-labels), or delete it: kubectl -n ${s.namespace} delete ${s.kind.toLowerCase()} ${s.name}`,
    field: s.field,
    expected: 'the labels of a running pod',
    actual: sel,
  };
}

/**
 * PeerAuthentications and DestinationRules with a workload selector select running pods of their
 * own namespace (selectors never cross namespaces). One that selects nothing protects nothing it was
 * written for, so it fails, as istioctl's IST0127 does for AuthorizationPolicies. A selector on a
 * PeerAuthentication in the root namespace is only noted: Istio ignores it, and
 * `security.mtls.strict` reports what that leaves.
 */
export function checkWorkloadSelectors(
  peerAuthentications: KubeObject[],
  destinationRules: KubeObject[],
  pods: KubeObject[],
  profile: Profile,
): CheckResult {
  const mesh = profile.namespaces.mesh;
  const root = profile.istio.rootNamespace;
  const all = readAll(peerAuthentications, destinationRules);
  const ignored = all.filter((s) => ignoredByIstio(s, root));
  const selecting = all.filter((s) => !ignoredByIstio(s, root));
  const details = ignored.map(
    (s) =>
      `${s.ref} selects ${formatSelector(s.selector)} in the root namespace ${root}: Istio ignores selectors there`,
  );
  if (selecting.length === 0) {
    return passed('no PeerAuthentication or DestinationRule selects workloads by label', ...details);
  }
  // With no pod running in the mesh namespace, every selector there "matches nothing": that says
  // nothing about the selectors, so it is inconclusive, like the other checks over pods.
  if (selecting.some((s) => s.namespace === mesh) && runningPods(pods, mesh).length === 0) {
    return noPodsToCheck(mesh);
  }
  const findings: Finding[] = [];
  for (const s of selecting) {
    const n = runningPods(pods, s.namespace).filter((p) =>
      matchesSelector(s.selector, labelsOf(p.metadata.labels)),
    ).length;
    if (n === 0) findings.push(noWorkloadFinding(s));
    else details.push(`${s.ref} selects ${formatSelector(s.selector)} (${plural(n, 'running pod')})`);
  }
  return failed(findings, ...details);
}
