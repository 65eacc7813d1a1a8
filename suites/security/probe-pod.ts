import { ClusterError, Resources, type ClusterClient, type ExecResult } from '../../src/cluster/index.ts';
import { Inconclusive } from '../../src/checks/inconclusive.ts';
import { probePod } from '../../src/checks/security/index.ts';
import type { Profile } from '../../src/profile/index.ts';

const RETRY_MS = 2_000;

/**
 * Runs `body` with a throwaway pod in the probe namespace, created with the restricted security
 * context and deleted afterwards, also when the body throws. `exec` retries until the container
 * answers (a real pod needs a few seconds to pull and start) or the profile's timeout passes.
 */
export async function withProbePod<T>(
  cluster: ClusterClient,
  profile: Profile,
  body: (exec: (argv: string[]) => Promise<ExecResult>) => Promise<T>,
): Promise<T> {
  const pod = probePod(profile);
  const { namespace } = profile.security.probe;
  const name = pod.metadata.name;
  await cluster.create(Resources.pods, pod, namespace);
  try {
    const deadline = Date.now() + profile.security.probe.timeoutSeconds * 1000;
    const exec = async (argv: string[]): Promise<ExecResult> => {
      for (;;) {
        try {
          // Not through podExec's cache: the same argv is asked once per probe, against a fresh pod.
          return await cluster.podExec(namespace, name, 'probe', argv);
        } catch (err) {
          const retriable =
            err instanceof ClusterError &&
            (err.kind === 'Invalid' || err.kind === 'ServerError' || err.kind === 'NotFound');
          if (!retriable || Date.now() > deadline) {
            if (err instanceof ClusterError && retriable) {
              throw new Inconclusive(
                `the probe pod ${namespace}/${name} did not accept exec within ${profile.security.probe.timeoutSeconds}s: ${err.message}`,
                `kubectl -n ${namespace} describe pod ${name}`,
                { cause: err },
              );
            }
            throw err;
          }
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }
    };
    return await body(exec);
  } finally {
    // Best effort: the pod's activeDeadlineSeconds ends it even if this delete fails.
    await cluster.delete(Resources.pods, name, namespace).catch(() => undefined);
  }
}
