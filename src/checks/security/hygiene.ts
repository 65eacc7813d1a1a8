import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { rec, recs, str } from '../common/narrow.ts';
import { noPodsToCheck } from '../common/no-pods.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { ownerOf, serviceAccountOf } from './mesh-pods.ts';

/**
 * No mesh pod mounts a Kubernetes API token unless its ServiceAccount is listed in the profile as
 * needing one, and none runs as the namespace's `default` ServiceAccount (whose identity every
 * pod without its own account shares). Istio's own `istio-token` (audience istio-ca) is fine.
 */
export function checkServiceAccountTokens(
  pods: KubeObject[],
  serviceAccounts: KubeObject[],
  profile: Profile,
): CheckResult {
  const mesh = profile.namespaces.mesh;
  const inMesh = pods.filter((p) => p.metadata.namespace === mesh);
  if (inMesh.length === 0) return noPodsToCheck(mesh, 'pods');
  const allowed = new Set(profile.security.tokenServiceAccounts);
  const findings: Finding[] = [];
  for (const pod of inMesh) {
    const pname = objectName('Pod', pod.metadata.name, mesh);
    const spec = rec(pod.spec);
    const sa = serviceAccountOf(pod);
    const saObj = serviceAccounts.find((s) => s.metadata.namespace === mesh && s.metadata.name === sa);
    const owner = ownerOf(pod);
    const podSetting = spec.automountServiceAccountToken;
    const automount =
      typeof podSetting === 'boolean' ? podSetting : saObj?.automountServiceAccountToken !== false;
    // The admission plugin's projected volume; present on a stored pod when the token was mounted.
    const apiVolume = recs(spec.volumes).find((v) => (str(v.name) ?? '').startsWith('kube-api-access-'));
    if (sa === 'default') {
      findings.push({
        object: pname,
        message: `${pname} runs as the default ServiceAccount of ${mesh}: its SPIFFE ID is shared with every pod lacking its own account, so policies cannot tell them apart`,
        hint: `create a ServiceAccount for it and set serviceAccountName in ${owner.kind}/${owner.name}`,
        field: 'spec.serviceAccountName',
        expected: 'a dedicated ServiceAccount',
        actual: 'default',
      });
    }
    if ((automount || apiVolume) && !allowed.has(sa)) {
      findings.push({
        object: pname,
        message: `${pname} mounts a Kubernetes API token (ServiceAccount ${sa}${apiVolume ? `, volume ${str(apiVolume.name) ?? ''}` : ''}) although the profile does not list ${sa} as needing one`,
        hint: `set automountServiceAccountToken: false in the pod template (kubectl -n ${mesh} edit ${owner.kind} ${owner.name}), or add ${sa} to security.tokenServiceAccounts`,
        field: 'spec.automountServiceAccountToken',
        expected: 'false',
        actual: String(
          podSetting ?? `unset (ServiceAccount: ${String(saObj?.automountServiceAccountToken ?? 'unset')})`,
        ),
      });
    }
  }
  return failed(findings, `${inMesh.length} pods in ${mesh} checked for API token mounts`);
}
