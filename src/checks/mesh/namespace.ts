import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { podContainers } from '../common/containers.ts';
import { matchesSelector, readSelector } from '../common/label-selector.ts';
import { arr, rec, recs, str } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { findByName, labels, rolloutStatus } from './k8s.ts';
import { resolveRevision, defaultRevision, describeInstalled, type ControlPlane } from './revisions.ts';

const INJECTION = 'istio-injection';
const REV = 'istio.io/rev';

/** Injector webhooks (of the sidecar-injector configurations) whose namespaceSelector takes this namespace. */
export function injectingWebhooks(ns: KubeObject, mutating: KubeObject[]): string[] {
  const out: string[] = [];
  for (const cfg of mutating) {
    for (const w of recs(cfg.webhooks)) {
      const name = str(w.name) ?? '';
      if (!name.includes('sidecar-injector.istio.io')) continue;
      // Object-selector webhooks (`object.sidecar-injector`) inject pods by pod label, not by namespace.
      if (name.startsWith('object.') || name.startsWith('rev.object.')) continue;
      if (matchesSelector(readSelector(w.namespaceSelector), labels(ns)))
        out.push(`${cfg.metadata.name}/${name}`);
    }
  }
  return out;
}

/**
 * The mesh namespace turns injection on exactly one way: `istio-injection=enabled` or `istio.io/rev`
 * naming a revision or a revision tag (IST0123 when both; IST0102 when neither), it selects the
 * profile's revision when the profile names one, and an installed injector webhook takes it.
 */
export function checkInjectionLabel(
  ns: KubeObject | undefined,
  mutating: KubeObject[],
  cp: ControlPlane,
  profile: Profile,
): CheckResult {
  const name = profile.namespaces.mesh;
  const obj = objectName('Namespace', name);
  if (!ns) {
    return failed([
      {
        object: obj,
        message: `namespace ${name} does not exist`,
        hint: `kubectl create namespace ${name} && kubectl label namespace ${name} istio-injection=enabled pod-security.kubernetes.io/enforce=restricted`,
      },
    ]);
  }
  const l = labels(ns);
  const inj = l[INJECTION];
  const rev = l[REV];
  const findings: Finding[] = [];
  if (l['istio.io/dataplane-mode'] === 'ambient') {
    findings.push({
      object: obj,
      message: `${name} is in ambient mode (istio.io/dataplane-mode=ambient): no sidecars, which is not the planned sidecar mesh`,
      hint: `kubectl label namespace ${name} istio.io/dataplane-mode- && kubectl label namespace ${name} istio-injection=enabled && kubectl rollout restart deployment -n ${name}`,
    });
  }
  if (inj !== undefined && rev !== undefined) {
    findings.push({
      object: obj,
      message: `${name} has both istio-injection=${inj} and istio.io/rev=${rev}: istio-injection wins and the revision label is ignored (istioctl analyze: IST0123)`,
      hint: `keep one: kubectl label namespace ${name} istio.io/rev-   (or istio-injection- to use the revision)`,
      field: 'metadata.labels',
      expected: 'istio-injection or istio.io/rev',
      actual: `istio-injection=${inj}, istio.io/rev=${rev}`,
    });
  } else if (inj !== 'enabled' && rev === undefined) {
    findings.push({
      object: obj,
      message: `${name} is not labelled for injection (istio-injection=${inj ?? '<unset>'}): new pods get no sidecar (istioctl analyze: IST0102)`,
      hint: `kubectl label namespace ${name} istio-injection=enabled --overwrite && kubectl rollout restart deployment -n ${name}`,
      field: `metadata.labels.${INJECTION}`,
      expected: 'enabled',
      actual: inj ?? '<unset>',
    });
  } else if (profile.istio.revision) {
    const selected =
      inj === 'enabled'
        ? defaultRevision(cp.installed, cp.tags)
        : rev !== undefined
          ? resolveRevision(rev, cp.installed, cp.tags)?.revision
          : undefined;
    if (selected !== undefined && selected !== cp.revision) {
      const label = inj === 'enabled' ? 'istio-injection=enabled' : `istio.io/rev=${rev ?? ''}`;
      findings.push({
        object: obj,
        message: `${name} selects revision ${selected} (${label}), the profile's control plane is revision ${cp.revision} (istio.revision=${profile.istio.revision})`,
        hint: `kubectl label namespace ${name} istio-injection- istio.io/rev=${profile.istio.revision} --overwrite && kubectl rollout restart deployment -n ${name}`,
        field: `metadata.labels.${inj === 'enabled' ? INJECTION : REV}`,
        expected: profile.istio.revision,
        actual: inj === 'enabled' ? 'enabled' : (rev ?? ''),
      });
    }
  }
  const webhooks = injectingWebhooks(ns, mutating);
  if (findings.length === 0 && webhooks.length === 0) {
    const tags = cp.tags.map((t) => t.tag).join(', ') || 'none';
    findings.push({
      object: obj,
      message: `no sidecar-injector webhook selects ${name} (labels ${inj !== undefined ? `istio-injection=${inj}` : `istio.io/rev=${rev ?? ''}`}): ${rev !== undefined ? `no control plane revision "${rev}" is installed and no revision tag has that name (revisions: ${describeInstalled(cp.installed)}; tags: ${tags})` : 'the injector is not installed'}`,
      hint: `kubectl get mutatingwebhookconfigurations -l app=sidecar-injector; install the revision, create the tag (istioctl tag set ${rev ?? '<tag>'} --revision <revision>) or relabel the namespace`,
    });
  }
  const via = cp.tag && rev === cp.tag ? ` (tag ${cp.tag} → revision ${cp.revision})` : '';
  return failed(
    findings,
    `${name}: ${inj !== undefined ? `istio-injection=${inj}` : `istio.io/rev=${rev ?? '<unset>'}`}${via}; injected by ${webhooks.join(', ') || 'no webhook'}`,
  );
}

