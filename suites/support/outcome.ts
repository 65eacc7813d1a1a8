// How a check body's throw becomes a verdict, shared by the vitest gate (gate.ts) and by tests that
// run the suites' check bodies in-process (test/support/run-gates.ts), so both classify alike.
import { ClusterError } from '../../src/cluster/index.ts';
import { Inconclusive, isInconclusive } from '../../src/checks/inconclusive.ts';
import type { Finding } from '../../src/checks/types.ts';

/** A cluster error means "could not see": the check is inconclusive, with the reason and the fix. */
export function toInconclusive(err: unknown): Inconclusive | undefined {
  if (isInconclusive(err)) return err;
  if (err instanceof ClusterError) {
    const hint =
      err.kind === 'Forbidden'
        ? 'grant the permission named above to the identity running meshgate (see prereq.permissions)'
        : err.kind === 'Unreachable'
          ? 'check that the API server is reachable from here with the same kubeconfig: kubectl get --raw /version'
          : err.kind === 'NotFound'
            ? 'create the missing object, or correct its name in meshgate.config.ts'
            : err.kind === 'InvalidObject'
              ? 'correct the object named above (kubectl edit), so its fields have the types its CRD defines'
              : '';
    return new Inconclusive(`could not verify: ${err.message}`, hint, { cause: err });
  }
  return undefined;
}

/** A check that threw something else crashed: inconclusive, and loud about being our bug. */
export function crashFinding(id: string, err: unknown): Finding {
  return {
    object: id,
    message: `the check crashed: ${err instanceof Error ? err.message : String(err)}`,
    hint: 'this is a meshgate bug: report it with the output of --output json',
  };
}
