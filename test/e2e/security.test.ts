import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GateReport } from '../../src/report/types.ts';
import { startSimulator } from '../../src/sim/index.ts';
import { SECURITY_GATES } from '../../suites/security/security-gates.ts';
import { ROOT, runCli } from '../support/cli.ts';
import { gatesOnScenario, type RunGatesOptions } from '../support/run-gates.ts';

const healthy = 'scenarios/healthy';
const broken = (name: string): string => `scenarios/broken/${name}`;

// The security suite's checks run in-process against one simulator per scenario (what a check says
// is the same as through the CLI, without a vitest boot per scenario); the process boundary (exit code,
// the report's check list, what reaches stdout and the report directory) is the last test's.
const gates = (scenario: string, opts: RunGatesOptions = {}) =>
  gatesOnScenario(scenario, SECURITY_GATES, opts);

const ALL_CHECKS = [
  'security.mtls.strict',
  'security.mtls.destination-rules',
  'security.mtls.selectors',
  'security.authz.deny-by-default',
  'security.authz.allow-policies',
  'security.netpol.default-deny',
  'security.netpol.no-allow-all',
  'security.netpol.allowances',
  'security.probe.plaintext',
  'security.probe.denied-path',
  'security.identity.spiffe-id',
  'security.identity.cert-validity',
  'security.identity.spire-issued',
  'security.identity.trust-domain',
  'security.hygiene.sa-token',
  'security.pss.namespace',
  'security.pss.pods',
  'security.pss.enforced',
];
const PROBES = ['security.probe.plaintext', 'security.probe.denied-path'];
const API_POD = 'Pod/zamaz-mesh/zamaz-api-286jrvmmq6-fkv2l';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe.concurrent(
  'meshgate verify security (its checks against the simulator)',
  { timeout: 180_000 },
  () => {
    it('passes on the healthy reference cluster, listing every item; probes are not run without --probe', async () => {
      const { outcomes, verdict, exitCode, check } = await gates(healthy);
      expect([...outcomes.keys()]).toEqual(ALL_CHECKS);
      expect([...outcomes].filter(([id, c]) => c.status !== 'passed' && !PROBES.includes(id))).toEqual([]);
      expect(verdict).toBe('PASS');
      expect(exitCode).toBe(0);
      for (const id of PROBES) {
        expect(check(id).status).toBe('skipped');
        expect(check(id).details[0]).toContain('not run: pass --probe');
      }
      expect(check('security.mtls.strict').details).toContain(
        `${API_POD}: STRICT (set by PeerAuthentication/zamaz-mesh/default (namespace-wide)); ports 8080 STRICT`,
      );
      expect(check('security.authz.allow-policies').details).toContain(
        'AuthorizationPolicy/zamaz-mesh/allow-frontend-to-api opens app=zamaz-api (2 pods) from zamaz.local/ns/zamaz-mesh/sa/zamaz-frontend to ports 8080 paths /api/*',
      );
      expect(check('security.pss.enforced').details[0]).toContain('violates PodSecurity "restricted:latest"');
      expect(check('security.mtls.selectors').details).toEqual([
        'no PeerAuthentication or DestinationRule selects workloads by label',
      ]);
      expect(check('security.mtls.destination-rules').details.some((d) => d.startsWith('warning:'))).toBe(
        false,
      );
    });

    it.each([
      [
        'security-namespace-permissive',
        'security.mtls.strict',
        API_POD,
        'port 8080 is PERMISSIVE: it accepts plaintext as well as mTLS; set by PeerAuthentication/zamaz-mesh/default (namespace-wide)',
        'kubectl -n zamaz-mesh patch peerauthentication default',
      ],
      [
        'security-workload-permissive',
        'security.mtls.strict',
        API_POD,
        'port 8080 is PERMISSIVE: it accepts plaintext as well as mTLS; set by PeerAuthentication/zamaz-mesh/zamaz-api-permissive (workload)',
        'patch peerauthentication zamaz-api-permissive',
      ],
      [
        'security-port-disable',
        'security.mtls.strict',
        API_POD,
        'port 8080 is DISABLE: it has mTLS disabled (plaintext only); set by PeerAuthentication/zamaz-mesh/zamaz-api-ports (port-level)',
        `{"spec":{"portLevelMtls":{"8080":{"mode":"STRICT"}}}}`,
      ],
      [
        'security-root-selector',
        'security.mtls.strict',
        API_POD,
        'no PeerAuthentication applies, and Istio defaults to PERMISSIVE (PeerAuthentication/istio-system/zamaz-api-strict selects app=zamaz-api in the root namespace istio-system: Istio ignores selectors there)',
        '"namespace":"istio-system"',
      ],
      [
        'security-namespace-oldest',
        'security.mtls.strict',
        API_POD,
        'set by PeerAuthentication/zamaz-mesh/legacy-permissive (namespace-wide) (PeerAuthentication/zamaz-mesh/default (STRICT) is ignored: PeerAuthentication/zamaz-mesh/legacy-permissive is the older namespace-wide policy)',
        'patch peerauthentication legacy-permissive',
      ],
      [
        'security-dr-tls-disable',
        'security.mtls.destination-rules',
        'DestinationRule/zamaz-mesh/zamaz-api',
        'sets spec.trafficPolicy.tls.mode to DISABLE for the mesh host zamaz-api.zamaz-mesh.svc.cluster.local',
        'ISTIO_MUTUAL',
      ],
      [
        'security-no-deny-all',
        'security.authz.deny-by-default',
        'Namespace/zamaz-mesh',
        'no deny-all AuthorizationPolicy (no selector, action ALLOW or absent, no rules) applies to zamaz-mesh',
        '"name":"deny-all"',
      ],
      [
        'security-allow-all',
        'security.authz.deny-by-default',
        'AuthorizationPolicy/zamaz-mesh/allow-all',
        'has a rule that matches everything (rules[0] is empty): it allows every request in zamaz-mesh and cancels the default deny',
        'kubectl -n zamaz-mesh delete authorizationpolicy allow-all',
      ],
      [
        'security-wrong-trust-domain',
        'security.authz.allow-policies',
        'AuthorizationPolicy/zamaz-mesh/allow-ingress',
        "names principal cluster.local/ns/istio-system/sa/istio-ingressgateway: its trust domain cluster.local is not the mesh's zamaz.local",
        'change it to zamaz.local/ns/istio-system/sa/istio-ingressgateway',
      ],
      [
        'security-netpol-allow-all',
        'security.netpol.no-allow-all',
        'NetworkPolicy/zamaz-mesh/allow-all-ingress',
        'spec.ingress[0] allows all ingress (no peers, every port) for every pod in zamaz-mesh',
        'kubectl -n zamaz-mesh delete networkpolicy allow-all-ingress',
      ],
      [
        'security-pod-not-restricted',
        'security.pss.pods',
        API_POD,
        'container "api" of Pod/zamaz-mesh/zamaz-api-286jrvmmq6-fkv2l allows privilege escalation (allowPrivilegeEscalation is unset)',
        'kubectl -n zamaz-mesh edit deployment zamaz-api',
      ],
      [
        'security-wrong-spiffe-id',
        'security.identity.spiffe-id',
        API_POD,
        'presents spiffe://zamaz.local/ns/zamaz-mesh/sa/default, not spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-api',
        'rollout restart deployment/zamaz-api',
      ],
      [
        'security-expired-cert',
        'security.identity.cert-validity',
        API_POD,
        'workload certificate spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-api (serial 2b845142ebb82566a029bb71a6708d88) expired at 2026-11-28T00:00:00Z',
        'spire-agent healthcheck',
      ],
      [
        'security-socket-emptydir',
        'security.identity.spire-issued',
        API_POD,
        'volume workload-socket is emptyDir, not the csi.spiffe.io CSI volume',
        'inject.istio.io/templates: sidecar,spire',
      ],
    ])(
      '%s: fails %s (exit 1), naming the object and the fix',
      async (scenario, id, object, message, hint) => {
        const { verdict, exitCode, check, notPassed } = await gates(broken(scenario));
        const c = check(id);
        expect(c.status).toBe('failed');
        const finding = c.findings.find((f) => f.object === object && f.message.includes(message));
        expect(finding, JSON.stringify(c.findings, null, 1)).toBeDefined();
        expect(finding?.hint).toContain(hint);
        expect(verdict).toBe('FAIL');
        expect(exitCode).toBe(1);
        // Only the broken item fails: the others still pass (or are skipped probes) on the same cluster.
        expect(notPassed()).toEqual([id]);
      },
    );

    it('security-policy-no-workloads: fails the AuthorizationPolicy and the PeerAuthentication whose selector matches no pod (IST0127), exit 1', async () => {
      const { exitCode, verdict, check, notPassed } = await gates(broken('security-policy-no-workloads'));
      expect(exitCode).toBe(1);
      expect(verdict).toBe('FAIL');
      expect(notPassed()).toEqual(['security.mtls.selectors', 'security.authz.allow-policies']);
      const authz = check('security.authz.allow-policies');
      expect(authz.status).toBe('failed');
      expect(authz.findings).toEqual([
        expect.objectContaining({
          object: 'AuthorizationPolicy/zamaz-mesh/allow-frontend-to-billing',
          message:
            'AuthorizationPolicy/zamaz-mesh/allow-frontend-to-billing selects app=zamaz-billing, which matches no running pod in zamaz-mesh: the flow it is meant to allow stays denied (istioctl analyze: IST0127 NoMatchingWorkloadsFound)',
          hint: 'set spec.selector.matchLabels to the labels of the workload it is for (kubectl -n zamaz-mesh get pods --show-labels), or delete it: kubectl -n zamaz-mesh delete authorizationpolicy allow-frontend-to-billing',
        }),
      ]);
      const pa = check('security.mtls.selectors');
      expect(pa.status).toBe('failed');
      expect(pa.findings).toEqual([
        expect.objectContaining({
          object: 'PeerAuthentication/zamaz-mesh/zamaz-billing-strict',
          message:
            'PeerAuthentication/zamaz-mesh/zamaz-billing-strict selects app=zamaz-billing, which matches no running pod in zamaz-mesh: the mTLS mode it declares (STRICT) applies to no workload (the IST0127 NoMatchingWorkloadsFound case; istioctl analyze checks it for AuthorizationPolicies only)',
          hint: 'set spec.selector.matchLabels to the labels of the workload it is for (kubectl -n zamaz-mesh get pods --show-labels), or delete it: kubectl -n zamaz-mesh delete peerauthentication zamaz-billing-strict',
        }),
      ]);
    });

    it('security-dr-tls-no-ca: warns about TLS origination without a CA (IST0128) in the details, verdict unchanged (PASS, exit 0)', async () => {
      const { exitCode, verdict, outcomes, check } = await gates(broken('security-dr-tls-no-ca'));
      const c = check('security.mtls.destination-rules');
      // A details warning by decision: this item is about mTLS inside the mesh (see destination-rule-tls.ts).
      expect(c.status).toBe('passed');
      expect(c.findings).toEqual([]);
      expect(c.details).toContain(
        'warning: DestinationRule/zamaz-mesh/payments → payments.example.com: spec.trafficPolicy.tls.mode is SIMPLE without caCertificates or credentialName, so no CA of its own verifies the server certificate (istioctl analyze: IST0128); set caCertificates or credentialName: kubectl -n zamaz-mesh edit destinationrule payments',
      );
      expect([...outcomes].filter(([id, x]) => x.status !== 'passed' && !PROBES.includes(id))).toEqual([]);
      expect(verdict).toBe('PASS');
      expect(exitCode).toBe(0);
    });

    it('is inconclusive (exit 2) when PeerAuthentications cannot be listed, never passed', async () => {
      const { exitCode, verdict, check } = await gates(broken('security-forbidden'));
      const c = check('security.mtls.strict');
      expect(c.status).toBe('inconclusive');
      expect(c.findings[0]?.message).toContain(
        'may not list peerauthentications.security.istio.io in namespace zamaz-mesh',
      );
      expect(c.findings[0]?.hint).toContain('grant the permission');
      expect(verdict).toBe('INCONCLUSIVE');
      expect(exitCode).toBe(2);
    });

    it('with --probe, creates the throwaway pod, fails on plaintext answered and passes the denied path', async () => {
      const { exitCode, check } = await gates(broken('security-probe-plaintext-accepted'), { probe: true });
      const plain = check('security.probe.plaintext');
      expect(plain.status).toBe('failed');
      expect(plain.findings[0]?.message).toBe(
        'a plaintext request from meshgate/meshgate-probe (outside the mesh) to http://zamaz-api.zamaz-mesh.svc.cluster.local:8080/health was answered with HTTP 200: the mesh accepts plaintext',
      );
      expect(check('security.probe.denied-path').status).toBe('passed');
      expect(exitCode).toBe(1);
    });

    it('through the CLI: exit 0 and every item listed on a healthy cluster; no Secret value or bearer token in text or JSON output or under --report-dir', async () => {
      const canary = 'meshgate-canary-c2VjcmV0LXZhbHVl-7f3a';
      const layer = mkdtempSync(path.join(os.tmpdir(), 'meshgate-secret-'));
      writeFileSync(
        path.join(layer, 'secret.yaml'),
        `apiVersion: v1\nkind: Secret\nmetadata: {name: zamaz-db, namespace: zamaz-mesh, uid: 0b7c1a52-1f4e-4d7e-9a51-3f1e0c9d2a77, creationTimestamp: "2026-11-20T09:00:00Z"}\ntype: Opaque\n` +
          `data: {password: ${Buffer.from(canary).toString('base64')}}\nstringData: {}\n`,
      );
      const sim = await startSimulator({ scenario: [path.join(ROOT, healthy), layer] });
      try {
        const token = /token: (\S+)/.exec(readFileSync(sim.kubeconfigPath, 'utf8'))?.[1] ?? '';
        expect(token.length).toBeGreaterThan(10);
        const reportDir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-reports-'));
        const common = ['verify', 'security', '--kubeconfig', sim.kubeconfigPath, '--report-dir', reportDir];
        const [json, text] = await Promise.all([runCli([...common, '-o', 'json']), runCli(common)]);
        expect(json.code, json.stderr).toBe(0);
        expect(text.code, text.stderr).toBe(0);
        const report = JSON.parse(json.stdout) as GateReport;
        expect(report.verdict).toBe('PASS');
        expect(report.checks.map((c) => c.id)).toEqual(ALL_CHECKS);
        expect(report.checks.every((c) => c.suite === 'security')).toBe(true);
        for (const id of PROBES) expect(report.checks.find((c) => c.id === id)?.status).toBe('skipped');
        const files = filesUnder(reportDir);
        expect(files.some((f) => f.includes('allure-results'))).toBe(true);
        const everything = [
          json.stdout,
          json.stderr,
          text.stdout,
          text.stderr,
          ...files.map((f) => readFileSync(f, 'utf8')),
        ].join('\n');
        for (const secret of [canary, Buffer.from(canary).toString('base64'), token])
          expect(everything).not.toContain(secret);
      } finally {
        await sim.stop();
      }
    });
  },
);
