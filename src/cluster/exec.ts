import type { ClientRequest, IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import { PassThrough } from 'node:stream';
import { Exec, type V1Status } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { formatDuration, Interrupted } from '../core/index.ts';
import type { KubeConnection } from './connection.ts';
import {
  ClusterError,
  errorFromStatus,
  KubeconfigError,
  ServerError,
  Unreachable,
  type RequestInfo,
} from './errors.ts';
import type { ExecResult } from './types.ts';

/** The channel protocols client-node's Exec speaks, newest first. */
const PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];
/** v5 "close stream" frames carry no output. */
const CLOSE_STREAM = 255;

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  argv: string[];
  timeoutMs: number;
  signal: AbortSignal | undefined;
  info: RequestInfo;
}

/**
 * Runs a command through the exec subresource with client-node's Exec (its query and its reading
 * of the channels and the V1Status), over a WebSocket this module opens so that a refused handshake
 * can be read: a 403 answers with the API server's Status, which becomes a Forbidden naming
 * `pods/exec` and the RBAC rule. `ws://` for a plain-HTTP server, as kubectl does.
 */
export function execInPod(connection: KubeConnection, req: ExecRequest): Promise<ExecResult> {
  const server = connection.server;
  return new Promise<ExecResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (c: Buffer) => out.push(c));
    stderr.on('data', (c: Buffer) => errOut.push(c));
    let status: V1Status | undefined;
    let socket: WebSocket | undefined;
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const fail = (err: ClusterError | Interrupted): void =>
      finish(() => {
        socket?.terminate();
        reject(err);
      });
    const onAbort = (): void => fail(Interrupted.from(req.signal));
    if (req.signal?.aborted) {
      onAbort();
      return;
    }
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () =>
        fail(
          new Unreachable(server, `exec did not finish within ${formatDuration(req.timeoutMs)}`, req.info),
        ),
      req.timeoutMs,
    );

    const handler = {
      connect: async (
        path: string,
        _text: unknown,
        binary: ((stream: number, buff: Buffer) => boolean) | null,
      ): Promise<WebSocket> => {
        const opts: RequestOptions = {};
        try {
          await connection.forClientNode.applyToHTTPSOptions(opts);
        } catch (err) {
          throw new KubeconfigError(
            `cannot get credentials from the kubeconfig for ${server}: ${err instanceof Error ? err.message : String(err)}`,
            err,
          );
        }
        const url = `${server.replace(/^http/, 'ws')}${path}`;
        return new Promise<WebSocket>((open, refuse) => {
          if (settled) {
            refuse(new Error('exec was stopped before it started'));
            return;
          }
          const ws = new WebSocket(url, PROTOCOLS, opts as WebSocket.ClientOptions);
          socket = ws;
          ws.on('unexpected-response', (_request: ClientRequest, response: IncomingMessage) => {
            const chunks: Buffer[] = [];
            response.on('data', (c: Buffer) => chunks.push(c));
            response.on('end', () => {
              const body = Buffer.concat(chunks).toString('utf8');
              fail(errorFromStatus(response.statusCode ?? 500, body, req.info));
              refuse(new Error(`handshake refused (${response.statusCode ?? '?'})`));
            });
            response.on('error', () => fail(errorFromStatus(response.statusCode ?? 500, '', req.info)));
          });
          ws.on('open', () => open(ws));
          ws.on('error', (err: Error) => {
            fail(new Unreachable(server, `exec failed: ${err.message}`, req.info, err));
            refuse(err);
          });
          ws.on('message', (data: Buffer, isBinary: boolean) => {
            const buff = isBinary ? data : Buffer.from(data);
            if (buff.length < 1 || buff[0] === CLOSE_STREAM) return;
            if (binary && !binary(buff.readUInt8(0), buff.subarray(1))) ws.close();
          });
          ws.on('close', () =>
            finish(() => {
              // A Failure without an exit code means the command never ran (the kubelet could not
              // start it, or a replayed snapshot did not record it): that is not the command's answer.
              if (status?.status === 'Failure' && !hasExitCode(status)) {
                reject(
                  new ServerError(
                    req.info,
                    status.code ?? 500,
                    `${status.message ?? 'the command could not be run'} (${req.argv.join(' ')} in container ${req.container})`,
                  ),
                );
                return;
              }
              resolve({
                stdout: Buffer.concat(out).toString('utf8'),
                stderr: Buffer.concat(errOut).toString('utf8'),
                exitCode: exitCodeOf(status),
              });
            }),
          );
        });
      },
    };

    new Exec(connection.forClientNode, handler)
      .exec(req.namespace, req.pod, req.container, req.argv, stdout, stderr, null, false, (s) => {
        status = s;
      })
      .catch((err: unknown) => {
        if (err instanceof ClusterError) fail(err);
        else
          fail(
            new Unreachable(
              server,
              `exec failed: ${err instanceof Error ? err.message : String(err)}`,
              req.info,
              err,
            ),
          );
      });
  });
}

function hasExitCode(status: V1Status): boolean {
  return (status.details?.causes ?? []).some((c) => c.reason === 'ExitCode');
}

function exitCodeOf(status: V1Status | undefined): number {
  if (!status) return -1;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : 1;
}
