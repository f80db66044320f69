// Tests for the downstream HTTP/2 codec: a net.Server runs it under a small echo handler and the real
// nghttp client (h2c prior knowledge) and node:http2 client talk to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeaderMap, type RequestHead } from '../../headers.js';
import type { RequestDecoder, ResponseEncoder, ServerCodecOptions, ServerConnection, ServerConnectionCallbacks,
  StreamResetReason, WatermarkListener } from '../types.js';
import { createHttp2ServerConnection } from './index.js';
import { setSessionProbeIntervalMs } from './session-watchdog.js';
import { Counter } from '../../../stats/store.js';
import { rapidReset } from '../../../../../test/lib/h2-rapid-reset.js';

/** Every test ends by itself well within this. */
const LIMIT = { timeout: 10_000 };

const PREFACE_LENGTH = 24;

/** One request under the echo handler; what it answers depends on the path. */
class EchoStream implements RequestDecoder, WatermarkListener {
  head: RequestHead | null = null;
  readonly chunks: Buffer[] = [];
  trailers: HeaderMap | null = null;
  resetReason: StreamResetReason | null = null;
  requestEnded = false;
  aboveCount = 0;
  private sent = 0;
  private total = 0;
  private paused = false;

  constructor(private readonly owner: EchoServer, readonly encoder: ResponseEncoder) {}

  decodeHeaders(head: RequestHead, endStream: boolean): void {
    this.head = head;
    if (head.path === '/pause') {
      // Exercise read-disable: hold the request body for a while, then take the rest.
      this.encoder.readDisable(true);
      setTimeout(() => this.encoder.readDisable(false), 200);
    }
    if (endStream) this.onRequestEnd();
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    if (chunk.length > 0) this.chunks.push(chunk);
    if (endStream) this.onRequestEnd();
  }

  decodeTrailers(trailers: HeaderMap): void {
    this.trailers = trailers;
    this.onRequestEnd();
  }

  onResetStream(reason: StreamResetReason): void {
    this.resetReason = reason;
    this.owner.events.emit('reset', reason);
  }

  onAboveWriteBufferHighWatermark(): void {
    this.aboveCount++;
    this.paused = true;
  }

  onBelowWriteBufferLowWatermark(): void {
    this.paused = false;
    this.pump();
  }

