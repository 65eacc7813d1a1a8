// Requests that grow with kinds, not pods: the prereq, mesh and security checks of one run (one
// cluster client, so one cache, as in the CLI's one worker), counted by the simulator per verb,
// resource and subresource, on healthy and on healthy with more mesh pods. Counts, never times.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HEALTHY, writeMeshOverlay } from '../../bench/lib/scenarios.ts';
import { requiredAccess } from '../../src/permissions/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { startSimulator } from '../../src/sim/index.ts';
import type { RequestRecord } from '../../src/sim/request-log.ts';
import { MESH_GATES } from '../../suites/mesh/mesh-gates.ts';
import { PREREQ_GATES } from '../../suites/prereq/prereq-gates.ts';
import { SECURITY_GATES } from '../../suites/security/security-gates.ts';
import type { GateGroup } from '../../suites/support/gate-spec.ts';
import { clusterLayer } from '../faults/support.ts';
import { runGates, type GateOutcome } from '../support/run-gates.ts';

/** What prereq.permissions asks: the read rules of src/permissions for the default profile. */
const required = requiredAccess(defaultProfile);
const clusterWide = required.filter((a) => a.namespace === undefined);
const namespaces = new Set(required.flatMap((a) => (a.namespace === undefined ? [] : [a.namespace])));

// prereq.tools asks this workstation, not the cluster.
const GATES: GateGroup[] = [
  ...PREREQ_GATES.map((g) => ({ ...g, gates: g.gates.filter((x) => x.id !== 'prereq.tools') })),
  ...MESH_GATES,
  ...SECURITY_GATES,
];
const EXTRA = 20;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'meshgate-counts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Counted {
  outcomes: Map<string, GateOutcome>;
  /** Requests by `verb resource[/subresource]`. */
  counts: Map<string, number>;
  records: RequestRecord[];
}

async function counted(layers: string[], allPods = false): Promise<Counted> {
  const log = path.join(tmp, `requests-${layers.length}-${allPods}-${Math.random()}.jsonl`);
  const sim = await startSimulator({ scenario: layers, requestLog: log });
  let outcomes: Map<string, GateOutcome>;
  let snapshot: ReturnType<typeof sim.requestCounts>;
  try {
    outcomes = await runGates(sim.kubeconfigPath, defaultProfile, GATES, { allPods });
    snapshot = sim.requestCounts();
  } finally {
    await sim.stop();
  }
  const counts = new Map(
    snapshot.requests.map((r) => [
      `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`,
      r.count,
    ]),
  );
  const records = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RequestRecord);
  return { outcomes, counts, records };
}

const n = (c: Counted, key: string): number => c.counts.get(key) ?? 0;
const failing = (c: Counted): string[] =>
  [...c.outcomes].filter(([, o]) => o.status === 'failed' || o.status === 'crashed').map(([id]) => id);

function meshOverlay(extra: number): string {
  const dir = path.join(tmp, `mesh-${extra}`);
  writeMeshOverlay(dir, extra);
  return dir;
}

