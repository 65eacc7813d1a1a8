import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import { parseDuration } from '../../src/core/index.ts';
import { matchesSelector, readSelector } from '../../src/checks/common/label-selector.ts';
import {
  checkAllowPolicies,
  checkDefaultDenyNetworkPolicy,
  checkDeniedPath,
  checkDenyByDefault,
  checkDestinationRuleTls,
  checkNamespacePodSecurity,
  checkNoAllowAllNetworkPolicy,
  checkPlaintextRefused,
  checkPodSecurityEnforced,
  checkPodsRestricted,
  checkProxyCertValidity,
  checkProxySpiffeIds,
  checkNetworkAllowances,
  checkServiceAccountTokens,
  checkSpireIssued,
  checkTrustDomain,
  readNetworkPolicy,
} from '../../src/checks/security/index.ts';
import { defaultProfile as profile } from '../../src/profile/index.ts';

const NS = 'zamaz-mesh';
const obj = (
  kind: string,
  name: string,
  namespace: string | undefined,
  rest: Record<string, unknown> = {},
): KubeObject => ({
  kind,
  metadata: {
    name,
    ...(namespace ? { namespace } : {}),
    creationTimestamp: '2026-11-01T00:00:00Z',
    ...((rest.metadata as object) ?? {}),
  },
  ...Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'metadata')),
});

const compliantPod = (): KubeObject =>
  obj('Pod', 'api-1', NS, {
    metadata: { labels: { app: 'zamaz-api', 'spiffe.io/spire-managed-identity': 'true' } },
    spec: {
      serviceAccountName: 'zamaz-api',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'api',
          ports: [{ containerPort: 8080 }],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
        {
          name: 'istio-proxy',
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            runAsUser: 1337,
          },
        },
      ],
      volumes: [{ name: 'workload-socket', csi: { driver: 'csi.spiffe.io', readOnly: true } }],
    },
    status: { phase: 'Running' },
  });

describe('common helpers', () => {
  it('parses durations and matches selectors', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('soon')).toBeUndefined();
    const sel = readSelector({
      matchLabels: { app: 'a' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
    });
    expect(matchesSelector(sel, { app: 'a', tier: 'web' })).toBe(true);
    expect(matchesSelector(sel, { app: 'a', tier: 'db' })).toBe(false);
  });
});

