import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import {
  checkInjectionLabel,
  checkIstiod,
  checkMeshConfig,
  checkProxyVersions,
  checkWebhooks,
  controlPlane,
} from '../../src/checks/mesh/index.ts';
import { defaultProfile, type Profile } from '../../src/profile/index.ts';

const ISTIO = 'istio-system';

const istiod = (revision: string, version = '1.20.1'): KubeObject => ({
  kind: 'Deployment',
  metadata: {
    name: revision === 'default' ? 'istiod' : `istiod-${revision}`,
    namespace: ISTIO,
    labels: { app: 'istiod', 'istio.io/rev': revision },
  },
  spec: {
    template: { spec: { containers: [{ name: 'discovery', image: `docker.io/istio/pilot:${version}` }] } },
  },
  status: { readyReplicas: 1 },
});

const svc = (name: string): KubeObject => ({ kind: 'Service', metadata: { name, namespace: ISTIO } });

const hook = (name: string, service: string, selector: Record<string, unknown>) => ({
  name,
  clientConfig: { caBundle: 'LS0t', service: { name: service, namespace: ISTIO } },
  namespaceSelector: selector,
});

/** The injector webhook Helm renders for a revision (`rev.namespace` only: no istio-injection for revisions). */
const injector = (revision: string): KubeObject => ({
  kind: 'MutatingWebhookConfiguration',
  metadata: {
    name: revision === 'default' ? 'istio-sidecar-injector' : `istio-sidecar-injector-${revision}`,
    labels: { app: 'sidecar-injector', 'istio.io/rev': revision },
  },
  webhooks: [
    hook(
      'rev.namespace.sidecar-injector.istio.io',
      revision === 'default' ? 'istiod' : `istiod-${revision}`,
      {
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'In', values: [revision] },
          { key: 'istio-injection', operator: 'DoesNotExist' },
        ],
      },
    ),
  ],
});

/** What `istioctl tag set <tag> --revision <revision>` creates. */
const tagWebhook = (tag: string, revision: string): KubeObject => ({
  kind: 'MutatingWebhookConfiguration',
  metadata: {
    name: `istio-revision-tag-${tag}`,
    labels: { app: 'sidecar-injector', 'istio.io/rev': revision, 'istio.io/tag': tag },
  },
  webhooks: [
    hook('rev.namespace.sidecar-injector.istio.io', `istiod-${revision}`, {
      matchExpressions: [
        { key: 'istio.io/rev', operator: 'In', values: [tag] },
        { key: 'istio-injection', operator: 'DoesNotExist' },
      ],
    }),
  ],
});

const validator = (name: string, service: string): KubeObject => ({
  kind: 'ValidatingWebhookConfiguration',
  metadata: { name },
  webhooks: [hook('rev.validation.istio.io', service, {})],
});

const ns = (labels: Record<string, string>): KubeObject => ({
  kind: 'Namespace',
  metadata: { name: 'zamaz-mesh', labels },
});

const meshConfig = (name: string): KubeObject => ({
  kind: 'ConfigMap',
  metadata: { name, namespace: ISTIO },
  data: { mesh: 'trustDomain: zamaz.local\nrootNamespace: istio-system\n' },
});

const injectorValues = (name: string, tag: string): KubeObject => ({
  kind: 'ConfigMap',
  metadata: { name, namespace: ISTIO },
  data: { values: JSON.stringify({ global: { hub: 'docker.io/istio', tag, proxy: { image: 'proxyv2' } } }) },
});

const proxyPod = (name: string, revision: string, image: string): KubeObject => ({
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'zamaz-mesh',
    annotations: { 'istio.io/rev': revision },
    ownerReferences: [{ kind: 'ReplicaSet', name: 'zamaz-api-7d9c', controller: true }],
    labels: { 'pod-template-hash': '7d9c' },
  },
  spec: {
    containers: [
      { name: 'api', image: 'ghcr.io/zamaz/zamaz-api:1.8.3' },
      { name: 'istio-proxy', image },
    ],
  },
});

const profile: Profile = defaultProfile;
const withRevision = (revision: string): Profile => ({ ...profile, istio: { ...profile.istio, revision } });

