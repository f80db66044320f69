// Tests for the upstream HTTP/1 codec against a real node:http server (and a raw net server where
// node:http cannot produce the shape under test, e.g. a close-delimited body).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { HeaderMap, type RequestHead } from '../../headers.js';
import type { ClientConnection, ClientConnectionCallbacks } from '../types.js';
import { createHttp1ClientConnection } from './index.js';
import { RecordingDecoder } from './test-kit.js';

/** Pool callbacks that count what they hear. */
class Callbacks implements ClientConnectionCallbacks {
  completes = 0;
  goAways = 0;
  closes = 0;
  readonly log: string[] = [];
  onStreamComplete(conn: ClientConnection): void {
    this.completes++;
    this.log.push(`complete canStream=${conn.canStream}`);
  }
  onGoAway(): void {
    this.goAways++;
    this.log.push('goaway');
  }
  onClose(): void {
    this.closes++;
    this.log.push('close');
  }
}

function head(method: string, path: string, authority: string, extra: [string, string][] = []): RequestHead {
  const headers = new HeaderMap();
  for (const [n, v] of extra) headers.add(n, v);
  return { method, path, authority, scheme: 'http', protocol: 'HTTP/1.1', headers };
}

async function withUpstream(handler: http.RequestListener,
  fn: (connect: () => Promise<{ conn: ClientConnection; cb: Callbacks }>, server: http.Server, port: number) => Promise<void>,
  setup?: (server: http.Server) => void): Promise<void> {
  const server = http.createServer(handler);
  setup?.(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const conns: ClientConnection[] = [];
  const connect = async (): Promise<{ conn: ClientConnection; cb: Callbacks }> => {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const cb = new Callbacks();
    const conn = createHttp1ClientConnection(socket, cb);
    conns.push(conn);
    return { conn, cb };
  };
  try {
    await fn(connect, server, port);
  } finally {
    for (const c of conns) c.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not met in time');
}

test('content-length response: head, body, end; the connection is reused for a second request', async () => {
  const seen: { path: string; port: number; host: string; headers: http.IncomingHttpHeaders }[] = [];
  await withUpstream((req, res) => {
    seen.push({ path: req.url!, port: req.socket.remotePort!, host: req.headers.host!, headers: req.headers });
    res.setHeader('X-Upstream', 'Yes');
    res.end(`hello ${req.url}`);
  }, async (connect) => {
    const { conn, cb } = await connect();
    assert.equal(conn.canStream, true);
    const d1 = new RecordingDecoder();
    conn.newStream(d1).encodeHeaders(head('GET', '/one', 'svc.local', [['x-req', 'v']]), true);
    assert.equal(conn.activeStreams, 1);
    assert.equal(conn.canStream, false);
    await d1.done();
    assert.equal(d1.head!.status, 200);
    assert.equal(d1.head!.headers.get('x-upstream'), 'Yes');
    assert.equal(d1.head!.headers.get('content-length'), '10');
    assert.equal(d1.body, 'hello /one');
    await waitFor(() => cb.completes === 1);
    assert.equal(conn.canStream, true);
    const d2 = new RecordingDecoder();
    conn.newStream(d2).encodeHeaders(head('GET', '/two', 'svc.local'), true);
    await d2.done();
    assert.equal(d2.body, 'hello /two');
    assert.equal(conn.streamsStarted, 2);
    assert.equal(seen[0].port, seen[1].port, 'one upstream connection for both requests');
    assert.equal(seen[0].host, 'svc.local');
    assert.equal(seen[0].headers['x-req'], 'v');
    assert.equal(seen[0].headers['content-length'], undefined, 'a headers-only GET has no framing');
    assert.equal(cb.goAways, 0);
  });
});

test('chunked response is streamed piece by piece, trailers decoded', async () => {
  await withUpstream((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Sum' });
    res.write('part1;');
    setTimeout(() => {
      res.write('part2;');
      setTimeout(() => {
        res.addTrailers({ 'X-Sum': '42' });
        res.end('part3');
      }, 30);
    }, 30);
  }, async (connect) => {
    const { conn } = await connect();
    const d = new RecordingDecoder();
    let dataBeforeEnd = 0;
    d.events.on('data', () => {
      if (!d.ended) dataBeforeEnd++;
    });
    conn.newStream(d).encodeHeaders(head('GET', '/chunks', 'a'), true);
    await d.done();
    assert.equal(d.head!.headers.get('transfer-encoding'), 'chunked');
    assert.equal(d.body, 'part1;part2;part3');
    assert.ok(dataBeforeEnd >= 3, `data arrived in ${dataBeforeEnd} pieces`);
    assert.equal(d.trailers?.get('x-sum'), '42');
  });
});

test('request bodies: chunked when streamed without length, content-length: 0 for an empty POST', async () => {
  const got: { te?: string; cl?: string; body: string }[] = [];
  await withUpstream((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      got.push({ te: req.headers['transfer-encoding'], cl: req.headers['content-length'], body: Buffer.concat(parts).toString() });
      res.end('ok');
    });
  }, async (connect) => {
    const { conn, cb } = await connect();
    const d = new RecordingDecoder();
    const enc = conn.newStream(d);
    enc.encodeHeaders(head('POST', '/up', 'a'), false);
    enc.encodeData(Buffer.from('abc'), false);
    await new Promise((r) => setTimeout(r, 20));
    enc.encodeData(Buffer.from('def'), true);
    await d.done();
    await waitFor(() => cb.completes === 1);
    const d2 = new RecordingDecoder();
    conn.newStream(d2).encodeHeaders(head('POST', '/empty', 'a'), true);
    await d2.done();
    assert.deepEqual(got, [{ te: 'chunked', cl: undefined, body: 'abcdef' }, { te: undefined, cl: '0', body: '' }]);
  });
});

