import { execFile } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { parse } from 'yaml';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';

export const FIXTURES = resolve(import.meta.dirname, '../../scenarios/sim-fixtures');
export const fixture = (name: string) => join(FIXTURES, name);

export interface SimHandle {
  sim: StartedSimulator;
  kc: KubeConfig;
}

/**
 * Starts a simulator for the file's tests and stops it afterwards. The getter throws before
 * `beforeAll` ran, so a test cannot silently run without its server.
 */
export function useSimulator(scenario: string | string[]): () => SimHandle {
  let handle: SimHandle | undefined;
  beforeAll(async () => {
    const sim = await startSimulator({ scenario });
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    handle = { sim, kc };
  });
  afterAll(async () => {
    await handle?.sim.stop();
  });
  return () => {
    if (handle === undefined) throw new Error('simulator not started');
    return handle;
  };
}

interface KubeconfigFile {
  clusters: Array<{ cluster: { 'certificate-authority-data': string } }>;
  users: Array<{ user: { token: string } }>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

/** A plain HTTPS request against the simulator, trusting its CA; `token: null` sends no credentials. */
export async function raw(
  sim: StartedSimulator,
  method: string,
  path: string,
  options: {
    body?: unknown;
    contentType?: string;
    accept?: string;
    token?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<RawResponse> {
  const config = parse(await readFile(sim.kubeconfigPath, 'utf8')) as KubeconfigFile;
  const ca = Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64');
  const token = options.token === undefined ? config.users[0]?.user.token : options.token;
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string> = {
      Accept: options.accept ?? 'application/json',
      ...options.headers,
    };
    if (token !== null && token !== undefined) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    const req = httpsRequest(new URL(path, sim.url), { method, ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolvePromise({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: () => JSON.parse(text) as Record<string, unknown>,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The HTTP status and parsed Status body of a failed client-node call. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) {
      const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
      return { code: error.code, body: body as Record<string, unknown> };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real kubectl against the simulator with only its kubeconfig: HOME and KUBECACHEDIR point at
 * a throwaway directory so no user config or discovery cache leaks in or between tests.
 */
export function kubectlRunner(kubeconfig: () => string): {
  run: (...args: string[]) => Promise<KubectlResult>;
  cleanup: () => Promise<void>;
} {
  let home: string | undefined;
  return {
    run: async (...args) => {
      home ??= await mkdtemp(join(tmpdir(), 'meshgate-kubectl-'));
      return new Promise((resolvePromise) => {
        execFile(
          '/usr/bin/kubectl',
          ['--kubeconfig', kubeconfig(), ...args],
          {
            env: {
              PATH: process.env.PATH ?? '/usr/bin:/bin',
              HOME: home,
              KUBECACHEDIR: join(home ?? '', 'cache'),
            },
            timeout: 20_000,
          },
          (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
            resolvePromise({ code, stdout, stderr });
          },
        );
      });
    },
    cleanup: async () => {
      if (home !== undefined) await rm(home, { recursive: true, force: true });
    },
  };
}
