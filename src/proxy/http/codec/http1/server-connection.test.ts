// Tests for the downstream HTTP/1 codec: a net.Server runs it under an echo application, driven by
// the real curl client and by raw sockets (pipelining, malformed input, upgrades, trailers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { curl } from '../../../../../test/lib/curl.js';
import { EchoApp, rawExchange, splitResponses } from './test-kit.js';

interface Echoed {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  protocol: string;
  headers: Record<string, string>;
  body: string;
  trailers: Record<string, string> | null;
}

async function withApp(fn: (port: number, app: EchoApp) => Promise<void>, options = {}, sniff = false): Promise<void> {
  const app = new EchoApp(options, sniff);
  const port = await app.listen();
  try {
    await fn(port, app);
  } finally {
    await app.close();
  }
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err && stdout === '') reject(err);
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

test('GET through curl: request head fields, host becomes the authority', async () => {
  await withApp(async (port) => {
    const r = await curl(`http://127.0.0.1:${port}/a/b?x=1`, ['-H', 'X-Mixed-Case: Yes', '-H', 'x-dup: 1', '-H', 'x-dup: 2']);
    assert.equal(r.status, 200);
    assert.match(r.raw, /^HTTP\/1\.1 200 OK/);
    const e = JSON.parse(r.body) as Echoed;
    assert.equal(e.method, 'GET');
    assert.equal(e.path, '/a/b?x=1');
    assert.equal(e.authority, `127.0.0.1:${port}`);
    assert.equal(e.scheme, 'http');
    assert.equal(e.protocol, 'HTTP/1.1');
    assert.equal(e.headers['host'], undefined);
    assert.equal(e.headers['x-mixed-case'], 'Yes');
    assert.equal(e.headers['x-dup'], '1,2');
    assert.ok(e.headers['user-agent'].startsWith('curl/'));
  });
});

test('POST with a body, and a chunked upload arrives de-chunked', async () => {
  await withApp(async (port) => {
    const r = await curl(`http://127.0.0.1:${port}/post`, ['--data-binary', 'hello world']);
    const e = JSON.parse(r.body) as Echoed;
    assert.equal(e.method, 'POST');
    assert.equal(e.body, 'hello world');
    assert.equal(e.headers['content-length'], '11');

    const big = 'x'.repeat(100_000);
    const out = await run('curl', ['-s', '--max-time', '10', '-H', 'Transfer-Encoding: chunked', '--data-binary', '@-',
      `http://127.0.0.1:${port}/chunked`], big);
    const c = JSON.parse(out) as Echoed;
    assert.equal(c.headers['transfer-encoding'], 'chunked');
    assert.equal(c.body.length, big.length);
    assert.equal(c.body, big);
  });
});

test('keep-alive: two URLs in one curl command share one connection', async () => {
  await withApp(async (port, app) => {
    const out = await run('curl', ['-s', '--max-time', '10', '-o', '/dev/null', '-o', '/dev/null', '-w', '%{num_connects} %{http_code}\\n',
      `http://127.0.0.1:${port}/one`, `http://127.0.0.1:${port}/two`]);
    assert.deepEqual(out.trim().split('\n'), ['1 200', '0 200']);
    assert.equal(app.connections.length, 1);
    assert.deepEqual(app.seen.map((s) => s.head.path), ['/one', '/two']);
  });
});

test('HTTP/1.0 (curl -0): protocol HTTP/1.0, close-delimited streaming response', async () => {
  await withApp(async (port) => {
    const r = await curl(`http://127.0.0.1:${port}/stream`, ['-0']);
    assert.match(r.raw, /^HTTP\/1\.0 200 OK/);
    assert.equal(r.headers['connection'], 'close');
    assert.equal(r.headers['transfer-encoding'], undefined);
    const e = JSON.parse(r.body) as Echoed;
    assert.equal(e.protocol, 'HTTP/1.0');
    // With keep-alive asked for and a content-length, the HTTP/1.0 connection stays open.
    const ka = await curl(`http://127.0.0.1:${port}/x`, ['-0', '-H', 'Connection: keep-alive']);
    assert.equal(ka.headers['connection'], 'keep-alive');
  }, { acceptHttp10: true });
});

