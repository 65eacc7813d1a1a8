// Everything the demo runs besides meshgate itself: the simulated cluster (meshgate's own simulator
// on scenarios/demo/healthy-at-0), the stand-ins for the legacy and mesh deployments, the router
// playing the ingress gateway (following the VirtualService it watches), a real Prometheus scraping
// them, and the background load through the router (meshgate's builtin load runner).
import path from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { BuiltinRunner } from '../src/load/index.ts';
import { defaultProfile, loadProfile, type Profile } from '../src/profile/index.ts';
import { startSimulator, type StartedSimulator } from '../src/sim/index.ts';
import { FaultSwitch, type FaultName } from './faults.ts';
import type { Peer } from './istio.ts';
import { SCRAPE_INTERVAL_MS, findPrometheus, startPrometheus, type StartedPrometheus } from './prometheus.ts';
import type { ProcessLedger } from './processes.ts';
import { startRouter, type StartedRouter } from './router.ts';
import { startAppStandIn, type StartedAppStandIn } from './services.ts';
import {
  parseVirtualService,
  watchVirtualService,
  type StartedVirtualServiceWatch,
  type VirtualServiceState,
} from './virtual-service-watch.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const SCENARIO = path.join(ROOT, 'scenarios/demo/healthy-at-0');
export const PROFILE_FILE = path.join(ROOT, 'demo/meshgate.demo.config.ts');

/** One chunk of background load; chunks run back to back until the demo stops. */
const LOAD_CHUNK = '20s';

export interface WorldOptions {
  rate: number;
  /** canary.window and monitor duration, e.g. "30s". */
  window: string;
  /** canary.interval, e.g. "5s". */
  interval: string;
  monitorInterval: string;
  minDetectableIncrease: number;
  fault: FaultName | undefined;
  at: number;
  ledger: ProcessLedger;
  /** Lines for the demo's display. */
  log: (line: string) => void;
  signal: AbortSignal;
}

export interface WeightChange {
  resourceVersion: string;
  meshWeight: number | undefined;
  /** From the VirtualService's last-shift-at annotation to the router applying it. */
  lagMs: number | null;
  at: string;
}

export interface LoadTotals {
  requests: number;
  failed: number;
  dropped: number;
  chunks: number;
  notes: string[];
}

export interface World {
  profile: Profile;
  sim: StartedSimulator;
  prometheus: StartedPrometheus;
  router: StartedRouter;
  standIns: StartedAppStandIn[];
  faults: FaultSwitch;
  /** Variables the demo profile reads, for meshgate's child processes. */
  env: Record<string, string>;
  weightChanges: WeightChange[];
  load: LoadTotals;
  /**
   * The mesh weight of the VirtualService on the simulator, after waiting (up to a few seconds) for
   * the router to apply that same version; null when it cannot be read.
   */
  settledMeshWeight(): Promise<number | null>;
  stop(): Promise<void>;
}

const SETTLE_TIMEOUT_MS = 3_000;

/** Names come from meshgate's default profile: the demo profile changes none of them. */
function topology(p: Profile) {
  const gateway: Peer = {
    workload: p.canary.gatewayWorkload,
    namespace: p.namespaces.istio,
    serviceAccount: p.istio.ingressGateway.name,
  };
  const sides = [
    { side: 'legacy' as const, namespace: p.namespaces.legacy },
    { side: 'mesh' as const, namespace: p.namespaces.mesh },
  ];
  const apps = p.app.workloads.flatMap((w) =>
    sides.map((s) => ({
      side: s.side,
      healthPath: w.healthPath,
      workload: { workload: w.name, namespace: s.namespace, serviceAccount: w.serviceAccount },
      service: { name: w.service, namespace: s.namespace, port: w.servicePort },
    })),
  );
  return { gateway, apps };
}

