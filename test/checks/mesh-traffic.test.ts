// Istio's semantics for traffic objects (issue 11, item 8): each rule with a case Istio accepts and one it flags.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import type { Malformed } from '../../src/checks/common/malformed.ts';
import {
  checkDestinationRuleRefs,
  checkGateway,
  checkVirtualService,
  checkWeights,
  type TrafficObjects,
} from '../../src/checks/mesh/index.ts';
import { checkAllowPolicies } from '../../src/checks/security/index.ts';
import { defaultProfile as profile } from '../../src/profile/index.ts';

const MESH = 'zamaz-mesh';
const ISTIO = 'istio-system';

const k = (
  kind: string,
  name: string,
  namespace: string | undefined,
  rest: Record<string, unknown> = {},
): KubeObject => ({
  kind,
  ...rest,
  metadata: { name, ...(namespace ? { namespace } : {}), ...((rest.metadata as object) ?? {}) },
});

const svc = (name: string, namespace: string, port: number, extra: Record<string, unknown> = {}) =>
  k('Service', name, namespace, { spec: { selector: { app: name }, ports: [{ port }] }, ...extra });

const pod = (name: string, namespace: string, labels: Record<string, string>, node = 'node-a') =>
  k('Pod', name, namespace, { metadata: { labels }, spec: { nodeName: node }, status: { phase: 'Running' } });

const gateway = (
  name: string,
  namespace: string,
  selector: Record<string, string>,
  hosts: string[],
  port = 80,
) =>
  k('Gateway', name, namespace, {
    spec: { selector, servers: [{ port: { number: port, name: 'http', protocol: 'HTTP' }, hosts }] },
  });

const route = (host: string, port?: number, extra: Record<string, unknown> = {}) => ({
  destination: { host, ...(port ? { port: { number: port } } : {}) },
  ...extra,
});

/** The profile's VirtualService: hosts, gateway, and the two weighted http routes of the reference cluster. */
const zamazVs = (spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) =>
  k('VirtualService', 'zamaz', MESH, {
    metadata: meta,
    spec: {
      hosts: ['zamaz.example.com'],
      gateways: ['zamaz-gateway'],
      http: [
        {
          name: 'api',
          route: [
            route('zamaz-api.zamaz.svc.cluster.local', 8080, { weight: 90 }),
            route('zamaz-api.zamaz-mesh.svc.cluster.local', 8080, { weight: 10 }),
          ],
        },
      ],
      ...spec,
    },
  });

const gwPods = [
  pod('istio-ingressgateway-a', ISTIO, { app: 'istio-ingressgateway', istio: 'ingressgateway' }),
  pod('istio-ingressgateway-b', ISTIO, { app: 'istio-ingressgateway', istio: 'ingressgateway' }, 'node-b'),
];
const services = [
  svc('zamaz-api', 'zamaz', 8080),
  svc('zamaz-api', MESH, 8080),
  svc('zamaz-frontend', MESH, 80),
  k('Service', 'istio-ingressgateway', ISTIO, {
    spec: { selector: { istio: 'ingressgateway' }, ports: [{ port: 80, targetPort: 8080 }] },
  }),
];
const zamazGw = gateway('zamaz-gateway', MESH, { istio: 'ingressgateway' }, ['zamaz.example.com']);

function objs(o: Partial<TrafficObjects> = {}): TrafficObjects {
  return {
    virtualServices: [zamazVs()],
    gateways: [zamazGw],
    services,
    destinationRules: [],
    serviceEntries: [],
    pods: gwPods,
    malformed: [],
    ...o,
  };
}

const messages = (r: { findings: { message: string }[] }) => r.findings.map((f) => f.message);