test('HTTP/1.1 response without content-length is chunked; empty response gets content-length: 0', async () => {
  await withApp(async (port) => {
    const r = await curl(`http://127.0.0.1:${port}/stream`);
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    assert.equal((JSON.parse(r.body) as Echoed).path, '/stream');
    const empty = await curl(`http://127.0.0.1:${port}/empty`);
    assert.equal(empty.headers['content-length'], '0');
    assert.equal(empty.body, '');
  });
});

test('HEAD: the response keeps its content-length and carries no body', async () => {
  await withApp(async (port) => {
    const out = await run('curl', ['-s', '-I', '--max-time', '5', `http://127.0.0.1:${port}/head`]);
    assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(out, /content-length: \d+\r\n/);
    assert.ok(out.endsWith('\r\n\r\n'));
  });
});

test('pipelined requests are answered in order, the slow first one included', async () => {
  await withApp(async (port) => {
    const reqs = 'GET /slow HTTP/1.1\r\nHost: a\r\n\r\n' +
      'POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
      'GET /third HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
    const text = await rawExchange(port, reqs);
    const rs = splitResponses(text);
    assert.equal(rs.length, 3);
    assert.deepEqual(rs.map((r) => (JSON.parse(r.body) as Echoed).path), ['/slow', '/second', '/third']);
    assert.equal((JSON.parse(rs[1].body) as Echoed).body, 'hello');
    assert.equal(rs[2].headers['connection'], 'close');
  });
});