describe('control plane revisions and tags', () => {
  it('resolves the default install, a revisioned install, and a tag to the revision and its object names', () => {
    const plain = controlPlane(
      ns({ 'istio-injection': 'enabled' }),
      [istiod('default')],
      [injector('default')],
      profile,
    );
    expect(plain.revision).toBe('default');
    expect(plain.names).toEqual({
      istiod: 'istiod',
      service: 'istiod',
      injector: 'istio-sidecar-injector',
      validator: 'istio-validator-istio-system',
      meshConfig: 'istio',
      injectorConfig: 'istio-sidecar-injector',
    });

    const revisioned = controlPlane(
      ns({ 'istio.io/rev': '1-20-1' }),
      [istiod('1-20-1')],
      [injector('1-20-1')],
      profile,
    );
    expect(revisioned.revision).toBe('1-20-1');
    expect(revisioned.names).toEqual({
      istiod: 'istiod-1-20-1',
      service: 'istiod-1-20-1',
      injector: 'istio-sidecar-injector-1-20-1',
      validator: 'istio-validator-1-20-1-istio-system',
      meshConfig: 'istio-1-20-1',
      injectorConfig: 'istio-sidecar-injector-1-20-1',
    });

    const tagged = controlPlane(
      ns({ 'istio.io/rev': 'stable' }),
      [istiod('1-20-1')],
      [injector('1-20-1'), tagWebhook('stable', '1-20-1')],
      profile,
    );
    expect(tagged.revision).toBe('1-20-1');
    expect(tagged.tag).toBe('stable');
    expect(tagged.via).toBe('zamaz-mesh istio.io/rev=stable → tag stable → revision 1-20-1');

    // `istioctl tag set default --revision 1-20-1`: istio-injection=enabled now means 1-20-1.
    const defaultTag = controlPlane(
      ns({ 'istio-injection': 'enabled' }),
      [istiod('1-19-5', '1.19.5'), istiod('1-20-1')],
      [tagWebhook('default', '1-20-1')],
      profile,
    );
    expect(defaultTag.revision).toBe('1-20-1');
  });

  it('istiod-ready: passes for the revision the namespace selects; fails naming it when it is not installed', () => {
    const cp = controlPlane(
      ns({ 'istio.io/rev': 'stable' }),
      [istiod('1-20-1')],
      [tagWebhook('stable', '1-20-1')],
      profile,
    );
    const ok = checkIstiod(cp, profile);
    expect(ok.status).toBe('passed');
    expect(ok.details[0]).toBe(
      'istiod-1-20-1 1.20.1, 1/1 ready; revision 1-20-1 (zamaz-mesh istio.io/rev=stable → tag stable → revision 1-20-1)',
    );

    const missing = checkIstiod(
      controlPlane(ns({ 'istio.io/rev': 'canary' }), [istiod('1-20-1')], [], profile),
      profile,
    );
    expect(missing.status).toBe('failed');
    expect(missing.findings[0]).toMatchObject({
      object: 'Deployment/istio-system/istiod-canary',
      message:
        'Deployment/istio-system/istiod-canary does not exist: control plane revision canary (zamaz-mesh istio.io/rev=canary, which no installed revision or tag answers to) is not installed; installed revisions: 1-20-1 (1.20.1)',
      hint: 'helm upgrade --install istiod-canary istio/istiod -n istio-system --version 1.20.1 --set revision=canary --wait',
    });
  });

  it("istiod-ready: compares the revision's image tag with the profile version, patch included", () => {
    const cp = controlPlane(ns({ 'istio.io/rev': '1-20-1' }), [istiod('1-20-1', '1.20.0')], [], profile);
    const r = checkIstiod(cp, profile);
    expect(r.findings[0]).toMatchObject({
      object: 'Deployment/istio-system/istiod-1-20-1',
      message:
        'Deployment/istio-system/istiod-1-20-1 (revision 1-20-1) runs docker.io/istio/pilot:1.20.0, the profile expects Istio 1.20.1',
      expected: '1.20.1',
      actual: '1.20.0',
    });
    // A profile that names only major.minor accepts any patch of it.
    expect(checkIstiod(cp, { ...profile, istio: { ...profile.istio, version: '1.20' } }).status).toBe(
      'passed',
    );
  });

  it("webhooks and mesh config: the revision's own objects; a tag pointing at no istiod fails", () => {
    const services = [svc('istiod-1-20-1')];
    const cp = controlPlane(
      ns({ 'istio.io/rev': 'stable' }),
      [istiod('1-20-1')],
      [injector('1-20-1'), tagWebhook('stable', '1-20-1'), tagWebhook('canary', '1-21-0')],
      profile,
    );
    const validating = [validator('istio-validator-1-20-1-istio-system', 'istiod-1-20-1')];
    const r = checkWebhooks(
      cp,
      [injector('1-20-1'), ...cp.tags.map((t) => t.webhook)],
      validating,
      services,
      profile,
    );
    expect(r.details).toContain('revision tags: canary → 1-21-0, stable → 1-20-1');
    expect(r.findings.map((f) => f.object)).toEqual([
      'MutatingWebhookConfiguration/istio-revision-tag-canary',
      'MutatingWebhookConfiguration/istio-revision-tag-canary',
    ]);
    expect(r.findings[0]?.message).toContain(
      'webhook rev.namespace.sidecar-injector.istio.io calls Service istio-system/istiod-1-21-0, which does not exist (istioctl analyze: IST0139)',
    );
    expect(r.findings[1]?.message).toBe(
      'revision tag canary points at revision 1-21-0, which has no istiod (installed: 1-20-1 (1.20.1)): namespaces labelled istio.io/rev=canary get no sidecar',
    );
    const healthy = controlPlane(
      ns({ 'istio.io/rev': 'stable' }),
      [istiod('1-20-1')],
      [tagWebhook('stable', '1-20-1')],
      profile,
    );
    expect(
      checkWebhooks(
        healthy,
        [injector('1-20-1'), ...healthy.tags.map((t) => t.webhook)],
        validating,
        services,
        profile,
      ).status,
    ).toBe('passed');

    expect(checkMeshConfig(meshConfig('istio-1-20-1'), healthy, profile).status).toBe('passed');
    expect(checkMeshConfig(undefined, healthy, profile).findings[0]?.message).toBe(
      'ConfigMap/istio-system/istio-1-20-1 does not exist: istiod of revision 1-20-1 has no mesh configuration',
    );
  });

  it('proxy versions: full image against the revision injector (IST0158), and pods of another revision reported as mixed', () => {
    const cp = controlPlane(
      ns({ 'istio.io/rev': '1-20-1' }),
      [istiod('default'), istiod('1-20-1')],
      [],
      profile,
    );
    const configs = [injectorValues('istio-sidecar-injector-1-20-1', '1.20.1')];
    const good = proxyPod('a', '1-20-1', 'docker.io/istio/proxyv2:1.20.1');
    expect(checkProxyVersions([good], cp, configs, profile).status).toBe('passed');

    const patch = checkProxyVersions(
      [proxyPod('b', '1-20-1', 'docker.io/istio/proxyv2:1.20.0')],
      cp,
      configs,
      profile,
    );
    expect(patch.findings[0]).toMatchObject({
      object: 'Pod/zamaz-mesh/b',
      message:
        'istio-proxy runs docker.io/istio/proxyv2:1.20.0, revision 1-20-1 injects docker.io/istio/proxyv2:1.20.1 (istioctl analyze: IST0158)',
      expected: 'docker.io/istio/proxyv2:1.20.1',
    });

    const mixed = checkProxyVersions(
      [good, proxyPod('c', 'default', 'docker.io/istio/proxyv2:1.20.1')],
      cp,
      configs,
      profile,
    );
    expect(mixed.status).toBe('failed');
    expect(mixed.findings).toHaveLength(1);
    expect(mixed.findings[0]).toMatchObject({
      object: 'Pod/zamaz-mesh/c',
      message:
        'Pod/zamaz-mesh/c was injected by revision default, zamaz-mesh now uses revision 1-20-1 (zamaz-mesh istio.io/rev=1-20-1): mixed revisions, so this proxy takes its configuration from another istiod',
      hint: 'kubectl rollout restart deployment/zamaz-api -n zamaz-mesh',
    });
    expect(mixed.details[0]).toBe("1/2 proxies on their revision's proxy image (1 on 1-20-1, 1 on default)");
  });

  it('injection label: a tag is a valid selection; a profile revision the namespace does not select fails', () => {
    const webhooks = [injector('1-20-1'), tagWebhook('stable', '1-20-1')];
    const tagged = ns({ 'istio.io/rev': 'stable' });
    const cp = controlPlane(tagged, [istiod('1-20-1')], webhooks, profile);
    const ok = checkInjectionLabel(tagged, webhooks, cp, profile);
    expect(ok.status).toBe('passed');
    expect(ok.details[0]).toBe(
      'zamaz-mesh: istio.io/rev=stable (tag stable → revision 1-20-1); injected by istio-revision-tag-stable/rev.namespace.sidecar-injector.istio.io',
    );
    // The profile pins 1-20-1 through the tag: the same revision, so it passes too.
    const pinned = withRevision('stable');
    expect(
      checkInjectionLabel(
        tagged,
        webhooks,
        controlPlane(tagged, [istiod('1-20-1')], webhooks, pinned),
        pinned,
      ).status,
    ).toBe('passed');

    const old = ns({ 'istio.io/rev': 'default' });
    const both = [istiod('default'), istiod('1-20-1')];
    const hooks = [injector('default'), injector('1-20-1')];
    const wrong = checkInjectionLabel(
      old,
      hooks,
      controlPlane(old, both, hooks, withRevision('1-20-1')),
      withRevision('1-20-1'),
    );
    expect(wrong.findings[0]).toMatchObject({
      object: 'Namespace/zamaz-mesh',
      message:
        "zamaz-mesh selects revision default (istio.io/rev=default), the profile's control plane is revision 1-20-1 (istio.revision=1-20-1)",
      expected: '1-20-1',
      actual: 'default',
    });
  });
});
