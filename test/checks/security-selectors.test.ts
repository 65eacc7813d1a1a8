import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import {
  checkAllowPolicies,
  checkWorkloadSelectors,
  needsAllPods,
  selectorNamespaces,
} from '../../src/checks/security/index.ts';
import { defaultProfile as profile } from '../../src/profile/index.ts';

const NS = 'zamaz-mesh';
const ROOT = 'istio-system';

function pod(app: string, namespace = NS, phase = 'Running'): KubeObject {
  return {
    metadata: { name: `${app}-1`, namespace, labels: { app } },
    spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }] },
    status: { phase },
  };
}

const object = (name: string, namespace: string, spec: Record<string, unknown>): KubeObject => ({
  metadata: { name, namespace, creationTimestamp: '2026-11-01T00:00:00Z' },
  spec,
});
const selector = (app: string) => ({ matchLabels: { app } });
const sas = [{ metadata: { name: 'zamaz-frontend', namespace: NS } }];
const frontend = { from: [{ source: { principals: ['zamaz.local/ns/zamaz-mesh/sa/zamaz-frontend'] } }] };

describe('AuthorizationPolicy selectors (IST0127) in security.authz.allow-policies', () => {
  const messages = (policies: KubeObject[], pods: KubeObject[]) =>
    checkAllowPolicies(policies, pods, sas, profile).findings.map((f) => f.message);

  it('passes a policy whose selector matches a running pod', () => {
    const ap = object('allow-api', NS, { selector: selector('zamaz-api'), rules: [frontend] });
    expect(checkAllowPolicies([ap], [pod('zamaz-api')], sas, profile).status).toBe('passed');
  });

  it('fails an ALLOW policy selecting nothing, naming the code, the selector and the fix', () => {
    const ap = object('allow-billing', NS, { selector: selector('zamaz-billing'), rules: [frontend] });
    const r = checkAllowPolicies([ap], [pod('zamaz-api'), pod('zamaz-billing', NS, 'Pending')], sas, profile);
    expect(r.status).toBe('failed');
    expect(r.findings).toEqual([
      {
        object: 'AuthorizationPolicy/zamaz-mesh/allow-billing',
        message:
          'AuthorizationPolicy/zamaz-mesh/allow-billing selects app=zamaz-billing, which matches no running pod in zamaz-mesh: the flow it is meant to allow stays denied (istioctl analyze: IST0127 NoMatchingWorkloadsFound)',
        hint: 'set spec.selector.matchLabels to the labels of the workload it is for (kubectl -n zamaz-mesh get pods --show-labels), or delete it: kubectl -n zamaz-mesh delete authorizationpolicy allow-billing',
        field: 'spec.selector.matchLabels',
        expected: 'the labels of a running pod',
        actual: 'app=zamaz-billing',
      },
    ]);
  });

  it('covers every action, not only ALLOW with rules', () => {
    const pods = [pod('zamaz-api')];
    expect(messages([object('lock', NS, { selector: selector('ghost') })], pods)[0]).toContain(
      'it was meant to deny every request to those pods and denies none (istioctl analyze: IST0127',
    );
    expect(
      messages([object('deny', NS, { action: 'DENY', selector: selector('ghost'), rules: [{}] })], pods)[0],
    ).toContain('the requests it is meant to deny are not denied');
    // An empty matchLabels selects the whole namespace, as in Istio.
    expect(
      messages([object('ns-wide', NS, { selector: { matchLabels: {} }, rules: [frontend] })], pods),
    ).toEqual([]);
  });

  it('matches a root-namespace selector against pods of every namespace', () => {
    const ap = object('gw', ROOT, { selector: selector('istio-ingressgateway'), rules: [frontend] });
    expect(needsAllPods([ap], profile)).toBe(true);
    expect(needsAllPods([object('deny-all', ROOT, {})], profile)).toBe(false);
    expect(messages([ap], [pod('zamaz-api'), pod('istio-ingressgateway', ROOT)])).toEqual([]);
    expect(messages([ap], [pod('zamaz-api')])[0]).toContain(
      'selects app=istio-ingressgateway, which matches no running pod in any namespace',
    );
  });
});