  private onRequestEnd(): void {
    this.requestEnded = true;
    const head = this.head!;
    const url = new URL(head.path, 'http://x');
    const enc = this.encoder;
    switch (url.pathname) {
      case '/never':
        return;
      case '/slow':
        setTimeout(() => this.respondText(200, 'slow done'), 150);
        return;
      case '/reset':
        enc.resetStream('local reset');
        return;
      case '/refuse':
        enc.resetStream('local refused stream reset');
        return;
      case '/grpc': {
        enc.encodeHeaders({ status: 200, headers: headerMap({ 'content-type': 'application/grpc' }) }, false);
        enc.encodeData(Buffer.from([0, 0, 0, 0, 2, 0x08, 0x01]), false);
        enc.encodeTrailers(headerMap({ 'grpc-status': '0', 'grpc-message': 'OK' }));
        return;
      }
      case '/grpc-error':
        enc.encodeHeaders({ status: 200, headers: headerMap({
          'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'not found' }) }, true);
        return;
      case '/hop': {
        const h = headerMap({ connection: 'close', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked',
          upgrade: 'h2c', 'proxy-connection': 'close', host: 'example', te: 'gzip', 'x-ok': 'yes' });
        h.add('content-type', 'text/plain');
        h.add('content-type', 'text/html');
        h.add('set-cookie', 'a=1');
        h.add('set-cookie', 'b=2');
        enc.encodeHeaders({ status: 200, headers: h }, false);
        enc.encodeData(Buffer.from('ok'), true);
        return;
      }
      case '/later':
        enc.encodeHeaders({ status: 200, headers: headerMap({ 'x-early': 'yes' }) }, false);
        setTimeout(() => enc.encodeData(Buffer.from('late'), true), 150);
        return;
      case '/204':
        enc.encodeHeaders({ status: 204, headers: new HeaderMap() }, false);
        enc.encodeData(Buffer.from('ignored'), true);
        return;
      case '/big':
        enc.setWatermarkListener(this);
        this.total = Number(url.searchParams.get('bytes'));
        enc.encodeHeaders({ status: 200, headers: headerMap({ 'content-length': String(this.total) }) }, false);
        this.pump();
        return;
      default: {
        const body = Buffer.concat(this.chunks);
        this.respondText(200, JSON.stringify({
          method: head.method, path: head.path, authority: head.authority, scheme: head.scheme,
          protocol: head.protocol, headers: head.headers.toObject(), bodyBytes: body.length,
          sha256: createHash('sha256').update(body).digest('hex'), body: body.length < 100 ? body.toString() : '',
          trailers: this.trailers?.toObject() ?? null,
        }));
      }
    }
  }

  private pump(): void {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    while (!this.paused && this.sent < this.total) {
      const n = Math.min(chunk.length, this.total - this.sent);
      this.sent += n;
      this.encoder.encodeData(chunk.subarray(0, n), this.sent === this.total);
    }
  }

  private respondText(status: number, text: string): void {
    this.encoder.encodeHeaders({ status, headers: headerMap({ 'content-type': 'text/plain' }) }, false);
    this.encoder.encodeData(Buffer.from(`${text}\n`), true);
  }
}

function headerMap(o: Record<string, string>): HeaderMap {
  const m = new HeaderMap();
  for (const [k, v] of Object.entries(o)) m.add(k, v);
  return m;
}

/** A net.Server running the HTTP/2 server codec, sniffing the preface as the codec selector does. */
class EchoServer implements ServerConnectionCallbacks {
  readonly events = new EventEmitter();
  readonly streams: EchoStream[] = [];
  readonly conns: ServerConnection[] = [];
  readonly sockets = new Set<net.Socket>();
  readonly server: net.Server;

  constructor(sniff: boolean, options: Partial<ServerCodecOptions> = {}) {
    const opts: ServerCodecOptions = { tls: false, maxRequestHeadersKb: 60, ...options };
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      if (!sniff) {
        this.conns.push(createHttp2ServerConnection(socket, null, this, opts));
        return;
      }
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        if (head.length < PREFACE_LENGTH) return;
        socket.removeListener('data', onData);
        socket.pause();
        this.conns.push(createHttp2ServerConnection(socket, head, this, opts));
      };
      socket.on('data', onData);
    });
  }

  newStream(encoder: ResponseEncoder): RequestDecoder {
    const s = new EchoStream(this, encoder);
    this.streams.push(s);
    this.events.emit('stream', s);
    return s;
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function withServer(sniff: boolean, options: Partial<ServerCodecOptions>,
  fn: (srv: EchoServer, port: number) => Promise<void>): Promise<void> {
  const srv = new EchoServer(sniff, options);
  const port = await srv.listen();
  try {
    await fn(srv, port);
  } finally {
    await srv.close();
  }
}

function nghttp(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('nghttp', args, { timeout: 8000, maxBuffer: 64 << 20, encoding: 'buffer' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`nghttp ${args.join(' ')}: ${err.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

/** The JSON bodies the echo handler printed (nghttp -v interleaves them with frame logs). */
function jsonBodies(out: Buffer): Array<Record<string, unknown>> {
  return out.toString().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

function withTempFile(content: Buffer, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strait-h2-'));
  const file = join(dir, 'body');
  writeFileSync(file, content);
  return fn(file).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Resolves on 'close' (events.once would reject on the stream's 'error'). */
function closed(emitter: EventEmitter): Promise<void> {
  return new Promise((resolve) => emitter.once('close', () => resolve()));
}

function waitFor<T>(emitter: EventEmitter, event: string, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), ms);
    emitter.once(event, (v: T) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

test('nghttp GET: pseudo-headers map to the request head, several URLs multiplex on one connection', LIMIT, async () => {
  await withServer(true, {}, async (srv, port) => {
    const base = `http://127.0.0.1:${port}`;
    const out = await nghttp(['-v', `${base}/a?x=1`, `${base}/b`, `${base}/c`]);
    const bodies = jsonBodies(out);
    assert.deepEqual(bodies.map((b) => b.path).sort(), ['/a?x=1', '/b', '/c']);
    for (const b of bodies) {
      assert.equal(b.method, 'GET');
      assert.equal(b.authority, `127.0.0.1:${port}`);
      assert.equal(b.scheme, 'http');
      assert.equal(b.protocol, 'HTTP/2');
      assert.equal((b.headers as Record<string, string>)['user-agent'].startsWith('nghttp2/'), true);
    }
    assert.equal(srv.conns.length, 1, 'one connection carried all three streams');
    assert.equal(srv.streams.length, 3);
    assert.equal(srv.conns[0].protocol, 'HTTP/2');
    assert.match(out.toString(), /recv \(stream_id=\d+\) :status: 200/);
    // A body that ends with the head's tick goes out as one DATA frame carrying END_STREAM.
    assert.match(out.toString(), /recv DATA frame <length=\d+, flags=0x01/);
    assert.doesNotMatch(out.toString(), /recv DATA frame <length=0/);
  });
});

test('nghttp POST with a body, request trailers and cookie crumbs', LIMIT, async () => {
  await withServer(true, {}, async (_srv, port) => {
    await withTempFile(Buffer.from('hello h2'), async (file) => {
      const out = await nghttp(['-d', file, '--trailer', 'x-checksum: abc', '-H', 'cookie: a=1', '-H', 'cookie: b=2',
        `http://127.0.0.1:${port}/upload`]);
      const [b] = jsonBodies(out);
      assert.equal(b.method, 'POST');
      assert.equal(b.body, 'hello h2');
      assert.deepEqual(b.trailers, { 'x-checksum': 'abc' });
      const headers = b.headers as Record<string, string>;
      assert.equal(headers.cookie, 'a=1; b=2');
      assert.equal(headers['content-length'], '8');
    });
    // An empty body: HEADERS, then a DATA frame with nothing but END_STREAM in the same read. Node ends the
    // stream even while it is held for dispatch; the end must still follow the headers.
    const [empty] = jsonBodies(await nghttp(['-d', '/dev/null', `http://127.0.0.1:${port}/empty`]));
    assert.equal(empty.method, 'POST');
    assert.equal(empty.bodyBytes, 0);
  });
});

test('response trailers and trailers-only responses reach nghttp (gRPC shapes)', LIMIT, async () => {
  await withServer(true, {}, async (_srv, port) => {
    const out = (await nghttp(['-v', `http://127.0.0.1:${port}/grpc`])).toString();
    // HEADERS, then DATA without END_STREAM, then a trailing HEADERS with END_STREAM.
    assert.match(out, /recv \(stream_id=13\) content-type: application\/grpc[\s\S]*recv DATA frame <length=7, flags=0x00[\s\S]*recv \(stream_id=13\) grpc-status: 0\n.*grpc-message: OK\n.*recv HEADERS frame <length=\d+, flags=0x05/);
    const only = (await nghttp(['-v', `http://127.0.0.1:${port}/grpc-error`])).toString();
    assert.match(only, /:status: 200\n.*content-type: application\/grpc\n.*grpc-status: 5\n.*grpc-message: not found\n.*recv HEADERS frame <length=\d+, flags=0x05/);
    assert.doesNotMatch(only, /recv DATA frame/);
  });
});

test('connection-specific response headers are dropped instead of making node throw', LIMIT, async () => {
  await withServer(true, {}, async (_srv, port) => {
    const out = (await nghttp(['-v', `http://127.0.0.1:${port}/hop`, `http://127.0.0.1:${port}/204`])).toString();
    assert.match(out, /x-ok: yes/);
    assert.match(out, /set-cookie: a=1\n.*set-cookie: b=2/);
    assert.match(out, /content-type: text\/plain/);
    assert.doesNotMatch(out, /recv .*(connection|keep-alive|transfer-encoding|upgrade|host|te):/);
    assert.doesNotMatch(out, /content-type: text\/html/);
    assert.match(out, /:status: 204/);
    assert.doesNotMatch(out, /ignored/);
  });
});

test('large upload through a read-disabled stream and a large download under write watermarks', LIMIT, async () => {
  await withServer(true, {}, async (srv, port) => {
    const upload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < upload.length; i++) upload[i] = i % 251;
    await withTempFile(upload, async (file) => {
      const [b] = jsonBodies(await nghttp(['-d', file, `http://127.0.0.1:${port}/pause`]));
      assert.equal(b.bodyBytes, upload.length);
      assert.equal(b.sha256, createHash('sha256').update(upload).digest('hex'));
    });
    const bytes = 8 * 1024 * 1024;
    const out = await nghttp([`http://127.0.0.1:${port}/big?bytes=${bytes}`]);
    assert.equal(out.length, bytes);
    assert.equal(out.every((c) => c === 0x61), true);
    const big = srv.streams.find((s) => s.head?.path.startsWith('/big'))!;
    assert.ok(big.aboveCount > 0, 'a slow reader pushed the stream over its high watermark');
  });
});

test('remote RST_STREAM, REFUSED_STREAM and a dropped connection reset the decoder', LIMIT, async () => {
  await withServer(false, {}, async (srv, port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    try {
      for (const [code, reason] of [[http2.constants.NGHTTP2_CANCEL, 'remote reset'],
        [http2.constants.NGHTTP2_REFUSED_STREAM, 'remote refused stream reset']] as const) {
        const started = waitFor<EchoStream>(srv.events, 'stream');
        const req = session.request({ ':path': '/never' });
        req.on('error', () => {});
        await started;
        const reset = waitFor<string>(srv.events, 'reset');
        req.close(code);
        assert.equal(await reset, reason);
      }
      // RST_STREAM NO_ERROR in the middle of a request body: node ends the readable side as if the body
      // were complete; the codec must still report a reset.
      const posted = waitFor<EchoStream>(srv.events, 'stream');
      // waitForTrailers keeps node from ending the body cleanly before its RST_STREAM.
      const post = session.request({ ':method': 'POST', ':path': '/echo' }, { waitForTrailers: true });
      post.on('error', () => {});
      post.write('part of a body');
      const s = await posted;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const postReset = waitFor<string>(srv.events, 'reset');
      post.close(http2.constants.NGHTTP2_NO_ERROR);
      assert.equal(await postReset, 'remote reset');
      assert.equal(s.requestEnded, false, 'the truncated body was not taken as complete');
      assert.equal(Buffer.concat(s.chunks).toString(), 'part of a body');
      const started = waitFor<EchoStream>(srv.events, 'stream');
      session.request({ ':path': '/never' }).on('error', () => {});
      await started;
      const reset = waitFor<string>(srv.events, 'reset');
      session.destroy();
      assert.equal(await reset, 'connection termination');
    } finally {
      session.destroy();
    }
  });
});

test('local resets send RST_STREAM NO_ERROR / REFUSED_STREAM', LIMIT, async () => {
  await withServer(false, {}, async (_srv, port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      for (const [path, code] of [['/reset', 0], ['/refuse', http2.constants.NGHTTP2_REFUSED_STREAM]] as const) {
        const req = session.request({ ':path': path });
        req.on('error', () => {});
        let responded = false;
        req.on('response', () => { responded = true; });
        await closed(req);
        assert.equal(responded, false);
        assert.equal(req.rstCode, code);
      }
    } finally {
      session.destroy();
    }
  });
});

