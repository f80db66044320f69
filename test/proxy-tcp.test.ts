// The TCP proxy through a real proxy process: echo with byte stats and an access log, half-close,
// connect attempts to a dead upstream, idle timeout, and TLS passthrough chosen by SNI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { makeTestPki, type TestPki } from './lib/tls-certs.js';

const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', typed_config: {
  '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } };

let pki: TestPki;
let logDir: string;
let echoServer: net.Server;
/** Answers once the client has finished sending: the byte count, upper-cased text. */
let afterEndServer: net.Server;
let tlsA: tls.Server;
let tlsB: tls.Server;
let deadPort: number;
let proxy: RunningProxy;

const portOf = (s: net.Server): number => (s.address() as AddressInfo).port;

function tcpProxy(prefix: string, cluster: string, extra: Record<string, unknown> = {}): unknown {
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: prefix, cluster, ...extra } };
}

function cluster(name: string, port: number): unknown {
  return {
    name, connect_timeout: '1s', type: 'STATIC',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [
      { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
  };
}

function listener(name: string, chains: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { name, address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: chains, ...extra };
}

async function listen(s: net.Server): Promise<void> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
}

before(async () => {
  pki = makeTestPki();
  logDir = mkdtempSync(join(tmpdir(), 'strait-tcp-log-'));
  echoServer = net.createServer((s) => {
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  await listen(echoServer);
  afterEndServer = net.createServer({ allowHalfOpen: true }, (s) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => s.end(`${Buffer.concat(chunks).length}:${Buffer.concat(chunks).toString().toUpperCase()}`));
    s.on('error', () => s.destroy());
  });
  await listen(afterEndServer);
  const backend = (name: string, cert: string, key: string): tls.Server => tls.createServer(
    { cert: pki.read(cert), key: pki.read(key) }, (s) => {
      s.on('error', () => s.destroy());
      s.end(`backend ${name} for ${s.servername ?? ''}`);
    });
  tlsA = backend('A', pki.serverCert, pki.serverKey);
  tlsB = backend('B', pki.otherServerCert, pki.otherServerKey);
  await listen(tlsA);
  await listen(tlsB);
  const dead = net.createServer();
  await listen(dead);
  deadPort = portOf(dead);
  await new Promise((r) => dead.close(r));

  const config = {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        listener('echo', [{ filters: [tcpProxy('echo', 'echo', { access_log: [{ name: 'envoy.access_loggers.file',
          typed_config: { '@type': FILE_LOG, path: join(logDir, 'tcp.log'), log_format: { text_format_source: {
            inline_string: '%BYTES_RECEIVED% %BYTES_SENT% %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %RESPONSE_FLAGS%\n' } } } }] })] }]),
        listener('after_end', [{ filters: [tcpProxy('after_end', 'after_end')] }]),
        listener('dead', [{ filters: [tcpProxy('dead', 'dead', { max_connect_attempts: 2, access_log: [{
          name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: join(logDir, 'dead.log'),
            log_format: { text_format_source: { inline_string: '%RESPONSE_FLAGS% %UPSTREAM_TRANSPORT_FAILURE_REASON%\n' } } } }] })] }]),
        listener('idle', [{ filters: [tcpProxy('idle', 'echo', { idle_timeout: '0.3s' })] }]),
        listener('inspect_wait', [{ filters: [tcpProxy('inspect_wait', 'echo')] }], {
          listener_filters: [INSPECTOR], listener_filters_timeout: '0.2s', continue_on_listener_filters_timeout: true }),
        listener('inspect_close', [{ filters: [tcpProxy('inspect_close', 'echo')] }], {
          listener_filters: [INSPECTOR], listener_filters_timeout: '0.2s' }),
        listener('passthrough', [
          { filter_chain_match: { server_names: ['example.com'] }, filters: [tcpProxy('tls_a', 'tls_a')] },
          { filter_chain_match: { server_names: ['*.example.org'] }, filters: [tcpProxy('tls_b', 'tls_b')] },
        ], { listener_filters: [INSPECTOR] }),
      ],
      clusters: [
        cluster('echo', portOf(echoServer)), cluster('after_end', portOf(afterEndServer)), cluster('dead', deadPort),
        cluster('tls_a', portOf(tlsA)), cluster('tls_b', portOf(tlsB)),
      ],
    },
  };
  proxy = await startProxy(JSON.stringify(config, null, 2));
});

after(async () => {
  await proxy?.stop();
  for (const s of [echoServer, afterEndServer, tlsA, tlsB]) s?.close();
  pki?.remove();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

async function stats(): Promise<Map<string, number>> {
  const text = await (await proxy.admin('/stats')).text();
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) m.set(line.slice(0, i), Number(line.slice(i + 2)));
  }
  return m;
}

async function until<T>(f: () => Promise<T | undefined>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Connects, sends `data` (then ends when `end`), and collects everything until the proxy closes. */
function exchange(port: number, data: string, end: boolean): Promise<{ reply: string; closedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      if (!end && Buffer.concat(chunks).length >= data.length) s.end();
    });
    s.on('error', reject);
    // Our side closes once the proxy has closed its side (allowHalfOpen keeps it open otherwise).
    s.on('end', () => s.end());
    s.on('close', () => resolve({ reply: Buffer.concat(chunks).toString(), closedMs: Date.now() - started }));
    s.setTimeout(5000, () => s.destroy(new Error('timed out')));
    if (data !== '') s.write(data);
    if (end) s.end();
  });
}

