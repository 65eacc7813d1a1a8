// mesh.envoy.circuit-breakers reads Envoy's breaker stats from a real Prometheus (backfilled with
// series for the simulator's own pods) when the profile names one, and reads a proxy directly when
// Prometheus lacks fresh series of it or cannot be asked. Counts the simulator's per-pod requests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER, envoyBreakerSeries, type PodName } from '../../bench/lib/envoy-series.ts';
import { HEALTHY, writeMeshOverlay } from '../../bench/lib/scenarios.ts';
import { ClusterClient, loadKubeConfig, Resources } from '../../src/cluster/index.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { proxiedPods } from '../../src/checks/pod-reads.ts';
import { Interrupted } from '../../src/core/cancel.ts';
import { defaultProfile, type Profile } from '../../src/profile/index.ts';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import type { RequestRecord } from '../../src/sim/request-log.ts';
import { MESH_GATES } from '../../suites/mesh/mesh-gates.ts';
import { SECURITY_GATES } from '../../suites/security/security-gates.ts';
import type { SuiteContext } from '../../suites/support/context.ts';
import type { GateGroup } from '../../suites/support/gate-spec.ts';
import { startPrometheus, type StartedPrometheus } from '../support/prometheus.ts';
import { runGates, type GateOutcome } from '../support/run-gates.ts';

const EXTRA = 10;
const BREAKERS: GateGroup[] = [
  {
    title: 'breakers',
    gates: MESH_GATES.flatMap((g) => g.gates).filter((g) => g.id === 'mesh.envoy.circuit-breakers'),
  },
];
const CLUSTER = DEFAULT_CLUSTER;

/** What a pod with an open breaker reports: two default-priority breakers open, a host ejected. */
const OPEN_VALUES: Record<string, number> = {
  circuit_breakers_default_cx_open: 1,
  circuit_breakers_default_rq_pending_open: 1,
  outlier_detection_ejections_active: 1,
  upstream_rq_pending_overflow: 7,
};

const tmp = mkdtempSync(path.join(os.tmpdir(), 'meshgate-prom-stats-'));
let sim: StartedSimulator;
let pods: KubeObject[];
let healthyProm: StartedPrometheus;
let brokenProm: StartedPrometheus;
let partialProm: StartedPrometheus;
const key = (p: KubeObject) => `${p.metadata.namespace ?? ''}/${p.metadata.name}`;

const named = (of: KubeObject[]): PodName[] =>
  of.map((p) => ({ namespace: p.metadata.namespace ?? '', name: p.metadata.name }));

/** Breaker series at 0 over the last minute, ending `agoS` seconds ago; `open` pods report OPEN_VALUES. */
function envoySeries(of: KubeObject[], opts: { agoS?: number; open?: Set<string> } = {}): string {
  return envoyBreakerSeries(named(of), {
    endS: Math.floor(Date.now() / 1000) - (opts.agoS ?? 5),
    values: new Map([...(opts.open ?? [])].map((k) => [k, OPEN_VALUES])),
  });
}

function profileWith(url: string): Profile {
  return { ...defaultProfile, prometheus: { url } };
}

interface Run {
  outcome: GateOutcome;
  /** `get pods/proxy` and `create pods/exec` requests, as `verb ns/pod/subresource`. */
  perPod: string[];
}

async function run(
  profile: Profile,
  groups: GateGroup[] = BREAKERS,
): Promise<Run & { all: Map<string, GateOutcome> }> {
  const log = path.join(tmp, `log-${Math.random()}.jsonl`);
  const s = await startSimulator({ scenario: [HEALTHY, overlay], requestLog: log });
  let all: Map<string, GateOutcome>;
  try {
    all = await runGates(s.kubeconfigPath, profile, groups);
  } finally {
    // The log is a write stream: read it once stopping has flushed it (a busy machine left the last
    // request's line unwritten when it was read before).
    await s.stop();
  }
  const perPod = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RequestRecord)
    .filter((r) => r.subresource === 'exec' || r.subresource === 'proxy')
    // A pod-proxy name may carry its port (`pod:15020`): counted per pod.
    .map((r) => `${r.verb} ${r.namespace ?? ''}/${(r.name ?? '').replace(/:\d+$/, '')}/${r.subresource}`);
  return { outcome: all.get('mesh.envoy.circuit-breakers') as GateOutcome, perPod, all };
}

let overlay: string;
let missing: KubeObject;
let stale: KubeObject;
let opened: KubeObject;
let partial: KubeObject;

/** A stats matcher keeping `cx_open` but not the other breaker gauges (e.g. a `.*cx_open.*` regexp). */
const PARTIAL_OMIT = [
  'circuit_breakers_default_cx_pool_open',
  'circuit_breakers_default_rq_pending_open',
  'circuit_breakers_default_rq_open',
  'circuit_breakers_default_rq_retry_open',
];

