// A TLS ClientHello reader for the tls_inspector: from the first bytes of a connection, tells
// whether they are TLS and, if so, the SNI and ALPN list, without consuming anything.

/** Where the inspection stands. */
export const enum HelloState {
  /** More bytes are needed. */
  NeedMore,
  /** Not TLS (or a ClientHello the real handshake would reject). */
  NotTls,
  /** A complete ClientHello was read. */
  Done,
  /** Over the size limit before the ClientHello ended. */
  TooLarge,
}

/** What a complete ClientHello says. */
export interface ClientHelloInfo {
  /** The SNI host name, lower-cased ('' when absent). */
  serverName: string;
  /** The ALPN protocols offered, in order ([] when absent or malformed). */
  alpn: string[];
  /** Bytes the ClientHello took (records included). */
  bytes: number;
}

/** The result of one parse attempt. */
export type HelloResult = { state: HelloState.NeedMore | HelloState.NotTls | HelloState.TooLarge } | ({ state: HelloState.Done } & ClientHelloInfo);

const RECORD_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;
/** TLS records carry at most 2^14 bytes of plaintext (plus slack some stacks use). */
const MAX_RECORD = 16384 + 2048;

const NEED_MORE = { state: HelloState.NeedMore } as const;
const NOT_TLS = { state: HelloState.NotTls } as const;
const TOO_LARGE = { state: HelloState.TooLarge } as const;

/** Parses the ClientHello at the start of `buf` (all bytes read so far); `maxBytes` bounds the wait. */
export function parseClientHello(buf: Buffer, maxBytes: number): HelloResult {
  // Gather the handshake message from as many records as it spans.
  const parts: Buffer[] = [];
  let have = 0;
  let pos = 0;
  let need = -1;
  while (true) {
    const avail = buf.length - pos;
    if (avail < 1) break;
    if (buf[pos] !== RECORD_HANDSHAKE) return NOT_TLS;
    if (avail >= 2 && buf[pos + 1] !== 3) return NOT_TLS;
    if (avail >= 3 && buf[pos + 2] > 4) return NOT_TLS;
    if (avail < 5) break;
    const len = buf.readUInt16BE(pos + 3);
    if (len === 0 || len > MAX_RECORD) return NOT_TLS;
    if (buf.length - pos - 5 < len) break;
    const frag = buf.subarray(pos + 5, pos + 5 + len);
    parts.push(frag);
    have += len;
    pos += 5 + len;
    if (need === -1 && have >= 4) {
      const first = parts.length === 1 ? frag : Buffer.concat(parts);
      if (first[0] !== HANDSHAKE_CLIENT_HELLO) return NOT_TLS;
      need = 4 + first.readUIntBE(1, 3);
    }
    if (need !== -1 && have >= need) {
      const msg = parts.length === 1 ? frag : Buffer.concat(parts);
      const info = parseBody(msg.subarray(4, need));
      if (info === null) return NOT_TLS;
      return { state: HelloState.Done, serverName: info.serverName, alpn: info.alpn, bytes: pos };
    }
  }
  return buf.length >= maxBytes ? TOO_LARGE : NEED_MORE;
}

/** A bounds-checked reader over the ClientHello body. */
class Reader {
  pos = 0;
  constructor(readonly b: Buffer) {}
  get left(): number {
    return this.b.length - this.pos;
  }
  u8(): number {
    if (this.left < 1) throw new RangeError();
    return this.b[this.pos++];
  }
  u16(): number {
    if (this.left < 2) throw new RangeError();
    const v = this.b.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  bytes(n: number): Buffer {
    if (this.left < n) throw new RangeError();
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}

function parseBody(body: Buffer): { serverName: string; alpn: string[] } | null {
  const r = new Reader(body);
  let serverName = '';
  let alpn: string[] = [];
  try {
    r.bytes(2 + 32); // legacy_version, random
    r.bytes(r.u8()); // session id
    const suites = r.u16();
    if (suites === 0 || suites % 2 !== 0) return null;
    r.bytes(suites);
    const compression = r.u8();
    if (compression === 0) return null;
    r.bytes(compression);
    if (r.left === 0) return { serverName, alpn };
    const ext = new Reader(r.bytes(r.u16()));
    while (ext.left > 0) {
      const type = ext.u16();
      const data = ext.bytes(ext.u16());
      if (type === EXT_SERVER_NAME) serverName = readServerName(data);
      else if (type === EXT_ALPN) alpn = readAlpn(data);
    }
  } catch {
    return null;
  }
  return { serverName, alpn };
}

function readServerName(data: Buffer): string {
  const r = new Reader(data);
  const list = new Reader(r.bytes(r.u16()));
  while (list.left > 0) {
    const type = list.u8();
    const name = list.bytes(list.u16());
    if (type === 0) return name.toString('latin1').toLowerCase();
  }
  return '';
}

/** As Envoy: a malformed ALPN extension is ignored here and left for the real handshake to reject. */
function readAlpn(data: Buffer): string[] {
  try {
    const r = new Reader(data);
    const list = new Reader(r.bytes(r.u16()));
    if (r.left !== 0 || list.left < 2) return [];
    const out: string[] = [];
    while (list.left > 0) {
      const n = list.u8();
      if (n === 0) return [];
      out.push(list.bytes(n).toString('latin1'));
    }
    return out;
  } catch {
    return [];
  }
}