describe('checkWorkloadSelectors (security.mtls.selectors)', () => {
  const strict = (name: string, app: string, namespace = NS) =>
    object(name, namespace, { selector: selector(app), mtls: { mode: 'STRICT' } });
  const dr = (name: string, app: string) =>
    object(name, NS, { host: 'zamaz-api', workloadSelector: selector(app) });

  it('passes selectors that match running pods, and says how many', () => {
    const r = checkWorkloadSelectors(
      [strict('api', 'zamaz-api')],
      [dr('api-clients', 'zamaz-frontend')],
      [pod('zamaz-api'), pod('zamaz-frontend')],
      profile,
    );
    expect(r.status).toBe('passed');
    expect(r.details).toEqual([
      'PeerAuthentication/zamaz-mesh/api selects app=zamaz-api (1 running pod)',
      'DestinationRule/zamaz-mesh/api-clients selects app=zamaz-frontend (1 running pod)',
    ]);
  });

  it('passes when nothing selects by label (namespace-wide policies only)', () => {
    const r = checkWorkloadSelectors([object('default', NS, { mtls: { mode: 'STRICT' } })], [], [], profile);
    expect(r).toEqual({
      status: 'passed',
      findings: [],
      details: ['no PeerAuthentication or DestinationRule selects workloads by label'],
    });
  });

  it('fails a PeerAuthentication and a DestinationRule selecting no running pod', () => {
    const r = checkWorkloadSelectors(
      [strict('billing-strict', 'zamaz-billing')],
      [dr('billing-clients', 'zamaz-billing')],
      [pod('zamaz-api')],
      profile,
    );
    expect(r.status).toBe('failed');
    expect(r.findings[0]).toEqual({
      object: 'PeerAuthentication/zamaz-mesh/billing-strict',
      message:
        'PeerAuthentication/zamaz-mesh/billing-strict selects app=zamaz-billing, which matches no running pod in zamaz-mesh: the mTLS mode it declares (STRICT) applies to no workload (the IST0127 NoMatchingWorkloadsFound case; istioctl analyze checks it for AuthorizationPolicies only)',
      hint: 'set spec.selector.matchLabels to the labels of the workload it is for (kubectl -n zamaz-mesh get pods --show-labels), or delete it: kubectl -n zamaz-mesh delete peerauthentication billing-strict',
      field: 'spec.selector.matchLabels',
      expected: 'the labels of a running pod',
      actual: 'app=zamaz-billing',
    });
    expect(r.findings[1]?.message).toContain(
      'DestinationRule/zamaz-mesh/billing-clients selects app=zamaz-billing, which matches no running pod in zamaz-mesh: its traffic policy for zamaz-api applies to no client',
    );
    expect(r.findings[1]?.hint).toContain('kubectl -n zamaz-mesh delete destinationrule billing-clients');
  });

  it('only notes a root-namespace PeerAuthentication selector (Istio ignores it) and fetches no pods for it', () => {
    const root = strict('api-strict', 'zamaz-billing', ROOT);
    const r = checkWorkloadSelectors([root], [], [pod('zamaz-api')], profile);
    expect(r.status).toBe('passed');
    expect(r.details).toContain(
      'PeerAuthentication/istio-system/api-strict selects app=zamaz-billing in the root namespace istio-system: Istio ignores selectors there',
    );
    expect(selectorNamespaces([root, strict('b', 'x')], [], profile)).toEqual([NS]);
  });

  it('is inconclusive, not failed, when no pod runs in the mesh namespace', () => {
    const r = checkWorkloadSelectors([strict('api', 'zamaz-api')], [], [], profile);
    expect(r.status).toBe('inconclusive');
    expect(r.findings[0]?.object).toBe('Namespace/zamaz-mesh');
  });
});
