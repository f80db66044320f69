// Hostile HTTP/1 clients against a real `strait proxy` on loopback: (1) a client that pipelines
// 300,000 GETs and never reads; (2) the edges Envoy refuses or rewrites, with Envoy's answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { PipeliningClient } from './lib/pipelining-client.js';
import { curl } from './lib/curl.js';
import { sleep, waitFor } from './lib/wait.js';
import { splitResponses, type RawResponse } from '../src/proxy/http/codec/http1/test-kit.js';

/** The response body size of the attack's upstream (the report's 8 KB). */
const BODY = Buffer.alloc(8192, 'x');

let upstream: http.Server;
let upstreamRequests = 0;
let proxy: RunningProxy;
let port: number;

before(async () => {
  upstream = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    upstreamRequests++;
    const url = req.url ?? '';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length, 'x-seq': url.slice(url.lastIndexOf('/') + 1),
      'x-path': url });
    res.end(BODY);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as { port: number }).port;
  proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'up' } }]),
    clusters: [{ name: 'up', ports: [upPort] }],
    hcm: {
      access_log: [{
        name: 'envoy.access_loggers.stdout',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
          log_format: { text_format_source: { inline_string:
            'ACCESS %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% "%REQ(:METHOD)% %REQ(:PATH)% %PROTOCOL%"\n' } },
        },
        // The pipelining test's 300,000 lines would only be noise: log what is not a 200.
        filter: { status_code_filter: { comparison: { op: 'GE', value: { default_value: 300, runtime_key: 'unused' } } } },
      }],
    },
  }));
  port = await proxy.listenerPort('test');
});

after(async () => {
  await proxy?.stop();
  upstream?.closeAllConnections();
  await new Promise<void>((r) => upstream?.close(() => r()));
});

