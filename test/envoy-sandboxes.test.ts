// Envoy's own sandbox configs (fault injection, local rate limit, TLS SNI, WebSocket, WSS
// passthrough) run unchanged but for addresses, and behave as the sandboxes' READMEs describe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { curl } from './lib/curl.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { REPO_ROOT } from './lib/proxy-process.js';
import { adapt, freePort, runSandbox, sandboxConfig, validate } from './lib/sandbox.js';

/** A self-signed certificate for `name` (its own CA), in `dir` as <file>.crt.pem / .key.pem. */
function selfSigned(dir: string, file: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${file}.crt.pem`);
  const key = join(dir, `${file}.key.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-days', '2', '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`],
  { stdio: 'ignore' });
  return { cert, key };
}

/** Sends a WebSocket upgrade on `sock`, then 'ping'; resolves with everything read (bounded to 5 s). */
function websocketPing(sock: net.Socket, host: string): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    let sent = false;
    const timer = setTimeout(() => resolve(buf), 5000);
    sock.on('data', (d) => {
      buf += d;
      if (!sent && buf.includes('\r\n\r\n')) {
        sent = true;
        sock.write('ping');
      }
      if (buf.includes('echo:ping')) {
        clearTimeout(timer);
        resolve(buf);
      }
    });
    sock.on('error', () => resolve(buf));
    sock.on('close', () => resolve(buf));
    sock.write(`GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
  });
}

/** An upgrade handler that answers 101 and echoes what follows with an 'echo:' prefix. */
function echoUpgrades(server: http.Server): void {
  server.on('upgrade', (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
    socket.on('error', () => socket.destroy());
  });
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

test('every sandbox config passes --mode validate once its addresses are local', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-sni-'));
  try {
    for (const d of ['domain1', 'domain2']) selfSigned(dir, d, `${d}.example.com`);
    const files = readdirSync(join(REPO_ROOT, 'test', 'fixtures', 'envoy-sandboxes')).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 5, `fixtures: ${files.join(', ')}`);
    for (const f of files) {
      const yaml = sandboxConfig(f).split('filename: certs/').join(`filename: ${dir}/`);
      const r = await validate(yaml);
      assert.equal(r.code, 0, `${f}: ${r.output}`);
      assert.match(r.output, /OK/);
    }
    // A certificate file that is not there fails validation with the field path, as in Envoy.
    const r = await validate(sandboxConfig('tls-sni.yaml'));
    assert.equal(r.code, 1);
    assert.match(r.output, /tls_certificates\[0\]\.certificate_chain\.filename: Invalid path: certs\/domain1\.crt\.pem/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fault-injection: the runtime symlink swap turns aborts on and off, and delays half the requests', async () => {
  const backend = await startEchoUpstream('backend');
  const port = await freePort();
  const srv = mkdtempSync(join(tmpdir(), 'strait-runtime-'));
  // The sandbox's enable/disable scripts: write files under v1 (or v2), then swap the `current` symlink.
  const swapTo = (version: string, files: Record<string, string>): void => {
    for (const [key, value] of Object.entries(files)) {
      const p = join(srv, version, 'envoy', ...key.split('/'));
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, `${value}\n`);
    }
    mkdirSync(join(srv, version, 'envoy'), { recursive: true });
    symlinkSync(join(srv, version), join(srv, 'new'));
    renameSync(join(srv, 'new'), join(srv, 'current'));
  };
  const proxy = await runSandbox(adapt(sandboxConfig('fault-injection.yaml'), [
    ['port_value: 9211', `port_value: ${port}`],
    ['address: 0.0.0.0', 'address: 127.0.0.1'],
    ['address: backend\n                port_value: 80', `address: 127.0.0.1\n                port_value: ${backend.port}`],
    ['symlink_root: /srv/runtime/current', `symlink_root: ${srv}/current`],
  ]), port);
  const url = `http://127.0.0.1:${port}/`;
  const statuses = async (n: number): Promise<number[]> =>
    Promise.all(Array.from({ length: n }, () => curl(url).then((r) => r.status)));
  try {
    assert.deepEqual(await statuses(5), [200, 200, 200, 200, 200], 'faults are configured at 0%');
    swapTo('v1', { 'fault/http/abort/abort_percent': '100', 'fault/http/abort/http_status': '503' });
    let r = await curl(url);
    for (let i = 0; i < 60 && r.status !== 503; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await curl(url);
    }
    assert.equal(r.status, 503, 'the swap reached the proxy within 3 s');
    assert.equal(r.body, 'fault filter abort');
    assert.deepEqual(await statuses(10), Array(10).fill(503));
    // Back to no faults (disable_abort_fault_injection.sh), then delays on 50% for 3 s.
    swapTo('v2', {});
    for (let i = 0; i < 60 && (await curl(url)).status !== 200; i++) await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(await statuses(5), [200, 200, 200, 200, 200]);
    rmSync(join(srv, 'v1'), { recursive: true });
    swapTo('v1', { 'fault/http/delay/fixed_delay_percent': '50', 'fault/http/delay/fixed_duration_ms': '3000' });
    await new Promise((res) => setTimeout(res, 300));
    const times = await Promise.all(Array.from({ length: 20 }, async () => {
      const t0 = Date.now();
      const res = await curl(url);
      assert.equal(res.status, 200);
      return Date.now() - t0;
    }));
    const slow = times.filter((t) => t >= 2900).length;
    assert.ok(slow >= 3 && slow <= 17, `about half of 20 requests are delayed 3 s: ${times.join(',')}`);
  } finally {
    await proxy.stop();
    await backend.close();
    rmSync(srv, { recursive: true, force: true });
  }
});

