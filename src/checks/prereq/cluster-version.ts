import type { VersionInfo } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { failed, passed, type CheckResult } from '../types.ts';
import { compareMinor, parseVersion } from '../version.ts';

/** Kubernetes at least the profile's minimum (the guide: 1.25; istioctl refuses older). */
export function checkKubernetesVersion(version: VersionInfo, profile: Profile): CheckResult {
  const min = parseVersion(profile.kubernetes.minVersion);
  // Managed clusters report minor "28+": gitVersion is the reliable field, major/minor the fallback.
  const seen =
    parseVersion(version.gitVersion) ?? parseVersion(`${version.major}.${version.minor.replace(/\D+$/, '')}`);
  if (!min)
    throw new Error(`profile kubernetes.minVersion is not a version: ${profile.kubernetes.minVersion}`);
  if (!seen) {
    return failed([
      {
        object: 'cluster/version',
        message: `the API server reports a version meshgate cannot read (gitVersion "${version.gitVersion}")`,
        hint: 'run `kubectl version -o json` and check serverVersion.gitVersion',
        field: 'gitVersion',
        expected: `>= ${profile.kubernetes.minVersion}`,
        actual: version.gitVersion,
      },
    ]);
  }
  if (compareMinor(seen, min) < 0) {
    return failed([
      {
        object: 'cluster/version',
        message: `Kubernetes ${version.gitVersion} is older than the required ${profile.kubernetes.minVersion}`,
        hint: `upgrade the cluster to Kubernetes ${profile.kubernetes.minVersion} or later before installing Istio ${profile.istio.version}`,
        field: 'gitVersion',
        expected: `>= ${profile.kubernetes.minVersion}`,
        actual: version.gitVersion,
      },
    ]);
  }
  return passed(`Kubernetes ${version.gitVersion} (minimum ${profile.kubernetes.minVersion})`);
}