test('a head whose body comes later is sent at the end of the tick', LIMIT, async () => {
  await withServer(false, {}, async (_srv, port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const req = session.request({ ':path': '/later' });
      const t0 = Date.now();
      const [head] = await once(req, 'response') as [http2.IncomingHttpHeaders];
      const headAt = Date.now() - t0;
      assert.equal(head['x-early'], 'yes');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      await once(req, 'end');
      assert.ok(headAt < 100, `head after ${headAt} ms`);
      assert.ok(Date.now() - t0 >= 140);
      assert.equal(Buffer.concat(chunks).toString(), 'late');
    } finally {
      session.destroy();
    }
  });
});

test('shutdownGracefully sends GOAWAY, lets the active stream finish, then closes', LIMIT, async () => {
  await withServer(false, {}, async (srv, port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const started = waitFor<EchoStream>(srv.events, 'stream');
    const req = session.request({ ':path': '/slow' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    const status = new Promise((resolve) => req.on('response', (h) => resolve(h[':status'])));
    await started;
    const goaway = once(session, 'goaway');
    srv.conns[0].shutdownGracefully();
    const [code] = await goaway;
    assert.equal(code, http2.constants.NGHTTP2_NO_ERROR);
    assert.equal(await status, 200);
    await once(req, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'slow done\n');
    await once(session, 'close');
    assert.equal(srv.sockets.size, 0);
  });
});

test('request headers over max_request_headers_kb reset the stream; the connection keeps serving', LIMIT, async () => {
  await withServer(false, { maxRequestHeadersKb: 1 }, async (srv, port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const big = session.request({ ':path': '/echo', 'x-big': 'a'.repeat(2000) });
      big.on('error', () => {});
      await closed(big);
      assert.equal(big.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR);
      assert.equal(srv.streams.length, 0);
      const ok = session.request({ ':path': '/echo' });
      const status = await new Promise((resolve) => ok.on('response', (h) => resolve(h[':status'])));
      assert.equal(status, 200);
      ok.resume();
      await once(ok, 'end');
    } finally {
      session.destroy();
    }
  });
});

/** A request of `count` header fields in all: the four pseudo-headers and x-h-N fields. */
function headersOfCount(count: number): http2.OutgoingHttpHeaders {
  const h: http2.OutgoingHttpHeaders = { ':path': '/echo' };
  for (let i = 0; i < count - 4; i++) h[`x-h-${i}`] = 'v';
  return h;
}

/** Sends one request on the session: its :status, or its RST_STREAM code when it was reset. */
function statusOrReset(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<string> {
  return new Promise((resolve) => {
    const req = session.request(headers);
    req.on('error', () => {});
    req.on('response', (h) => { req.resume(); resolve(`status ${h[':status']}`); });
    req.on('close', () => resolve(`reset ${req.rstCode}`));
  });
}

test('more request headers than max_headers_count (pseudo-headers included) reset the stream, as Envoy', LIMIT, async () => {
  const overflow = new Counter('http2.header_overflow');
  // Envoy's default is 100; node would refuse only past 128 pairs (its own maxHeaderListPairs).
  await withServer(false, { http2HeaderOverflow: overflow }, async (srv, port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      assert.equal(await statusOrReset(session, headersOfCount(101)), `reset ${http2.constants.NGHTTP2_INTERNAL_ERROR}`);
      assert.equal(await statusOrReset(session, headersOfCount(200)), `reset ${http2.constants.NGHTTP2_INTERNAL_ERROR}`);
      assert.equal(overflow.value, 2);
      assert.equal(srv.streams.length, 0, 'the refused requests never reached the connection manager');
      assert.equal(await statusOrReset(session, headersOfCount(100)), 'status 200');
    } finally {
      session.destroy();
    }
  });
  await withServer(false, { maxRequestHeadersCount: 10 }, async (_srv, port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      assert.equal(await statusOrReset(session, headersOfCount(11)), `reset ${http2.constants.NGHTTP2_INTERNAL_ERROR}`);
      assert.equal(await statusOrReset(session, headersOfCount(10)), 'status 200');
    } finally {
      session.destroy();
    }
  });
});

