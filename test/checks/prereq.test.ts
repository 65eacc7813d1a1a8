import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import {
  checkAttestation,
  checkCapacity,
  checkDefaultStorageClass,
  checkKubernetesVersion,
  checkLoadBalancer,
  checkPermissions,
  checkRbac,
  checkTools,
  parseAttestations,
  parseToolVersion,
  requiredPermissions,
} from '../../src/checks/prereq/index.ts';
import { defaultProfile as profile } from '../../src/profile/index.ts';

const node = (name: string, cpu: string, memory: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  kind: 'Node',
  metadata: { name },
  status: { allocatable: { cpu, memory }, conditions: [{ type: 'Ready', status: 'True' }] },
  ...extra,
});

describe('prereq checks', () => {
  it('kubernetes version: passes at the minimum, fails below with the upgrade hint', () => {
    expect(checkKubernetesVersion({ major: '1', minor: '25', gitVersion: 'v1.25.0' }, profile).status).toBe(
      'passed',
    );
    expect(
      checkKubernetesVersion({ major: '1', minor: '28+', gitVersion: 'v1.28.3-gke.1' }, profile).status,
    ).toBe('passed');
    const r = checkKubernetesVersion({ major: '1', minor: '24', gitVersion: 'v1.24.17' }, profile);
    expect(r.status).toBe('failed');
    expect(r.findings[0]).toMatchObject({
      object: 'cluster/version',
      message: 'Kubernetes v1.24.17 is older than the required 1.25',
      expected: '>= 1.25',
    });
    expect(r.findings[0]?.hint).toContain('upgrade the cluster to Kubernetes 1.25 or later');
  });

  it('capacity: sums schedulable nodes only and names what it left out', () => {
    const ok = checkCapacity([node('a', '3920m', '16265580Ki'), node('b', '3920m', '16265580Ki')], profile);
    expect(ok.status).toBe('passed');
    expect(ok.details[0]).toContain('7.84 vCPU');
    const tainted = node('cp', '16', '64Gi', {
      spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
    });
    const r = checkCapacity([node('a', '3920m', '7Gi'), tainted], profile);
    expect(r.status).toBe('failed');
    expect(r.findings[0]?.message).toBe(
      'not enough CPU and memory: 3.92 vCPU and 7 GiB allocatable on 1 schedulable node(s), the migration needs at least 4 vCPU and 8 GiB (not counted: cp (tainted node-role.kubernetes.io/control-plane:NoSchedule))',
    );
  });

  it('load balancer: an address passes, pending fails naming the Service', () => {
    const svc = (ingress: object[]): KubeObject => ({
      kind: 'Service',
      metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' },
      spec: { type: 'LoadBalancer' },
      status: { loadBalancer: { ingress } },
    });
    expect(checkLoadBalancer([svc([{ hostname: 'abc.elb.amazonaws.com' }])], [], profile).status).toBe(
      'passed',
    );
    const r = checkLoadBalancer([svc([])], [], profile);
    expect(r.findings[0]?.object).toBe('Service/istio-system/istio-ingressgateway');
    expect(r.findings[0]?.message).toContain('have no ingress address (pending)');
    const metallb = { kind: 'Deployment', metadata: { name: 'controller', namespace: 'metallb-system' } };
    expect(checkLoadBalancer([svc([])], [metallb], profile).details[0]).toContain('MetalLB is installed');
  });

  it('storage class: needs one marked default', () => {
    const sc = (name: string, def?: string): KubeObject => ({
      kind: 'StorageClass',
      metadata: {
        name,
        ...(def ? { annotations: { 'storageclass.kubernetes.io/is-default-class': def } } : {}),
      },
    });
    expect(checkDefaultStorageClass([sc('standard', 'true')]).status).toBe('passed');
    const r = checkDefaultStorageClass([sc('fast'), sc('slow', 'false')]);
    expect(r.findings[0]?.message).toBe('no StorageClass is marked default (found fast, slow)');
    expect(r.findings[0]?.hint).toContain('kubectl patch storageclass fast');
  });

  it('rbac: served and enforced passes; an unbound account reading secrets fails', () => {
    const served = new Set(['v1', 'rbac.authorization.k8s.io/v1']);
    const subject = 'system:serviceaccount:default:probe';
    expect(checkRbac(served, { subject, decision: { allowed: false } }).status).toBe('passed');
    expect(checkRbac(served, { subject, decision: { allowed: true } }).findings[0]?.message).toContain(
      'RBAC is served but not enforced',
    );
    expect(
      checkRbac(new Set(['v1']), { subject, decision: { allowed: false } }).findings[0]?.message,
    ).toContain('does not serve rbac.authorization.k8s.io/v1');
  });

  it('tools: missing tools fail with how to install; istioctl must match the Istio minor', () => {
    const probes = [
      { name: 'kubectl' as const, found: true, version: 'v1.32.4' },
      { name: 'helm' as const, found: true, version: 'v3.14.0' },
      { name: 'istioctl' as const, found: true, version: '1.20.3' },
    ];
    expect(checkTools(probes, profile).status).toBe('passed');
    const r = checkTools(
      [probes[0]!, { name: 'helm', found: false }, { name: 'istioctl', found: true, version: '1.22.0' }],
      profile,
    );
    expect(r.findings.map((f) => f.object)).toEqual(['tool/helm', 'tool/istioctl']);
    expect(r.findings[0]?.hint).toContain('get-helm-3');
    expect(r.findings[1]?.message).toContain("istioctl 1.22.0 does not match the profile's Istio 1.20.1");
    expect(parseToolVersion('istioctl', '{"clientVersion":{"version":"1.20.1","revision":"x"}}')).toBe(
      '1.20.1',
    );
    expect(parseToolVersion('helm', 'v3.14.0+g3fc9f4b\n')).toBe('v3.14.0+g3fc9f4b');
  });

  it('permissions: lists each missing permission with the rule that grants it', () => {
    const wanted = requiredPermissions(profile);
    expect(wanted).toContainEqual({
      verb: 'create',
      group: '',
      resource: 'pods',
      subresource: 'exec',
      namespace: 'spire-system',
    });
    const answers = wanted.map((attrs) => ({
      attrs,
      decision: { allowed: !(attrs.resource === 'peerauthentications' && attrs.namespace === 'zamaz-mesh') },
    }));
    const r = checkPermissions(answers);
    expect(r.status).toBe('inconclusive');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.object).toBe('permission/list peerauthentications.security.istio.io in zamaz-mesh');
    expect(r.findings[0]?.hint).toContain('resources: ["peerauthentications"], verbs: ["list"]');
  });

  it('attestations: done needs who and when; pending closes the gate only when required', () => {
    const { records, problems } = parseAttestations(
      'attestations:\n  - {id: backup-taken, status: done, by: alice, at: 2026-11-28T10:00:00Z}\n  - {id: rollback-plan, status: done}\n',
    );
    expect(problems).toEqual([]);
    const item = (id: string, required: boolean) => ({ id, title: id, required });
    expect(checkAttestation(item('backup-taken', true), records, 'a.yaml').details[0]).toBe(
      '"backup-taken" attested by alice at 2026-11-28T10:00:00Z',
    );
    expect(checkAttestation(item('rollback-plan', true), records, 'a.yaml').findings[0]?.message).toContain(
      'marked done without who attested it',
    );
    const pending = checkAttestation(item('maintenance-window', true), records, 'a.yaml');
    expect(pending.status).toBe('failed');
    expect(pending.findings[0]?.message).toBe(
      '"maintenance-window" is pending (not recorded in a.yaml); the profile requires it before the migration',
    );
    expect(checkAttestation(item('stakeholders-notified', false), records, 'a.yaml').status).toBe('skipped');
    expect(parseAttestations('attestations: [{id: x, status: maybe}]').problems[0]).toContain(
      'must be done, pending or failed',
    );
  });
});