test('tcp_proxy echoes both ways; tcp.<prefix>.* byte stats, cluster stats and the access log', async () => {
  const port = await proxy.listenerPort('echo');
  const payload = 'hello through the tcp proxy';
  const { reply } = await exchange(port, payload, false);
  assert.equal(reply, payload);
  const s = await until(async () => {
    const m = await stats();
    return m.get('cluster.echo.upstream_cx_destroy') === 1 ? m : undefined;
  });
  assert.equal(s.get('tcp.echo.downstream_cx_total'), 1);
  assert.equal(s.get('tcp.echo.downstream_cx_rx_bytes_total'), payload.length);
  assert.equal(s.get('tcp.echo.downstream_cx_tx_bytes_total'), payload.length);
  assert.equal(s.get('cluster.echo.upstream_cx_total'), 1);
  assert.equal(s.get('cluster.echo.upstream_cx_rx_bytes_total'), payload.length);
  assert.equal(s.get('cluster.echo.upstream_cx_tx_bytes_total'), payload.length);
  assert.equal(s.get('cluster.echo.upstream_cx_active'), 0);
  const log = await until(async () => {
    const text = readFileSync(join(logDir, 'tcp.log'), 'utf8');
    return text.includes('\n') ? text : undefined;
  });
  assert.equal(log, `${payload.length} ${payload.length} 127.0.0.1:${portOf(echoServer)} echo -\n`);
});

test('half-close: the client\'s FIN reaches the upstream, whose answer still comes back', async () => {
  const port = await proxy.listenerPort('after_end');
  const { reply } = await exchange(port, 'abc', true);
  assert.equal(reply, '3:ABC');
});

test('a dead upstream: max_connect_attempts tries, then the connection closes with UF,URX', async () => {
  const port = await proxy.listenerPort('dead');
  const { reply } = await exchange(port, '', false);
  assert.equal(reply, '');
  const s = await until(async () => {
    const m = await stats();
    return m.get('cluster.dead.upstream_cx_connect_attempts_exceeded') === 1 ? m : undefined;
  });
  assert.equal(s.get('cluster.dead.upstream_cx_total'), 2);
  assert.equal(s.get('cluster.dead.upstream_cx_connect_fail'), 2);
  const log = await until(async () => {
    const text = readFileSync(join(logDir, 'dead.log'), 'utf8');
    return text.includes('\n') ? text : undefined;
  });
  assert.equal(log, 'UF,URX delayed_connect_error:_Connection_refused\n');
});

test('idle_timeout closes a quiet connection and counts tcp.<prefix>.idle_timeout', async () => {
  const port = await proxy.listenerPort('idle');
  const { closedMs } = await exchange(port, '', false);
  assert.ok(closedMs >= 250 && closedMs < 3000, `closed after ${closedMs} ms`);
  assert.equal((await stats()).get('tcp.idle.idle_timeout'), 1);
});

test('TLS passthrough: tls_inspector reads the SNI and the raw TLS bytes go to the matching backend', async () => {
  const port = await proxy.listenerPort('passthrough');
  const talk = (servername: string): Promise<{ text: string; subject: string }> => new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername, ca: pki.read(pki.caCert) });
    let text = '';
    let subject = '';
    s.on('secureConnect', () => { subject = String(s.getPeerCertificate().subject?.CN); });
    s.on('data', (d: Buffer) => { text += d.toString(); });
    s.on('error', reject);
    s.on('end', () => (subject === '' ? reject(new Error('closed before the TLS handshake')) : resolve({ text, subject })));
  });
  const a = await talk('example.com');
  assert.deepEqual(a, { text: 'backend A for example.com', subject: 'example.com' });
  const b = await talk('shop.example.org');
  assert.deepEqual(b, { text: 'backend B for shop.example.org', subject: 'other.example.org' });
  await assert.rejects(talk('unknown.test'));
  const s = await stats();
  assert.equal(s.get(`listener.127.0.0.1_${port}.no_filter_chain_match`), 1);
  assert.equal(s.get('tcp.tls_a.downstream_cx_total'), 1);
  assert.equal(s.get('tcp.tls_b.downstream_cx_total'), 1);
  assert.ok((s.get('tls_inspector.sni_found') ?? 0) >= 3);
});

test('a plain-text client on the passthrough listener matches no chain and is reset (its bytes unread, as Envoy)', async () => {
  const port = await proxy.listenerPort('passthrough');
  const before = (await stats()).get('tls_inspector.tls_not_found') ?? 0;
  await assert.rejects(exchange(port, 'GET / HTTP/1.1\r\n\r\n', false), { code: 'ECONNRESET' });
  assert.equal((await stats()).get('tls_inspector.tls_not_found'), before + 1);
});

test('listener_filters_timeout: a silent client is closed, or passed on with continue_on_listener_filters_timeout', async () => {
  const closing = await proxy.listenerPort('inspect_close');
  const { reply, closedMs } = await exchange(closing, '', false);
  assert.equal(reply, '');
  assert.ok(closedMs >= 150, `closed after ${closedMs} ms`);
  assert.equal((await stats()).get(`listener.127.0.0.1_${closing}.downstream_pre_cx_timeout`), 1);

  // A server-first style client: silent at first, it talks once the proxy has given up waiting.
  const waiting = await proxy.listenerPort('inspect_wait');
  const echoed = await new Promise<string>((resolve, reject) => {
    const c = net.connect(waiting, '127.0.0.1');
    let got = '';
    c.on('error', reject);
    c.on('data', (d: Buffer) => {
      got += d.toString();
      if (got === 'late hello') c.end();
    });
    c.on('close', () => resolve(got));
    setTimeout(() => c.write('late hello'), 400);
  });
  assert.equal(echoed, 'late hello');
  const s = await stats();
  assert.equal(s.get(`listener.127.0.0.1_${waiting}.downstream_pre_cx_timeout`), 1);
  assert.equal(s.get('tcp.inspect_wait.downstream_cx_total'), 1);
});
