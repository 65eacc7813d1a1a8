import { inconclusive, objectName, type CheckResult } from '../types.ts';

/**
 * What a check over running pods answers when there are none: it saw nothing, so it proved
 * nothing. Inconclusive, never a pass on an empty namespace.
 */
export function noPodsToCheck(namespace: string, what = 'running pods'): CheckResult {
  return inconclusive([
    {
      object: objectName('Namespace', namespace),
      message: `no ${what} in ${namespace}: there is nothing for this check to verify`,
      hint: `deploy the application to ${namespace} (guide Step 5) and wait for its pods to run, then verify again`,
    },
  ]);
}
