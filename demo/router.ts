// The ingress gateway's stand-in: routes each request by the VirtualService it watches (URI match,
// then the weighted split between the legacy and the mesh Service), proxies it to the stand-in, and
// exports what a real Istio ingress gateway exports — istio_requests_total and
// istio_request_duration_milliseconds with reporter="source" for both destinations, and the Envoy
// cluster stats of its outbound clusters — on its admin port's /stats/prometheus.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'undici';
import type { FaultSwitch } from './faults.ts';
import {
  EnvoyClusterStats,
  IstioTelemetry,
  outboundCluster,
  serviceHost,
  spiffeId,
  type Peer,
} from './istio.ts';
import { EXPOSITION_CONTENT_TYPE } from './metrics.ts';
import {
  PEER_METADATA_HEADER,
  XFCC_HEADER,
  close,
  encodePeerMetadata,
  listen,
  type StartedAppStandIn,
} from './services.ts';
import type { HttpRoute, VirtualServiceState } from './virtual-service-watch.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);
const UPSTREAM_TIMEOUT_MS = 15_000;

/** Requests per destination side since the router started (for the demo's progress lines). */
export interface RouterCounts {
  legacy: { requests: number; errors: number };
  mesh: { requests: number; errors: number };
}

export interface RouterOptions {
  gateway: Peer;
  trustDomain: string;
  /** The Services the VirtualService may name, with their stand-ins. */
  upstreams: StartedAppStandIn[];
  faults: FaultSwitch;
  /** Called after each VirtualService change was applied. */
  onRoutes?: (state: VirtualServiceState, meshWeight: number | undefined) => void;
}