test('Connection: close in the response: onGoAway, no reuse, then close', async () => {
  await withUpstream((_req, res) => {
    res.setHeader('Connection', 'close');
    res.end('bye');
  }, async (connect) => {
    const { conn, cb } = await connect();
    const d = new RecordingDecoder();
    conn.newStream(d).encodeHeaders(head('GET', '/', 'a'), true);
    await d.done();
    assert.equal(d.body, 'bye');
    await waitFor(() => cb.closes === 1);
    assert.deepEqual(cb.log, ['goaway', 'complete canStream=false', 'close']);
    assert.equal(conn.canStream, false);
  });
});

test('HEAD response with content-length ends at its headers and keeps the connection usable', async () => {
  await withUpstream((req, res) => {
    res.setHeader('Content-Length', '100');
    res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(100));
  }, async (connect) => {
    const { conn, cb } = await connect();
    const d = new RecordingDecoder();
    conn.newStream(d).encodeHeaders(head('HEAD', '/', 'a'), true);
    await d.done();
    assert.equal(d.headersEnd, true);
    assert.equal(d.head!.headers.get('content-length'), '100');
    await waitFor(() => cb.completes === 1);
    const d2 = new RecordingDecoder();
    conn.newStream(d2).encodeHeaders(head('GET', '/', 'a'), true);
    await d2.done();
    assert.equal(d2.body.length, 100);
  });
});

test('100 Continue from upstream is not passed on', async () => {
  await withUpstream(() => {}, async (connect) => {
    const { conn } = await connect();
    const d = new RecordingDecoder();
    const statuses: number[] = [];
    d.events.on('headers', (h: { status: number }) => statuses.push(h.status));
    const enc = conn.newStream(d);
    enc.encodeHeaders(head('POST', '/', 'a', [['expect', '100-continue'], ['content-length', '2']]), false);
    setTimeout(() => enc.encodeData(Buffer.from('hi'), true), 30);
    await d.done();
    assert.deepEqual(statuses, [201]);
    assert.equal(d.body, 'got hi');
  }, (server) => {
    server.on('checkContinue', (req, res) => {
      res.writeContinue();
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        res.writeHead(201);
        res.end(`got ${body}`);
      });
    });
  });
});

test('upstream closing before the response resets the stream with "connection termination"', async () => {
  await withUpstream((req) => {
    req.socket.destroy();
  }, async (connect) => {
    const { conn, cb } = await connect();
    const d = new RecordingDecoder();
    conn.newStream(d).encodeHeaders(head('GET', '/', 'a'), true);
    await d.done();
    assert.deepEqual(d.reset, { reason: 'connection termination', transport: '' });
    await waitFor(() => cb.closes === 1);
    assert.equal(cb.completes, 1);
  });
});

test('close-delimited response ends at EOF', async () => {
  const server = net.createServer((sock) => {
    sock.once('data', () => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ');
      setTimeout(() => sock.end('the end'), 20);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  const cb = new Callbacks();
  const conn = createHttp1ClientConnection(socket, cb);
  const d = new RecordingDecoder();
  conn.newStream(d).encodeHeaders(head('GET', '/', 'a'), true);
  await d.done();
  assert.equal(d.reset, null);
  assert.equal(d.body, 'until the end');
  assert.equal(cb.goAways, 1);
  await waitFor(() => cb.closes === 1);
  server.close();
});

test('upgrade: 101 from upstream, then raw bytes both ways', async () => {
  await withUpstream(() => {}, async (connect) => {
    const { conn } = await connect();
    const d = new RecordingDecoder();
    const enc = conn.newStream(d);
    enc.encodeHeaders(head('GET', '/ws', 'a', [['upgrade', 'websocket'], ['connection', 'upgrade']]), false);
    await once(d.events, 'headers');
    assert.equal(d.head!.status, 101);
    assert.equal(d.headersEnd, false);
    await waitFor(() => d.body === 'welcome');
    enc.encodeData(Buffer.from('ping'), false);
    await waitFor(() => d.body === 'welcomePING');
    enc.encodeData(Buffer.alloc(0), true);
    await d.done();
    assert.equal(d.reset, null);
  }, (server) => {
    server.on('upgrade', (_req, sock: net.Socket, rest: Buffer) => {
      sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nwelcome');
      if (rest.length > 0) sock.write(rest.toString().toUpperCase());
      sock.on('data', (c: Buffer) => sock.write(c.toString().toUpperCase()));
      sock.on('end', () => sock.end());
    });
  });
});

test('a malformed response resets the stream with "protocol error"', async () => {
  const server = net.createServer((sock) => {
    sock.once('data', () => sock.write('HTTP/1.1 200 OK\r\nBad Header\r\n\r\n'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  const cb = new Callbacks();
  const conn = createHttp1ClientConnection(socket, cb);
  const d = new RecordingDecoder();
  conn.newStream(d).encodeHeaders(head('GET', '/', 'a'), true);
  await d.done();
  assert.equal(d.reset?.reason, 'protocol error');
  await waitFor(() => cb.closes === 1);
  server.close();
});
