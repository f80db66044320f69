// HCM request options through a real proxy with curl: normalize_path and merge_slashes before routing,
// strip_matching_host_port, x-forwarded-client-cert (sanitized by default, appended for an mTLS peer), and
// the listener's stat_prefix; the echo upstream shows what it received.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { startEchoUpstream, type EchoUpstream, type Echo } from './lib/echo-upstream.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { makeTestPki, type TestPki } from './lib/tls-certs.js';
import { curl } from './lib/curl.js';

const TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';

let echo: EchoUpstream;
let proxy: RunningProxy;
let pki: TestPki;
const ports: Record<string, number> = {};

before(async () => {
  pki = makeTestPki();
  echo = await startEchoUpstream('echo');
  const routes = simpleRoutes([
    { match: { prefix: '/public/' }, route: { cluster: 'echo' } },
    { match: { prefix: '/' }, direct_response: { status: 403, body: { inline_string: 'private' } } },
  ]);
  const base = JSON.parse(bootstrapYaml({ routeConfig: routes, clusters: [{ name: 'echo', ports: [echo.port] }] })) as {
    static_resources: { listeners: Array<Record<string, unknown> & { filter_chains: Array<Record<string, unknown>> }> };
  };
  const template = base.static_resources.listeners[0]!;
  const listener = (name: string, hcm: Record<string, unknown>, extra: Record<string, unknown> = {},
    chain: Record<string, unknown> = {}): typeof template => {
    const l = structuredClone(template);
    const fc = l.filter_chains[0]! as { filters: Array<{ typed_config: Record<string, unknown> }> };
    Object.assign(fc.filters[0]!.typed_config, { stat_prefix: name, ...hcm });
    Object.assign(fc, chain);
    return { ...l, name, ...extra };
  };
  base.static_resources.listeners = [
    listener('normalized', { normalize_path: true, merge_slashes: true, strip_matching_host_port: true },
      { stat_prefix: 'normalized_listener' }),
    listener('plain', {}),
    listener('mtls', { forward_client_cert_details: 'APPEND_FORWARD',
      set_current_client_cert_details: { subject: true, uri: true, dns: true } }, {}, {
      transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': TLS, require_client_certificate: true,
        common_tls_context: {
          tls_certificates: [{ certificate_chain: { filename: pki.serverCert }, private_key: { filename: pki.serverKey } }],
          validation_context: { trusted_ca: { filename: pki.caCert } } } } },
    }),
  ];
  proxy = await startProxy(JSON.stringify(base, null, 2));
  for (const name of ['normalized', 'plain', 'mtls']) ports[name] = await proxy.listenerPort(name);
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
  pki?.remove();
});

function echoed(body: string): Echo {
  return JSON.parse(body) as Echo;
}

test('normalize_path and merge_slashes apply before routing and reach the upstream', async () => {
  const url = (p: string): string => `http://127.0.0.1:${ports.normalized}${p}`;
  const up = await curl(url('/private/..//public/./a//b%2fc?q=/../x'), ['--path-as-is']);
  assert.equal(up.status, 200);
  assert.equal(echoed(up.body).url, '/public/a/b%2Fc?q=/../x');
  // An escaped dot segment cannot climb out of /public/ past the route check either.
  const escaped = await curl(url('/public/%2e%2e/private'), ['--path-as-is']);
  assert.equal(escaped.status, 403);
  // Without the options the raw path is routed: /private/.. is not /public/.
  const raw = await curl(`http://127.0.0.1:${ports.plain}/private/../public/x`, ['--path-as-is']);
  assert.equal(raw.status, 403);
});

test('strip_matching_host_port drops the listener\'s own port from the authority, not another one', async () => {
  const own = await curl(`http://127.0.0.1:${ports.normalized}/public/h`, ['-H', `host: app.local:${ports.normalized}`]);
  assert.equal(echoed(own.body).headers['host'], 'app.local');
  const other = await curl(`http://127.0.0.1:${ports.normalized}/public/h`, ['-H', 'host: app.local:1']);
  assert.equal(echoed(other.body).headers['host'], 'app.local:1');
});

test('x-forwarded-client-cert: removed by default, appended with the peer\'s details for an mTLS client', async () => {
  const plain = await curl(`http://127.0.0.1:${ports.plain}/public/x`, ['-H', 'x-forwarded-client-cert: By=forged']);
  assert.equal(echoed(plain.body).headers['x-forwarded-client-cert'], undefined);
  const tlsArgs = ['--cacert', pki.caCert, '--cert', pki.clientCert, '--key', pki.clientKey,
    '--resolve', `example.com:${ports.mtls}:127.0.0.1`, '-H', 'x-forwarded-client-cert: By=upstream-hop'];
  const mtls = await curl(`https://example.com:${ports.mtls}/public/x`, tlsArgs);
  assert.equal(mtls.status, 200, mtls.raw);
  const xfcc = String(echoed(mtls.body).headers['x-forwarded-client-cert']);
  assert.match(xfcc, /^By=upstream-hop,Hash=[0-9a-f]{64};Subject="CN=client";URI=spiffe:\/\/cluster\.local\/ns\/default\/sa\/client$/);
});

test('a listener\'s stat_prefix names its stats', async () => {
  const text = await (await proxy.admin('/stats?filter=^listener\\.normalized_listener\\.downstream_cx_total')).text();
  assert.match(text, /^listener\.normalized_listener\.downstream_cx_total: [1-9]/m);
});
