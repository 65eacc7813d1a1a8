import type { Duplex } from 'node:stream';
import { exitStatus, runCommand, type ExecRequest } from './exec-commands.ts';
import type { SimState } from './sim-state.ts';

/**
 * Exec over SPDY/3.1, what kubectl before 1.30 (and later kubectls falling back) speaks. Just enough
 * of SPDY for remotecommand: the client opens one stream per channel, we answer each SYN_STREAM with a
 * SYN_REPLY, then write stdout/stderr and the V1Status on the error stream, each ending with FIN.
 *
 * Header blocks are zlib-compressed against SPDY's preset dictionary. We never decompress the
 * client's: client-go creates the streams one at a time, each waiting for its SYN_REPLY, in a fixed
 * order (error, stdin, stdout, stderr, resize) that the query string tells us, so the order names
 * them. Our replies carry no headers, written as uncompressed ("stored") deflate blocks in a zlib
 * stream without a dictionary id, which any zlib reader accepts whatever its dictionary.
 */
export const SPDY_PROTOCOLS = [
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];

const TYPE_SYN_STREAM = 1;
const TYPE_SYN_REPLY = 2;
const TYPE_PING = 6;
const FLAG_FIN = 0x01;

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8003, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([header, payload]);
}

function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4);
  return Buffer.concat([header, data]);
}

/**
 * A header block with zero name/value pairs: the 4-byte count as a stored deflate block, then an empty
 * stored block, exactly what a zlib sync flush ends with. Go's inflater only hands out a block's bytes
 * when it reaches the next block boundary; without the empty block it would read past the frame.
 */
function emptyHeaderBlock(first: boolean): Buffer {
  const block = Buffer.from([
    0x00, 0x04, 0x00, 0xfb, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
  ]);
  // The zlib stream header (deflate, 32K window, no preset dictionary) precedes the first block only.
  return first ? Buffer.concat([Buffer.from([0x78, 0x01]), block]) : block;
}

export function pickSpdyProtocol(offered: readonly string[]): string | undefined {
  return SPDY_PROTOCOLS.find((p) => offered.includes(p));
}

/** The streams client-go opens, in the order it opens them. */
function expectedStreams(request: ExecRequest, protocol: string): string[] {
  const streams = ['error'];
  if (request.stdin) streams.push('stdin');
  if (request.stdout) streams.push('stdout');
  if (request.stderr && !request.tty) streams.push('stderr');
  if (request.tty && protocol !== 'channel.k8s.io' && protocol !== 'v2.channel.k8s.io')
    streams.push('resize');
  return streams;
}

export function serveSpdyExec(
  state: SimState,
  request: ExecRequest,
  protocol: string,
  socket: Duplex,
  head: Buffer,
): void {
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Connection: Upgrade',
      'Upgrade: SPDY/3.1',
      `X-Stream-Protocol-Version: ${protocol}`,
      '',
      '',
    ].join('\r\n'),
  );
  const names = expectedStreams(request, protocol);
  const ids = new Map<string, number>();
  let replies = 0;
  let buffered = head;

  const finish = () => {
    const result = runCommand(state, request);
    const send = (name: string, text: string) => {
      const id = ids.get(name);
      if (id !== undefined) socket.write(dataFrame(id, FLAG_FIN, Buffer.from(text)));
    };
    send('stdout', request.tty ? result.stdout + result.stderr : result.stdout);
    send('stderr', result.stderr);
    const status = exitStatus(request, result);
    // v4 carries a JSON Status; older protocols the bare message, and nothing on success.
    if (protocol === 'v4.channel.k8s.io') send('error', JSON.stringify(status));
    else send('error', result.exitCode === 0 ? '' : String(status.message));
    // The client closes the connection once it has read every stream to its FIN.
  };

  const onFrame = (frame: Buffer) => {
    const control = (frame[0] ?? 0) & 0x80;
    if (control === 0) return; // stdin or resize data: output is canned, so it is ignored
    const type = frame.readUInt16BE(2);
    if (type === TYPE_SYN_STREAM) {
      const streamId = frame.readUInt32BE(8) & 0x7fffffff;
      const name = names[ids.size];
      if (name !== undefined) ids.set(name, streamId);
      const payload = Buffer.concat([Buffer.alloc(4), emptyHeaderBlock(replies === 0)]);
      payload.writeUInt32BE(streamId, 0);
      socket.write(controlFrame(TYPE_SYN_REPLY, 0, payload));
      replies++;
      if (ids.size === names.length) finish();
    } else if (type === TYPE_PING) {
      socket.write(frame);
    }
  };

  const drain = () => {
    while (buffered.length >= 8) {
      const length = buffered.readUInt32BE(4) & 0xffffff;
      if (buffered.length < 8 + length) return;
      onFrame(buffered.subarray(0, 8 + length));
      buffered = buffered.subarray(8 + length);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    drain();
  });
  socket.on('end', () => socket.end());
  drain();
}