test('local_ratelimit: 2 tokens per 5 s, the third request is 429 where enforced, passed where not', async () => {
  const service = await startEchoUpstream('service');
  const [enforcedPort, openPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const proxy = await runSandbox(adapt(sandboxConfig('local-ratelimit.yaml'), [
    ['port_value: 9902', `port_value: ${enforcedPort}`],
    ['port_value: 10000', `port_value: ${openPort}`],
    ['port_value: 9901', `port_value: ${adminPort}`],
    ['address: 0.0.0.0', 'address: 127.0.0.1'],
    ['address: service\n                port_value: 80', `address: 127.0.0.1\n                port_value: ${service.port}`],
  ]), openPort);
  try {
    // Port 10000 in the sandbox: filter_enforced is 0%, so every request reaches the service.
    for (let i = 0; i < 4; i++) assert.equal((await curl(`http://127.0.0.1:${openPort}/`)).status, 200);
    // Port 9902: the admin's /stats/prometheus behind an enforced limiter (the sandbox's verify.sh).
    const first = await curl(`http://127.0.0.1:${enforcedPort}/stats/prometheus`);
    assert.equal(first.status, 200);
    assert.match(first.body, /envoy_http_local_rate_limit_rate_limited/);
    assert.equal((await curl(`http://127.0.0.1:${enforcedPort}/stats/prometheus`)).status, 200);
    const third = await curl(`http://127.0.0.1:${enforcedPort}/stats/prometheus`);
    assert.equal(third.status, 429);
    assert.equal(third.body, 'local_rate_limited');
    assert.equal(third.headers['x-local-rate-limit'], 'true');
    const stats = await (await fetch(`http://127.0.0.1:${adminPort}/stats?filter=http_local_rate_limiter`)).text();
    assert.match(stats, /http_local_rate_limiter\.http_local_rate_limit\.enforced: 1\n/);
    assert.match(stats, /http_local_rate_limiter\.http_local_rate_limit\.rate_limited: [3-9]\n/);
  } finally {
    await proxy.stop();
    await service.close();
  }
});

test('tls-sni: domain1 and domain2 are terminated with their own certificates, domain3 passes through', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-sni-'));
  mkdirSync(join(dir, 'certs'));
  const certs = ['domain1', 'domain2', 'domain3'].map((d) => selfSigned(join(dir, 'certs'), d, `${d}.example.com`));
  const up1 = await startEchoUpstream('http-upstream1');
  const up2 = await startEchoUpstream('http-upstream2');
  const up3 = https.createServer({ cert: readFileSync(certs[2].cert), key: readFileSync(certs[2].key) },
    (_req, res) => res.end('https-upstream3'));
  const up3Port = await listen(up3);
  const port = await freePort();
  const upstream = (host: string, p: number, to: number): [string, string] =>
    [`address: ${host}\n                port_value: ${p}`, `address: 127.0.0.1\n                port_value: ${to}`];
  // Run from `dir` so the sandbox's relative certs/ paths resolve, as in its container.
  const proxy = await runSandbox(adapt(sandboxConfig('tls-sni.yaml'), [
    ['port_value: 10000', `port_value: ${port}`],
    ['address: 0.0.0.0', 'address: 127.0.0.1'],
    upstream('http-upstream1', 80, up1.port), upstream('http-upstream2', 80, up2.port), upstream('https-upstream3', 443, up3Port),
  ]), port, dir);
  try {
    for (const [i, d] of ['domain1', 'domain2', 'domain3'].entries()) {
      const host = `${d}.example.com`;
      const r = await curl(`https://${host}:${port}/`, ['--resolve', `${host}:${port}:127.0.0.1`, '--cacert', certs[i].cert]);
      assert.equal(r.status, 200, `${host}: ${r.raw}`);
      if (i < 2) assert.equal(JSON.parse(r.body).server, `http-upstream${i + 1}`);
      else assert.equal(r.body, 'https-upstream3', 'the backend itself terminated TLS');
    }
    // domain1's chain serves domain1's certificate only: domain2's CA does not verify it.
    const wrong = await curl(`https://domain1.example.com:${port}/`,
      ['--resolve', `domain1.example.com:${port}:127.0.0.1`, '--cacert', certs[1].cert]).catch((e: Error) => e);
    assert.ok(wrong instanceof Error || wrong.status === 0, 'verification against the wrong certificate fails');
  } finally {
    await proxy.stop();
    await Promise.all([up1.close(), up2.close(), new Promise((r) => up3.close(r))]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('websocket: envoy-ws.yaml upgrades and carries data; envoy-wss-passthrough.yaml carries TLS as TCP', async () => {
  const ws = http.createServer((_req, res) => res.end('not an upgrade'));
  echoUpgrades(ws);
  const wsPort = await listen(ws);
  const dir = mkdtempSync(join(tmpdir(), 'strait-wss-'));
  const c = selfSigned(dir, 'service-wss', 'localhost');
  const wss = https.createServer({ cert: readFileSync(c.cert), key: readFileSync(c.key) }, (_req, res) => res.end('x'));
  echoUpgrades(wss);
  const wssPort = await listen(wss);
  const port = await freePort();
  const proxy = await runSandbox(adapt(sandboxConfig('websocket-ws.yaml'), [
    ['port_value: 10000', `port_value: ${port}`],
    ['address: 0.0.0.0', 'address: 127.0.0.1'],
    ['address: service-ws\n                port_value: 8080', `address: 127.0.0.1\n                port_value: ${wsPort}`],
  ]), port);
  const port2 = await freePort();
  const passthrough = await runSandbox(adapt(sandboxConfig('websocket-wss-passthrough.yaml'), [
    ['port_value: 10000', `port_value: ${port2}`],
    ['address: 0.0.0.0', 'address: 127.0.0.1'],
    ['address: service-wss\n                port_value: 443', `address: 127.0.0.1\n                port_value: ${wssPort}`],
  ]), port2);
  try {
    const plain = net.connect(port, '127.0.0.1');
    const got = await websocketPing(plain, 'localhost');
    plain.destroy();
    assert.match(got, /^HTTP\/1\.1 101 /);
    assert.match(got, /echo:ping/);
    const secure = tls.connect({ port: port2, host: '127.0.0.1', servername: 'localhost', ca: readFileSync(c.cert) });
    await new Promise<void>((resolve, reject) => { secure.once('secureConnect', resolve); secure.once('error', reject); });
    assert.equal(secure.authorized, true, 'the backend\'s own certificate arrived through the proxy');
    const got2 = await websocketPing(secure, 'localhost');
    secure.destroy();
    assert.match(got2, /^HTTP\/1\.1 101 /);
    assert.match(got2, /echo:ping/);
  } finally {
    await proxy.stop();
    await passthrough.stop();
    // Upgraded sockets are detached from their servers, so close() is not awaited.
    ws.close();
    wss.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
