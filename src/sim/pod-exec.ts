import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { exitStatus, runCommand, type ExecRequest } from './exec-commands.ts';
import type { SimState } from './sim-state.ts';

/**
 * The remotecommand subprotocols, preferred first. v4/v5 carry a JSON V1Status on channel 3;
 * the base64 variants send text frames whose first character is the channel digit.
 */
const PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'v3.base64.channel.k8s.io',
  'v2.base64.channel.k8s.io',
  'base64.channel.k8s.io',
];

export function pickProtocol(offered: Iterable<string>): string | undefined {
  const list = [...offered];
  // The client's order decides among the protocols both sides speak, as in apimachinery's wsstream.
  return list.find((p) => PROTOCOLS.includes(p));
}

const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;

function frame(protocol: string, channel: number, data: Buffer): Buffer | string {
  if (protocol.includes('base64')) return `${String.fromCharCode(48 + channel)}${data.toString('base64')}`;
  return Buffer.concat([Buffer.from([channel]), data]);
}

/** Completes the WebSocket upgrade and plays the canned command output to the client. */
export function serveExec(
  wss: WebSocketServer,
  state: SimState,
  request: ExecRequest,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    const protocol = ws.protocol;
    const result = runCommand(state, request);
    const send = (channel: number, text: string) => {
      if (text !== '') ws.send(frame(protocol, channel, Buffer.from(text)));
    };
    // A TTY has one output stream: stderr is written to the terminal like stdout.
    if (request.tty) {
      if (request.stdout) send(STDOUT, result.stdout + result.stderr);
    } else {
      if (request.stdout) send(STDOUT, result.stdout);
      if (request.stderr) send(STDERR, result.stderr);
    }
    const status = exitStatus(request, result);
    const legacy = !protocol.startsWith('v4.') && !protocol.startsWith('v5.');
    // Before v4 the error channel carried plain text, and only on failure.
    if (!legacy) send(ERROR, JSON.stringify(status));
    else if (result.exitCode !== 0) send(ERROR, String(status.message));
    ws.close(1000);
    // Stdin frames (channel 0), resize (4) and close (255) are accepted and ignored: output is canned.
    ws.on('message', () => undefined);
    ws.on('error', () => undefined);
  });
}

export function createExecSocketServer(): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols: Set<string>) => pickProtocol(protocols) ?? false,
  });
}
