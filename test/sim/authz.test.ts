import { AuthorizationV1Api, CoreV1Api, Exec, type V1ResourceRule } from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { failure, fixture, raw, useSimulator } from './sim-harness.ts';

const USER = 'system:serviceaccount:meshgate:meshgate';

describe('authentication', () => {
  const env = useSimulator(fixture('basic'));

  it('answers 401 Unauthorized without the bearer token, or with a wrong one', async () => {
    for (const token of [null, 'wrong']) {
      const res = await raw(env().sim, 'GET', '/api/v1/namespaces', { token });
      expect(res.status).toBe(401);
      expect(res.json()).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
    }
    expect((await raw(env().sim, 'GET', '/version', { token: null })).status).toBe(401);
  });
});

describe('ClusterProfile.spec.forbidden', () => {
  const env = useSimulator(fixture('profile'));
  const core = () => env().kc.makeApiClient(CoreV1Api);
  const authz = () => env().kc.makeApiClient(AuthorizationV1Api);

  it('answers 403 with the RBAC message, reason and details', async () => {
    const { code, body } = await failure(core().listNamespacedPod({ namespace: 'zamaz-mesh' }));
    expect(code).toBe(403);
    expect(body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" in the namespace "zamaz-mesh"`,
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
    // Only what is forbidden: other namespaces and verbs still work.
    expect((await core().listNamespacedPod({ namespace: 'zamaz-legacy' })).items).toHaveLength(1);
    expect(
      (await core().readNamespacedPod({ name: 'zamaz-v1-abc12', namespace: 'zamaz-mesh' })).metadata?.name,
    ).toBe('zamaz-v1-abc12');
  });

  it('names the object and the cluster scope like the real authorizer', async () => {
    const secret = await failure(core().readNamespacedSecret({ name: 'tls', namespace: 'istio-system' }));
    expect(secret.body.message).toBe(
      `secrets "tls" is forbidden: User "${USER}" cannot get resource "secrets" in API group "" in the namespace "istio-system"`,
    );
    expect(secret.body.details).toEqual({ name: 'tls', kind: 'secrets' });
    const all = await failure(core().listSecretForAllNamespaces());
    expect(all.body.message).toBe(
      `secrets is forbidden: User "${USER}" cannot list resource "secrets" in API group "" at the cluster scope`,
    );
  });

  it('forbids exec (create pods/exec) before the WebSocket opens', async () => {
    const error = await new Exec(env().kc)
      .exec(
        'zamaz-mesh',
        'zamaz-v1-abc12',
        'istio-proxy',
        ['ls'],
        new PassThrough(),
        new PassThrough(),
        null,
        false,
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String((error as { message?: string }).message ?? error)).toMatch(/403/);
  });

  it('answers SelfSubjectAccessReviews consistently with the forbidden list', async () => {
    const review = async (verb: string, resource: string, namespace: string, subresource?: string) =>
      (
        await authz().createSelfSubjectAccessReview({
          body: { spec: { resourceAttributes: { verb, resource, namespace, subresource } } },
        })
      ).status?.allowed;
    expect(await review('list', 'pods', 'zamaz-mesh')).toBe(false);
    expect(await review('list', 'pods', 'zamaz-legacy')).toBe(true);
    expect(await review('get', 'secrets', 'default')).toBe(false);
    expect(await review('create', 'pods', 'zamaz-mesh', 'exec')).toBe(false);
    expect(await review('create', 'pods', 'zamaz-mesh')).toBe(true);
  });

  it('lists what is still allowed in a SelfSubjectRulesReview', async () => {
    const rules = (
      await authz().createSelfSubjectRulesReview({ body: { spec: { namespace: 'zamaz-mesh' } } })
    ).status;
    expect(rules?.incomplete).toBe(false);
    const allowedVerbs = (resource: string): string[] =>
      (rules?.resourceRules ?? [])
        .filter((r: V1ResourceRule) => r.apiGroups?.includes('') && r.resources?.includes(resource))
        .flatMap((r) => r.verbs);
    expect(allowedVerbs('pods')).toEqual([
      'create',
      'delete',
      'deletecollection',
      'get',
      'patch',
      'update',
      'watch',
    ]);
    expect(allowedVerbs('pods/exec')).toEqual(['get']);
    expect(allowedVerbs('secrets')).toEqual([]);
    expect(allowedVerbs('configmaps')).toEqual(['*']);
    expect(rules?.resourceRules).toContainEqual({ verbs: ['*'], apiGroups: ['apps'], resources: ['*'] });
  });

  it('answers a SubjectAccessReview about its own user from the profile too', async () => {
    const sar = await authz().createSubjectAccessReview({
      body: {
        spec: { user: USER, resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'zamaz-mesh' } },
      },
    });
    expect(sar.status?.allowed).toBe(false);
  });
});

