import { CoreV1Api, Exec, type V1Status } from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { failure, fixture, raw, useSimulator } from './sim-harness.ts';

describe('pod proxy', () => {
  const env = useSimulator(fixture('basic'));
  const core = () => env().kc.makeApiClient(CoreV1Api);

  it('answers client-node’s percent-encoded pod:port and path from a PodEndpoint', async () => {
    const body = await core().connectGetNamespacedPodProxyWithPath({
      name: 'zamaz-v1-abc12:15020',
      namespace: 'zamaz-mesh',
      path: 'stats/prometheus',
    });
    expect(body).toBe('istio_requests_total{connection_security_policy="mutual_tls"} 42\n');
  });

  it('accepts the plain form, with the query string ignored for matching', async () => {
    const res = await raw(
      env().sim,
      'GET',
      '/api/v1/namespaces/zamaz-mesh/pods/zamaz-v2-def34:15020/proxy/stats/prometheus?x=1',
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain('istio_requests_total');
    const json = await raw(
      env().sim,
      'GET',
      '/api/v1/namespaces/zamaz-mesh/pods/zamaz-v1-abc12%3A15021/proxy/healthz%2Fready',
    );
    expect(json.headers['content-type']).toBe('application/json');
    expect(json.json()).toEqual({ status: 'ready' });
  });

  it('answers 503 when nothing listens and 404 when the pod does not exist', async () => {
    const unreachable = await failure(
      core().connectGetNamespacedPodProxyWithPath({
        name: 'zamaz-v1-abc12:15000',
        namespace: 'zamaz-mesh',
        path: 'stats',
      }),
    );
    expect(unreachable.code).toBe(503);
    expect(unreachable.body).toMatchObject({
      reason: 'ServiceUnavailable',
      message: 'error trying to reach service: dial tcp 10.0.0.11:15000: connect: connection refused',
    });
    // Endpoint selected by pod name: the other pod has nothing on 15021.
    const other = await raw(
      env().sim,
      'GET',
      '/api/v1/namespaces/zamaz-mesh/pods/zamaz-v2-def34:15021/proxy/healthz/ready',
    );
    expect(other.status).toBe(503);
    const missing = await failure(
      core().connectGetNamespacedPodProxyWithPath({
        name: 'ghost:15020',
        namespace: 'zamaz-mesh',
        path: 'stats/prometheus',
      }),
    );
    expect(missing.code).toBe(404);
    expect(missing.body.message).toBe('pods "ghost" not found');
  });
});

describe('pod exec', () => {
  const env = useSimulator(fixture('basic'));

  async function exec(pod: string, container: string, command: string[]) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (c: Buffer) => out.push(c));
    stderr.on('data', (c: Buffer) => err.push(c));
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(env().kc)
        .exec('zamaz-mesh', pod, container, command, stdout, stderr, null, false, resolve)
        .catch(reject);
    });
    return { status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  }

  it('returns the PodExec stdout and a Success status', async () => {
    const result = await exec('zamaz-v1-abc12', 'istio-proxy', ['pilot-agent', 'request', 'GET', 'certs']);
    expect(result.stdout).toBe('{"certificates":[]}');
    expect(result.stderr).toBe('');
    expect(result.status).toEqual({ metadata: {}, status: 'Success' });
  });

  it('matches a prefix PodExec when asked to', async () => {
    const result = await exec('zamaz-v2-def34', 'istio-proxy', [
      'pilot-agent',
      'request',
      'GET',
      'stats?filter=overflow',
    ]);
    expect(result.stdout).toContain('upstream_cx_overflow: 0');
    expect(result.status.status).toBe('Success');
  });

  it('reports stderr and a non-zero exit code like the kubelet', async () => {
    const result = await exec('zamaz-v1-abc12', 'zamaz', ['sh', '-c', 'exit 3']);
    expect(result.stderr).toBe('boom\n');
    expect(result.status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    expect(result.status.message).toMatch(/^command terminated with non-zero exit code/);
  });

  it('answers unknown commands with exit 127', async () => {
    const result = await exec('zamaz-v2-def34', 'zamaz', ['curl', 'localhost']);
    expect(result.stderr).toBe('curl: command not found\n');
    expect(result.status.details?.causes?.[0]?.message).toBe('127');
  });

  it('respects the container: a PodExec for istio-proxy does not answer in another container', async () => {
    const result = await exec('zamaz-v1-abc12', 'zamaz', ['pilot-agent', 'request', 'GET', 'certs']);
    expect(result.status.details?.causes?.[0]?.message).toBe('127');
  });

  it('refuses unknown containers and pods before upgrading', async () => {
    await expect(exec('zamaz-v1-abc12', 'nope', ['ls'])).rejects.toBeDefined();
    await expect(exec('ghost', 'zamaz', ['ls'])).rejects.toBeDefined();
    const plain = await raw(
      env().sim,
      'POST',
      '/api/v1/namespaces/zamaz-mesh/pods/zamaz-v1-abc12/exec?command=ls&container=zamaz',
    );
    expect(plain.status).toBe(400);
    expect(plain.json().message).toBe('Upgrade request required');
  });
});

describe('Pod Security admission', () => {
  const env = useSimulator(fixture('basic'));

  it('rejects a pod violating restricted in an enforcing namespace, also with dryRun=All', async () => {
    const pod = {
      metadata: { name: 'unsafe' },
      spec: { containers: [{ name: 'app', image: 'x' }] },
    };
    const { code, body } = await failure(
      env()
        .kc.makeApiClient(CoreV1Api)
        .createNamespacedPod({ namespace: 'zamaz-mesh', body: pod, dryRun: 'All' }),
    );
    expect(code).toBe(403);
    expect(body).toMatchObject({ reason: 'Forbidden', details: { name: 'unsafe', kind: 'pods' } });
    expect(body.message).toBe(
      'pods "unsafe" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it('admits a compliant pod and anything in a namespace without enforcement', async () => {
    const core = env().kc.makeApiClient(CoreV1Api);
    const compliant = await core.createNamespacedPod({
      namespace: 'zamaz-mesh',
      dryRun: 'All',
      body: {
        metadata: { name: 'safe' },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'app',
              image: 'x',
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    });
    expect(compliant.metadata?.name).toBe('safe');
    const legacy = await core.createNamespacedPod({
      namespace: 'zamaz-legacy',
      body: {
        metadata: { name: 'root' },
        spec: { containers: [{ name: 'app', image: 'x', securityContext: { privileged: true } }] },
      },
    });
    expect(legacy.status?.phase).toBe('Pending');
  });

  it('lists host namespaces, privileged containers and hostPath volumes', async () => {
    const { body } = await failure(
      env()
        .kc.makeApiClient(CoreV1Api)
        .createNamespacedPod({
          namespace: 'zamaz-mesh',
          dryRun: 'All',
          body: {
            metadata: { name: 'host' },
            spec: {
              hostNetwork: true,
              securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
              volumes: [{ name: 'root', hostPath: { path: '/' } }],
              containers: [
                {
                  name: 'app',
                  image: 'x',
                  securityContext: {
                    privileged: true,
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ['ALL'] },
                  },
                },
              ],
            },
          },
        }),
    );
    expect(body.message).toBe(
      'pods "host" is forbidden: violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true), hostPath volumes (volume "root"), privileged (container "app" must not set securityContext.privileged=true), restricted volume types (volume "root" uses restricted volume type "hostPath")',
    );
  });
});
