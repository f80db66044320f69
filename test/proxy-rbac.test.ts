// Envoy's RBAC filters through a real `strait proxy` on loopback: curl gets 403 `RBAC: access denied`
// for refused requests and the upstream's answer for allowed ones (method, path, header and per-route
// rules; a SPIFFE principal from a client certificate), and the network filter closes refused TCP connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curl } from './lib/curl.js';
import { startEchoUpstream, type EchoUpstream } from './lib/echo-upstream.js';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { makeTestPki, type TestPki } from './lib/tls-certs.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const RBAC_PER_ROUTE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute';
const NETWORK_RBAC = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';
const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';

const method = (m: string): unknown => ({ header: { name: ':method', string_match: { exact: m } } });

let pki: TestPki;
let echo: EchoUpstream;
let tcpEcho: net.Server;
let proxy: RunningProxy;
let dir: string;

function listener(name: string, chain: Record<string, unknown>): unknown {
  return { name, address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [chain] };
}

function hcm(statPrefix: string, rbac: unknown, routes: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: statPrefix,
    http_filters: [{ name: 'envoy.filters.http.rbac', typed_config: { '@type': RBAC, ...rbac as object } }, { name: 'envoy.filters.http.router' }],
    route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes }] }, ...extra } };
}

before(async () => {
  pki = makeTestPki();
  dir = mkdtempSync(join(tmpdir(), 'strait-rbac-'));
  echo = await startEchoUpstream('app');
  tcpEcho = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => tcpEcho.listen(0, '127.0.0.1', r));
  const tcpPort = (tcpEcho.address() as net.AddressInfo).port;
  const toEcho = { match: { prefix: '/' }, route: { cluster: 'app' } };
  proxy = await startProxy(JSON.stringify({
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        listener('plain', { filters: [hcm('plain', {
          rules: { action: 'ALLOW', policies: {
            'get-catalog': { permissions: [{ and_rules: { rules: [method('GET'), { url_path: { path: { prefix: '/api/catalog' } } }] } }],
              principals: [{ any: true }] },
            'admin-header': { permissions: [{ any: true }], principals: [{ header: { name: 'x-role', string_match: { exact: 'admin' } } }] },
          } },
          shadow_rules: { action: 'DENY', policies: { 'no-delete': { permissions: [method('DELETE')], principals: [{ any: true }] } } },
          shadow_rules_stat_prefix: 'dry_run_',
        }, [
          { match: { prefix: '/public' }, route: { cluster: 'app' }, typed_per_filter_config: {
            'envoy.filters.http.rbac': { '@type': RBAC_PER_ROUTE } } },
          toEcho,
        ], { access_log: [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: join(dir, 'access.log'),
          log_format: { text_format_source: { inline_string: '%REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%\n' } } } }] })] }),
        listener('mtls', {
          transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': DOWNSTREAM_TLS,
            common_tls_context: {
              tls_certificates: [{ certificate_chain: { filename: pki.serverCert }, private_key: { filename: pki.serverKey } }],
              validation_context: { trusted_ca: { filename: pki.caCert } },
            } } },
          filters: [hcm('mtls', { rules: { policies: { 'client-sa': {
            permissions: [method('GET')],
            principals: [{ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/default/sa/client' } } }],
          } } } }, [toEcho])],
        }),
        listener('tcp', { filters: [
          { name: 'envoy.filters.network.rbac', typed_config: { '@type': NETWORK_RBAC, stat_prefix: 'tcp.', rules: { policies: {
            'second-loopback': { permissions: [{ any: true }], principals: [{ source_ip: { address_prefix: '127.0.0.2', prefix_len: 32 } }] },
          } } } },
          { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: 'tcp_echo', cluster: 'tcp_echo' } },
        ] }),
      ],
      clusters: [['app', echo.port], ['tcp_echo', tcpPort]].map(([name, port]) => ({
        name, connect_timeout: '1s', type: 'STATIC',
        load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
      })),
    },
  }));
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
  await new Promise((r) => tcpEcho?.close(r));
  pki?.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function stat(name: string): Promise<number> {
  const text = await (await proxy.admin(`/stats?filter=${encodeURIComponent(`^${name.replace(/\./g, '\\.')}$`)}`)).text();
  const m = new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

test('method, path and header rules: allowed requests reach the app, others get 403 RBAC: access denied', async () => {
  const port = await proxy.listenerPort('plain');
  const base = `http://127.0.0.1:${port}`;
  const seen = echo.requests.length;
  const ok = await curl(`${base}/api/catalog/items?limit=1`);
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).url, '/api/catalog/items?limit=1');

  const post = await curl(`${base}/api/catalog/items`, ['-X', 'POST', '-d', 'x']);
  assert.equal(post.status, 403);
  assert.equal(post.body, 'RBAC: access denied');
  assert.equal(post.headers['content-type'], 'text/plain');
  assert.equal(post.headers['content-length'], '19');
  const other = await curl(`${base}/other`);
  assert.equal(other.status, 403);
  assert.equal(echo.requests.length, seen + 1, 'refused requests never reach the app');

  const admin = await curl(`${base}/other`, ['-H', 'x-role: admin']);
  assert.equal(admin.status, 200);
  const del = await curl(`${base}/api/catalog/1`, ['-X', 'DELETE', '-H', 'x-role: admin']);
  assert.equal(del.status, 200, 'the shadow DENY rule only counts');

  assert.equal(await stat(`http.plain.rbac.allowed`), 3);
  assert.equal(await stat(`http.plain.rbac.denied`), 2);
  assert.equal(await stat(`http.plain.rbac.dry_run_.shadow_denied`), 1);
  assert.equal(await stat(`http.plain.rbac.dry_run_.shadow_allowed`), 4);
});