beforeAll(async () => {
  overlay = path.join(tmp, 'mesh-extra');
  writeMeshOverlay(overlay, EXTRA);
  sim = await startSimulator({ scenario: [HEALTHY, overlay] });
  const cluster = new ClusterClient(loadKubeConfig({ kubeconfig: sim.kubeconfigPath }));
  pods = proxiedPods(
    [
      ...(await cluster.list(Resources.pods, { namespace: defaultProfile.namespaces.mesh })),
      ...(await cluster.list(Resources.pods, { namespace: defaultProfile.namespaces.istio })),
    ],
    defaultProfile,
  ).sort((a, b) => key(a).localeCompare(key(b)));
  await sim.stop();
  missing = pods[0] as KubeObject;
  stale = pods[1] as KubeObject;
  opened = pods[2] as KubeObject;
  partial = pods[3] as KubeObject;
  // The stale pod's newest sample is 200 s old: inside Prometheus' 5-minute lookback, so an instant
  // query still returns it, but past meshgate's 120 s freshness limit.
  const rest = pods.filter((p) => p !== missing && p !== stale);
  [healthyProm, brokenProm, partialProm] = await Promise.all([
    startPrometheus({ openmetrics: [envoySeries(rest), envoySeries([stale], { agoS: 200 })] }),
    startPrometheus({ openmetrics: envoySeries(pods, { open: new Set([key(opened)]) }) }),
    startPrometheus({
      openmetrics: envoyBreakerSeries(named(pods), { omit: new Map([[key(partial), PARTIAL_OMIT]]) }),
    }),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([healthyProm?.stop(), brokenProm?.stop(), partialProm?.stop()]);
  rmSync(tmp, { recursive: true, force: true });
});

describe('mesh.envoy.circuit-breakers from Prometheus', { timeout: 180_000 }, () => {
  it('passes on Prometheus series, reading directly only the pod with no series and the stale one', async () => {
    const r = await run(profileWith(healthyProm.url));
    expect(r.outcome.status).toBe('passed');
    // Every proxy but the two Prometheus cannot vouch for is answered by two queries.
    expect(r.outcome.details).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^Envoy stats of ${pods.length - 2} of ${pods.length} proxies from Prometheus http://127\\.0\\.0\\.1:\\d+ \\(2 queries`,
        ),
      ),
    );
    const directLine = r.outcome.details.find((d) => d.startsWith('read directly')) ?? '';
    expect(directLine).toContain(`Pod/${key(missing)} (no outbound cluster series in Prometheus)`);
    expect(directLine).toMatch(
      new RegExp(
        `Pod/${key(stale)} \\(its newest Envoy cluster sample in Prometheus is \\d+ s old \\(limit 120 s\\)\\)`,
      ),
    );
    // The simulator saw a stats read for those two pods only.
    expect(r.perPod.sort()).toEqual([`get ${key(missing)}/proxy`, `get ${key(stale)}/proxy`].sort());
    expect(r.outcome.details[0]).toMatch(
      new RegExp(`^${pods.length}/${pods.length} proxies read, \\d+ outbound clusters$`),
    );
  });

  it('fails on an open breaker Prometheus reports, naming the pod and the cluster', async () => {
    const r = await run(profileWith(brokenProm.url));
    expect(r.outcome.status).toBe('failed');
    expect(r.outcome.findings).toHaveLength(1);
    const f = r.outcome.findings[0];
    expect(f?.object).toBe(`Pod/${key(opened)}`);
    expect(f?.message).toBe(
      `Envoy reports circuit breaker open (default.cx_open, default.rq_pending_open) and 1 host(s) ejected for ${CLUSTER}; ` +
        `overflows: upstream_rq_pending_overflow=7: requests to zamaz-api.zamaz-mesh.svc.cluster.local are being rejected`,
    );
    expect(r.perPod).toEqual([]);
  });

  it('is inconclusive for a proxy whose breaker gauges Prometheus lacks, naming the pod, the stats and the fix', async () => {
    const r = await run(profileWith(partialProm.url));
    expect(r.outcome.status).toBe('inconclusive');
    expect(r.outcome.findings).toHaveLength(1);
    const f = r.outcome.findings[0];
    expect(f?.object).toBe(`Pod/${key(partial)}`);
    expect(f?.message).toMatch(
      new RegExp(
        String.raw`^the proxy's Envoy stats \(Prometheus http://127\.0\.0\.1:\d+\) have no circuit_breakers_default_\{cx_pool_open,rq_pending_open,rq_open,rq_retry_open\} for 1 of 1 outbound clusters`,
      ),
    );
    expect(f?.hint).toContain("add '.*circuit_breakers.*' to proxyStatsMatcher.inclusionRegexps");
    // Judged from Prometheus: no pod was read.
    expect(r.perPod).toEqual([]);
  });

  it('reads every proxy directly when Prometheus is down, and says so', async () => {
    const r = await run(profileWith('http://127.0.0.1:1'));
    expect(r.outcome.status).toBe('passed');
    expect(r.outcome.details).toContainEqual(
      expect.stringMatching(
        /^Prometheus http:\/\/127\.0\.0\.1:1 could not be read \(.+\): every proxy read directly$/,
      ),
    );
    // Every proxy's stats were read from the pod (pod proxy, or exec where that failed).
    const readPods = new Set(r.perPod.map((c) => c.replace(/^\S+ (.*)\/(proxy|exec)$/, '$1')));
    expect([...readPods].sort()).toEqual(pods.map(key).sort());
  });

  it('does not ask Prometheus without the token the profile names, reads every proxy and says why', async () => {
    const profile: Profile = {
      ...profileWith(healthyProm.url),
      canary: { ...defaultProfile.canary, prometheus: { bearerTokenEnv: 'MESHGATE_TEST_UNSET_TOKEN' } },
    };
    const r = await run(profile);
    expect(r.outcome.status).toBe('passed');
    expect(r.outcome.details).toContainEqual(
      expect.stringMatching(
        /^Prometheus not asked \(canary\.prometheus\.bearerTokenEnv names MESHGATE_TEST_UNSET_TOKEN, which is not set or empty.*\): every proxy read directly$/,
      ),
    );
    const readPods = new Set(r.perPod.map((c) => c.replace(/^\S+ (.*)\/(proxy|exec)$/, '$1')));
    expect(readPods.size).toBe(pods.length);
  });

  it('stops the Prometheus query with the run, and reads no proxy after', async () => {
    // A Prometheus that never answers; the run is told to stop once the query has arrived.
    const abort = new AbortController();
    const hung = http.createServer(() => abort.abort(new Interrupted('SIGINT')));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const log = path.join(tmp, `log-abort.jsonl`);
    const s = await startSimulator({ scenario: [HEALTHY, overlay], requestLog: log });
    try {
      const profile = profileWith(`http://127.0.0.1:${(hung.address() as AddressInfo).port}`);
      const ctx: SuiteContext = {
        run: { profile, kubeconfig: s.kubeconfigPath, reportDir: tmp, probe: false, allPods: false },
        profile,
        cluster: new ClusterClient(loadKubeConfig({ kubeconfig: s.kubeconfigPath }), {
          signal: abort.signal,
        }),
      };
      const gate = BREAKERS[0]?.gates[0];
      await expect(gate?.body(ctx)).rejects.toBeInstanceOf(Interrupted);
      const perPod = readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RequestRecord)
        .filter((r) => r.subresource === 'exec' || r.subresource === 'proxy');
      expect(perPod).toEqual([]);
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
      await s.stop();
    }
  });

  it(`costs no stats read per pod when Prometheus has the data (mesh and security suites, ${EXTRA} extra mesh pods)`, async () => {
    const groups = [...MESH_GATES, ...SECURITY_GATES];
    const [down, up] = await Promise.all([
      run(profileWith('http://127.0.0.1:1'), groups),
      run(profileWith(brokenProm.url), groups),
    ]);
    const count = (r: Run, suffix: string) => r.perPod.filter((c) => c.endsWith(suffix)).length;
    // The stats read (pod proxy :15020) of every proxy Prometheus answers for is gone.
    expect(count(down, '/proxy') - count(up, '/proxy')).toBe(pods.length);
    expect(count(down, '/exec')).toBe(count(up, '/exec'));
    // What remains per mesh pod: its certificates (exec; the pods sampled for cluster limits, one
    // per ReplicaSet, also answer one `clusters` exec). App health is one pod-proxy GET per
    // ReplicaSet (zamaz-api, zamaz-frontend); the other pods are judged by Ready.
    const meshOnes = pods.filter((x) => x.metadata.namespace === defaultProfile.namespaces.mesh);
    const proxyCalls = (r: Run, p: KubeObject) => r.perPod.filter((c) => c === `get ${key(p)}/proxy`).length;
    const healthRead = meshOnes.filter((p) => proxyCalls(up, p) > 0);
    expect(healthRead).toHaveLength(2);
    expect(new Set(healthRead.map((p) => p.metadata.ownerReferences?.[0]?.name)).size).toBe(2);
    for (const p of meshOnes) {
      expect(proxyCalls(up, p)).toBeLessThanOrEqual(1);
      expect(proxyCalls(down, p) - proxyCalls(up, p)).toBe(1);
      expect(up.perPod.filter((c) => c === `create ${key(p)}/exec`).length).toBeGreaterThanOrEqual(1);
    }
  });
});
