import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';

export const SIM_NAME = 'meshgate-sim';

export interface KubeconfigInput {
  server: string;
  /** Absent for a plain-HTTP server (no TLS to verify). */
  caCert?: string;
  /** Absent for a server that needs no credentials (plain HTTP, like `kubectl proxy`). */
  token?: string;
}

export function renderKubeconfig(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: SIM_NAME,
        cluster: {
          server: input.server,
          ...(input.caCert === undefined
            ? {}
            : { 'certificate-authority-data': Buffer.from(input.caCert).toString('base64') }),
        },
      },
    ],
    users: [{ name: SIM_NAME, user: input.token === undefined ? {} : { token: input.token } }],
    contexts: [{ name: SIM_NAME, context: { cluster: SIM_NAME, user: SIM_NAME, namespace: 'default' } }],
    'current-context': SIM_NAME,
    preferences: {},
  });
}

/** Writes the kubeconfig (mode 0600: it holds a bearer token) to `path`, or a fresh temp dir. */
export async function writeKubeconfig(input: KubeconfigInput, path?: string): Promise<string> {
  const target = path ?? join(await mkdtemp(join(tmpdir(), 'meshgate-sim-')), 'kubeconfig');
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, renderKubeconfig(input), { mode: 0o600 });
  return target;
}
