// Envoy's ext_authz HTTP filter through a real `strait proxy` on loopback, with curl as the client: Istio's sample
// authorizer allows `x-ext-authz: allow` and denies the rest with its body; a scripted authorization server checks
// the check request (method, prefixed path, allowed headers, body) and the header passing, errors, timeouts and stats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { curl } from './lib/curl.js';
import { startEchoUpstream, type Echo, type EchoUpstream } from './lib/echo-upstream.js';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { EXT_AUTHZ_DENY_BODY, startExtAuthz } from '../samples/ext-authz/main.js';
import type { RunningServer } from '../samples/lib/http-server.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const EXT_AUTHZ = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
const PER_ROUTE = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute';

/** One check request the scripted server received. */
interface Check {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let echo: EchoUpstream;
let sample: RunningServer;
let authz: http.Server;
let deadPort: number;
const checks: Check[] = [];
let proxy: RunningProxy;

/** The scripted authorization server: its answer is chosen by the original path (after the /check prefix). */
function startAuthz(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      checks.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      const url = req.url ?? '';
      if (url.startsWith('/check/allow')) {
        res.writeHead(200, { 'x-user': 'alice', 'x-append': 'from-authz', 'x-client-ok': 'yes', 'x-not-listed': 'no',
          'x-envoy-auth-headers-to-remove': 'x-secret' });
        res.end();
      } else if (url.startsWith('/check/deny')) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="strait"', 'x-deny-reason': 'no-token', 'x-not-listed': 'no' });
        res.end('go away');
      } else if (url.startsWith('/check/fail')) {
        res.writeHead(500);
        res.end('boom');
      } else if (url.startsWith('/check/slow')) {
        const t = setTimeout(() => { res.writeHead(200); res.end(); }, 2000);
        res.on('close', () => clearTimeout(t));
      } else {
        res.writeHead(204);
        res.end();
      }
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

function cluster(name: string, port: number): unknown {
  return { name, connect_timeout: '1s', type: 'STATIC', load_assignment: { cluster_name: name,
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] } };
}

function listener(name: string, extAuthz: Record<string, unknown>, routes: unknown[] = [{ match: { prefix: '/' }, route: { cluster: 'app' } }]): unknown {
  return { name, address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [{
    name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: name,
      http_filters: [{ name: 'envoy.filters.http.ext_authz', typed_config: { '@type': EXT_AUTHZ, ...extAuthz } },
        { name: 'envoy.filters.http.router' }],
      route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes }] } } }] }] };
}

const service = (clusterName: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ server_uri: { uri: `http://${clusterName}`, cluster: clusterName, timeout: '0.5s' }, ...extra });

before(async () => {
  echo = await startEchoUpstream('app');
  sample = await startExtAuthz({ host: '127.0.0.1', port: 0 });
  authz = await startAuthz();
  const dead = net.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise((r) => dead.close(r));
  const authzPort = (authz.address() as net.AddressInfo).port;
  proxy = await startProxy(JSON.stringify({
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        // As istiod configures Istio's sample: the check header is the one request header passed on.
        listener('sample', { http_service: service('sample', { authorization_request: { allowed_headers: { patterns: [{ exact: 'x-ext-authz' }] } } }) }, [
          { match: { prefix: '/public' }, route: { cluster: 'app' }, typed_per_filter_config: {
            'envoy.filters.http.ext_authz': { '@type': PER_ROUTE, disabled: true } } },
          { match: { prefix: '/' }, route: { cluster: 'app' } },
        ]),
        listener('scripted', {
          stat_prefix: 'scripted',
          http_service: service('authz', {
            path_prefix: '/check',
            authorization_request: { allowed_headers: { patterns: [{ prefix: 'x-forward-' }] },
              headers_to_add: [{ key: 'x-added', value: 'by-proxy' }] },
            authorization_response: {
              allowed_upstream_headers: { patterns: [{ exact: 'x-user' }] },
              allowed_upstream_headers_to_append: { patterns: [{ exact: 'x-append' }] },
              allowed_client_headers: { patterns: [{ exact: 'x-deny-reason' }] },
              allowed_client_headers_on_success: { patterns: [{ exact: 'x-client-ok' }] },
            },
          }),
          with_request_body: { max_request_bytes: 16 },
        }),
        listener('failopen', { http_service: service('dead'), failure_mode_allow: true, failure_mode_allow_header_add: true }),
        listener('failclosed', { http_service: service('dead'), status_on_error: { code: 503 } }),
        // 0% enabled: the check is skipped, or with deny_at_disable the request is refused without one.
        listener('off', { http_service: service('authz'), filter_enabled: { default_value: { numerator: 0 }, runtime_key: 'ext_authz.off' } }),
        listener('offdeny', { http_service: service('authz'), filter_enabled: { default_value: { numerator: 0 }, runtime_key: 'ext_authz.off' },
          deny_at_disable: { default_value: true, runtime_key: 'ext_authz.deny' } }),
      ],
      clusters: [cluster('app', echo.port), cluster('sample', sample.port), cluster('authz', authzPort), cluster('dead', deadPort)],
    },
  }));
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
  await sample?.close();
  await new Promise((r) => authz?.close(r));
});

