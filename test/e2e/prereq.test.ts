import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GateReport } from '../../src/report/types.ts';
import { PREREQ_GATES } from '../../suites/prereq/prereq-gates.ts';
import { attestedConfig, pathWithTools, runCli, verifyJson } from '../support/cli.ts';
import { gatesOnScenario } from '../support/run-gates.ts';

const healthy = 'scenarios/healthy';
const broken = (name: string): string => `scenarios/broken/${name}`;
const { config } = attestedConfig();
const toolsPath = pathWithTools();

const gateJson = (args: string[], env: NodeJS.ProcessEnv = { PATH: toolsPath }) =>
  verifyJson(['verify', 'prereq', '--config', config, ...args], { env });
// The cluster checks in-process against one simulator per scenario (what a check says is the same as
// through the CLI, without a vitest boot per scenario); the CLI runs below test the process boundary:
// exit codes 0 to 3, the attested items, text and JSON output, Allure results.
const gates = (scenario: string, env: NodeJS.ProcessEnv = { PATH: toolsPath }) =>
  gatesOnScenario(scenario, PREREQ_GATES, { env });

describe.concurrent(
  'meshgate verify prereq (CLI and checks against the simulator)',
  { timeout: 180_000 },
  () => {
    it('passes on the healthy reference cluster with exit 0, listing every check', async () => {
      const { code, report, check } = await gateJson(['--scenario', healthy]);
      expect(report.verdict).toBe('PASS');
      expect(code).toBe(0);
      expect(report.checks.map((c) => c.id)).toEqual([
        'prereq.kubernetes-version',
        'prereq.capacity',
        'prereq.load-balancer',
        'prereq.storage-class',
        'prereq.rbac',
        'prereq.tools',
        'prereq.permissions',
        'prereq.attestation.backup-taken',
        'prereq.attestation.config-documented',
        'prereq.attestation.dr-tested',
        'prereq.attestation.rollback-plan',
        'prereq.attestation.maintenance-window',
        'prereq.attestation.stakeholders-notified',
      ]);
      expect(report.checks.every((c) => c.status === 'passed')).toBe(true);
      expect(check('prereq.capacity').details[0]).toBe(
        '11.76 vCPU and 46.54 GiB allocatable on 3 schedulable node(s) (needed 4 vCPU and 8 GiB)',
      );
      expect(check('prereq.attestation.backup-taken').details[0]).toContain('attested by oncall@example.com');
    });

    it.each([
      [
        'prereq-old-kubernetes',
        'prereq.kubernetes-version',
        'cluster/version',
        'Kubernetes v1.24.17 is older than the required 1.25',
        'upgrade the cluster to Kubernetes 1.25 or later',
      ],
      [
        'prereq-small-cluster',
        'prereq.capacity',
        'cluster/nodes',
        'not enough CPU and memory: 3 vCPU and 6 GiB allocatable on 3 schedulable node(s)',
        'add nodes or larger nodes',
      ],
      [
        'prereq-no-load-balancer',
        'prereq.load-balancer',
        'Service/istio-system/istio-ingressgateway',
        'have no ingress address (pending)',
        'install MetalLB',
      ],
      [
        'prereq-no-default-storageclass',
        'prereq.storage-class',
        'cluster/storageclasses',
        'no StorageClass is marked default (found standard)',
        'kubectl patch storageclass standard',
      ],
      [
        'prereq-rbac-not-enforced',
        'prereq.rbac',
        'cluster/rbac',
        'may list secrets cluster-wide: RBAC is served but not enforced',
        'ClusterRoleBindings to system:serviceaccounts',
      ],
    ])(
      '%s: fails %s (exit 1), naming the object and the fix',
      async (scenario, id, object, message, hint) => {
        const { exitCode, verdict, check, notPassed } = await gates(broken(scenario));
        expect(verdict).toBe('FAIL');
        expect(exitCode).toBe(1);
        const c = check(id);
        expect(c.status).toBe('failed');
        expect(c.findings[0]?.object).toBe(object);
        expect(c.findings[0]?.message).toContain(message);
        expect(c.findings[0]?.hint).toContain(hint);
        // Only the broken item fails: the others still pass on the same cluster.
        expect(notPassed()).toEqual([id]);
      },
    );

    it('fails prereq.tools when helm is missing, saying how to install it', async () => {
      const { exitCode, check, notPassed } = await gates(healthy, { PATH: pathWithTools({ helm: false }) });
      expect(exitCode).toBe(1);
      expect(notPassed()).toEqual(['prereq.tools']);
      expect(check('prereq.tools').findings).toEqual([
        expect.objectContaining({
          object: 'tool/helm',
          message: 'helm is not on PATH',
          hint: expect.stringContaining('get-helm-3'),
        }),
      ]);
    });

    it('fails prereq.tools when istioctl does not match the Istio version', async () => {
      const { exitCode, check } = await gates(healthy, { PATH: pathWithTools({ istioctl: '1.22.1' }) });
      expect(exitCode).toBe(1);
      expect(check('prereq.tools').findings[0]?.message).toContain(
        "istioctl 1.22.1 does not match the profile's Istio 1.20.1",
      );
    });

    it('is inconclusive (exit 2) when meshgate lacks permissions, naming each one', async () => {
      const { exitCode, verdict, check } = await gates(broken('forbidden'));
      expect(verdict).toBe('INCONCLUSIVE');
      expect(exitCode).toBe(2);
      const c = check('prereq.permissions');
      expect(c.status).toBe('inconclusive');
      expect(c.findings.map((f) => f.object)).toEqual([
        'permission/list peerauthentications.security.istio.io in zamaz-mesh',
        'permission/create pods/exec in spire-system',
      ]);
      expect(c.findings[1]?.hint).toContain('resources: ["pods/exec"], verbs: ["create"]');
    });

    it('closes the gate on a required pre-migration item nobody attested', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-unattested-'));
      const cfg = path.join(dir, 'meshgate.config.ts');
      writeFileSync(cfg, 'export default {};\n');
      const res = await runCli(['verify', 'prereq', '--config', cfg, '--scenario', healthy, '-o', 'json'], {
        env: { PATH: toolsPath },
      });
      const report = JSON.parse(res.stdout) as GateReport;
      expect(res.code).toBe(1);
      const backup = report.checks.find((c) => c.id === 'prereq.attestation.backup-taken');
      expect(backup?.status).toBe('failed');
      expect(backup?.findings[0]?.message).toBe(
        `"Backup current database" is pending (not recorded in ${path.join(dir, 'attestations.yaml')}); the profile requires it before the migration`,
      );
      expect(report.checks.find((c) => c.id === 'prereq.attestation.dr-tested')?.status).toBe('skipped');
    });

    it('is inconclusive (exit 2) when the API server cannot be reached', async () => {
      const port = await new Promise<number>((resolve) => {
        const srv = createServer().listen(0, '127.0.0.1', () => {
          const p = (srv.address() as { port: number }).port;
          srv.close(() => resolve(p));
        });
      });
      const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-unreachable-'));
      const kubeconfig = path.join(dir, 'config');
      writeFileSync(
        kubeconfig,
        `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\n` +
          `users: [{name: u, user: {token: s3cr3t-token-value}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
      );
      const { code, report, stdout, stderr } = await gateJson(['--kubeconfig', kubeconfig]);
      expect(code).toBe(2);
      expect(report.verdict).toBe('INCONCLUSIVE');
      expect(report.errors[0]).toBe(
        `cannot reach the Kubernetes API server at https://127.0.0.1:${port}: connection refused; check the network, the kubeconfig's server URL and --context`,
      );
      expect(stdout + stderr).not.toContain('s3cr3t-token-value');
    });

    it('exits 3 on an invalid profile, naming the field and the allowed values', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-badprofile-'));
      const cfg = path.join(dir, 'meshgate.config.ts');
      writeFileSync(
        cfg,
        `export default { spire: { server: { kind: 'DaemonSet' } }, traffic: { steps: [10, 50] } };\n`,
      );
      const res = await runCli(['verify', 'prereq', '--config', cfg, '--scenario', healthy]);
      expect(res.code).toBe(3);
      expect(res.stderr).toContain(
        'spire.server.kind: not an allowed value; allowed values: "StatefulSet", "Deployment"',
      );
      expect(res.stderr).toContain('traffic.steps: the last step must be 100');
    });

    it('exits 3 when no kubeconfig can be found, and never tries localhost:8080', async () => {
      const home = mkdtempSync(path.join(os.tmpdir(), 'meshgate-home-'));
      const res = await runCli(['verify', 'prereq', '--config', config], {
        env: { HOME: home, KUBECONFIG: '' },
      });
      expect(res.code).toBe(3);
      expect(res.stderr).toContain('no kubeconfig found');
      expect(res.stderr).toContain('never assumes http://localhost:8080');
    });

    it('exits 3 on an unknown flag', async () => {
      const res = await runCli(['verify', '--no-such-flag']);
      expect(res.code).toBe(3);
      expect(res.stderr).toContain("unknown option '--no-such-flag'");
    });

    it('prints a readable table in text mode, writes Allure results into the run directory of every run, and `report` turns them into an HTML report', async () => {
      const reportDir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-allure-'));
      const empty = await runCli(['report', '--report-dir', reportDir]);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toContain(`no Allure results in ${path.join(reportDir, 'allure-results')}`);
      const run = await runCli(
        ['verify', 'prereq', '--config', config, '--scenario', healthy, '--report-dir', reportDir],
        {
          env: { PATH: toolsPath },
        },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        /PASS {9}prereq.kubernetes-version {2}Kubernetes version is at least the minimum/,
      );
      expect(run.stdout).toContain('Kubernetes v1.28.3 (minimum 1.25)');
      expect(run.stdout).toMatch(/verdict: PASS {2}\(13 passed, 0 failed, 0 inconclusive, 0 skipped\)/);
      const runDir = path.join(reportDir, 'runs', readdirSync(path.join(reportDir, 'runs'))[0] ?? '');
      expect(run.stderr).toContain(`run: ${runDir} (result.json, junit.xml, summary.md)\n`);
      const results = readdirSync(path.join(runDir, 'allure-results')).filter((f) =>
        f.endsWith('-result.json'),
      );
      expect(results).toHaveLength(13);
      // Nothing outside the run's directory: a report never mixes runs.
      expect(existsSync(path.join(reportDir, 'allure-results'))).toBe(false);
      const res = await runCli(['report', '--report-dir', reportDir]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toBe(
        `report: ${path.join(runDir, 'report.html')}\nsummary: ${path.join(runDir, 'summary.md')}\n`,
      );
      expect(existsSync(path.join(runDir, 'report.html'))).toBe(true);
    });
  },
);