describe('SubjectAccessReview over the scenario RBAC', () => {
  const env = useSimulator(fixture('basic'));
  const authz = () => env().kc.makeApiClient(AuthorizationV1Api);
  const sar = async (
    who: { user?: string; groups?: string[] },
    attrs: {
      verb: string;
      resource: string;
      group?: string;
      namespace?: string;
      name?: string;
      subresource?: string;
    },
  ) =>
    (await authz().createSubjectAccessReview({ body: { spec: { ...who, resourceAttributes: attrs } } }))
      .status;

  const reader = { user: 'system:serviceaccount:zamaz-mesh:reader' };

  it('allows what a RoleBinding grants a ServiceAccount, in that namespace only', async () => {
    const allowed = await sar(reader, { verb: 'list', resource: 'pods', namespace: 'zamaz-mesh' });
    expect(allowed).toEqual({
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "reader-pods/zamaz-mesh" of Role "pod-reader" to ServiceAccount "reader/zamaz-mesh"',
    });
    expect(
      (await sar(reader, { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'zamaz-mesh' }))
        ?.allowed,
    ).toBe(true);
    expect((await sar(reader, { verb: 'list', resource: 'pods', namespace: 'default' }))?.allowed).toBe(
      false,
    );
    expect((await sar(reader, { verb: 'delete', resource: 'pods', namespace: 'zamaz-mesh' }))?.allowed).toBe(
      false,
    );
    expect(
      (await sar(reader, { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'zamaz-mesh' }))
        ?.allowed,
    ).toBe(false);
    // The behavioural RBAC check from mesh.md: an unbound ServiceAccount cannot list secrets.
    expect((await sar(reader, { verb: 'list', resource: 'secrets', namespace: 'zamaz-mesh' }))?.allowed).toBe(
      false,
    );
  });

  it('honours resourceNames', async () => {
    const attrs = { verb: 'get', resource: 'configmaps', namespace: 'zamaz-mesh' };
    expect((await sar(reader, { ...attrs, name: 'allowed-config' }))?.allowed).toBe(true);
    expect((await sar(reader, { ...attrs, name: 'other' }))?.allowed).toBe(false);
    expect((await sar(reader, { ...attrs, verb: 'list' }))?.allowed).toBe(false);
  });

  it('grants through groups, aggregated ClusterRoles and the implicit system:masters binding', async () => {
    const vs = {
      verb: 'list',
      group: 'networking.istio.io',
      resource: 'virtualservices',
      namespace: 'zamaz-mesh',
    };
    expect((await sar({ user: 'alice', groups: ['mesh-viewers'] }, vs))?.allowed).toBe(true);
    expect((await sar({ user: 'alice', groups: ['mesh-viewers'] }, { ...vs, verb: 'delete' }))?.allowed).toBe(
      false,
    );
    expect((await sar({ user: 'alice' }, vs))?.allowed).toBe(false);
    expect(
      (await sar({ user: 'root', groups: ['system:masters'] }, { verb: 'delete', resource: 'nodes' }))
        ?.allowed,
    ).toBe(true);
  });

  it('acts as an impersonated user (Impersonate-User), judged by RBAC', async () => {
    const as = (path: string) =>
      raw(env().sim, 'GET', path, { headers: { 'Impersonate-User': reader.user } });
    expect((await as('/api/v1/namespaces/zamaz-mesh/pods')).status).toBe(200);
    const denied = await as('/api/v1/namespaces/zamaz-mesh/secrets');
    expect(denied.status).toBe(403);
    expect(denied.json().message).toBe(
      `secrets is forbidden: User "${reader.user}" cannot list resource "secrets" in API group "" in the namespace "zamaz-mesh"`,
    );
    const rules = await raw(env().sim, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      headers: { 'Impersonate-User': reader.user },
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectRulesReview',
        spec: { namespace: 'zamaz-mesh' },
      },
    });
    expect((rules.json().status as { resourceRules: unknown[] }).resourceRules).toEqual([
      // From the bootstrap system:basic-user binding for system:authenticated, as in every cluster.
      {
        verbs: ['create'],
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
      { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] },
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['allowed-config'] },
    ]);
  });

  it('rejects a review without a subject', async () => {
    const bad = await failure(
      authz().createSubjectAccessReview({
        body: { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } },
      }),
    );
    expect(bad.code).toBe(400);
  });
});
