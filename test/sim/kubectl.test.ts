import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixture, kubectlRunner, useSimulator, type KubectlResult } from './sim-harness.ts';

// /usr/bin/kubectl is gcloud's dispatcher: it runs the kubectl minor matching the server's /version.
// The default profile (1.28) therefore exercises kubectl 1.28 (exec over SPDY), the v1.31 layer
// kubectl 1.31 (exec over WebSocket, apply validated through OpenAPI v3).

/** kubectl apply of a new ConfigMap, then of a changed one; kubectl validates through OpenAPI first. */
async function applyTwice(run: (...args: string[]) => Promise<KubectlResult>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'meshgate-apply-'));
  try {
    const file = join(dir, 'cm.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied, namespace: zamaz-mesh}\ndata: {k: "1"}\n',
    );
    expect(await run('apply', '-f', file)).toMatchObject({ code: 0, stdout: 'configmap/applied created\n' });
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied, namespace: zamaz-mesh}\ndata: {k: "2"}\n',
    );
    expect(await run('apply', '-f', file)).toMatchObject({
      code: 0,
      stdout: 'configmap/applied configured\n',
    });
    expect((await run('get', 'cm', 'applied', '-n', 'zamaz-mesh', '-o', 'jsonpath={.data.k}')).stdout).toBe(
      '2',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('kubectl against the default (1.28) profile', () => {
  const env = useSimulator(fixture('basic'));
  const kubectl = kubectlRunner(() => env().sim.kubeconfigPath);
  afterAll(kubectl.cleanup);

  it('get --raw /version', async () => {
    const { code, stdout } = await kubectl.run('get', '--raw', '/version');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ major: '1', minor: '28', gitVersion: 'v1.28.3' });
  });

  it('get pods -A prints the server-side table', async () => {
    const { code, stdout, stderr } = await kubectl.run('get', 'pods', '-A');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual([
      'zamaz-legacy zamaz-legacy-0 0/1 Pending',
      'zamaz-mesh zamaz-v1-abc12 2/2 Running',
      'zamaz-mesh zamaz-v2-def34 0/2 Running',
    ]);
  });

  it('get virtualservices -o yaml', async () => {
    const { code, stdout } = await kubectl.run('get', 'virtualservices', '-n', 'zamaz-mesh', '-o', 'yaml');
    expect(code).toBe(0);
    const list = parse(stdout) as {
      kind: string;
      items: Array<{ apiVersion: string; metadata: { name: string }; spec: unknown }>;
    };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => [i.apiVersion, i.metadata.name])).toEqual([
      ['networking.istio.io/v1beta1', 'zamaz'],
    ]);
  });

  it('api-resources lists built-in, Istio and CRD-defined resources with short names', async () => {
    const { code, stdout } = await kubectl.run('api-resources');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^virtualservices\s+vs\s+networking\.istio\.io\/v1beta1\s+true\s+VirtualService$/m,
    );
    expect(stdout).toMatch(
      /^peerauthentications\s+pa\s+security\.istio\.io\/v1beta1\s+true\s+PeerAuthentication$/m,
    );
    expect(stdout).toMatch(/^clusterspiffeids\s+spire\.spiffe\.io\/v1alpha1\s+false\s+ClusterSPIFFEID$/m);
    expect(stdout).toMatch(/^widgets\s+wd\s+example\.com\/v1\s+true\s+Widget$/m);
    expect(stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  });

  it('patch virtualservice --type merge', async () => {
    const patch =
      '{"spec":{"http":[{"route":[{"destination":{"host":"zamaz","subset":"v2"},"weight":100}]}]}}';
    const done = await kubectl.run(
      'patch',
      'virtualservice',
      'zamaz',
      '-n',
      'zamaz-mesh',
      '--type',
      'merge',
      '-p',
      patch,
    );
    expect(done.stdout.trim()).toBe('virtualservice.networking.istio.io/zamaz patched');
    const again = await kubectl.run(
      'patch',
      'vs',
      'zamaz',
      '-n',
      'zamaz-mesh',
      '--type',
      'merge',
      '-p',
      patch,
    );
    expect(again.stdout.trim()).toBe('virtualservice.networking.istio.io/zamaz patched (no change)');
    const weights = await kubectl.run(
      'get',
      'vs',
      'zamaz',
      '-n',
      'zamaz-mesh',
      '-o',
      'jsonpath={.spec.http[0].route[*].weight}',
    );
    expect(weights.stdout).toBe('100');
  });

  it('patch deployment --type strategic merges containers by name', async () => {
    const patch = '{"spec":{"template":{"spec":{"containers":[{"name":"zamaz","image":"zamaz:1.2"}]}}}}';
    const done = await kubectl.run(
      'patch',
      'deployment',
      'zamaz-v1',
      '-n',
      'zamaz-mesh',
      '--type',
      'strategic',
      '-p',
      patch,
    );
    expect(done.code).toBe(0);
    expect(done.stdout.trim()).toBe('deployment.apps/zamaz-v1 patched');
    const out = await kubectl.run(
      'get',
      'deploy',
      'zamaz-v1',
      '-n',
      'zamaz-mesh',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}',
    );
    expect(out.stdout).toBe('zamaz:1.2 8080');
  });

  it('scale deployment', async () => {
    const done = await kubectl.run('scale', 'deployment', 'zamaz-v1', '-n', 'zamaz-mesh', '--replicas=3');
    expect(done.stdout.trim()).toBe('deployment.apps/zamaz-v1 scaled');
    const replicas = await kubectl.run(
      'get',
      'deploy',
      'zamaz-v1',
      '-n',
      'zamaz-mesh',
      '-o',
      'jsonpath={.spec.replicas}',
    );
    expect(replicas.stdout).toBe('3');
  });

  it('get -w prints changes as they happen', async () => {
    const home = await mkdtemp(join(tmpdir(), 'meshgate-kubectl-watch-'));
    const child = spawn(
      '/usr/bin/kubectl',
      ['--kubeconfig', env().sim.kubeconfigPath, 'get', 'pods', '-n', 'zamaz-mesh', '-w'],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECACHEDIR: join(home, 'cache') },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`kubectl get -w printed:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await waitFor(/zamaz-v2-def34/);
      await env()
        .kc.makeApiClient(CoreV1Api)
        .patchNamespacedPod(
          { name: 'zamaz-v2-def34', namespace: 'zamaz-mesh', body: { status: { phase: 'Failed' } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      // Pods have a status subresource: that main-resource patch changes nothing, so patch /status.
      await env()
        .kc.makeApiClient(CoreV1Api)
        .patchNamespacedPodStatus(
          { name: 'zamaz-v2-def34', namespace: 'zamaz-mesh', body: { status: { phase: 'Failed' } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      await waitFor(/zamaz-v2-def34\s+0\/2\s+Failed/);
      expect(output.match(/^NAME\s+READY/gm)).toHaveLength(1);
    } finally {
      child.kill();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('apply creates, then updates with a computed patch (OpenAPI v2 path)', () => applyTwice(kubectl.run));

  it('exec over SPDY returns PodExec output and exit codes', async () => {
    const ok = await kubectl.run(
      'exec',
      '-n',
      'zamaz-mesh',
      'zamaz-v1-abc12',
      '-c',
      'istio-proxy',
      '--',
      'pilot-agent',
      'request',
      'GET',
      'certs',
    );
    expect(ok).toMatchObject({ code: 0, stdout: '{"certificates":[]}' });
    const failed = await kubectl.run(
      'exec',
      '-n',
      'zamaz-mesh',
      'zamaz-v1-abc12',
      '-c',
      'zamaz',
      '--',
      'sh',
      '-c',
      'exit 3',
    );
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('boom\ncommand terminated with exit code 3');
  });

  it('reports a missing token as Unauthorized', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshgate-kubeconfig-'));
    try {
      const { readFile } = await import('node:fs/promises');
      const config = (await readFile(env().sim.kubeconfigPath, 'utf8')).replace(/token: .*/, 'token: wrong');
      await writeFile(join(dir, 'config'), config);
      const bad = kubectlRunner(() => join(dir, 'config'));
      const result = await bad.run('get', 'ns');
      await bad.cleanup();
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/You must be logged in to the server/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('kubectl against a ClusterProfile with forbidden verbs', () => {
  const env = useSimulator(fixture('profile'));
  const kubectl = kubectlRunner(() => env().sim.kubeconfigPath);
  afterAll(kubectl.cleanup);

  it('shows the Forbidden message and answers auth can-i from the same rules', async () => {
    const denied = await kubectl.run('get', 'pods', '-n', 'zamaz-mesh');
    expect(denied.code).toBe(1);
    expect(denied.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:meshgate:meshgate" cannot list resource "pods" in API group "" in the namespace "zamaz-mesh"',
    );
    expect((await kubectl.run('auth', 'can-i', 'list', 'pods', '-n', 'zamaz-mesh')).stdout.trim()).toBe('no');
    expect((await kubectl.run('auth', 'can-i', 'list', 'pods', '-n', 'zamaz-legacy')).stdout.trim()).toBe(
      'yes',
    );
  });
});

describe('kubectl 1.31 (v1.31 profile layer): exec over WebSocket and apply', () => {
  const env = useSimulator([fixture('basic'), fixture('v1.31')]);
  const kubectl = kubectlRunner(() => env().sim.kubeconfigPath);
  afterAll(kubectl.cleanup);

  it('exec returns PodExec output and propagates exit codes', async () => {
    const ok = await kubectl.run(
      'exec',
      '-n',
      'zamaz-mesh',
      'zamaz-v1-abc12',
      '-c',
      'istio-proxy',
      '--',
      'pilot-agent',
      'request',
      'GET',
      'certs',
    );
    expect(ok).toMatchObject({ code: 0, stdout: '{"certificates":[]}' });
    const failed = await kubectl.run(
      'exec',
      '-n',
      'zamaz-mesh',
      'zamaz-v1-abc12',
      '-c',
      'zamaz',
      '--',
      'sh',
      '-c',
      'exit 3',
    );
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('boom');
    const unknown = await kubectl.run(
      'exec',
      '-n',
      'zamaz-mesh',
      'zamaz-v2-def34',
      '-c',
      'zamaz',
      '--',
      'curl',
      'x',
    );
    expect(unknown.code).toBe(127);
    expect(unknown.stderr).toContain('curl: command not found');
  });

  it('apply creates, then updates with a computed patch (OpenAPI v3 path)', () => applyTwice(kubectl.run));
});