export async function startWorld(o: WorldOptions): Promise<World> {
  const stack: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stack.reverse()) await stop().catch(() => undefined);
    stack.length = 0;
  };
  try {
    // Before anything starts: without Prometheus there is no demo, and the message says how to get it.
    await findPrometheus();
    const names = defaultProfile;
    const { gateway, apps } = topology(names);
    const faults = new FaultSwitch(o.fault, o.at, names.app.workloads[0]!.service);

    const sim = await startSimulator({ scenario: SCENARIO });
    stack.push(() => sim.stop());
    o.log(`simulated cluster (scenarios/demo/healthy-at-0) at ${sim.url}`);

    const standIns: StartedAppStandIn[] = [];
    for (const app of apps) {
      const s = await startAppStandIn({ ...app, trustDomain: names.trustDomain, faults });
      stack.push(() => s.stop());
      standIns.push(s);
    }
    o.log(
      `stand-ins: ${standIns
        .map(
          (s) => `${s.service.namespace}/${s.service.name} ${s.url}${s.side === 'mesh' ? ' (sidecar)' : ''}`,
        )
        .join(', ')}`,
    );

    const weightChanges: WeightChange[] = [];
    const router = await startRouter({
      gateway,
      trustDomain: names.trustDomain,
      upstreams: standIns,
      faults,
      onRoutes: (state: VirtualServiceState, meshWeight) => {
        const shiftAt = state.lastShiftAt ? Date.parse(state.lastShiftAt) : Number.NaN;
        const lagMs = Number.isNaN(shiftAt) ? null : state.observedAt.getTime() - shiftAt;
        const previous = weightChanges[weightChanges.length - 1];
        weightChanges.push({
          resourceVersion: state.resourceVersion,
          meshWeight,
          lagMs,
          at: state.observedAt.toISOString(),
        });
        if (previous && previous.meshWeight !== meshWeight) {
          o.log(
            `router: VirtualService ${names.namespaces.mesh}/${names.traffic.virtualService} now sends ${meshWeight} % to the mesh` +
              (lagMs !== null ? ` (followed ${lagMs} ms after the shift was recorded)` : ''),
          );
        }
      },
    });
    stack.push(() => router.stop());
    faults.onActivate((fault) => {
      o.log(`fault "${fault}" starts now, at ${router.meshWeight()} % to the mesh`);
      if (fault === 'stale') {
        // A little data at the new weight first, then the gateway's exporter goes quiet.
        setTimeout(() => {
          void router
            .stopExporting()
            .then(() => o.log("fault: the gateway's stats endpoint stopped answering"));
        }, 4 * SCRAPE_INTERVAL_MS).unref();
      }
    });

    const watch: StartedVirtualServiceWatch = await watchVirtualService({
      kubeconfig: sim.kubeconfigPath,
      namespace: names.namespaces.mesh,
      name: names.traffic.virtualService,
      onChange: (state) => router.apply(state),
      onError: (m) => o.log(`router: ${m}`),
    });
    stack.push(() => watch.stop());
    o.log(
      `router (ingress gateway) at ${router.url}, following VirtualService ${names.namespaces.mesh}/${names.traffic.virtualService}: ${router.meshWeight()} % to the mesh`,
    );

    const sidecars = standIns.filter((s) => s.statsUrl !== undefined).map((s) => s.statsUrl!);
    const prometheus = await startPrometheus(o.ledger, [
      { name: 'istio-ingressgateway', targets: [router.statsUrl] },
      { name: 'mesh-sidecars', targets: sidecars },
    ]);
    stack.push(() => prometheus.stop());
    o.log(`Prometheus (${prometheus.version}) at ${prometheus.url}, scraping every ${SCRAPE_INTERVAL_MS} ms`);

    const pods = Object.fromEntries(
      standIns.filter((s) => s.side === 'mesh').map((s) => [s.workload.workload, s.podUrl]),
    );
    const env: Record<string, string> = {
      MESHGATE_DEMO_PROMETHEUS_URL: prometheus.url,
      MESHGATE_DEMO_GATEWAY_URL: router.url,
      MESHGATE_DEMO_POD_URLS: JSON.stringify(pods),
      MESHGATE_DEMO_HEALTH_PATHS: JSON.stringify(
        Object.fromEntries(names.app.workloads.map((w) => [w.name, w.healthPath])),
      ),
      MESHGATE_DEMO_WINDOW: o.window,
      MESHGATE_DEMO_INTERVAL: o.interval,
      MESHGATE_DEMO_MONITOR_INTERVAL: o.monitorInterval,
      MESHGATE_DEMO_RATE: String(o.rate),
      MESHGATE_DEMO_MIN_INCREASE: String(o.minDetectableIncrease),
    };
    Object.assign(process.env, env);
    const { profile } = await loadProfile({ configPath: PROFILE_FILE });

    const load: LoadTotals = { requests: 0, failed: 0, dropped: 0, chunks: 0, notes: [] };
    const loadStop = new AbortController();
    const onAbort = () => loadStop.abort();
    o.signal.addEventListener('abort', onAbort, { once: true });
    const runner = new BuiltinRunner();
    const loop = (async () => {
      while (!loadStop.signal.aborted) {
        const r = await runner.run(
          { step: router.meshWeight() ?? 0, runId: `demo-${load.chunks}`, duration: LOAD_CHUNK },
          { profile, signal: loadStop.signal },
        );
        load.chunks++;
        load.requests += r.achieved.requests;
        load.dropped += r.achieved.dropped ?? 0;
        load.failed += Math.round((r.errorRate ?? 0) * r.achieved.requests);
        for (const n of r.notes) if (/could not keep up|reached/.test(n)) load.notes.push(n);
      }
    })();
    stack.push(async () => {
      loadStop.abort();
      o.signal.removeEventListener('abort', onAbort);
      await loop;
    });
    o.log(
      `load: meshgate's builtin runner, ${o.rate} req/s through the router (${profile.load.paths
        .map((p) => `${p.path} ${p.weight}`)
        .join(', ')}), Host ${profile.traffic.hosts[0]}`,
    );

    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const settledMeshWeight = async (): Promise<number | null> => {
      try {
        const vs = parseVirtualService(
          await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
            group: 'networking.istio.io',
            version: 'v1beta1',
            namespace: names.namespaces.mesh,
            plural: 'virtualservices',
            name: names.traffic.virtualService,
          }),
        );
        const deadline = Date.now() + SETTLE_TIMEOUT_MS;
        while (watch.current().resourceVersion !== vs.resourceVersion && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        return (vs.routes[0]?.destinations ?? [])
          .filter((d) => d.host.includes(`.${names.namespaces.mesh}.`))
          .reduce((sum, d) => sum + d.weight, 0);
      } catch {
        return null;
      }
    };

    return {
      profile,
      sim,
      settledMeshWeight,
      prometheus,
      router,
      standIns,
      faults,
      env,
      weightChanges,
      load,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
