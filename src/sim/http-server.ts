import { randomUUID, timingSafeEqual } from 'node:crypto';
import {
  createServer as createHttpServer,
  STATUS_CODES,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, pathNotFound, unauthorized, unsupportedMediaType } from './api-errors.ts';
import { route } from './api-router.ts';
import { authorizeRequest, requestSubject } from './authorizer.ts';
import { parseExecRequest } from './exec-commands.ts';
import { FaultInjector, type FaultLogEntry } from './fault-injector.ts';
import type { HandlerResponse } from './handler-types.ts';
import { toJsonValue, type JsonValue } from './json.ts';
import { createExecSocketServer, pickProtocol, serveExec } from './pod-exec.ts';
import { decodePath, resolveRequest } from './request-info.ts';
import { describeRequest, REQUEST_COUNTS_PATH, type RequestLog } from './request-log.ts';
import { pickSpdyProtocol, serveSpdyExec } from './spdy-exec.ts';
import type { SimState } from './sim-state.ts';
import type { TlsMaterial } from './tls-material.ts';

export interface ServerOptions {
  state: SimState;
  /** Without TLS material the server speaks plain HTTP and needs no token, as `kubectl proxy` does. */
  tls: TlsMaterial | undefined;
  token: string;
  host: string;
  port: number;
  /** Every answered request is counted here. */
  requestLog: RequestLog;
}