/** The proxy process's resident set size in MiB (Linux /proc). */
function proxyRssMiB(): number {
  const status = readFileSync(`/proc/${proxy.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Polls `read` until it has not changed for `quietMs`; gives up after `maxMs` and returns the last value. */
async function whenSettled(read: () => number, quietMs: number, maxMs: number): Promise<number> {
  const end = Date.now() + maxMs;
  let last = read();
  let since = Date.now();
  while (Date.now() < end) {
    await sleep(100);
    const v = read();
    if (v !== last) {
      last = v;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      break;
    }
  }
  return last;
}

/** A proxy counter (`http.ingress_http.<name>` ...) from /stats. */
async function stat(name: string): Promise<number> {
  const text = await (await proxy.admin(`/stats?filter=^${name.replace(/\./g, '\\.')}$`)).text();
  return Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
}

test('1. pipelining without reading: the proxy stops reading, memory stays bounded, then every response arrives in order',
  async (t) => {
    // Warm-up on its own connection (JIT, upstream pool), then the idle baseline.
    const warm = await PipeliningClient.connect(port);
    warm.send(2000, 'warm');
    await warm.readAll(2000, 60_000);
    warm.close();
    await sleep(500);
    const idleMiB = proxyRssMiB();

    // The attack: 300,000 GETs in one go on one connection, never read.
    const N = 300_000;
    const attack = await PipeliningClient.connect(port);
    const before = upstreamRequests;
    attack.send(N, 'attack');
    // The proxy answers until the socket buffers toward the client are full, then must stop.
    const forwarded = await whenSettled(() => upstreamRequests, 2000, 90_000) - before;
    const stalledMiB = proxyRssMiB();
    const grew = stalledMiB - idleMiB;
    t.diagnostic(`idle RSS ${idleMiB.toFixed(1)} MiB; ${N} pipelined requests unread: RSS ${stalledMiB.toFixed(1)} MiB ` +
      `(${grew >= 0 ? '+' : ''}${grew.toFixed(1)} MiB), ${forwarded} forwarded upstream`);
    assert.ok(forwarded < N / 100, `the proxy kept forwarding (${forwarded} of ${N}) to a client that does not read`);
    assert.ok(grew < 30, `RSS grew by ${grew.toFixed(1)} MiB`);
    await sleep(1000);
    assert.equal(upstreamRequests - before, forwarded, 'no more upstream requests while the client still does not read');
    // The client gives up: the connection and what it had queued go away.
    attack.close();
    await waitFor('the abandoned connection to close', 10_000,
      async () => ((await stat('http.ingress_http.downstream_cx_active')) === 0 ? true : undefined), 100);

    // Nothing is lost to the back-pressure: a pipeline left unread until the proxy stops, then read, gets every
    // response in order (the whole 300,000 would take minutes of one-at-a-time upstream round trips).
    const M = 10_000;
    const slow = await PipeliningClient.connect(port);
    const before2 = upstreamRequests;
    slow.send(M, 'slow');
    const forwarded2 = await whenSettled(() => upstreamRequests, 1500, 60_000) - before2;
    assert.ok(forwarded2 < M / 4, `${forwarded2} of ${M} forwarded before the client read anything`);
    await slow.readAll(M, 120_000);
    slow.close();
    assert.equal(slow.tally.non200, 0);
    assert.equal(slow.tally.outOfOrderAt, -1, 'responses came back in request order');
    assert.equal(upstreamRequests - before2, M);
  });

/** Writes `data` on a fresh connection; what came back within `ms`, and whether the proxy closed the connection. */
async function exchange(data: string, ms = 1500): Promise<{ responses: RawResponse[]; closed: boolean }> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  const parts: Buffer[] = [];
  sock.on('data', (d: Buffer) => parts.push(d));
  sock.on('error', () => {});
  let closed = false;
  sock.once('close', () => { closed = true; });
  sock.write(data);
  const until = Date.now() + ms;
  while (!closed && Date.now() < until) await sleep(20);
  sock.destroy();
  return { responses: splitResponses(Buffer.concat(parts).toString('latin1')), closed };
}

/** The access-log lines written so far that mention `details`. */
function accessLines(details: string): string[] {
  return proxy.output().split('\n').filter((l) => l.startsWith('ACCESS ') && l.includes(` ${details} `));
}

test('2. hostile edges get Envoy\'s answers: 501 for an unknown transfer coding, #fragment refused (or stripped), ' +
  '400 without Host, 426 for an HTTP/2.0 request line', async (t) => {
  const url = `http://127.0.0.1:${port}`;
  const upstreamBefore = upstreamRequests;
  const protocolErrors = await stat('http.ingress_http.downstream_cx_protocol_error');

  await t.test('Transfer-Encoding: gzip, chunked -> 501 Not Implemented (http1.invalid_transfer_encoding)', async () => {
    // curl frames the body as chunked because the field ends in `chunked`, and sends the field as given.
    const r = await curl(`${url}/te`, ['-X', 'POST', '-H', 'Transfer-Encoding: gzip, chunked', '--data-binary', 'hello']);
    assert.equal(r.status, 501);
    assert.equal(r.body, 'Not Implemented');
    assert.equal(r.headers['connection'], 'close');
    // A coding llhttp itself refuses (not ending in chunked) gets the same answer.
    const raw = await exchange('POST /te HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nhello');
    assert.equal(raw.responses[0]?.statusLine, 'HTTP/1.1 501 Not Implemented');
    assert.ok(raw.closed, 'the connection is closed after a codec error');
    await waitFor('the access log', 5000, () => (accessLines('http1.invalid_transfer_encoding').length === 2 ? true : undefined));
    assert.match(accessLines('http1.invalid_transfer_encoding')[0], /^ACCESS 501 DPE http1\.invalid_transfer_encoding "- - HTTP\/1\.1"$/);
  });

  await t.test('a #fragment: 400 path_normalization_failed by default; stripped when the runtime says so', async () => {
    // curl never sends a fragment, so a raw client does.
    const refused = await exchange('GET /frag/a#section HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(refused.responses[0]?.statusLine, 'HTTP/1.1 400 Bad Request');
    assert.equal(refused.responses[0]?.body, '');
    assert.equal(refused.closed, false, 'not a codec error: the connection stays open');
    assert.equal(await stat('http.ingress_http.downstream_rq_failed_path_normalization'), 1);
    await waitFor('the access log', 5000, () => (accessLines('path_normalization_failed').length === 1 ? true : undefined));
    assert.match(accessLines('path_normalization_failed')[0], /^ACCESS 400 - path_normalization_failed "GET \/frag\/a#section HTTP\/1\.1"$/);
    // Istio's bootstrap turns the rejection off: the fragment is then dropped before routing and forwarding.
    const key = 'envoy.reloadable_features.http_reject_path_with_fragment';
    assert.equal((await proxy.admin(`/runtime_modify?${key}=false`, { method: 'POST' })).status, 200);
    try {
      const stripped = await exchange('GET /frag/a?q=1#section HTTP/1.1\r\nHost: a\r\n\r\n');
      assert.equal(stripped.responses[0]?.statusLine, 'HTTP/1.1 200 OK');
      assert.equal(stripped.responses[0]?.headers['x-path'], '/frag/a?q=1');
    } finally {
      await proxy.admin(`/runtime_modify?${key}=`, { method: 'POST' });
    }
  });

  await t.test('HTTP/1.1 without Host -> 400 missing_host_header; the connection stays usable', async () => {
    const r = await curl(`${url}/nohost`, ['-H', 'Host:']);
    assert.equal(r.status, 400);
    assert.equal(r.body, '');
    const both = await exchange('GET /nohost HTTP/1.1\r\n\r\nGET /withhost HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.deepEqual(both.responses.map((x) => x.statusLine), ['HTTP/1.1 400 Bad Request', 'HTTP/1.1 200 OK']);
    assert.equal(both.responses[1].headers['x-path'], '/withhost');
    await waitFor('the access log', 5000, () => (accessLines('missing_host_header').length === 2 ? true : undefined));
    assert.match(accessLines('missing_host_header')[0], /^ACCESS 400 - missing_host_header "GET \/nohost HTTP\/1\.1"$/);
  });

  await t.test('an HTTP/2.0 request line on HTTP/1 -> 426 Upgrade Required (low_version); h2 itself still works', async () => {
    const r = await exchange('GET /h2line HTTP/2.0\r\nHost: a\r\n\r\n');
    assert.equal(r.responses[0]?.statusLine, 'HTTP/1.1 426 Upgrade Required');
    assert.equal(r.responses[0]?.body, 'Upgrade Required');
    assert.ok(r.closed);
    // A version llhttp does not know gets the same answer (Envoy takes any HTTP/d.d that is not 1.1 for 1.0).
    const odd = await exchange('GET /h2line HTTP/1.2\r\nHost: a\r\n\r\n');
    assert.equal(odd.responses[0]?.statusLine, 'HTTP/1.1 426 Upgrade Required');
    await waitFor('the access log', 5000, () => (accessLines('low_version').length === 2 ? true : undefined));
    assert.match(accessLines('low_version')[0], /^ACCESS 426 DPE low_version "- - HTTP\/1\.1"$/);
    // A broken HTTP/2 preface is no HTTP/1 request either.
    const pri = await exchange('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n');
    assert.equal(pri.responses[0]?.statusLine, 'HTTP/1.1 400 Bad Request');
    // The AUTO codec still takes a real HTTP/2 client for what it is.
    const h2 = await curl(`${url}/h2ok`, ['--http2-prior-knowledge']);
    assert.equal(h2.status, 200);
    assert.match(h2.raw, /^HTTP\/2 200/);
  });

  assert.equal(upstreamRequests - upstreamBefore, 3, 'only the stripped-fragment, with-Host and HTTP/2 requests went upstream');
  assert.equal(await stat('http.ingress_http.downstream_cx_protocol_error') - protocolErrors, 5);
});
