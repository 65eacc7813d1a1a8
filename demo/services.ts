// Stand-ins for the two deployments of each app workload (zamaz-api, zamaz-frontend): small HTTP
// services on free loopback ports. The legacy one is the app alone (no sidecar). The mesh one is the
// app behind a "sidecar" that does what Envoy's inbound listener does for telemetry: it reads the
// caller's identity (the client certificate, passed as X-Forwarded-Client-Cert, and Istio's peer
// metadata header), lets the request through to the app, and records the reporter="destination"
// view with connection_security_policy on its own stats port, which Prometheus scrapes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultSwitch } from './faults.ts';
import { IstioTelemetry, type Peer, type ServiceRef } from './istio.ts';
import { EXPOSITION_CONTENT_TYPE } from './metrics.ts';

/** Headers the gateway uses to pass what mTLS and Envoy's metadata exchange would carry. */
export const XFCC_HEADER = 'x-forwarded-client-cert';
export const PEER_METADATA_HEADER = 'x-envoy-peer-metadata';

/** App latency: uniform in [min, max] ms, so both deployments share one distribution. */
export interface LatencyModel {
  minMs: number;
  maxMs: number;
}

/**
 * 255–305 ms: inside one of Envoy's histogram buckets (250–500 ms), with ~195 ms to spare. A
 * per-interval p99 from a few dozen requests is close to the interval's slowest request, so on a busy
 * machine scheduling delays would otherwise decide it — and more often on the side with more requests
 * per interval (the mesh at 75 %). Inside one bucket the interpolated p99 stays at 497.5 ms on both
 * sides whatever such delays do, while the `latency` fault (× 3) moves it to the next bucket.
 */
export const DEFAULT_LATENCY: LatencyModel = { minMs: 255, maxMs: 305 };

export interface AppStandInOptions {
  workload: Peer;
  service: ServiceRef;
  healthPath: string;
  side: 'legacy' | 'mesh';
  trustDomain: string;
  faults: FaultSwitch;
  latency?: LatencyModel;
}

export interface StartedAppStandIn {
  workload: Peer;
  service: ServiceRef;
  side: 'legacy' | 'mesh';
  /** Where the gateway sends requests: the sidecar's inbound port (mesh) or the app (legacy). */
  url: string;
  /** The app's own port, as `kubectl port-forward` reaches it (no sidecar on the way). */
  podUrl: string;
  /** The sidecar's /stats/prometheus (mesh only). */
  statsUrl: string | undefined;
  stop(): Promise<void>;
}

/** Istio's peer metadata, reduced to what telemetry needs (Envoy sends a base64 protobuf Struct; JSON here). */
export function encodePeerMetadata(p: Peer): string {
  return Buffer.from(
    JSON.stringify({ WORKLOAD_NAME: p.workload, NAMESPACE: p.namespace, SERVICE_ACCOUNT: p.serviceAccount }),
  ).toString('base64');
}

export function decodePeerMetadata(header: string | undefined): Peer | null {
  if (!header) return null;
  try {
    const m = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Record<string, unknown>;
    if (typeof m.WORKLOAD_NAME !== 'string' || typeof m.NAMESPACE !== 'string') return null;
    return {
      workload: m.WORKLOAD_NAME,
      namespace: m.NAMESPACE,
      serviceAccount: typeof m.SERVICE_ACCOUNT === 'string' ? m.SERVICE_ACCOUNT : 'default',
    };
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function close(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Drains a request body (none is expected; a client may send one). */
async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req);
}

/** The app: health answers at once; every other path after the latency model, or 500 when the fault says so. */
function appHandler(o: AppStandInOptions): (req: IncomingMessage, res: ServerResponse) => Promise<number> {
  const latency = o.latency ?? DEFAULT_LATENCY;
  const mesh = o.side === 'mesh';
  return async (req, res) => {
    await drain(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === o.healthPath) {
      reply(res, 200, { status: 'ok' });
      return 200;
    }
    const factor = mesh ? o.faults.latencyFactor(o.service.name) : 1;
    await sleep((latency.minMs + Math.random() * (latency.maxMs - latency.minMs)) * factor);
    if (mesh && o.faults.appError(o.service.name)) {
      reply(res, 500, { error: 'internal error', service: o.service.name, deployment: o.side });
      return 500;
    }
    reply(res, 200, { service: o.service.name, deployment: o.side, namespace: o.workload.namespace, path });
    return 200;
  };
}

/** The SPIFFE ID in X-Forwarded-Client-Cert's URI field, when the caller presented a certificate. */
function clientCertUri(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  return text?.match(/(?:^|;)URI=([^;,]+)/)?.[1];
}

export async function startAppStandIn(o: AppStandInOptions): Promise<StartedAppStandIn> {
  const app = appHandler(o);
  const servers: Server[] = [];
  const serve = async (handler: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>) => {
    const server = createServer((req, res) => {
      handler(req, res).catch((err: Error) => {
        if (!res.headersSent) reply(res, 500, { error: err.message });
        else res.destroy();
      });
    });
    servers.push(server);
    return listen(server);
  };
  const stop = async () => void (await Promise.all(servers.map(close)));
  try {
    const podUrl = await serve(app);
    const self = { workload: o.workload, service: o.service, side: o.side, podUrl, stop };
    if (o.side === 'legacy') return { ...self, url: podUrl, statsUrl: undefined };

    const telemetry = new IstioTelemetry(o.trustDomain);
    const sidecar = async (req: IncomingMessage, res: ServerResponse) => {
      const started = performance.now();
      const mtls = clientCertUri(req.headers[XFCC_HEADER]) !== undefined;
      const source = decodePeerMetadata(req.headers[PEER_METADATA_HEADER] as string | undefined);
      // Envoy strips the metadata-exchange header before the app sees the request.
      delete req.headers[PEER_METADATA_HEADER];
      const code = await app(req, res);
      telemetry.record({
        reporter: 'destination',
        source,
        destination: { service: o.service, workload: o.workload },
        responseCode: code,
        responseFlags: '-',
        security: mtls ? 'mutual_tls' : 'none',
        mtls,
        durationMs: performance.now() - started,
      });
    };
    const url = await serve(sidecar);
    const statsUrl = `${await serve(async (req, res) => {
      await drain(req);
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/stats/prometheus')
        return reply(res, 404, 'not found');
      res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE });
      res.end(telemetry.registry.render());
    })}/stats/prometheus`;
    return { ...self, url, statsUrl };
  } catch (err) {
    await stop();
    throw err;
  }
}
