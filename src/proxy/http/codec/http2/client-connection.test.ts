// Tests for the upstream HTTP/2 codec against a real node:http2 server (h2c): trailers, large bodies
// under flow control, resets, GOAWAY, stream limits and headers node would refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import { HeaderMap, type RequestHead, type ResponseHead } from '../../headers.js';
import type { ClientConnection, ClientConnectionCallbacks, RequestEncoder, ResponseDecoder,
  StreamResetReason } from '../types.js';
import type { Http2ClientConnection } from './client-connection.js';
import { createHttp2ClientConnection } from './index.js';

/** Every test ends by itself well within this. */
const LIMIT = { timeout: 10_000 };

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;

/** Records one response; `done` settles on its end or reset. */
class Recorder implements ResponseDecoder {
  head: ResponseHead | null = null;
  headersEndStream = false;
  readonly chunks: Buffer[] = [];
  bytes = 0;
  trailers: HeaderMap | null = null;
  ended = false;
  reset: StreamResetReason | null = null;
  readonly done: Promise<void>;
  private settle!: () => void;
  onFirstData: (() => void) | null = null;
  keepChunks = true;

  constructor() {
    this.done = new Promise((resolve) => { this.settle = resolve; });
  }

  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    assert.equal(this.head, null, 'one final head');
    this.head = head;
    this.headersEndStream = endStream;
    if (endStream) this.finish();
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    assert.equal(this.ended, false);
    this.bytes += chunk.length;
    if (this.keepChunks) this.chunks.push(chunk);
    if (this.onFirstData !== null && chunk.length > 0) {
      const f = this.onFirstData;
      this.onFirstData = null;
      f();
    }
    if (endStream) this.finish();
  }

  decodeTrailers(trailers: HeaderMap): void {
    this.trailers = trailers;
    this.finish();
  }

  onResetStream(reason: StreamResetReason): void {
    assert.equal(this.ended, false, 'no reset after the end');
    this.reset = reason;
    this.settle();
  }

  get body(): string {
    return Buffer.concat(this.chunks).toString();
  }

  private finish(): void {
    this.ended = true;
    this.settle();
  }
}

/** Stands in for the connection pool. */
class PoolCallbacks implements ClientConnectionCallbacks {
  completes = 0;
  goAways = 0;
  closes = 0;
  activeAtClose = -1;
  onComplete: (() => void) | null = null;
  readonly closed: Promise<void>;
  private settleClosed!: () => void;

  constructor() {
    this.closed = new Promise((resolve) => { this.settleClosed = resolve; });
  }

  onStreamComplete(): void {
    this.completes++;
    this.onComplete?.();
  }

  onGoAway(): void {
    this.goAways++;
  }

  onClose(conn: ClientConnection): void {
    this.closes++;
    this.activeAtClose = conn.activeStreams;
    this.settleClosed();
  }
}

function headerMap(o: Record<string, string>): HeaderMap {
  const m = new HeaderMap();
  for (const [k, v] of Object.entries(o)) m.add(k, v);
  return m;
}

function get(path: string, headers = new HeaderMap()): RequestHead {
  return { method: 'GET', path, authority: 'upstream.test', scheme: 'http', protocol: 'HTTP/2', headers };
}