const PSS = 'pod-security.kubernetes.io';

export function checkPodSecurityLabel(ns: KubeObject | undefined, profile: Profile): CheckResult {
  const name = profile.namespaces.mesh;
  const obj = objectName('Namespace', name);
  if (!ns)
    return failed([
      { object: obj, message: `namespace ${name} does not exist`, hint: `kubectl create namespace ${name}` },
    ]);
  const l = labels(ns);
  const enforce = l[`${PSS}/enforce`];
  const findings: Finding[] =
    enforce === 'restricted'
      ? []
      : [
          {
            object: obj,
            message: `${name} enforces Pod Security "${enforce ?? 'privileged (no label)'}", the guide requires "restricted"`,
            hint: `kubectl label namespace ${name} ${PSS}/enforce=restricted ${PSS}/enforce-version=latest --overwrite (dry-run first: kubectl label --dry-run=server ...)`,
            field: `metadata.labels.${PSS}/enforce`,
            expected: 'restricted',
            actual: enforce ?? '<unset>',
          },
        ];
  return failed(
    findings,
    `enforce=${enforce ?? '-'} (${l[`${PSS}/enforce-version`] ?? 'latest'}), audit=${l[`${PSS}/audit`] ?? '-'}, warn=${l[`${PSS}/warn`] ?? '-'}`,
  );
}

function hasNetAdmin(c: Record<string, unknown>): boolean {
  const add = arr(rec(rec(c.securityContext).capabilities).add);
  return add.includes('NET_ADMIN') || add.includes('NET_RAW');
}

/**
 * Restricted and Istio conflict unless Istio CNI replaces `istio-init` (NET_ADMIN, NET_RAW, root):
 * a restricted mesh namespace needs a ready CNI agent and pods injected in CNI mode.
 */
export function checkRestrictedCni(
  ns: KubeObject | undefined,
  daemonSets: KubeObject[],
  meshPods: KubeObject[],
  profile: Profile,
): CheckResult {
  const name = profile.namespaces.mesh;
  const restricted = ns !== undefined && labels(ns)[`${PSS}/enforce`] === 'restricted';
  const cni = findByName(daemonSets, profile.istio.cniDaemonSet, profile.namespaces.istio);
  const cniObj = objectName('DaemonSet', profile.istio.cniDaemonSet, profile.namespaces.istio);
  const findings: Finding[] = [];
  if (restricted && (!cni || rolloutStatus(cni).ready === 0)) {
    findings.push({
      object: objectName('Namespace', name),
      message: `${name} enforces Pod Security "restricted" but Istio CNI (${cniObj}) is ${cni ? 'not ready' : 'not installed'}: the injected istio-init container needs NET_ADMIN and NET_RAW as root, which restricted rejects, so mesh pods cannot be created`,
      hint: `helm install istio-cni istio/cni -n ${profile.namespaces.istio} --version ${profile.istio.version} && helm upgrade istiod istio/istiod -n ${profile.namespaces.istio} --reuse-values --set istio_cni.enabled=true, then kubectl rollout restart deployment -n ${name}`,
    });
  }
  for (const pod of meshPods) {
    const init = podContainers(pod).find(
      (c) => c.name === 'istio-init' || (c.kind === 'init' && hasNetAdmin(c.spec)),
    );
    if (init && restricted) {
      findings.push({
        object: objectName('Pod', pod.metadata.name, pod.metadata.namespace),
        message: `pod runs the ${init.name} init container (NET_ADMIN/NET_RAW, root) in restricted namespace ${name}: it was injected without CNI`,
        hint: `enable Istio CNI (istio_cni.enabled=true) and restart: kubectl rollout restart deployment -n ${name}`,
        field: 'spec.initContainers',
        expected: 'istio-validation (CNI mode)',
        actual: init.name,
      });
    }
  }
  return failed(
    findings,
    `${name} ${restricted ? 'restricted' : 'not restricted'}; Istio CNI ${cni ? `${rolloutStatus(cni).ready}/${rolloutStatus(cni).desired} ready` : 'absent'}`,
  );
}

/**
 * A namespace the guide installs into exists and is not being deleted (`istio-system` in step 1,
 * `spire-system` in step 2). `what` names what lives there, `hint` how to create it.
 */
export function checkNamespaceExists(
  ns: KubeObject | undefined,
  name: string,
  what: string,
  hint: string,
): CheckResult {
  const obj = objectName('Namespace', name);
  if (!ns) {
    return failed([{ object: obj, message: `${obj} does not exist: ${what} is not installed`, hint }]);
  }
  const phase = str(rec(ns.status).phase) ?? 'Active';
  if (phase !== 'Active') {
    return failed([
      {
        object: obj,
        message: `${obj} is ${phase}: it is being deleted, and ${what} with it`,
        hint: `kubectl get namespace ${name} -o yaml (finalizers); recreate it once gone: ${hint}`,
        field: 'status.phase',
        expected: 'Active',
        actual: phase,
      },
    ]);
  }
  return failed([], `${name}: ${phase}`);
}