describe('VirtualService destinations: mirrors, tcp and tls routes, ServiceEntries, exportTo', () => {
  it('the reference VirtualService passes', () => {
    expect(checkVirtualService(objs(), profile)).toMatchObject({ status: 'passed', findings: [] });
  });

  it('checks mirror destinations and tcp/tls routes, not only http routes', () => {
    const vs = zamazVs({
      http: [
        {
          name: 'api',
          route: [route('zamaz-api.zamaz-mesh.svc.cluster.local', 8080)],
          mirror: { host: 'zamaz-api-shadow.zamaz-mesh.svc.cluster.local' },
        },
      ],
      tcp: [{ route: [route('zamaz-api.zamaz-mesh.svc.cluster.local', 8080)] }],
      tls: [
        {
          match: [{ sniHosts: ['zamaz.example.com'] }],
          route: [route('zamaz-tls.zamaz-mesh.svc.cluster.local', 443)],
        },
      ],
    });
    const r = checkVirtualService(objs({ virtualServices: [vs] }), profile);
    expect(r.status).toBe('failed');
    expect(r.findings.map((f) => [f.field, f.actual])).toEqual([
      ['spec.http[api].mirror.host', 'zamaz-api-shadow.zamaz-mesh.svc.cluster.local'],
      ['spec.tls[0].route[0].destination.host', 'zamaz-tls.zamaz-mesh.svc.cluster.local'],
    ]);
    expect(r.findings[0]?.message).toBe(
      'VirtualService/zamaz-mesh/zamaz http route api mirrors traffic to zamaz-api-shadow.zamaz-mesh.svc.cluster.local, which is neither a Service nor a ServiceEntry host in this cluster (istioctl analyze: IST0101)',
    );
    // The same routes to hosts that exist pass (the tcp route was already fine).
    const ok = zamazVs({
      http: [
        {
          name: 'api',
          route: [route('zamaz-api.zamaz-mesh.svc.cluster.local', 8080)],
          mirrors: [{ destination: { host: 'zamaz-api.zamaz.svc.cluster.local' } }],
        },
      ],
      tcp: [{ route: [route('zamaz-api.zamaz-mesh.svc.cluster.local', 8080)] }],
    });
    expect(checkVirtualService(objs({ virtualServices: [ok] }), profile).status).toBe('passed');
  });

  it('accepts ServiceEntry hosts (wildcards too) as destinations, and their ports', () => {
    const se = k('ServiceEntry', 'payments', MESH, {
      spec: { hosts: ['*.payments.example.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }] },
    });
    const vs = zamazVs({
      tls: [
        { match: [{ sniHosts: ['zamaz.example.com'] }], route: [route('api.payments.example.com', 443)] },
      ],
    });
    expect(checkVirtualService(objs({ virtualServices: [vs], serviceEntries: [se] }), profile).status).toBe(
      'passed',
    );
    const wrongPort = zamazVs({ tls: [{ route: [route('api.payments.example.com', 8443)] }] });
    expect(
      messages(checkVirtualService(objs({ virtualServices: [wrongPort], serviceEntries: [se] }), profile)),
    ).toEqual([
      'VirtualService/zamaz-mesh/zamaz tls route tls[0] sends traffic to api.payments.example.com port 8443, the ServiceEntry exposes 443 (istioctl analyze: IST0101)',
    ]);
    // Without the ServiceEntry the same host is unknown.
    expect(checkVirtualService(objs({ virtualServices: [vs] }), profile).status).toBe('failed');
  });

  it('honours exportTo: a ServiceEntry, Service or DestinationRule not exported to the namespace is not visible there', () => {
    const se = (exportTo: string[]) =>
      k('ServiceEntry', 'payments', 'payments', { spec: { hosts: ['payments.example.com'], exportTo } });
    const vs = zamazVs({ tcp: [{ route: [route('payments.example.com')] }] });
    expect(
      checkVirtualService(objs({ virtualServices: [vs], serviceEntries: [se(['*'])] }), profile).status,
    ).toBe('passed');
    expect(
      checkVirtualService(objs({ virtualServices: [vs], serviceEntries: [se([MESH])] }), profile).status,
    ).toBe('passed');
    const hidden = checkVirtualService(objs({ virtualServices: [vs], serviceEntries: [se(['.'])] }), profile);
    expect(messages(hidden)).toEqual([
      'VirtualService/zamaz-mesh/zamaz tcp route tcp[0] sends traffic to payments.example.com, but ServiceEntry/payments/payments is exported only to .: it is not visible from zamaz-mesh, so Istio treats the host as unknown (istioctl analyze: IST0101)',
    ]);

    const privateSvc = svc('ledger', 'finance', 8080, {
      metadata: { annotations: { 'networking.istio.io/exportTo': '.' } },
    });
    const toLedger = zamazVs({ tcp: [{ route: [route('ledger.finance.svc.cluster.local', 8080)] }] });
    expect(
      checkVirtualService(objs({ virtualServices: [toLedger], services: [...services, privateSvc] }), profile)
        .findings[0]?.message,
    ).toContain('but Service/finance/ledger is exported only to .');

    const subsetVs = zamazVs({
      http: [{ name: 'api', route: [route('zamaz-api.zamaz.svc.cluster.local', 8080, { weight: 100 })] }],
    });
    (
      subsetVs.spec as { http: { route: { destination: Record<string, unknown> }[] }[] }
    ).http[0]!.route[0]!.destination.subset = 'v2';
    const dr = (exportTo?: string[]) =>
      k('DestinationRule', 'zamaz-api', 'zamaz', {
        spec: {
          host: 'zamaz-api',
          subsets: [{ name: 'v2', labels: { version: 'v2' } }],
          ...(exportTo ? { exportTo } : {}),
        },
      });
    expect(
      checkVirtualService(objs({ virtualServices: [subsetVs], destinationRules: [dr()] }), profile).status,
    ).toBe('passed');
    expect(
      messages(
        checkVirtualService(objs({ virtualServices: [subsetVs], destinationRules: [dr(['.'])] }), profile),
      ),
    ).toEqual([
      'VirtualService/zamaz-mesh/zamaz http route api sends traffic to subset v2 of zamaz-api.zamaz.svc.cluster.local, which no DestinationRule visible from zamaz-mesh defines (DestinationRule/zamaz/zamaz-api is not exported to zamaz-mesh): requests fail with 503 (istioctl analyze: IST0101)',
    ]);
  });

  it('a VirtualService bound to a Gateway must be exported to the gateway proxies namespace', () => {
    const only = checkVirtualService(objs({ virtualServices: [zamazVs({ exportTo: ['.'] })] }), profile);
    expect(only.findings[0]).toMatchObject({
      object: 'VirtualService/zamaz-mesh/zamaz',
      message:
        'VirtualService/zamaz-mesh/zamaz is exported only to ., so the gateway proxies of zamaz-mesh/zamaz-gateway in istio-system never see it: its routes are not applied at the gateway',
      field: 'spec.exportTo',
    });
    expect(
      checkVirtualService(objs({ virtualServices: [zamazVs({ exportTo: ['.', ISTIO] })] }), profile).status,
    ).toBe('passed');
  });
});

describe('Gateway hosts and bindings: namespace prefixes, IST0132, IST0145', () => {
  it('keeps the namespace of ./host and ns/host Gateway hosts', () => {
    const dot = gateway('zamaz-gateway', MESH, { istio: 'ingressgateway' }, ['./zamaz.example.com']);
    expect(checkGateway([dot], gwPods, services, profile).status).toBe('passed');
    expect(checkVirtualService(objs({ gateways: [dot] }), profile).status).toBe('passed');

    const elsewhere = gateway('zamaz-gateway', MESH, { istio: 'ingressgateway' }, [
      'istio-system/zamaz.example.com',
    ]);
    const g = checkGateway([elsewhere], gwPods, services, profile);
    expect(g.findings[0]).toMatchObject({
      object: 'Gateway/zamaz-mesh/zamaz-gateway',
      message:
        'Gateway/zamaz-mesh/zamaz-gateway offers zamaz.example.com only to VirtualServices in istio-system (istio-system/zamaz.example.com): VirtualService zamaz-mesh/zamaz cannot bind it',
    });
    expect(messages(checkVirtualService(objs({ gateways: [elsewhere] }), profile))).toEqual([
      'none of the hosts zamaz.example.com of VirtualService/zamaz-mesh/zamaz is among the hosts Gateway zamaz-mesh/zamaz-gateway offers to namespace zamaz-mesh (none): the route is ignored there (istioctl analyze: IST0132)',
    ]);
  });

  it('IST0132: the VirtualService hosts must intersect each bound Gateway hosts, not all be on it', () => {
    const two = zamazVs({ hosts: ['zamaz.example.com', 'api.zamaz.internal'] });
    expect(checkVirtualService(objs({ virtualServices: [two] }), profile).status).toBe('passed');
    const wildcard = gateway('zamaz-gateway', MESH, { istio: 'ingressgateway' }, ['*.example.com']);
    expect(checkVirtualService(objs({ gateways: [wildcard] }), profile).status).toBe('passed');
    const none = zamazVs({ hosts: ['zamaz.example.org'] });
    const r = checkVirtualService(objs({ virtualServices: [none] }), profile);
    expect(r.findings.map((f) => f.message)).toEqual([
      'VirtualService/zamaz-mesh/zamaz does not list host zamaz.example.com',
      'none of the hosts zamaz.example.org of VirtualService/zamaz-mesh/zamaz is among the hosts Gateway zamaz-mesh/zamaz-gateway offers to namespace zamaz-mesh (zamaz.example.com): the route is ignored there (istioctl analyze: IST0132)',
    ]);
  });

  it('IST0145: Gateways with different selectors that pick the same pods conflict; different pods do not', () => {
    const other = gateway('team-gateway', 'team', { app: 'istio-ingressgateway' }, ['*.example.com']);
    const r = checkGateway([zamazGw, other], gwPods, services, profile);
    expect(r.findings.map((f) => f.object)).toEqual(['Gateway/team/team-gateway']);
    expect(r.findings[0]?.message).toBe(
      'Gateway/team/team-gateway (selector app=istio-ingressgateway) also claims port 80 for *.example.com on 2 of the gateway pods Gateway/zamaz-mesh/zamaz-gateway (selector istio=ingressgateway) configures, e.g. istio-system/istio-ingressgateway-a: only one server wins (istioctl analyze: IST0145)',
    );
    const otherPods = [...gwPods, pod('team-gw', 'team', { app: 'team-gateway' })];
    const separate = gateway('team-gateway', 'team', { app: 'team-gateway' }, ['*.example.com']);
    expect(checkGateway([zamazGw, separate], otherPods, services, profile).status).toBe('passed');
  });
});

describe('DestinationRule subsets with node topology labels', () => {
  const dr = (labels: Record<string, string>) =>
    k('DestinationRule', 'zamaz-api', MESH, {
      spec: { host: 'zamaz-api.zamaz-mesh.svc.cluster.local', subsets: [{ name: 'local', labels }] },
    });
  const front = k('DestinationRule', 'zamaz-frontend', MESH, {
    spec: { host: 'zamaz-frontend.zamaz-mesh.svc.cluster.local' },
  });
  const nodes = [
    k('Node', 'node-a', undefined, { metadata: { labels: { 'topology.kubernetes.io/zone': 'eu-west-1a' } } }),
  ];
  const pods = [pod('zamaz-api-1', MESH, { app: 'zamaz-api', version: 'v1' })];

  it('matches locality labels against the node, as Istio labels endpoints, not against the pod', () => {
    const zone = checkDestinationRuleRefs(
      [dr({ 'topology.kubernetes.io/zone': 'eu-west-1a' }), front],
      services,
      pods,
      profile,
      { nodes },
    );
    expect(zone.status).toBe('passed');
    const host = checkDestinationRuleRefs(
      [dr({ 'kubernetes.io/hostname': 'node-a', version: 'v1' }), front],
      services,
      pods,
      profile,
      { nodes },
    );
    expect(host.status).toBe('passed');
    const other = checkDestinationRuleRefs(
      [dr({ 'topology.kubernetes.io/zone': 'eu-west-1b' }), front],
      services,
      pods,
      profile,
      { nodes },
    );
    expect(messages(other)).toEqual([
      'subset local (labels topology.kubernetes.io/zone=eu-west-1b) selects no pod behind zamaz-api.zamaz-mesh.svc.cluster.local: routes to it fail with 503',
    ]);
  });

  it('accepts a DestinationRule for a ServiceEntry host; rejects one for no known host', () => {
    const se = k('ServiceEntry', 'payments', MESH, { spec: { hosts: ['payments.example.com'] } });
    const extra = k('DestinationRule', 'payments', MESH, { spec: { host: 'payments.example.com' } });
    const withProfile = {
      ...profile,
      traffic: { ...profile.traffic, destinationRules: ['zamaz-api', 'zamaz-frontend', 'payments'] },
    };
    const frontend = front;
    expect(
      checkDestinationRuleRefs([frontend, extra, dr({ app: 'zamaz-api' })], services, pods, withProfile, {
        serviceEntries: [se],
      }).status,
    ).toBe('passed');
    expect(
      checkDestinationRuleRefs([frontend, extra, dr({ app: 'zamaz-api' })], services, pods, withProfile)
        .findings[0]?.message,
    ).toBe(
      'DestinationRule/zamaz-mesh/payments targets host payments.example.com, which is neither a Service nor a ServiceEntry host in this cluster: the rule applies to nothing (istioctl analyze: IST0101)',
    );
  });
});

describe('malformed objects: a finding on that object, the others still checked', () => {
  const emptyRoute: Malformed = {
    object: 'VirtualService/team-a/reports',
    namespace: 'team-a',
    problems: ['spec.http.0.route.0.destination: Invalid input: expected object, received undefined'],
  };
  const badWeight: Malformed = {
    object: 'VirtualService/zamaz-mesh/zamaz',
    namespace: MESH,
    problems: ['spec.http.0.route.1.weight: Invalid input: expected number, received string'],
  };

  it("outside the profile's namespaces: a note; the check passes on the rest", () => {
    const r = checkVirtualService(objs({ malformed: [emptyRoute] }), profile);
    expect(r.status).toBe('passed');
    expect(r.details).toContain(
      "note: VirtualService/team-a/reports cannot be read (spec.http.0.route.0.destination: Invalid input: expected object, received undefined); it is outside the profile's namespaces and was skipped",
    );
  });

  it('inside them: inconclusive on that object (its own kind/namespace/name and field), never "does not exist"', () => {
    const r = checkVirtualService(objs({ virtualServices: [], malformed: [badWeight] }), profile);
    expect(r.status).toBe('inconclusive');
    expect(r.findings).toEqual([
      {
        object: 'VirtualService/zamaz-mesh/zamaz',
        message:
          'cannot read VirtualService/zamaz-mesh/zamaz (spec.http.0.route.1.weight: Invalid input: expected number, received string): the object does not have the shape Istio defines, so meshgate does not guess what it means; the rest of this check still ran',
        hint: 'correct the field named above (kubectl -n zamaz-mesh edit virtualservice zamaz), so it has the type its CRD defines (istioctl validate -f shows what Istio rejects)',
        field: 'spec.http.0.route.1.weight',
      },
    ]);
    expect(checkWeights([], profile, [badWeight]).status).toBe('inconclusive');
  });

  it('a real failure elsewhere still fails beside a malformed object', () => {
    const other = k('VirtualService', 'admin', MESH, {
      spec: {
        hosts: ['admin.zamaz-mesh.svc.cluster.local'],
        http: [{ route: [route('nowhere.zamaz-mesh.svc.cluster.local')] }],
      },
    });
    const r = checkVirtualService(
      objs({
        virtualServices: [zamazVs(), other],
        malformed: [{ ...badWeight, object: 'VirtualService/zamaz-mesh/canary' }],
      }),
      profile,
    );
    expect(r.status).toBe('failed');
    expect(r.findings.map((f) => f.object)).toEqual([
      'VirtualService/zamaz-mesh/admin',
      'VirtualService/zamaz-mesh/canary',
    ]);
  });
});

describe('IST0127 for an AuthorizationPolicy without selector', () => {
  const meshPod = pod('zamaz-api-1', MESH, { app: 'zamaz-api' });
  const policy = (ns: string) =>
    k('AuthorizationPolicy', 'allow-reports', ns, { spec: { action: 'ALLOW', rules: [{}] } });

  it('flags one in a namespace where no workload runs; not one in a namespace with workloads', () => {
    const r = checkAllowPolicies([policy('zamaz')], [meshPod], [], profile);
    expect(r.findings[0]).toMatchObject({
      object: 'AuthorizationPolicy/zamaz/allow-reports',
      message:
        'AuthorizationPolicy/zamaz/allow-reports has no selector, so it applies to every workload in zamaz, and no pod runs there: the flow it is meant to allow stays denied (istioctl analyze: IST0127 NoMatchingWorkloadsFound)',
    });
    const legacyPod = pod('envoy-1', 'zamaz', { app: 'envoy' });
    expect(checkAllowPolicies([policy('zamaz')], [meshPod, legacyPod], [], profile).findings).toEqual([]);
  });
});