describe('API requests per verify run (prereq, mesh, security)', { timeout: 300_000 }, () => {
  it(`grow by one certs exec and one stats pod-proxy call per extra mesh pod, and no list or review (${EXTRA} extra pods)`, async () => {
    const [healthy, more] = await Promise.all([counted([HEALTHY]), counted([HEALTHY, meshOverlay(EXTRA)])]);
    expect(failing(healthy)).toEqual([]);
    expect(failing(more)).toEqual([]);

    // Everything but the per-pod calls is the same, request for request: reads grow with kinds.
    const perPod = ['create pods/exec', 'get pods/proxy'];
    const rest = (c: Counted) => [...c.counts].filter(([k]) => !perPod.includes(k)).sort();
    expect(rest(more)).toEqual(rest(healthy));
    // Per extra pod: its certificates (exec, read once for mesh and security) and its Envoy stats
    // (pod proxy; none with Prometheus, test/e2e/prometheus-proxy-stats). Cluster limits and app
    // health are read from one pod per ReplicaSet; the extra pods, Ready and probed by the kubelet
    // on the same endpoint, are judged by Ready.
    expect(n(more, 'create pods/exec') - n(healthy, 'create pods/exec')).toBe(EXTRA);
    expect(n(more, 'get pods/proxy') - n(healthy, 'get pods/proxy')).toBe(EXTRA);
    const judged = more.outcomes.get('mesh.app.health')?.details[0] ?? '';
    expect(judged).toMatch(new RegExp(`^2/2 health endpoints answered 2xx .*; ${2 + EXTRA} more pods Ready`));

    // No pod is asked the same thing twice.
    const perPodCalls = (c: Counted) =>
      c.records
        .filter((r) => r.subresource === 'exec' || r.subresource === 'proxy')
        .map((r) => `${r.verb} ${r.namespace ?? ''}/${r.name ?? ''}/${r.subresource}`);
    for (const c of [healthy, more]) {
      const calls = perPodCalls(c);
      const byPod = new Map<string, number>();
      for (const k of calls) byPod.set(k, (byPod.get(k) ?? 0) + 1);
      // At most: certs + clusters (sampled pods) + the SPIRE server's healthcheck and entries by exec.
      expect(
        Math.max(...[...byPod].filter(([k]) => k.endsWith('/exec')).map(([, v]) => v)),
      ).toBeLessThanOrEqual(2);
    }

    // Gateway and mesh pods are found by namespace and label selector, never by a list of every pod:
    // the only list without a namespace is the Gateway selector's (labelSelector istio=ingressgateway).
    const clusterWidePods = more.records.filter(
      (r) => r.verb === 'list' && r.resource === 'pods' && !r.namespace,
    );
    expect(clusterWidePods.length).toBe(1);

    // prereq.permissions: one SelfSubjectRulesReview per namespace of the profile, and a
    // SelfSubjectAccessReview only for the cluster-wide permissions (the list in src/permissions).
    expect(n(healthy, 'create selfsubjectrulesreviews.authorization.k8s.io')).toBe(namespaces.size);
    expect(n(healthy, 'create selfsubjectaccessreviews.authorization.k8s.io')).toBe(clusterWide.length);
    expect(healthy.outcomes.get('prereq.permissions')?.details).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${required.length - clusterWide.length} answered by ${namespaces.size} SelfSubjectRulesReview`,
        ),
      ),
    );
  });

  it('reads Envoy cluster limits and app health from one pod per ReplicaSet, and from every pod with --all-pods', async () => {
    const [sampled, all] = await Promise.all([counted([HEALTHY]), counted([HEALTHY], true)]);
    const clusters = (c: Counted) => c.records.filter((r) => r.subresource === 'exec').length;
    // healthy: 6 proxies (2 zamaz-api, 2 zamaz-frontend, 2 ingress gateway) in 3 ReplicaSets.
    expect(clusters(all) - clusters(sampled)).toBe(3);
    // App health: 4 mesh pods in 2 ReplicaSets; --all-pods asks the 2 judged by Ready as well.
    const proxied = (c: Counted) => c.records.filter((r) => r.subresource === 'proxy').length;
    expect(proxied(all) - proxied(sampled)).toBe(2);
    expect(all.outcomes.get('mesh.app.health')?.details).toContain('every pod read (--all-pods): 4 pods');
    expect(sampled.outcomes.get('mesh.app.health')?.details[1]).toMatch(
      /^read through the pod proxy .*Pod\/zamaz-mesh\/zamaz-frontend-\S+ for ReplicaSet\/zamaz-mesh\/zamaz-frontend-\S+ \(1 of 2\); judged by their Ready condition/,
    );
    const limits = sampled.outcomes.get('mesh.envoy.cluster-limits');
    expect(limits?.status).toBe('passed');
    expect(limits?.details).toContainEqual(
      expect.stringMatching(
        /^sampled one pod per ReplicaSet .*Pod\/zamaz-mesh\/zamaz-api-\S+ for ReplicaSet\/zamaz-mesh\/zamaz-api-\S+ \(1 of 2\)/,
      ),
    );
    expect(all.outcomes.get('mesh.envoy.cluster-limits')?.details).toContain(
      'every proxy read (--all-pods): 6 pods',
    );
  });

  it('asks each permission by SelfSubjectAccessReview where a rules review cannot be had, and says so', async () => {
    const refused = clusterLayer({
      forbidden: [{ verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews' }],
    });
    const c = await counted([HEALTHY, refused]);
    const perm = c.outcomes.get('prereq.permissions');
    expect(perm?.status).toBe('passed');
    expect(n(c, 'create selfsubjectaccessreviews.authorization.k8s.io')).toBe(required.length);
    expect(perm?.details).toContain(`${required.length} of ${required.length} required permissions granted`);
    expect(perm?.details).toContainEqual(
      expect.stringMatching(
        /^the SelfSubjectRulesReview in zamaz-mesh failed \(.*selfsubjectrulesreviews.*\): its permissions were asked one by one$/,
      ),
    );
  });
});