test('a HEADERS followed by its RST_STREAM in the same read is never dispatched (rapid reset)', LIMIT, async () => {
  // Sniffing, as the listener does: the first read is replayed to the session at once.
  await withServer(true, {}, async (srv, port) => {
    const attack = await rapidReset(port, 300, 300);
    assert.equal(attack.written, 300);
    assert.equal(srv.streams.length, 300, 'the connection manager opened every stream');
    assert.ok(srv.streams.every((s) => s.head === null && s.resetReason === 'remote reset'),
      'no stream got its headers dispatched; each was reset');
    // Streams that are not reset are dispatched as before.
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      assert.equal(await statusOrReset(session, { ':path': '/echo' }), 'status 200');
    } finally {
      session.destroy();
    }
  });
});

/** Sends raw bytes and collects everything the server writes until it closes (or 2 s pass). */
async function rawExchange(port: number, bytes: Buffer, waitClose: boolean): Promise<Buffer> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'connect');
  socket.write(bytes);
  const t0 = Date.now();
  const timer = setTimeout(() => socket.destroy(), waitClose ? 2000 : 300);
  await once(socket, 'close');
  clearTimeout(timer);
  if (process.env.H2DEBUG) console.log('raw exchange', Date.now() - t0, 'ms');
  return Buffer.concat(chunks);
}

