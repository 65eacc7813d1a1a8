import type { KubeObject } from '../../cluster/types.ts';
import { failed, objectName, passed, type CheckResult } from '../types.ts';

const DEFAULT_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

export function checkDefaultStorageClass(classes: KubeObject[]): CheckResult {
  const defaults = classes.filter((sc) =>
    DEFAULT_ANNOTATIONS.some((a) => sc.metadata.annotations?.[a] === 'true'),
  );
  if (defaults.length === 0) {
    const names = classes.map((c) => c.metadata.name);
    return failed([
      {
        object: 'cluster/storageclasses',
        message: names.length
          ? `no StorageClass is marked default (found ${names.join(', ')})`
          : 'the cluster has no StorageClass: persistent volumes (SPIRE server data, Prometheus) cannot be provisioned',
        hint: names.length
          ? `kubectl patch storageclass ${names[0]} -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'`
          : 'install a CSI driver with a StorageClass and mark it default',
        field: 'metadata.annotations["storageclass.kubernetes.io/is-default-class"]',
        expected: '"true" on one StorageClass',
        actual: 'none',
      },
    ]);
  }
  const names = defaults.map((d) => objectName('StorageClass', d.metadata.name));
  return passed(
    `default StorageClass: ${names.join(', ')}` +
      (defaults.length > 1 ? ' (more than one default: Kubernetes picks the newest)' : ''),
  );
}
