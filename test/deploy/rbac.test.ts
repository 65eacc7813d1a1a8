// Least privilege, for real: the suites run on scenarios/healthy as meshgate's ServiceAccount bound by
// exactly the roles of deploy/kubernetes/rbac.yaml (the simulator evaluates RBAC for the impersonated
// ServiceAccount), every rule is needed by that run, and without a rule the checks that need it are
// INCONCLUSIVE, naming what is forbidden. Removing every rule one by one takes half an hour here; a
// representative subset runs: a cluster-wide list (cluster.nodes), a namespaced list of Istio policies
// (mesh.security-policies) and a pod subresource (mesh.proxy). Every rule's `needs` (docs/rbac.md)
// was measured the same way, one rule at a time.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  PERMISSION_RULES,
  rbacObjects,
  ruleNamespace,
  type PermissionRule,
} from '../../src/permissions/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { startSimulator, type AccessRecord, type StartedSimulator } from '../../src/sim/index.ts';
import { ROOT, attestedConfig, pathWithTools, runCli, verifyJson } from '../support/cli.ts';
import { SERVICE_ACCOUNT_USER, impersonatingKubeconfig, rbacScenario } from './support.ts';

const { config } = attestedConfig();
const PATH = pathWithTools();
const log: AccessRecord[] = [];
let sim: StartedSimulator;
let kubeconfig: string;

beforeAll(async () => {
  sim = await startSimulator({ scenario: rbacScenario(), onAccess: (r) => log.push(r) });
  kubeconfig = impersonatingKubeconfig(sim.kubeconfigPath);
}, 60_000);
afterAll(async () => {
  await sim?.stop();
});

function allows(rule: PermissionRule, r: AccessRecord): boolean {
  const namespace = ruleNamespace(rule, defaultProfile);
  if (namespace !== undefined && r.namespace !== namespace) return false;
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return (
    r.group === rule.apiGroup &&
    rule.resources.includes(resource) &&
    rule.verbs.includes(r.verb) &&
    (!rule.resourceNames || rule.resourceNames(defaultProfile).includes(r.name))
  );
}

const readRules = PERMISSION_RULES.filter((r) => r.role === 'read');

describe('meshgate as its ServiceAccount, bound by exactly deploy/kubernetes/rbac.yaml', () => {
  it('the scenario binds what deploy/kubernetes/rbac.yaml ships, and nothing else', () => {
    const shipped = parseAllDocuments(
      readFileSync(path.join(ROOT, 'deploy/kubernetes/rbac.yaml'), 'utf8'),
    ).map((d) => d.toJS());
    expect(shipped).toEqual(rbacObjects(defaultProfile, { roles: ['read', 'traffic'] }));
  });

  it('the suites pass on scenarios/healthy, every request as the ServiceAccount and allowed', async () => {
    const { code, report } = await verifyJson(['verify', '--kubeconfig', kubeconfig, '--config', config], {
      env: { PATH },
    });
    const notPassed = report.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped');
    expect(notPassed.map((c) => `${c.id}: ${c.findings.map((f) => f.message).join('; ')}`)).toEqual([]);
    expect(report.verdict).toBe('PASS');
    expect(code).toBe(0);
    expect(report.checks.filter((c) => c.status === 'skipped').map((c) => c.id)).toEqual([
      'security.probe.plaintext',
      'security.probe.denied-path',
    ]);
    expect(log.length).toBeGreaterThan(50);
    expect(log.filter((r) => r.user !== SERVICE_ACCOUNT_USER)).toEqual([]);
    expect(log.filter((r) => !r.allowed)).toEqual([]);
  }, 300_000);

  it('every rule of meshgate-read was needed: some request of that run only it allowed', () => {
    const unneeded = readRules.filter(
      (rule) =>
        !log.some((r) => allows(rule, r) && readRules.every((other) => other === rule || !allows(other, r))),
    );
    expect(unneeded.map((r) => r.id)).toEqual([]);
  });

  it('rollback runs as the ServiceAccount: meshgate-traffic allows exactly its writes', async () => {
    const before = log.length;
    const res = await runCli([
      'rollback',
      '--kubeconfig',
      kubeconfig,
      '--report-dir',
      path.join(sim.kubeconfigPath, '..', 'reports'),
    ]);
    expect(res.code, res.stderr).toBe(0);
    const writes = log.slice(before).filter((r) => r.verb === 'patch');
    expect(
      writes
        .map(
          (r) =>
            `${r.resource}${r.subresource ? `/${r.subresource}` : ''} ${r.namespace}/${r.name} ${r.allowed}`,
        )
        .sort(),
    ).toEqual([
      'deployments/scale zamaz-mesh/zamaz-api true',
      'deployments/scale zamaz-mesh/zamaz-frontend true',
      'virtualservices zamaz-mesh/zamaz true',
    ]);
  }, 120_000);
});

describe.each(['cluster.nodes', 'mesh.security-policies', 'mesh.proxy'])('without the rule %s', (id) => {
  const rule = PERMISSION_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  const checks = rule.needs.filter((n) => /^[a-z]+\./.test(n));
  // prereq too: its permissions check must name the rule's permission.
  const suites = [...new Set(['prereq', ...checks.map((c) => c.split('.')[0] ?? '')])];

  it(`makes exactly the checks that need it INCONCLUSIVE (${rule.needs.join(', ')}), naming what is forbidden`, async () => {
    const denied: AccessRecord[] = [];
    const without = await startSimulator({
      scenario: rbacScenario({ without: [id] }),
      onAccess: (r) => void (r.allowed ? undefined : denied.push(r)),
    });
    try {
      const { code, report } = await verifyJson(
        [
          'verify',
          ...suites,
          '--kubeconfig',
          impersonatingKubeconfig(without.kubeconfigPath),
          '--config',
          config,
        ],
        { env: { PATH } },
      );
      expect(report.verdict).toBe('INCONCLUSIVE');
      expect(code).toBe(2);
      const affected = report.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped');
      // Never a FAIL: what cannot be seen is not a broken cluster.
      expect(affected.filter((c) => c.status !== 'inconclusive').map((c) => c.id)).toEqual([]);
      expect(affected.map((c) => c.id).sort()).toEqual([...checks, 'prereq.permissions'].sort());
      // Each names the verb and resource the API server refused, as the API server words it.
      const [verb] = rule.verbs;
      const resources = rule.resources.map((r) => r.split('/')[0] ?? r);
      for (const c of affected.filter((x) => x.id !== 'prereq.permissions')) {
        const text = c.findings.map((f) => `${f.message} ${f.hint}`).join('\n');
        expect(text, c.id).toMatch(
          new RegExp(`cannot (${rule.verbs.join('|')}) resource "(${rule.resources.join('|')})"`),
        );
      }
      const permissions = report.checks.find((c) => c.id === 'prereq.permissions');
      expect(permissions?.findings.map((f) => f.object).join('\n')).toMatch(
        new RegExp(`permission/${verb} ${resources[0]}`),
      );
      expect(denied.length).toBeGreaterThan(0);
      expect(denied.every((r) => allows(rule, r))).toBe(true);
    } finally {
      await without.stop();
    }
  }, 300_000);
});