export interface StartedRouter {
  /** The gateway's listener (what users and the load reach). */
  url: string;
  /** The admin port's /stats/prometheus. */
  statsUrl: string;
  /** Applies a VirtualService state (from the watch). */
  apply(state: VirtualServiceState): void;
  /** The mesh namespace's weight on the first route, as the router applies it. */
  meshWeight(): number | undefined;
  counts(): RouterCounts;
  /** Stops answering on the admin port (the `stale` fault). */
  stopExporting(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Smooth weighted round robin (as nginx does it): over any window of sum(weights) picks, each
 * destination gets exactly its weight, so a short demo window sees the configured split.
 */
class WeightedPicker {
  private readonly current: number[];
  constructor(private readonly weights: readonly number[]) {
    this.current = weights.map(() => 0);
  }
  pick(): number | undefined {
    const total = this.weights.reduce((a, b) => a + b, 0);
    if (total <= 0) return undefined;
    let best = -1;
    for (let i = 0; i < this.weights.length; i++) {
      this.current[i]! += this.weights[i]!;
      if (best < 0 || this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= total;
    return best;
  }
}

function matches(route: HttpRoute, path: string): boolean {
  if (route.matches.length === 0) return true;
  return route.matches.some(
    (m) =>
      (m.prefix === undefined || path.startsWith(m.prefix)) && (m.exact === undefined || path === m.exact),
  );
}

/** The mesh share of a route: the weight of destinations in a namespace with a sidecar. */
function meshShare(route: HttpRoute | undefined, meshHosts: ReadonlySet<string>): number | undefined {
  if (!route) return undefined;
  return route.destinations.filter((d) => meshHosts.has(d.host)).reduce((s, d) => s + d.weight, 0);
}

export async function startRouter(o: RouterOptions): Promise<StartedRouter> {
  const telemetry = new IstioTelemetry(o.trustDomain);
  const clusters = new EnvoyClusterStats(telemetry.registry);
  const byHost = new Map(o.upstreams.map((u) => [serviceHost(u.service), u]));
  const meshHosts = new Set(o.upstreams.filter((u) => u.side === 'mesh').map((u) => serviceHost(u.service)));
  for (const u of o.upstreams) clusters.declare(outboundCluster(u.service));
  const pools = new Map<string, Pool>();
  const poolFor = (url: string): Pool => {
    let p = pools.get(url);
    if (!p) {
      p = new Pool(url, {
        connections: 64,
        headersTimeout: UPSTREAM_TIMEOUT_MS,
        bodyTimeout: UPSTREAM_TIMEOUT_MS,
      });
      pools.set(url, p);
    }
    return p;
  };
  const counts: RouterCounts = { legacy: { requests: 0, errors: 0 }, mesh: { requests: 0, errors: 0 } };
  let state: VirtualServiceState | undefined;
  let pickers: WeightedPicker[] = [];
  let requestId = 0;
  const gatewayPrincipal = spiffeId(o.trustDomain, o.gateway);

  const send = (res: ServerResponse, status: number, body: string, flags: string) => {
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      server: 'istio-envoy',
      'x-envoy-response-flags': flags,
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const vs = state;
    const index = vs && vs.hosts.includes(host) ? vs.routes.findIndex((r) => matches(r, path)) : -1;
    const route = vs?.routes[index];
    const choice = route ? pickers[index]?.pick() : undefined;
    const dest = choice !== undefined ? route?.destinations[choice] : undefined;
    const upstream = dest ? byHost.get(dest.host) : undefined;
    if (!upstream) {
      for await (const _ of req);
      // No route for this host/path (NR), or a destination nothing serves (UH: no healthy upstream).
      return send(res, route ? 503 : 404, route ? 'no healthy upstream' : '', route ? 'UH' : 'NR');
    }
    const mesh = upstream.side === 'mesh';
    const cluster = outboundCluster(upstream.service);
    const side = counts[upstream.side];
    let code = 503;
    let flags = '-';
    let mtls = false;
    try {
      if (mesh && o.faults.overflow(upstream.service.name)) {
        // A full pending queue: Envoy answers itself and counts the overflow, the request never leaves.
        clusters.pendingOverflowed(cluster);
        flags = 'UO';
        for await (const _ of req);
        send(
          res,
          503,
          'upstream connect error or disconnect/reset before headers. reset reason: overflow',
          flags,
        );
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      headers['x-request-id'] = `${process.pid}-${++requestId}`;
      if (mesh) {
        mtls = !o.faults.plaintext(upstream.service.name);
        headers[PEER_METADATA_HEADER] = encodePeerMetadata(o.gateway);
        if (mtls) {
          headers[XFCC_HEADER] = `By=${spiffeId(o.trustDomain, upstream.workload)};URI=${gatewayPrincipal}`;
        }
      }
      clusters.upstreamRequest(cluster);
      let upstreamRes;
      try {
        upstreamRes = await poolFor(upstream.url).request({
          path: req.url ?? '/',
          method: (req.method ?? 'GET') as 'GET',
          headers,
          body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
        });
      } catch {
        flags = 'UF';
        send(res, 503, 'upstream connect error or disconnect/reset before headers', flags);
        return;
      }
      code = upstreamRes.statusCode;
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(upstreamRes.headers)) {
        if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      }
      res.writeHead(code, { ...out, server: 'istio-envoy' });
      for await (const chunk of upstreamRes.body) res.write(chunk);
      res.end();
    } finally {
      if (flags !== '-') code = 503;
      side.requests++;
      if (code >= 500) side.errors++;
      telemetry.record({
        reporter: 'source',
        source: o.gateway,
        destination: { service: upstream.service, workload: mesh ? upstream.workload : null },
        responseCode: code,
        responseFlags: flags,
        // A source proxy does not report the connection's security policy.
        security: 'unknown',
        mtls,
        durationMs: performance.now() - started,
      });
    }
  };

  const gateway = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 503, 'upstream reset', 'UR');
      else res.destroy();
    });
  });
  const admin = createServer((req, res) => {
    req.resume();
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/stats/prometheus') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE });
    res.end(telemetry.registry.render());
  });
  const url = await listen(gateway);
  let statsUrl: string;
  try {
    statsUrl = `${await listen(admin)}/stats/prometheus`;
  } catch (err) {
    await close(gateway);
    throw err;
  }

  const meshWeight = () => meshShare(state?.routes[0], meshHosts);
  return {
    url,
    statsUrl,
    apply(next) {
      state = next;
      pickers = next.routes.map((r) => new WeightedPicker(r.destinations.map((d) => d.weight)));
      const weight = meshWeight();
      if (weight !== undefined) o.faults.observeWeight(weight);
      o.onRoutes?.(next, weight);
    },
    meshWeight,
    counts: () => ({ legacy: { ...counts.legacy }, mesh: { ...counts.mesh } }),
    stopExporting: () => close(admin),
    async stop() {
      await Promise.all([close(gateway), close(admin)]);
      await Promise.all([...pools.values()].map((p) => p.destroy()));
    },
  };
}
