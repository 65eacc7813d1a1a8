import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeconfigError } from './errors.ts';

export interface KubeconfigOptions {
  /** --kubeconfig; otherwise KUBECONFIG, ~/.kube/config, then in-cluster. */
  kubeconfig?: string | undefined;
  /** --context; otherwise the kubeconfig's current-context. */
  context?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads a kubeconfig the way kubectl does, but never falls back to http://localhost:8080 as the
 * client's loadFromDefault() does when nothing is configured: that silently talks to whatever
 * listens there.
 */
export function loadKubeConfig(opts: KubeconfigOptions = {}): KubeConfig {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  const explicit = opts.kubeconfig;
  const fromEnv = env.KUBECONFIG?.split(path.delimiter).filter(Boolean) ?? [];
  const home = path.join(env.HOME ?? os.homedir(), '.kube', 'config');
  try {
    if (explicit) {
      if (!existsSync(explicit))
        throw new KubeconfigError(`kubeconfig ${explicit} (from --kubeconfig) does not exist`);
      kc.loadFromFile(explicit);
    } else if (fromEnv.length > 0) {
      const present = fromEnv.filter((f) => existsSync(f));
      if (present.length === 0) {
        throw new KubeconfigError(`none of the KUBECONFIG files exist: ${fromEnv.join(', ')}`);
      }
      // Like kubectl, the first file that sets current-context wins; later files add entries.
      for (const [i, file] of present.entries()) {
        if (i === 0) {
          kc.loadFromFile(file);
          continue;
        }
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
    } else if (existsSync(home)) {
      kc.loadFromFile(home);
    } else if (existsSync(SERVICE_ACCOUNT_TOKEN) && env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
    } else {
      throw new KubeconfigError(
        'no kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, create ~/.kube/config, ' +
          'or run inside a pod with a service account (meshgate never assumes http://localhost:8080)',
      );
    }
  } catch (err) {
    if (err instanceof KubeconfigError) throw err;
    throw new KubeconfigError(`cannot read the kubeconfig: ${(err as Error).message}`, err);
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeconfigError(
        `context "${opts.context}" is not in the kubeconfig; known contexts: ${known.join(', ') || '(none)'}`,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new KubeconfigError(
      `the kubeconfig has no current cluster${kc.getCurrentContext() ? ` for context "${kc.getCurrentContext()}"` : ''}: pass --context or set current-context`,
    );
  }
  return kc;
}
