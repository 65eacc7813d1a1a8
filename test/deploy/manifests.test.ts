// The gate-job kit in deploy/: every manifest parses and the API server accepts it (kubectl apply
// --dry-run=server against the simulator), generated files are up to date, pod templates pass Pod
// Security "restricted", and the Dockerfile builds the image from the packed package. (No container
// engine runs here: the Dockerfile is checked statically.)
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import { expectedFiles } from '../../scripts/gen-deploy.ts';
import { ROOT } from '../support/cli.ts';

const DEPLOY = path.join(ROOT, 'deploy');
const K8S = path.join(DEPLOY, 'kubernetes');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
}

function objectsOf(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const d of docs)
    if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
  return docs.map((d) => d.toJS() as Obj).filter((o) => o !== null);
}

const manifests = yamlFiles(K8S);
const objects = manifests.flatMap((f) => objectsOf(f).map((o) => ({ file: path.relative(ROOT, f), o })));

let sim: StartedSimulator;
beforeAll(async () => {
  sim = await startSimulator({
    scenario: [path.join(ROOT, 'scenarios/healthy'), path.join(import.meta.dirname, 'fixtures/crds')],
  });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
});

const kubectl = (args: string[], input?: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile('kubectl', ['--kubeconfig', sim.kubeconfigPath, ...args], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });

/** The pod template of each workload manifest, with where it comes from. */
function podTemplates(): { from: string; namespace: string; spec: Record<string, unknown> }[] {
  const out: { from: string; namespace: string; spec: Record<string, unknown> }[] = [];
  for (const { file, o } of objects) {
    const spec = o.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    const template =
      o.kind === 'Job' || o.kind === 'Deployment'
        ? spec?.template
        : o.kind === 'CronJob'
          ? spec?.jobTemplate?.spec?.template
          : o.kind === 'AnalysisTemplate'
            ? spec?.metrics?.[0]?.provider?.job?.spec?.template
            : undefined;
    if (template?.spec)
      out.push({
        from: `${file} ${o.kind}/${o.metadata?.name}`,
        namespace: o.metadata?.namespace ?? 'default',
        spec: template.spec,
      });
  }
  return out;
}

describe('deploy/: manifests', () => {
  it('every YAML file parses (Kubernetes manifests and CI files)', () => {
    const all = yamlFiles(DEPLOY);
    expect(all.length).toBeGreaterThan(8);
    for (const f of all) expect(() => objectsOf(f), f).not.toThrow();
    for (const { file, o } of objects) {
      expect(o.apiVersion, file).toBeTruthy();
      expect(o.kind, file).toBeTruthy();
      expect(o.metadata?.name, file).toBeTruthy();
    }
  });

  it('the generated RBAC manifests and docs/rbac.md table are up to date (npm run gen:deploy)', async () => {
    for (const [file, text] of Object.entries(await expectedFiles())) {
      expect(readFileSync(path.join(ROOT, file), 'utf8'), `${file} is stale: run npm run gen:deploy`).toBe(
        text,
      );
    }
  });

  it('kubectl apply --dry-run=server accepts every manifest', async () => {
    const res = await kubectl(['apply', '--dry-run=server', '-R', '-f', K8S]);
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    const accepted = res.stdout.split('\n').filter((l) => /\((server dry run)\)$/.test(l));
    expect(accepted).toHaveLength(objects.length);
    for (const { o } of objects) {
      expect(res.stdout).toMatch(
        new RegExp(
          `${o.kind?.toLowerCase()}[^/]*/${o.metadata?.name} (created|configured|unchanged) \\(server dry run\\)`,
        ),
      );
    }
  }, 120_000);

  it('the server dry run is a real check: a Role in a namespace that does not exist is refused', async () => {
    const res = await kubectl(
      ['apply', '--dry-run=server', '-f', '-'],
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: x, namespace: no-such-namespace}\nrules: []\n',
    );
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('namespaces "no-such-namespace" not found');
  }, 60_000);

  it('every pod template passes Pod Security "restricted" (as a Pod, server dry run in a restricted namespace)', async () => {
    const templates = podTemplates();
    expect(templates.map((t) => t.from.split(' ')[1])).toEqual(
      expect.arrayContaining([
        'AnalysisTemplate/meshgate-canary',
        'Job/meshgate-verify',
        'CronJob/meshgate-verify-nightly',
        'Deployment/meshgate-webhook',
      ]),
    );
    const asPod = (spec: Record<string, unknown>) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'pss-check', namespace: 'zamaz-mesh' },
        spec,
      });
    for (const t of templates) {
      const res = await kubectl(['create', '--dry-run=server', '-f', '-'], asPod(t.spec));
      expect(res.stderr, t.from).toBe('');
      expect(res.code, t.from).toBe(0);
    }
    // The same template without its security context is refused: the check can fail.
    const bare = { ...(templates[0]?.spec ?? {}), securityContext: {} } as Record<string, unknown>;
    const containers = (bare.containers as Record<string, unknown>[]).map((c) => ({
      ...c,
      securityContext: {},
    }));
    const refused = await kubectl(['create', '--dry-run=server', '-f', '-'], asPod({ ...bare, containers }));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('violates PodSecurity "restricted');
  }, 120_000);

  it('workloads run meshgate commands as the ServiceAccounts the RBAC files define, from one image', () => {
    const accounts = new Set(
      objects
        .filter(({ o }) => o.kind === 'ServiceAccount')
        .map(({ o }) => `${o.metadata?.namespace}/${o.metadata?.name}`),
    );
    const images = new Set<string>();
    for (const t of podTemplates()) {
      expect(accounts, t.from).toContain(`${t.namespace}/${t.spec.serviceAccountName as string}`);
      for (const c of t.spec.containers as { image: string; args: string[] }[]) {
        images.add(c.image);
        expect(['verify', 'canary', 'serve-webhook'], t.from).toContain(c.args[0]);
      }
    }
    expect([...images]).toEqual(['registry.example.com/meshgate:0.1.0']);
  });
});

describe('deploy/Dockerfile (static: no container engine here)', () => {
  const text = readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = lines.reduce<string[][]>((acc, l) => {
    if (/^FROM\s/i.test(l)) acc.push([]);
    acc.at(-1)?.push(l);
    return acc;
  }, []);
  const final = stages.at(-1) ?? [];

  it('builds from Node 20 (the engines floor) in two stages', () => {
    expect(lines).toContain('ARG NODE_IMAGE=node:20-bookworm-slim');
    expect(stages).toHaveLength(2);
    const engines = (
      JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).toBe('>=20.19');
  });

  it('installs the packed package (what npm install gets), never the checkout, in the final stage', () => {
    expect(stages[0]?.some((l) => /^RUN npm pack /.test(l))).toBe(true);
    expect(final.some((l) => /npm install --global --omit=dev .*\/pkg\/meshgate-\*\.tgz/.test(l))).toBe(true);
    expect(final.filter((l) => /^COPY /.test(l))).toEqual(['COPY --from=build /pkg/ /pkg/']);
    expect(final.some((l) => /npm (run )?build|tsx/.test(l))).toBe(false);
  });

  it('runs as a numeric non-root user with meshgate as the entry point', () => {
    expect(final).toContain('USER 65532:65532');
    expect(final).toContain('ENTRYPOINT ["meshgate"]');
  });

  it('keeps local state out of the build context', () => {
    const ignore = readFileSync(path.join(DEPLOY, 'Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'dist', 'reports', '.git']) expect(ignore).toContain(p);
  });
});
