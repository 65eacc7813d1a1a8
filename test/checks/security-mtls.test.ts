import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import { checkStrictMtls, readPeerAuthn, resolvePodMtls } from '../../src/checks/security/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';

const ROOT = 'istio-system';
const NS = 'zamaz-mesh';

function pod(app = 'zamaz-api', port = 8080): KubeObject {
  return {
    metadata: { name: `${app}-1`, namespace: NS, labels: { app } },
    spec: {
      containers: [
        { name: 'app', ports: [{ containerPort: port }] },
        { name: 'istio-proxy', ports: [{ containerPort: 15090 }] },
      ],
    },
    status: { phase: 'Running' },
  };
}

function pa(namespace: string, name: string, created: string, spec: Record<string, unknown>): KubeObject {
  return { metadata: { name, namespace, creationTimestamp: created }, spec };
}

const T1 = '2026-11-01T00:00:00Z';
const T2 = '2026-11-02T00:00:00Z';
const sel = { selector: { matchLabels: { app: 'zamaz-api' } } };

describe('resolvePodMtls (Istio composePeerAuthentication)', () => {
  it.each<[string, KubeObject[], string, string | undefined, Record<number, string>?]>([
    ['nothing at all = PERMISSIVE', [], 'PERMISSIVE', undefined],
    [
      'mesh-wide STRICT',
      [pa(ROOT, 'default', T1, { mtls: { mode: 'STRICT' } })],
      'STRICT',
      'PeerAuthentication/istio-system/default',
    ],
    [
      'mesh-wide UNSET stays PERMISSIVE',
      [pa(ROOT, 'default', T1, { mtls: { mode: 'UNSET' } })],
      'PERMISSIVE',
      undefined,
    ],
    [
      'namespace overrides mesh',
      [
        pa(ROOT, 'default', T1, { mtls: { mode: 'STRICT' } }),
        pa(NS, 'default', T1, { mtls: { mode: 'PERMISSIVE' } }),
      ],
      'PERMISSIVE',
      'PeerAuthentication/zamaz-mesh/default',
    ],
    [
      'namespace UNSET inherits mesh',
      [pa(ROOT, 'default', T1, { mtls: { mode: 'STRICT' } }), pa(NS, 'default', T1, {})],
      'STRICT',
      'PeerAuthentication/istio-system/default',
    ],
    [
      'workload overrides namespace',
      [
        pa(NS, 'default', T1, { mtls: { mode: 'STRICT' } }),
        pa(NS, 'api', T1, { ...sel, mtls: { mode: 'DISABLE' } }),
      ],
      'DISABLE',
      'PeerAuthentication/zamaz-mesh/api',
    ],
    [
      'workload selector not matching is ignored',
      [
        pa(NS, 'default', T1, { mtls: { mode: 'STRICT' } }),
        pa(NS, 'web', T1, { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'DISABLE' } }),
      ],
      'STRICT',
      'PeerAuthentication/zamaz-mesh/default',
    ],
    [
      'selector in the root namespace is ignored',
      [pa(ROOT, 'api', T1, { ...sel, mtls: { mode: 'STRICT' } })],
      'PERMISSIVE',
      undefined,
    ],
    [
      'empty matchLabels counts as no selector',
      [pa(NS, 'ns', T1, { selector: { matchLabels: {} }, mtls: { mode: 'STRICT' } })],
      'STRICT',
      'PeerAuthentication/zamaz-mesh/ns',
    ],
    [
      'oldest namespace-wide policy wins',
      [
        pa(NS, 'b-new', T2, { mtls: { mode: 'STRICT' } }),
        pa(NS, 'a-old', T1, { mtls: { mode: 'PERMISSIVE' } }),
      ],
      'PERMISSIVE',
      'PeerAuthentication/zamaz-mesh/a-old',
    ],
    [
      'same age: name decides',
      [pa(NS, 'b', T1, { mtls: { mode: 'STRICT' } }), pa(NS, 'a', T1, { mtls: { mode: 'DISABLE' } })],
      'DISABLE',
      'PeerAuthentication/zamaz-mesh/a',
    ],
    [
      'policy in another namespace does not apply',
      [
        pa('other', 'default', T1, { mtls: { mode: 'DISABLE' } }),
        pa(ROOT, 'default', T1, { mtls: { mode: 'STRICT' } }),
      ],
      'STRICT',
      'PeerAuthentication/istio-system/default',
    ],
    [
      'port-level DISABLE on a workload policy',
      [pa(NS, 'api', T1, { ...sel, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'DISABLE' } } })],
      'STRICT',
      'PeerAuthentication/zamaz-mesh/api',
      { 8080: 'DISABLE' },
    ],
    [
      'port-level UNSET inherits the workload mode',
      [
        pa(ROOT, 'default', T1, { mtls: { mode: 'STRICT' } }),
        pa(NS, 'api', T1, { ...sel, portLevelMtls: { 9000: { mode: 'UNSET' } } }),
      ],
      'STRICT',
      'PeerAuthentication/istio-system/default',
      { 8080: 'STRICT', 9000: 'STRICT' },
    ],
    [
      'port-level without a selector is ignored',
      [pa(NS, 'default', T1, { mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'DISABLE' } } })],
      'STRICT',
      'PeerAuthentication/zamaz-mesh/default',
      { 8080: 'STRICT' },
    ],
  ])('%s', (_name, policies, mode, policy, ports) => {
    const r = resolvePodMtls(pod(), policies.map(readPeerAuthn), ROOT);
    expect(r.otherPorts.mode).toBe(mode);
    expect(r.otherPorts.policy).toBe(policy);
    for (const [port, m] of Object.entries(ports ?? { 8080: mode })) {
      expect(r.ports.find((p) => p.port === Number(port))?.source.mode).toBe(m);
    }
  });

  it('explains ignored policies', () => {
    const r = resolvePodMtls(
      pod(),
      [
        pa(ROOT, 'api', T1, { ...sel, mtls: { mode: 'STRICT' } }),
        pa(NS, 'new', T2, { mtls: { mode: 'STRICT' } }),
        pa(NS, 'old', T1, { mtls: { mode: 'PERMISSIVE' } }),
      ].map(readPeerAuthn),
      ROOT,
    );
    expect(r.ignored).toEqual([
      'PeerAuthentication/istio-system/api selects app=zamaz-api in the root namespace istio-system: Istio ignores selectors there',
      'PeerAuthentication/zamaz-mesh/new (STRICT) is ignored: PeerAuthentication/zamaz-mesh/old is the older namespace-wide policy',
    ]);
  });
});