export interface RunningServer {
  url: string;
  /** Requests a ClusterProfile fault rule matched, with arrival times. */
  faultLog(): readonly FaultLogEntry[];
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer, contentType: string): JsonValue | undefined {
  if (raw.length === 0) return undefined;
  if (contentType.includes('protobuf')) {
    throw unsupportedMediaType(['application/json', 'application/yaml']);
  }
  const text = raw.toString('utf8');
  try {
    return toJsonValue(contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text));
  } catch (error) {
    throw badRequest(
      `error decoding the request body: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

function commonHeaders(): Record<string, string> {
  return { 'Audit-Id': randomUUID(), 'Cache-Control': 'no-cache, private' };
}

function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: Exclude<HandlerResponse, { type: 'stream' }>,
): void {
  const body = response.type === 'json' ? JSON.stringify(response.body) : response.body;
  const contentType = response.type === 'json' ? 'application/json' : response.contentType;
  res.writeHead(response.status, {
    ...commonHeaders(),
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function writeError(req: IncomingMessage, res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(error.toStatus());
  res.writeHead(error.code, {
    ...commonHeaders(),
    ...error.headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Answers a failed upgrade over the raw socket, as an HTTP/1.1 response the client can read. */
function rejectUpgrade(socket: Duplex, error: ApiError): void {
  const body = JSON.stringify(error.toStatus());
  const headers = [
    `HTTP/1.1 ${error.code} ${STATUS_CODES[error.code] ?? error.reason}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(error.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * The HTTPS server (or, without TLS material, a plain HTTP one like `kubectl proxy`): bearer-token
 * authentication, injected faults and latency, then routing. Exec arrives as a WebSocket upgrade and
 * is handled on the `upgrade` event.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { state, token, tls } = options;
  // Plain HTTP stands for `kubectl proxy`, which authenticates on the caller's behalf.
  const authenticated = (req: IncomingMessage) => tls === undefined || bearerMatches(req, token);
  const faults = new FaultInjector(state.profile.faults);
  const latency = state.profile.latencyMs;
  const openStreams = new Set<() => void>();
  const wss = createExecSocketServer();
  const upgraded = new Set<Duplex>();
  let serverAddress = '';

  const subjectOf = (req: IncomingMessage) =>
    requestSubject(
      state,
      req.headersDistinct['impersonate-user']?.[0],
      req.headersDistinct['impersonate-group'] ?? [],
    );
  const pause = () => (latency > 0 ? sleep(latency) : Promise.resolve());
  const record = (req: IncomingMessage, arrived: number, status: number): void => {
    options.requestLog.record({
      at: new Date(performance.timeOrigin + arrived).toISOString(),
      ...describeRequest(req.method ?? 'GET', req.url ?? '/'),
      status,
      ms: Math.round((performance.now() - arrived) * 1000) / 1000,
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    try {
      if (!authenticated(req)) throw unauthorized();
      const method = req.method ?? 'GET';
      if (method === 'GET' && (req.url ?? '').split('?')[0] === REQUEST_COUNTS_PATH) {
        // The counts so far, for a test or a bench that runs the simulator in another process.
        writeResponse(req, res, { type: 'json', status: 200, body: options.requestLog.snapshot() });
        return;
      }
      const fault = faults.take(method, req.url ?? '/');
      if (fault !== undefined) throw fault;
      const contentType = mediaType(req.headers['content-type']);
      const body = parseBody(await readBody(req), contentType);
      const url = new URL(req.url ?? '/', 'https://meshgate-sim.invalid');
      const response = route(state, {
        method,
        url,
        body,
        contentType,
        accept: req.headers.accept ?? '',
        serverAddress,
        subject: subjectOf(req),
      });
      await pause();
      if (response.type === 'stream') {
        const stop = response.start(req, res, faults.takeWatch(method, req.url ?? '/'));
        openStreams.add(stop);
        res.on('close', () => openStreams.delete(stop));
        record(req, arrived, 200);
        return;
      }
      writeResponse(req, res, response);
      record(req, arrived, response.status);
    } catch (error) {
      await pause();
      const apiError = asApiError(error);
      writeError(req, res, apiError);
      record(req, arrived, apiError.code);
    }
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const arrived = performance.now();
    socket.on('error', () => socket.destroy());
    try {
      if (!authenticated(req)) throw unauthorized();
      const method = req.method ?? 'GET';
      const fault = faults.take(method, req.url ?? '/');
      if (fault !== undefined) throw fault;
      const url = new URL(req.url ?? '/', 'https://meshgate-sim.invalid');
      const info = resolveRequest(method, decodePath(url.pathname), url.searchParams);
      if (
        info?.type !== 'resource' ||
        info.group !== '' ||
        info.resource !== 'pods' ||
        info.subresource !== 'exec'
      ) {
        throw pathNotFound();
      }
      authorizeRequest(state, subjectOf(req), info);
      const request = parseExecRequest(state, info.namespace ?? '', info.name ?? '', url.searchParams);
      const upgradeTo = (req.headers.upgrade ?? '').toLowerCase();
      if (upgradeTo === 'spdy/3.1') {
        const offered = req.headersDistinct['x-stream-protocol-version'] ?? [];
        const protocol = pickSpdyProtocol(offered);
        if (protocol === undefined) {
          throw badRequest(
            `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}`,
          );
        }
        await pause();
        upgraded.add(socket);
        socket.on('close', () => upgraded.delete(socket));
        serveSpdyExec(state, request, protocol, socket, head);
        record(req, arrived, 101);
        return;
      }
      if (upgradeTo !== 'websocket')
        throw badRequest(`unable to upgrade: unsupported protocol "${upgradeTo}"`);
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      if (pickProtocol(offered) === undefined) {
        throw badRequest(`none of the offered subprotocols (${offered.join(', ')}) is supported`);
      }
      await pause();
      serveExec(wss, state, request, req, socket, head);
      record(req, arrived, 101);
    } catch (error) {
      await pause();
      const apiError = asApiError(error);
      rejectUpgrade(socket, apiError);
      record(req, arrived, apiError.code);
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res);
  };
  const server: Server | ReturnType<typeof createHttpServer> =
    tls === undefined
      ? createHttpServer(onRequest)
      : createServer({ key: tls.serverKey, cert: tls.serverCert }, onRequest);
  // Idle keep-alive connections stay open as on a real API server (Go's net/http keeps them far longer
  // than Node's 5 s), so a client reusing one does not race the server's close.
  server.keepAliveTimeout = 60_000;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void upgrade(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  serverAddress = `${hostPart}:${address.port}`;
  const displayHost = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `${tls === undefined ? 'http' : 'https'}://${displayHost}:${address.port}`,
    faultLog: () => [...faults.log],
    close: async () => {
      for (const stop of openStreams) stop();
      openStreams.clear();
      for (const client of wss.clients) client.terminate();
      for (const socket of upgraded) socket.destroy();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