/** Frames in a byte stream as [type, streamId, payload]. */
function frames(buf: Buffer): Array<[number, number, Buffer]> {
  const out: Array<[number, number, Buffer]> = [];
  let at = 0;
  while (at + 9 <= buf.length) {
    const len = buf.readUIntBE(at, 3);
    out.push([buf[at + 3], buf.readUInt32BE(at + 5) & 0x7fffffff, buf.subarray(at + 9, at + 9 + len)]);
    at += 9 + len;
  }
  return out;
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

test('bytes the sniffer read (the preface alone) are replayed to the session', LIMIT, async () => {
  await withServer(true, {}, async (srv, port) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await once(socket, 'connect');
    socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // :method GET, :scheme http, :path / (static table), :authority "a"; END_STREAM | END_HEADERS.
    socket.write(Buffer.concat([frame(4, 0, 0, Buffer.alloc(0)),
      frame(1, 0x5, 1, Buffer.from([0x82, 0x86, 0x84, 0x01, 1, 0x61]))]));
    await waitFor(srv.events, 'stream');
    const deadline = Date.now() + 3000;
    while (!frames(Buffer.concat(chunks)).some(([type, id, p]) => type === 0 && id === 1 && p.length > 0)
      && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    socket.destroy();
    const got = frames(Buffer.concat(chunks));
    assert.ok(got.some(([type, id]) => type === 1 && id === 1), 'response HEADERS on stream 1');
    const data = got.filter(([type, id]) => type === 0 && id === 1).map(([, , p]) => p);
    assert.equal(JSON.parse(Buffer.concat(data).toString()).authority, 'a');
  });
});

test('malformed input becomes a stream or connection error and the process keeps serving', LIMIT, async () => {
  // Node goes quiet after nghttp2 ends a session; the PING probe is what closes the socket.
  setSessionProbeIntervalMs(200);
  await withServer(true, {}, async (srv, port) => {
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const settings = frame(4, 0, 0, Buffer.alloc(0));
    // DATA on stream 0 is a connection error: GOAWAY PROTOCOL_ERROR, then close.
    const got = frames(await rawExchange(port, Buffer.concat([preface, settings, frame(0, 0, 0, Buffer.from('x'))]), true));
    const goaway = got.find(([type]) => type === 7);
    assert.ok(goaway, 'GOAWAY sent');
    assert.equal(goaway[2].readUInt32BE(4), http2.constants.NGHTTP2_PROTOCOL_ERROR);

    // An upper-case header name is a stream error: RST_STREAM PROTOCOL_ERROR on that stream only.
    const block = Buffer.concat([Buffer.from([0x82, 0x86, 0x84, 0x01, 1, 0x61, 0x00, 5]), Buffer.from('X-Bad'),
      Buffer.from([1, 0x76])]);
    const got2 = frames(await rawExchange(port, Buffer.concat([preface, settings, frame(1, 0x5, 1, block)]), false));
    const rst = got2.find(([type, id]) => type === 3 && id === 1);
    assert.ok(rst, 'RST_STREAM sent');
    assert.equal(rst[2].readUInt32BE(0), http2.constants.NGHTTP2_PROTOCOL_ERROR);

    // A broken HPACK block is a connection error (COMPRESSION_ERROR).
    const got3 = frames(await rawExchange(port, Buffer.concat([preface, settings, frame(1, 0x5, 1, Buffer.from([0xff, 0xff, 0xff, 0xff]))]), true));
    assert.ok(got3.some(([type]) => type === 7));

    // Not HTTP/2 at all.
    await rawExchange(port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\nmore bytes to pass the sniffer'), true);

    assert.equal(srv.streams.length, 0, 'no malformed request reached the handler');

    // A connection error while a request is open: the request is reset as a connection termination.
    const open = frame(1, 0x4, 1, Buffer.from([0x82, 0x86, 0x84, 0x01, 1, 0x61]));
    const reset = waitFor<string>(srv.events, 'reset');
    const t0 = Date.now();
    await rawExchange(port, Buffer.concat([preface, settings, open, frame(0, 0, 0, Buffer.from('x'))]), true);
    assert.equal(await reset, 'connection termination');
    assert.ok(Date.now() - t0 < 1500, 'closed by the probe, not by the test timeout');

    const [b] = jsonBodies(await nghttp([`http://127.0.0.1:${port}/still-alive`]));
    assert.equal(b.path, '/still-alive');
  }).finally(() => setSessionProbeIntervalMs(15_000));
});