describe('checkStrictMtls', () => {
  it('passes when every pod and port is STRICT', () => {
    const r = checkStrictMtls(
      [pod(), pod('web', 3000)],
      [pa(ROOT, 'default', T1, { mtls: { mode: 'STRICT' } })],
      defaultProfile,
    );
    expect(r.status).toBe('passed');
  });

  it('names the pod, the port and the policy that is not STRICT', () => {
    const r = checkStrictMtls(
      [pod()],
      [
        pa(ROOT, 'default', T1, { mtls: { mode: 'STRICT' } }),
        pa(NS, 'api', T1, { ...sel, portLevelMtls: { 8080: { mode: 'DISABLE' } } }),
      ],
      defaultProfile,
    );
    expect(r.status).toBe('failed');
    expect(r.findings).toEqual([
      expect.objectContaining({
        object: 'Pod/zamaz-mesh/zamaz-api-1',
        message:
          'Pod/zamaz-mesh/zamaz-api-1 port 8080 is DISABLE: it has mTLS disabled (plaintext only); set by PeerAuthentication/zamaz-mesh/api (port-level)',
        hint: `kubectl -n zamaz-mesh patch peerauthentication api --type merge -p '{"spec":{"portLevelMtls":{"8080":{"mode":"STRICT"}}}}'`,
      }),
    ]);
  });

  it('fails a pod without a sidecar, and an empty namespace', () => {
    const bare: KubeObject = { ...pod(), spec: { containers: [{ name: 'app' }] } };
    expect(
      checkStrictMtls([bare], [pa(ROOT, 'default', T1, { mtls: { mode: 'STRICT' } })], defaultProfile)
        .findings[0]?.message,
    ).toContain('has no istio-proxy sidecar');
    expect(checkStrictMtls([], [], defaultProfile).findings[0]?.message).toBe(
      'no running pods in zamaz-mesh: there is nothing whose mTLS mode could be verified',
    );
  });
});