describe('DestinationRule TLS', () => {
  const svc = [obj('Service', 'zamaz-api', NS)];
  it('passes ISTIO_MUTUAL and flags DISABLE/SIMPLE at top, port and subset level', () => {
    const ok = obj('DestinationRule', 'ok', NS, {
      spec: { host: 'zamaz-api', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
    });
    expect(checkDestinationRuleTls([ok], svc, profile).status).toBe('passed');
    const bad = obj('DestinationRule', 'bad', 'zamaz', {
      spec: {
        host: 'zamaz-api.zamaz-mesh.svc.cluster.local',
        trafficPolicy: { portLevelSettings: [{ port: { number: 8080 }, tls: { mode: 'SIMPLE' } }] },
        subsets: [{ name: 'v1', trafficPolicy: { tls: { mode: 'DISABLE' } } }],
      },
    });
    const r = checkDestinationRuleTls([bad], svc, profile);
    expect(r.findings.map((f) => f.field)).toEqual([
      'spec.trafficPolicy.portLevelSettings[8080].tls.mode',
      'spec.subsets[v1].trafficPolicy.tls.mode',
    ]);
    expect(r.findings[1]?.message).toContain(
      'sets spec.subsets[v1].trafficPolicy.tls.mode to DISABLE for the mesh host',
    );
    // The SIMPLE one has no CA either: said in the same finding, not as a second one.
    expect(r.findings[0]?.message).toBe(
      "DestinationRule/zamaz/bad sets spec.trafficPolicy.portLevelSettings[8080].tls.mode to SIMPLE for the mesh host zamaz-api.zamaz-mesh.svc.cluster.local: one-way TLS to a STRICT workload is rejected, or bypasses Istio's mTLS; it also sets no caCertificates or credentialName (istioctl analyze: IST0129)",
    );
    expect(r.details.filter((d) => d.startsWith('warning:'))).toEqual([]);
  });
  it('warns, without failing, about SIMPLE/MUTUAL without a CA (IST0128/IST0129) outside the mesh', () => {
    const external = obj('DestinationRule', 'payments', NS, {
      spec: {
        host: 'payments.example.com',
        trafficPolicy: {
          tls: { mode: 'SIMPLE' },
          portLevelSettings: [
            { port: { number: 8443 }, tls: { mode: 'MUTUAL', credentialName: 'payments' } },
          ],
        },
        subsets: [{ name: 'eu', trafficPolicy: { tls: { mode: 'MUTUAL', caCertificates: '/etc/ca.pem' } } }],
      },
    });
    const r = checkDestinationRuleTls([external], svc, profile);
    expect(r.status).toBe('passed');
    expect(r.details).toEqual([
      'no DestinationRule targets a Service of zamaz-mesh',
      'warning: DestinationRule/zamaz-mesh/payments → payments.example.com: spec.trafficPolicy.tls.mode is SIMPLE without caCertificates or credentialName, so no CA of its own verifies the server certificate (istioctl analyze: IST0128); set caCertificates or credentialName: kubectl -n zamaz-mesh edit destinationrule payments',
      // No workloadSelector: Istio ignores the credentialName there, so it is no CA (IST0129 at port level).
      'warning: DestinationRule/zamaz-mesh/payments → payments.example.com: spec.trafficPolicy.portLevelSettings[8443].tls.mode is MUTUAL with a credentialName but no workloadSelector (Istio reads credentialName only in a rule with one) and no caCertificates, so no CA of its own verifies the server certificate (istioctl analyze: IST0129); set caCertificates (or a workloadSelector for the credentialName): kubectl -n zamaz-mesh edit destinationrule payments',
    ]);
    // With a workloadSelector, credentialName is the CA: no warning for that port.
    const selected = obj('DestinationRule', 'payments', NS, {
      spec: { ...(external.spec as object), workloadSelector: { matchLabels: { app: 'zamaz-api' } } },
    });
    expect(checkDestinationRuleTls([selected], svc, profile).details).toHaveLength(2);
    const portLevel = obj('DestinationRule', 'db', 'zamaz', {
      spec: {
        host: 'db.example.com',
        trafficPolicy: { portLevelSettings: [{ port: { number: 5432 }, tls: { mode: 'MUTUAL' } }] },
      },
    });
    expect(checkDestinationRuleTls([portLevel], svc, profile).details[1]).toContain(
      'spec.trafficPolicy.portLevelSettings[5432].tls.mode is MUTUAL without caCertificates or credentialName, so no CA of its own verifies the server certificate (istioctl analyze: IST0129)',
    );
  });
  it('takes insecureSkipVerify: true as a decision, not a missing CA', () => {
    const skip = obj('DestinationRule', 'skip', NS, {
      spec: {
        host: 'legacy.example.com',
        trafficPolicy: { tls: { mode: 'SIMPLE', insecureSkipVerify: true } },
      },
    });
    expect(checkDestinationRuleTls([skip], svc, profile).details).toEqual([
      'no DestinationRule targets a Service of zamaz-mesh',
    ]);
  });
  it('ignores rules for hosts outside the mesh (a short name resolves in the rule namespace)', () => {
    const legacy = obj('DestinationRule', 'legacy', 'zamaz', {
      spec: { host: 'zamaz-api', trafficPolicy: { tls: { mode: 'DISABLE' } } },
    });
    expect(checkDestinationRuleTls([legacy], svc, profile).status).toBe('passed');
  });
});

describe('AuthorizationPolicy deny-by-default', () => {
  const denyAll = obj('AuthorizationPolicy', 'deny-all', NS, { spec: {} });
  it('passes with spec: {} and fails without it', () => {
    expect(checkDenyByDefault([denyAll], profile).status).toBe('passed');
    expect(
      checkDenyByDefault(
        [obj('AuthorizationPolicy', 'deny-all', 'istio-system', { spec: { action: 'ALLOW' } })],
        profile,
      ).status,
    ).toBe('passed');
    const r = checkDenyByDefault(
      [obj('AuthorizationPolicy', 'deny', NS, { spec: { action: 'DENY' } })],
      profile,
    );
    expect(r.findings[0]?.message).toContain(
      'AuthorizationPolicy/zamaz-mesh/deny has action DENY and no rules, which has no effect',
    );
  });
  it('a selector makes it not a namespace deny-all; rules: [{}] cancels it', () => {
    const scoped = obj('AuthorizationPolicy', 'x', NS, { spec: { selector: { matchLabels: { app: 'a' } } } });
    expect(checkDenyByDefault([scoped], profile).status).toBe('failed');
    const r = checkDenyByDefault(
      [denyAll, obj('AuthorizationPolicy', 'allow-all', NS, { spec: { rules: [{}] } })],
      profile,
    );
    expect(r.findings[0]?.message).toBe(
      'AuthorizationPolicy/zamaz-mesh/allow-all has a rule that matches everything (rules[0] is empty): it allows every request in zamaz-mesh and cancels the default deny',
    );
  });
});

describe('AuthorizationPolicy ALLOW policies', () => {
  const sas = [obj('ServiceAccount', 'zamaz-frontend', NS)];
  const allow = (principal: string, app = 'zamaz-api') =>
    obj('AuthorizationPolicy', 'allow', NS, {
      spec: {
        selector: { matchLabels: { app } },
        rules: [
          { from: [{ source: { principals: [principal] } }], to: [{ operation: { ports: ['8080'] } }] },
        ],
      },
    });
  it('explains what a good policy opens', () => {
    const r = checkAllowPolicies(
      [allow('zamaz.local/ns/zamaz-mesh/sa/zamaz-frontend')],
      [compliantPod()],
      sas,
      profile,
    );
    expect(r.status).toBe('passed');
    expect(r.details).toEqual([
      'AuthorizationPolicy/zamaz-mesh/allow opens app=zamaz-api (1 pods) from zamaz.local/ns/zamaz-mesh/sa/zamaz-frontend to ports 8080',
    ]);
  });
  it('flags a wrong trust domain, spiffe://, a missing ServiceAccount and a selector matching nothing', () => {
    const msg = (p: string, app?: string) =>
      checkAllowPolicies([allow(p, app)], [compliantPod()], sas, profile).findings.map((f) => f.message);
    expect(msg('cluster.local/ns/zamaz-mesh/sa/zamaz-frontend')[0]).toContain(
      "its trust domain cluster.local is not the mesh's zamaz.local",
    );
    expect(msg('spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-frontend')[0]).toContain(
      'written without spiffe://',
    );
    expect(msg('zamaz.local/ns/zamaz-mesh/sa/ghost')[0]).toContain(
      'ServiceAccount zamaz-mesh/ghost does not exist',
    );
    expect(msg('zamaz.local/ns/zamaz-mesh/sa/zamaz-frontend', 'nothing')[0]).toContain(
      'matches no running pod in zamaz-mesh',
    );
  });
});

describe('NetworkPolicy', () => {
  const np = (name: string, spec: Record<string, unknown>) => obj('NetworkPolicy', name, NS, { spec });
  it('defaults policyTypes like the API server', () => {
    expect(readNetworkPolicy(np('a', { podSelector: {} })).types).toEqual(['Ingress']);
    expect(readNetworkPolicy(np('b', { podSelector: {}, egress: [{}] })).types).toEqual([
      'Ingress',
      'Egress',
    ]);
    expect(readNetworkPolicy(np('c', { podSelector: {}, egress: [] })).types).toEqual(['Ingress']);
  });
  it('needs a default deny for both directions', () => {
    expect(
      checkDefaultDenyNetworkPolicy(
        [np('d', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
        profile,
      ).status,
    ).toBe('passed');
    const r = checkDefaultDenyNetworkPolicy([np('d', { podSelector: {} })], profile);
    expect(r.findings.map((f) => f.expected)).toEqual(['Egress']);
    expect(r.findings[0]?.message).toContain('no NetworkPolicy in zamaz-mesh denies egress by default');
  });
  it('flags ingress: [{}] and 0.0.0.0/0 without ports, not a port-limited rule', () => {
    const r = checkNoAllowAllNetworkPolicy(
      [
        np('all', { podSelector: {}, ingress: [{}] }),
        np('cidr', {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
        }),
        np('dns', {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }],
        }),
      ],
      profile,
    );
    expect(r.findings.map((f) => f.object)).toEqual([
      'NetworkPolicy/zamaz-mesh/all',
      'NetworkPolicy/zamaz-mesh/cidr',
    ]);
  });
});

describe('Pod Security restricted', () => {
  it('checks the namespace labels', () => {
    const labels = {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    };
    const r = checkNamespacePodSecurity(obj('Namespace', NS, undefined, { metadata: { labels } }), profile);
    expect(r.findings.map((f) => f.hint)).toEqual([
      'kubectl label namespace zamaz-mesh pod-security.kubernetes.io/warn=restricted --overwrite',
    ]);
  });
  it('passes a compliant pod and names each violating field', () => {
    expect(checkPodsRestricted([compliantPod()], profile).status).toBe('passed');
    const p = compliantPod();
    const spec = p.spec as { securityContext: Record<string, unknown>; initContainers?: unknown[] };
    delete spec.securityContext.seccompProfile;
    spec.initContainers = [
      { name: 'istio-init', securityContext: { capabilities: { add: ['NET_ADMIN'] }, runAsUser: 0 } },
    ];
    const r = checkPodsRestricted([p], profile);
    expect(r.findings.map((f) => f.field)).toEqual([
      'spec.initContainers[istio-init].securityContext.allowPrivilegeEscalation',
      'spec.initContainers[istio-init].securityContext.capabilities.drop',
      'spec.initContainers[istio-init].securityContext.capabilities.add',
      'spec.initContainers[istio-init].securityContext.runAsUser',
      'spec.initContainers[istio-init].securityContext.seccompProfile.type',
      'spec.containers[api].securityContext.seccompProfile.type',
      'spec.containers[istio-proxy].securityContext.seccompProfile.type',
    ]);
    expect(r.findings[0]?.message).toBe(
      'init container "istio-init" of Pod/zamaz-mesh/api-1 allows privilege escalation (allowPrivilegeEscalation is unset), which Pod Security "restricted" forbids',
    );
  });
  it('reads the dry run: PSA rejection passes, admission fails, RBAC refusal is inconclusive', () => {
    expect(
      checkPodSecurityEnforced(
        { outcome: 'rejected', message: 'violates PodSecurity "restricted:latest": x' },
        profile,
      ).status,
    ).toBe('passed');
    expect(checkPodSecurityEnforced({ outcome: 'admitted' }, profile).findings[0]?.message).toContain(
      'restricted is not enforced',
    );
    expect(
      checkPodSecurityEnforced({ outcome: 'forbidden', message: 'cannot create pods' }, profile).status,
    ).toBe('inconclusive');
  });
});

const certs = (
  uri: string,
  expires: string,
  validFrom = '2026-11-28T00:00:00Z',
  caExpires = '2036-01-01T00:00:00Z',
) =>
  JSON.stringify({
    certificates: [
      {
        ca_cert: [
          {
            serial_number: 'ca',
            subject_alt_names: [{ uri: 'spiffe://zamaz.local' }],
            valid_from: '2026-01-01T00:00:00Z',
            expiration_time: caExpires,
          },
        ],
        cert_chain: [
          {
            serial_number: '01',
            subject_alt_names: [{ uri }],
            valid_from: validFrom,
            expiration_time: expires,
          },
        ],
      },
    ],
  });

describe('workload identity', () => {
  const now = new Date('2026-11-29T08:30:00Z');
  const own = 'spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-api';
  it('accepts the own ServiceAccount ID and rejects another', () => {
    expect(
      checkProxySpiffeIds(
        [{ pod: compliantPod(), stdout: certs(own, '2026-11-30T09:00:00Z'), exitCode: 0 }],
        profile,
      ).status,
    ).toBe('passed');
    const r = checkProxySpiffeIds(
      [
        {
          pod: compliantPod(),
          stdout: certs('spiffe://cluster.local/ns/zamaz-mesh/sa/zamaz-api', '2026-11-30T09:00:00Z'),
          exitCode: 0,
        },
      ],
      profile,
    );
    expect(r.findings[0]?.message).toBe(
      'Pod/zamaz-mesh/api-1 presents spiffe://cluster.local/ns/zamaz-mesh/sa/zamaz-api, not spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-api (its ServiceAccount zamaz-api in trust domain zamaz.local)',
    );
  });
  it('is inconclusive on unreadable exec output', () => {
    expect(() =>
      checkProxySpiffeIds([{ pod: compliantPod(), stdout: 'nope', exitCode: 0 }], profile),
    ).toThrow(/did not print JSON/);
    expect(() =>
      checkProxySpiffeIds([{ pod: compliantPod(), stdout: '', exitCode: 1, stderr: 'boom' }], profile),
    ).toThrow(/exited 1 \(boom\)/);
  });
  const answer = (stdout: string, pod = compliantPod()) => [{ pod, stdout, exitCode: 0 }];
  const agent = obj('Pod', 'spire-agent-x7k2p', 'spire-system', {
    metadata: { ownerReferences: [{ kind: 'DaemonSet', name: 'spire-agent', controller: true }] },
    spec: { nodeName: 'node-a' },
  });
  const onNodeA = (): KubeObject => {
    const p = compliantPod();
    (p.spec as Record<string, unknown>).nodeName = 'node-a';
    return p;
  };
  it('judges a workload certificate by its own lifetime: a 1 h SVID 15 minutes old passes', () => {
    const r = checkProxyCertValidity(
      answer(certs(own, '2026-11-29T09:15:00Z', '2026-11-29T08:15:00Z')),
      profile,
      now,
    );
    expect(r.status).toBe('passed');
    expect(r.details).toEqual([
      'Pod/zamaz-mesh/api-1: 2 certificates, workload certificates at most 25% through their lifetime',
    ]);
  });
  it('fails a workload certificate past rotation as "not rotated", naming the SPIRE agent on its node', () => {
    // 1 h SVID issued 50 minutes ago: 83 % used, SPIRE should have rotated it 20 minutes ago.
    const r = checkProxyCertValidity(
      answer(certs(own, '2026-11-29T08:40:00Z', '2026-11-29T07:40:00Z'), onNodeA()),
      profile,
      now,
      [agent],
    );
    expect(r.status).toBe('failed');
    expect(r.findings[0]).toMatchObject({
      object: 'Pod/zamaz-mesh/api-1',
      message:
        'Pod/zamaz-mesh/api-1 workload certificate spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-api (serial 01) was not rotated: issued 2026-11-29T07:40:00Z for 60m, 83% of its lifetime is used (rotation is due at half, the limit is 75%); it expires at 2026-11-29T08:40:00Z',
      hint: 'SPIRE rotates it: look at the SPIRE agent on node-a (kubectl -n spire-system logs spire-agent-x7k2p; kubectl -n spire-system exec spire-agent-x7k2p -- /opt/spire/bin/spire-agent healthcheck), then kubectl -n zamaz-mesh rollout restart pod/api-1',
      expected: 'at most 75% of the lifetime used',
      actual: '83%',
    });
  });
  it('fails expired certificates; CA certificates keep the absolute margin', () => {
    const gone = checkProxyCertValidity(
      answer(certs(own, '2026-11-28T00:00:00Z', '2026-11-27T00:00:00Z')),
      profile,
      now,
    );
    expect(gone.findings[0]?.message).toContain('expired at 2026-11-28T00:00:00Z');
    // The CA expires in 3.5 h (the workload certificate is fine): the 24h margin applies to it.
    const ca = checkProxyCertValidity(
      answer(certs(own, '2026-11-29T09:15:00Z', '2026-11-29T08:15:00Z', '2026-11-29T12:00:00Z')),
      profile,
      now,
    );
    expect(ca.findings.map((f) => f.message)).toEqual([
      'Pod/zamaz-mesh/api-1 CA certificate spiffe://zamaz.local (serial ca) expires at 2026-11-29T12:00:00Z, within the 24h margin',
    ]);
    expect(
      checkProxyCertValidity(
        answer(certs(own, '2026-11-29T09:15:00Z', '2026-11-29T08:15:00Z', '2026-12-09T00:00:00Z')),
        profile,
        now,
      ).status,
    ).toBe('passed');
  });
  it('is inconclusive when a workload certificate has no valid_from to judge its lifetime by', () => {
    const stdout = certs(own, '2026-11-29T09:15:00Z').replace(/"valid_from":"2026-11-28T00:00:00Z",/, '');
    const r = checkProxyCertValidity(answer(stdout), profile, now);
    expect(r.status).toBe('inconclusive');
    expect(r.findings[0]?.message).toContain('has no readable valid_from');
  });
  it('requires the SPIRE CSI workload socket and label', () => {
    const drivers = [obj('CSIDriver', 'csi.spiffe.io', undefined)];
    expect(checkSpireIssued([compliantPod()], drivers, profile).status).toBe('passed');
    const p = compliantPod();
    (p.spec as { volumes: unknown[] }).volumes = [{ name: 'workload-socket', emptyDir: {} }];
    expect(checkSpireIssued([p], drivers, profile).findings[0]?.message).toBe(
      "Pod/zamaz-mesh/api-1 volume workload-socket is emptyDir, not the csi.spiffe.io CSI volume: its certificate comes from istiod's CA, not from SPIRE",
    );
  });
  it('compares trust domains', () => {
    const mesh = (td?: string) =>
      obj('ConfigMap', 'istio', 'istio-system', {
        data: { mesh: td ? `trustDomain: ${td}\n` : 'rootNamespace: istio-system\n' },
      });
    const spire = obj('ConfigMap', 'spire-server', 'spire-system', {
      data: { 'server.conf': 'server {\n  trust_domain = "zamaz.local"\n}' },
    });
    expect(checkTrustDomain(mesh('zamaz.local'), spire, profile).status).toBe('passed');
    expect(checkTrustDomain(mesh(), spire, profile).findings[0]?.message).toContain(
      "Istio's trust domain is cluster.local",
    );
  });
});

describe('hygiene', () => {
  it('flags API tokens and the default ServiceAccount', () => {
    expect(checkServiceAccountTokens([compliantPod()], [], profile).status).toBe('passed');
    const p = compliantPod();
    const spec = p.spec as Record<string, unknown>;
    delete spec.automountServiceAccountToken;
    spec.serviceAccountName = 'default';
    const r = checkServiceAccountTokens([p], [], profile);
    expect(r.findings.map((f) => f.field)).toEqual([
      'spec.serviceAccountName',
      'spec.automountServiceAccountToken',
    ]);
  });
});

describe('probes', () => {
  it('plaintext: a reset passes, an HTTP answer fails', () => {
    const url = 'http://zamaz-api.zamaz-mesh.svc.cluster.local:8080/health';
    expect(
      checkPlaintextRefused([{ url, stdout: '\n000', stderr: 'Recv failure', exitCode: 56 }], profile)
        .details[0],
    ).toContain('reset (mTLS required)');
    expect(
      checkPlaintextRefused([{ url, stdout: 'ok\n200', stderr: '', exitCode: 0 }], profile).findings[0]
        ?.actual,
    ).toBe('HTTP 200');
  });
  it('denied path: 403 RBAC passes, 200 fails', () => {
    const url = 'http://zamaz-api.zamaz-mesh.svc.cluster.local:8080/x';
    expect(
      checkDeniedPath(
        [{ url, stdout: 'RBAC: access denied\n403', stderr: '', exitCode: 0 }],
        'Pod/x',
        profile,
      ).status,
    ).toBe('passed');
    expect(
      checkDeniedPath([{ url, stdout: 'hello\n200', stderr: '', exitCode: 0 }], 'Pod/x', profile).findings[0]
        ?.message,
    ).toContain('got HTTP 200 "hello" instead of 403');
  });
});

describe('checks over pods on an empty mesh namespace', () => {
  it('are inconclusive, never passed, and say what to deploy', () => {
    for (const r of [
      checkServiceAccountTokens([], [], profile),
      checkNetworkAllowances([], [], [], profile),
    ]) {
      expect(r.status).toBe('inconclusive');
      expect(r.findings[0]).toMatchObject({
        object: 'Namespace/zamaz-mesh',
        hint: 'deploy the application to zamaz-mesh (guide Step 5) and wait for its pods to run, then verify again',
      });
    }
  });
});