async function stat(name: string): Promise<number> {
  const text = await (await proxy.admin(`/stats?filter=${encodeURIComponent(`^${name.replace(/\./g, '\\.')}$`)}`)).text();
  const m = new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

async function base(name: string): Promise<string> {
  return `http://127.0.0.1:${await proxy.listenerPort(name)}`;
}

test("Istio's sample authorizer: without `x-ext-authz: allow` 403 with its body and headers, with it the app answers", async () => {
  const url = await base('sample');
  const seen = echo.requests.length;
  const denied = await curl(`${url}/api/catalog`);
  assert.equal(denied.status, 403);
  assert.equal(denied.body, EXT_AUTHZ_DENY_BODY);
  assert.equal(denied.headers['x-ext-authz-check-result'], 'denied');
  assert.equal(echo.requests.length, seen, 'a denied request never reaches the app');

  const wrong = await curl(`${url}/api/catalog`, ['-H', 'x-ext-authz: deny']);
  assert.equal(wrong.status, 403);

  const allowed = await curl(`${url}/api/catalog`, ['-H', 'x-ext-authz: allow']);
  assert.equal(allowed.status, 200);
  assert.equal((JSON.parse(allowed.body) as Echo).url, '/api/catalog');
  assert.equal(echo.requests.length, seen + 1);

  const open = await curl(`${url}/public/x`);
  assert.equal(open.status, 200, 'ExtAuthzPerRoute disabled skips the check');
  assert.equal(await stat('http.sample.ext_authz.ok'), 1);
  assert.equal(await stat('http.sample.ext_authz.denied'), 2);
});

test('the check request: original method, path_prefix + path, only the allowed headers, headers_to_add, the body', async () => {
  const url = await base('scripted');
  checks.length = 0;
  const r = await curl(`${url}/allow/items?q=1`, ['-X', 'PUT', '-H', 'authorization: Bearer t', '-H', 'x-forward-me: 1',
    '-H', 'x-private: no', '-H', 'x-secret: s', '-H', 'x-append: from-client', '-d', 'hello']);
  assert.equal(r.status, 200);
  assert.equal(checks.length, 1);
  const c = checks[0]!;
  assert.equal(c.method, 'PUT');
  assert.equal(c.url, '/check/allow/items?q=1');
  assert.equal(c.headers.host, `127.0.0.1:${await proxy.listenerPort('scripted')}`);
  assert.equal(c.headers.authorization, 'Bearer t');
  assert.equal(c.headers['x-forward-me'], '1');
  assert.equal(c.headers['x-added'], 'by-proxy');
  assert.equal(c.headers['x-private'], undefined);
  assert.equal(c.headers['content-length'], '5');
  assert.equal(c.body, 'hello');

  // What the app got: x-user set, x-append appended, x-secret removed; the body intact.
  const up = JSON.parse(r.body) as Echo;
  assert.equal(up.headers['x-user'], 'alice');
  assert.equal(up.headers['x-append'], 'from-client, from-authz');
  assert.equal(up.headers['x-secret'], undefined);
  assert.equal(up.headers['x-not-listed'], undefined);
  assert.equal(up.bodyBytes, 5);
  // allowed_client_headers_on_success reach the client.
  assert.equal(r.headers['x-client-ok'], 'yes');
  assert.equal(r.headers['x-not-listed'], undefined);
});

test("a denial passes the server's status, body and allowed client headers; a body over max_request_bytes is 413", async () => {
  const url = await base('scripted');
  const seen = echo.requests.length;
  const r = await curl(`${url}/deny`);
  assert.equal(r.status, 401);
  assert.equal(r.body, 'go away');
  assert.equal(r.headers['x-deny-reason'], 'no-token');
  assert.equal(r.headers['www-authenticate'], 'Bearer realm="strait"');
  assert.equal(r.headers['x-not-listed'], undefined);
  assert.equal(echo.requests.length, seen);

  const big = await curl(`${url}/allow`, ['-d', 'x'.repeat(100)]);
  assert.equal(big.status, 413);
  assert.equal(big.body, 'Payload Too Large');
});

test('errors: a 5xx or a timeout of the server is 403; failure_mode_allow lets the request through with a header', async () => {
  const url = await base('scripted');
  const fail = await curl(`${url}/fail`);
  assert.equal(fail.status, 403);
  assert.equal(fail.body, '');
  const started = Date.now();
  const slow = await curl(`${url}/slow`);
  assert.equal(slow.status, 403);
  assert.ok(Date.now() - started < 1900, 'the server_uri timeout (0.5s) ends the check');

  const open = await curl(`${await base('failopen')}/anything`);
  assert.equal(open.status, 200);
  assert.equal((JSON.parse(open.body) as Echo).headers['x-envoy-auth-failure-mode-allowed'], 'true');

  const closed = await curl(`${await base('failclosed')}/anything`);
  assert.equal(closed.status, 503, 'status_on_error');

  assert.equal(await stat('http.scripted.ext_authz.scripted.ok'), 1);
  assert.equal(await stat('http.scripted.ext_authz.scripted.denied'), 1);
  assert.equal(await stat('http.scripted.ext_authz.scripted.error'), 2);
  assert.equal(await stat('http.failopen.ext_authz.error'), 1);
  assert.equal(await stat('http.failopen.ext_authz.failure_mode_allowed'), 1);
  assert.equal(await stat('http.failclosed.ext_authz.error'), 1);
  assert.equal(await stat('http.failclosed.ext_authz.failure_mode_allowed'), 0);
  // Envoy's copies in the route's cluster (every listener routes to `app`): 2 ok, 3 denied, 4 errors, 1 allowed on failure.
  assert.equal(await stat('cluster.app.ext_authz.ok'), 2);
  assert.equal(await stat('cluster.app.ext_authz.denied'), 3);
  assert.equal(await stat('cluster.app.ext_authz.error'), 4);
  assert.equal(await stat('cluster.app.ext_authz.failure_mode_allowed'), 1);
});

test('filter_enabled at 0% skips the check; with deny_at_disable the request is refused', async () => {
  checks.length = 0;
  assert.equal((await curl(`${await base('off')}/deny`)).status, 200);
  const refused = await curl(`${await base('offdeny')}/allow`);
  assert.equal(refused.status, 403);
  assert.equal(refused.body, '');
  assert.equal(checks.length, 0, 'no check request was sent');
  assert.equal(await stat('http.off.ext_authz.disabled'), 1);
  assert.equal(await stat('http.offdeny.ext_authz.disabled'), 1);
});

test('grpc_service is refused at load with its field path', async () => {
  const cfg = JSON.stringify({ static_resources: { listeners: [listener('grpc', {
    grpc_service: { envoy_grpc: { cluster_name: 'authz' } } })], clusters: [cluster('authz', deadPort), cluster('app', deadPort)] } });
  await assert.rejects(startProxy(cfg), (e: Error) => {
    assert.match(e.message, /http_filters\[0\]\.typed_config\.grpc_service: grpc_service is not supported by Strait \(only http_service\)/);
    return true;
  });
});