test('RBACPerRoute without rules turns the checks off on that route; the access log names the refusal', async () => {
  const port = await proxy.listenerPort('plain');
  const pub = await curl(`http://127.0.0.1:${port}/public/page`, ['-X', 'PUT', '-d', 'x']);
  assert.equal(pub.status, 200);
  await curl(`http://127.0.0.1:${port}/private`, ['-X', 'PUT', '-d', 'x']);
  let log = '';
  for (let i = 0; i < 50 && !log.includes('/private'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    try { log = readFileSync(join(dir, 'access.log'), 'utf8'); } catch { /* not written yet */ }
  }
  assert.match(log, /^PUT \/public\/page 200 - via_upstream$/m);
  assert.match(log, /^PUT \/private 403 - rbac_access_denied_matched_policy\[none\]$/m);
});

test('a principal rule on the client certificate\'s SPIFFE URI SAN', async () => {
  const port = await proxy.listenerPort('mtls');
  const url = `https://example.com:${port}/hello`;
  const tls = ['--cacert', pki.caCert, '--resolve', `example.com:${port}:127.0.0.1`];
  const client = await curl(url, [...tls, '--cert', pki.clientCert, '--key', pki.clientKey]);
  assert.equal(client.status, 200, client.raw);
  const stranger = await curl(url, [...tls, '--cert', pki.strangerCert, '--key', pki.strangerKey]);
  assert.equal(stranger.status, 403);
  assert.equal(stranger.body, 'RBAC: access denied');
  const anonymous = await curl(url, tls);
  assert.equal(anonymous.status, 403, 'no client certificate, no principal');
  const post = await curl(url, [...tls, '--cert', pki.clientCert, '--key', pki.clientKey, '-X', 'POST', '-d', 'x']);
  assert.equal(post.status, 403, 'the right principal, the wrong method');
  assert.equal(await stat('http.mtls.rbac.allowed'), 1);
  assert.equal(await stat('http.mtls.rbac.denied'), 3);
});

/** Connects from `localAddress`, sends `ping`, and resolves what came back before the close. */
function tcpExchange(port: number, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    let got = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error('no close in 5 s')); }, 5000);
    s.on('connect', () => s.write('ping'));
    s.on('data', (d) => {
      got += d;
      if (got === 'ping') s.end();
    });
    s.on('error', () => { /* a reset is a close */ });
    s.on('close', () => { clearTimeout(timer); resolve(got); });
  });
}

test('the network filter closes a refused connection before tcp_proxy; an allowed source is proxied', async () => {
  const port = await proxy.listenerPort('tcp');
  assert.equal(await tcpExchange(port, '127.0.0.1'), '', 'refused: closed with nothing echoed');
  assert.equal(await tcpExchange(port, '127.0.0.2'), 'ping');
  assert.equal(await stat('tcp.rbac.denied'), 1);
  assert.equal(await stat('tcp.rbac.allowed'), 1);
  assert.equal(await stat('tcp.tcp_echo.downstream_cx_total'), 1, 'only the allowed connection reached tcp_proxy');
});

test('configs Strait cannot honour stop the proxy at load, naming the field', async () => {
  const refused = async (filters: unknown[]): Promise<string> => {
    const cfg = { static_resources: { listeners: [{ name: 'bad', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [{ filters }] }], clusters: [] } };
    try {
      await (await startProxy(JSON.stringify(cfg))).stop();
    } catch (e) {
      return (e as Error).message;
    }
    return assert.fail('the proxy started');
  };
  const header = await refused([
    { name: 'envoy.filters.network.rbac', typed_config: { '@type': NETWORK_RBAC, stat_prefix: 'tcp.', rules: { policies: {
      p: { permissions: [{ header: { name: ':method', exact_match: 'GET' } }], principals: [{ any: true }] } } } } },
    { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: 's', cluster: 'c' } },
  ]);
  assert.match(header, /\.static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.rules\.policies\["p"\]\.permissions\[0\]\.header: Found header rule, not supported by RBAC network filter/);
  const cel = await refused([hcm('x', { rules: { policies: { p: { permissions: [{ any: true }], principals: [{ any: true }],
    condition: { const_expr: { bool_value: true } } } } } }, [{ match: { prefix: '/' }, direct_response: { status: 200 } }])]);
  assert.match(cel, /http_filters\[0\]\.typed_config\.rules\.policies\["p"\]\.condition: CEL conditions are not supported by Strait/);
});