/** An h2c node:http2 server whose behaviour is picked by the request path. */
async function startUpstream(settings: http2.Settings = {}): Promise<{ server: http2.Http2Server; port: number;
  sessions: http2.ServerHttp2Session[]; sockets: net.Socket[]; streams: http2.ServerHttp2Stream[];
  backpressured: () => boolean }> {
  const server = http2.createServer({ settings });
  const sessions: http2.ServerHttp2Session[] = [];
  const streams: http2.ServerHttp2Stream[] = [];
  const sockets: net.Socket[] = [];
  let backpressure = false;
  server.on('connection', (s: net.Socket) => sockets.push(s));
  server.on('session', (s) => {
    sessions.push(s);
    s.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    streams.push(stream);
    stream.on('error', () => {});
    const url = new URL(String(headers[':path']), 'http://x');
    switch (url.pathname) {
      case '/trailers':
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' }));
        stream.write('frame-1');
        stream.end('frame-2');
        return;
      case '/trailers-only':
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
        return;
      case '/info':
        stream.additionalHeaders({ ':status': 103, link: '</style.css>; rel=preload' });
        stream.respond({ ':status': 200 });
        stream.end('final');
        return;
      case '/headers':
        stream.respond({ ':status': 200 });
        stream.end(JSON.stringify(headers));
        return;
      case '/big': {
        const total = Number(url.searchParams.get('bytes'));
        const chunk = Buffer.alloc(64 * 1024, 0x62);
        let sent = 0;
        stream.respond({ ':status': 200 });
        const pump = (): void => {
          while (sent < total) {
            const n = Math.min(chunk.length, total - sent);
            sent += n;
            if (!stream.write(chunk.subarray(0, n))) {
              backpressure = true;
              stream.once('drain', pump);
              return;
            }
          }
          stream.end();
        };
        pump();
        return;
      }
      case '/upload': {
        const hash = createHash('sha256');
        let bytes = 0;
        let trailers: http2.IncomingHttpHeaders | null = null;
        stream.on('data', (c: Buffer) => { bytes += c.length; hash.update(c); });
        stream.on('trailers', (t) => { trailers = t; });
        stream.on('end', () => {
          stream.respond({ ':status': 200 });
          stream.end(JSON.stringify({ bytes, sha256: hash.digest('hex'), trailer: trailers?.['x-sha256'] ?? null }));
        });
        return;
      }
      case '/rst':
        // waitForTrailers keeps node from sending END_STREAM before the RST_STREAM.
        stream.respond({ ':status': 200 }, { waitForTrailers: true });
        stream.write('partial');
        setTimeout(() => stream.close(Number(url.searchParams.get('code'))), 30);
        return;
      case '/refuse':
        stream.close(NGHTTP2_REFUSED_STREAM);
        return;
      case '/hold':
        return;
      default:
        stream.respond({ ':status': 404 });
        stream.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, sessions, sockets, streams,
    backpressured: () => backpressure };
}

async function withUpstream(settings: http2.Settings, fn: (up: Awaited<ReturnType<typeof startUpstream>>,
  connect: () => { conn: Http2ClientConnection; cb: PoolCallbacks }) => Promise<void>): Promise<void> {
  const up = await startUpstream(settings);
  const conns: ClientConnection[] = [];
  const connect = (): { conn: Http2ClientConnection; cb: PoolCallbacks } => {
    const cb = new PoolCallbacks();
    // Handed over while still connecting, as a pool may do.
    const conn = createHttp2ClientConnection(net.connect(up.port, '127.0.0.1'), cb) as Http2ClientConnection;
    conns.push(conn);
    return { conn, cb };
  };
  try {
    await fn(up, connect);
  } finally {
    for (const c of conns) c.close();
    for (const s of up.sessions) s.destroy();
    for (const s of up.sockets) s.destroy();
    await new Promise((resolve) => up.server.close(resolve));
  }
}

function send(conn: ClientConnection, head: RequestHead, rec = new Recorder()): { rec: Recorder; enc: RequestEncoder } {
  const enc = conn.newStream(rec);
  enc.encodeHeaders(head, true);
  return { rec, enc };
}

function waitUntil(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

test('headers, data and trailers arrive in order; stream completion is reported', LIMIT, async () => {
  await withUpstream({}, async (_up, connect) => {
    const { conn, cb } = connect();
    assert.equal(conn.protocol, 'HTTP/2');
    const { rec } = send(conn, get('/trailers'));
    assert.equal(conn.activeStreams, 1);
    assert.equal(conn.streamsStarted, 1);
    await rec.done;
    assert.equal(rec.head?.status, 200);
    assert.equal(rec.headersEndStream, false);
    assert.equal(rec.head?.headers.get('content-type'), 'application/grpc');
    assert.equal(rec.body, 'frame-1frame-2');
    assert.deepEqual(rec.trailers?.toObject(), { 'grpc-status': '0', 'grpc-message': 'ok' });
    await waitUntil(() => cb.completes === 1, 'onStreamComplete');
    assert.equal(conn.activeStreams, 0);
    assert.equal(conn.canStream, true);
  });
});

test('a trailers-only response is headers with end of stream; 1xx heads are not delivered', LIMIT, async () => {
  await withUpstream({}, async (_up, connect) => {
    const { conn } = connect();
    const only = send(conn, get('/trailers-only')).rec;
    const info = send(conn, get('/info')).rec;
    await Promise.all([only.done, info.done]);
    assert.equal(only.headersEndStream, true);
    assert.equal(only.head?.headers.get('grpc-status'), '12');
    assert.equal(only.chunks.length, 0);
    assert.equal(info.head?.status, 200);
    assert.equal(info.body, 'final');
  });
});

test('request head maps to pseudo-headers; connection-specific and invalid headers are dropped, not thrown', LIMIT, async () => {
  await withUpstream({}, async (_up, connect) => {
    const { conn } = connect();
    const h = headerMap({ connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked',
      upgrade: 'websocket', 'proxy-connection': 'x', host: 'ignored', te: 'trailers', 'x-a': '1', 'bad name': 'x' });
    h.add('x-a', '2');
    h.add('user-agent', 'one');
    h.add('user-agent', 'two');
    const { rec } = send(conn, { ...get('/headers?q=1', h), authority: 'svc.local:8080', scheme: 'https' });
    await rec.done;
    const seen = JSON.parse(rec.body) as Record<string, string>;
    assert.equal(seen[':method'], 'GET');
    assert.equal(seen[':path'], '/headers?q=1');
    assert.equal(seen[':authority'], 'svc.local:8080');
    assert.equal(seen[':scheme'], 'https');
    assert.equal(seen.te, 'trailers');
    assert.equal(seen['x-a'], '1, 2');
    assert.equal(seen['user-agent'], 'one');
    for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host', 'bad name']) {
      assert.equal(name in seen, false, name);
    }
    // The session survived: another request on it works.
    const again = send(conn, get('/trailers')).rec;
    await again.done;
    assert.equal(again.head?.status, 200);
  });
});

test('a large download with read-disable applies back-pressure; a large upload honours write watermarks', LIMIT, async () => {
  await withUpstream({}, async (up, connect) => {
    const { conn } = connect();
    const bytes = 16 * 1024 * 1024;
    const rec = new Recorder();
    rec.keepChunks = false;
    const enc = conn.newStream(rec);
    rec.onFirstData = () => {
      enc.readDisable(true);
      setTimeout(() => enc.readDisable(false), 300);
    };
    enc.encodeHeaders(get(`/big?bytes=${bytes}`), true);
    await rec.done;
    assert.equal(rec.reset, null);
    assert.equal(rec.bytes, bytes);
    assert.equal(up.backpressured(), true, 'the paused reader held the server back');

    const upload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < upload.length; i++) upload[i] = (i * 7) % 256;
    const sha = createHash('sha256').update(upload).digest('hex');
    const urec = new Recorder();
    const uenc = conn.newStream(urec);
    let above = 0;
    let sent = 0;
    let paused = false;
    const pump = (): void => {
      while (!paused && sent < upload.length) {
        const n = Math.min(64 * 1024, upload.length - sent);
        uenc.encodeData(upload.subarray(sent, sent + n), false);
        sent += n;
      }
      if (sent === upload.length && !paused) {
        sent++;
        uenc.encodeTrailers(headerMap({ 'x-sha256': sha }));
      }
    };
    uenc.setWatermarkListener({
      onAboveWriteBufferHighWatermark: () => { above++; paused = true; },
      onBelowWriteBufferLowWatermark: () => { paused = false; pump(); },
    });
    uenc.encodeHeaders({ ...get('/upload'), method: 'POST' }, false);
    pump();
    await urec.done;
    assert.ok(above > 0, 'the high watermark was crossed');
    assert.deepEqual(JSON.parse(urec.body), { bytes: upload.length, sha256: sha, trailer: sha });
  });
});

test('RST_STREAM mid-response (NO_ERROR, CANCEL), REFUSED_STREAM and a local reset', LIMIT, async () => {
  await withUpstream({}, async (up, connect) => {
    const { conn, cb } = connect();
    for (const code of [NGHTTP2_NO_ERROR, NGHTTP2_CANCEL]) {
      const { rec } = send(conn, get(`/rst?code=${code}`));
      await rec.done;
      assert.equal(rec.reset, 'remote reset', `code ${code}`);
      assert.equal(rec.ended, false);
      assert.equal(rec.body, 'partial');
    }
    const refused = send(conn, get('/refuse')).rec;
    await refused.done;
    assert.equal(refused.reset, 'remote refused stream reset');

    const held = send(conn, get('/hold'));
    await waitUntil(() => up.streams.length === 4, 'the held stream at the server');
    const serverSide = up.streams[3];
    const completes = cb.completes;
    held.enc.resetStream();
    // The stream's slot is back at once, not when node reports the close: the pool may reuse it right away.
    assert.equal(cb.completes, completes + 1, 'completion reported by the reset itself');
    assert.equal(conn.activeStreams, 0);
    await once(serverSide, 'close');
    assert.equal(serverSide.rstCode, NGHTTP2_NO_ERROR);
    assert.equal(held.rec.reset, null, 'a local reset is not reported back');
    assert.equal(cb.completes, completes + 1, 'completed once');
  });
});

test('GOAWAY stops new streams but lets active ones finish; a dropped connection terminates streams', LIMIT, async () => {
  await withUpstream({}, async (up, connect) => {
    const { conn, cb } = connect();
    const held = send(conn, get('/hold'));
    await waitUntil(() => up.streams.length === 1, 'the held stream');
    up.sessions[0].close();
    await waitUntil(() => cb.goAways === 1, 'onGoAway');
    assert.equal(conn.canStream, false);
    const late = send(conn, get('/trailers')).rec;
    await late.done;
    assert.equal(late.reset, 'connection termination', 'a stream after GOAWAY is reset, not thrown');
    up.streams[0].respond({ ':status': 200 });
    up.streams[0].end('finished');
    await held.rec.done;
    assert.equal(held.rec.body, 'finished');
    await cb.closed;
    assert.equal(cb.goAways, 1);

    const second = connect();
    const dropped = send(second.conn, get('/hold')).rec;
    await waitUntil(() => up.streams.length === 2, 'the second held stream');
    up.sockets[1].destroy();
    await dropped.done;
    assert.equal(dropped.reset, 'connection termination');
    await second.cb.closed;
    assert.equal(second.cb.activeAtClose, 0);
    assert.equal(second.conn.canStream, false);
  });
});

test('canStream follows the peer SETTINGS_MAX_CONCURRENT_STREAMS', LIMIT, async () => {
  await withUpstream({ maxConcurrentStreams: 2 }, async (up, connect) => {
    const { conn, cb } = connect();
    await once(conn.session, 'remoteSettings');
    assert.equal(conn.canStream, true);
    send(conn, get('/hold'));
    send(conn, get('/hold'));
    assert.equal(conn.canStream, false);
    assert.equal(conn.activeStreams, 2);
    await waitUntil(() => up.streams.length === 2, 'two held streams');
    let canAtComplete: boolean | null = null;
    cb.onComplete = () => { canAtComplete = conn.canStream; };
    up.streams[0].respond({ ':status': 204 }, { endStream: true });
    await waitUntil(() => cb.completes === 1, 'one completion');
    assert.equal(canAtComplete, true);
    assert.equal(conn.streamsStarted, 2);
  });
});