test('a malformed request gets 400 Bad Request and the connection closes; the server lives on', async () => {
  await withApp(async (port) => {
    const text = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n');
    const [r] = splitResponses(text);
    assert.equal(r.statusLine, 'HTTP/1.1 400 Bad Request');
    assert.equal(r.body, 'Bad Request');
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.equal(r.headers['connection'], 'close');
    const smuggle = await rawExchange(port,
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    assert.match(smuggle, /^HTTP\/1\.1 400 Bad Request/);
    const ok = await curl(`http://127.0.0.1:${port}/after`);
    assert.equal(ok.status, 200);
  });
});

test('headers above max_request_headers_kb get 431', async () => {
  await withApp(async (port) => {
    const r = await curl(`http://127.0.0.1:${port}/big`, ['-H', `X-Big: ${'a'.repeat(2048)}`]);
    assert.equal(r.status, 431);
    assert.equal(r.body, 'Request Header Fields Too Large');
  }, { maxRequestHeadersKb: 1 });
});

test('request trailers are decoded, response trailers are encoded', async () => {
  await withApp(async (port) => {
    const text = await rawExchange(port, 'POST /trailers HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n' +
      'Connection: close\r\n\r\n5\r\nhello\r\n0\r\nX-Req-Trailer: t1\r\n\r\n');
    assert.match(text, /transfer-encoding: chunked\r\n/);
    assert.match(text, /\r\n0\r\nx-checksum: abc123\r\n\r\n$/);
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    const json = body.slice(body.indexOf('\r\n') + 2, body.lastIndexOf('\r\n0\r\n'));
    const e = JSON.parse(json) as Echoed;
    assert.equal(e.body, 'hello');
    assert.deepEqual(e.trailers, { 'x-req-trailer': 't1' });
    // node:http as a client sees the trailer too.
    const trailers = await new Promise<NodeJS.Dict<string>>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/trailers`, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.trailers));
      }).on('error', reject);
    });
    assert.equal(trailers['x-checksum'], 'abc123');
  });
});

test('Expect: 100-continue is answered by the codec and not passed on', async () => {
  await withApp(async (port) => {
    const started = performance.now();
    const r = await curl(`http://127.0.0.1:${port}/expect`, ['-H', 'Expect: 100-continue', '--data-binary', 'body']);
    assert.ok(performance.now() - started < 900, 'curl did not wait for its 1 s expect timeout');
    const e = JSON.parse(r.body) as Echoed;
    assert.equal(e.body, 'body');
    assert.equal(e.headers['expect'], undefined);
  });
});

test('absolute-form target: authority and path come from the URL', async () => {
  await withApp(async (port) => {
    const text = await rawExchange(port, 'GET http://svc.example:8080/x?y=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n');
    const e = JSON.parse(splitResponses(text)[0].body) as Echoed;
    assert.equal(e.authority, 'svc.example:8080');
    assert.equal(e.path, '/x?y=1');
  });
});

test('WebSocket-style upgrade: 101, then raw bytes both ways (early bytes included)', async () => {
  await withApp(async (port) => {
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    let got = '';
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
    });
    sock.write('GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nearly');
    const until = async (s: string): Promise<void> => {
      for (let i = 0; i < 100 && !got.includes(s); i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until('EARLY');
    assert.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(got, /connection: upgrade\r\n/);
    assert.doesNotMatch(got, /transfer-encoding/);
    sock.write('later');
    await until('LATER');
    assert.ok(got.endsWith('EARLYLATER'));
    sock.end();
    await once(sock, 'close');
  });
});

test('h2c upgrade requests are served as plain HTTP/1.1', async () => {
  await withApp(async (port) => {
    const text = await rawExchange(port, 'GET /h2c HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n' +
      'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const rs = splitResponses(text);
    assert.equal(rs.length, 2);
    const e = JSON.parse(rs[0].body) as Echoed;
    assert.equal(e.headers['upgrade'], undefined);
    assert.equal(e.headers['http2-settings'], undefined);
    assert.equal((JSON.parse(rs[1].body) as Echoed).path, '/next');
  });
});

test('the client going away mid-stream resets it with "connection termination"', async () => {
  await withApp(async (port, app) => {
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write('GET /never HTTP/1.1\r\nHost: a\r\n\r\n');
    await once(app.events, 'request');
    sock.destroy();
    const [reason, path] = await once(app.events, 'reset') as [string, string];
    assert.equal(reason, 'connection termination');
    assert.equal(path, '/never');
  });
});

test('bytes read by protocol sniffing are parsed first', async () => {
  await withApp(async (port) => {
    const r = await curl(`http://127.0.0.1:${port}/sniffed`, ['--data-binary', 'abc']);
    const e = JSON.parse(r.body) as Echoed;
    assert.equal(e.path, '/sniffed');
    assert.equal(e.body, 'abc');
  }, {}, true);
});

test('Connection: close closes the connection', async () => {
  await withApp(async (port) => {
    const text = await rawExchange(port, 'GET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(splitResponses(text)[0].headers['connection'], 'close');
  });
});

test('more than 32 headers (flushed early by the parser), then more requests on the same connection', async () => {
  await withApp(async (port) => {
    let many = '';
    for (let i = 0; i < 40; i++) many += `X-H${i}: v${i}\r\n`;
    const text = await rawExchange(port, `GET /many HTTP/1.1\r\nHost: a\r\n${many}\r\n` +
      'POST /t HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\nX-T: 1\r\n\r\n' +
      'GET /last HTTP/1.1\r\nHost: c\r\n\r\nGET /bye HTTP/1.1\r\nHost: d\r\n\r\n');
    const rs = splitResponses(text);
    assert.equal(rs.length, 4);
    const [a, b, c] = rs.map((r) => JSON.parse(r.body) as Echoed);
    assert.equal(a.path, '/many');
    assert.equal(Object.keys(a.headers).length, 40);
    assert.equal(a.headers['x-h39'], 'v39');
    assert.equal(a.authority, 'a');
    assert.deepEqual([b.path, b.body, b.trailers?.['x-t']], ['/t', 'z', '1']);
    assert.deepEqual([c.path, c.authority], ['/last', 'c']);
    // The owner's own `connection: close` is honoured (the socket closed, so rawExchange returned) and not doubled.
    assert.equal(rs[3].headers['connection'], 'close');
    assert.equal(text.match(/connection: close/g)?.length, 1);
  });
});

test('shutdownGracefully: the response in flight says connection: close, then the connection closes', async () => {
  await withApp(async (port, app) => {
    app.events.once('request', () => app.connections[0].shutdownGracefully());
    const text = await rawExchange(port, 'GET /slow HTTP/1.1\r\nHost: a\r\n\r\n', 3000);
    const rs = splitResponses(text);
    assert.equal(rs.length, 1);
    assert.equal(rs[0].headers['connection'], 'close');
    assert.equal((JSON.parse(rs[0].body) as Echoed).path, '/slow');
  });
});
