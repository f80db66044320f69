// End to end: `strait proxy` with http_filters [cors, router] and CorsPolicy configs at the route
// configuration, virtual host and route levels, driven by curl: preflights, simple requests, stats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy, type RunningProxy } from '../../../../../test/lib/proxy-process.js';
import { bootstrapYaml } from '../../../../../test/lib/config.js';
import { startEchoUpstream, type EchoUpstream } from '../../../../../test/lib/echo-upstream.js';
import { curl } from '../../../../../test/lib/curl.js';

const CORS = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
const POLICY = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

function config(upstreamPort: number): string {
  return bootstrapYaml({
    clusters: [{ name: 'backend', ports: [upstreamPort] }],
    hcm: {
      http_filters: [
        { name: 'envoy.filters.http.cors', typed_config: { '@type': CORS } },
        { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
      ],
    },
    routeConfig: {
      name: 'local_route',
      // The least specific level: only fills what the others leave unset.
      typed_per_filter_config: {
        'envoy.filters.http.cors': { '@type': POLICY, allow_private_network_access: true, max_age: '1' },
      },
      virtual_hosts: [{
        name: 'www', domains: ['*'],
        typed_per_filter_config: {
          'envoy.filters.http.cors': {
            '@type': POLICY,
            allow_origin_string_match: [{ exact: 'http://allowed.example' }],
            allow_methods: 'GET,POST', allow_headers: 'content-type,x-grpc-web', max_age: '600',
            expose_headers: 'x-custom', allow_credentials: true,
          },
        },
        routes: [
          {
            match: { prefix: '/restricted' }, route: { cluster: 'backend' },
            typed_per_filter_config: {
              'envoy.filters.http.cors': {
                '@type': POLICY, allow_origin_string_match: [{ safe_regex: { regex: '.*\\.envoyproxy\\.io' } }],
                allow_methods: 'PUT', allow_credentials: false,
              },
            },
          },
          {
            match: { prefix: '/star' }, route: { cluster: 'backend' },
            typed_per_filter_config: {
              'envoy.filters.http.cors': {
                '@type': POLICY, allow_methods: '*', allow_headers: '*', forward_not_matching_preflights: false,
              },
            },
          },
          {
            match: { prefix: '/disabled' }, route: { cluster: 'backend' },
            typed_per_filter_config: {
              'envoy.filters.http.cors': { '@type': POLICY, filter_enabled: { default_value: { numerator: 0 } } },
            },
          },
          {
            match: { prefix: '/shadow' }, route: { cluster: 'backend' },
            typed_per_filter_config: {
              'envoy.filters.http.cors': {
                '@type': POLICY, filter_enabled: { default_value: { numerator: 0 } },
                shadow_enabled: { default_value: { numerator: 100 } },
              },
            },
          },
          { match: { prefix: '/' }, route: { cluster: 'backend' } },
        ],
      }],
    },
  });
}

let upstream: EchoUpstream;
let proxy: RunningProxy;
let port: number;

before(async () => {
  upstream = await startEchoUpstream('backend');
  proxy = await startProxy(config(upstream.port));
  port = await proxy.listenerPort('test');
});

after(async () => {
  await proxy?.stop();
  await upstream?.close();
});

const url = (path: string): string => `http://127.0.0.1:${port}${path}`;
const preflight = (origin: string, extra: string[] = []): string[] =>
  ['-X', 'OPTIONS', '-H', `Origin: ${origin}`, '-H', 'Access-Control-Request-Method: POST', ...extra];
const corsHeaders = (h: Record<string, string>): string[] => Object.keys(h).filter((k) => k.startsWith('access-control-')).sort();

test('a preflight from an allowed origin is answered 200 by the filter and never reaches the upstream', async () => {
  const before = upstream.requests.length;
  const r = await curl(url('/api'), preflight('http://allowed.example',
    ['-H', 'Access-Control-Request-Private-Network: true']));
  assert.equal(r.status, 200);
  assert.equal(r.body, '');
  assert.equal(r.headers['access-control-allow-origin'], 'http://allowed.example');
  assert.equal(r.headers['access-control-allow-methods'], 'GET,POST');
  assert.equal(r.headers['access-control-allow-headers'], 'content-type,x-grpc-web');
  assert.equal(r.headers['access-control-max-age'], '600');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  // From the route configuration level, which is the only one setting it.
  assert.equal(r.headers['access-control-allow-private-network'], 'true');
  // As in Envoy, the filter's own encoder sees its preflight answer and adds expose-headers.
  assert.equal(r.headers['access-control-expose-headers'], 'x-custom');
  assert.equal(r.headers['content-length'], '0');
  assert.equal(r.headers['server'], 'envoy');
  assert.equal(upstream.requests.length, before);
});

test('a disallowed origin gets no CORS headers; its preflight is forwarded upstream', async () => {
  const before = upstream.requests.length;
  const pre = await curl(url('/api'), preflight('http://evil.example'));
  assert.equal(pre.status, 200);
  assert.equal(pre.headers['x-upstream'], 'backend');
  assert.deepEqual(corsHeaders(pre.headers), []);
  assert.equal(upstream.requests.length, before + 1);
  assert.equal(upstream.requests.at(-1)!.method, 'OPTIONS');
  const simple = await curl(url('/api'), ['-H', 'Origin: http://evil.example']);
  assert.equal(simple.status, 200);
  assert.deepEqual(corsHeaders(simple.headers), []);
});

test('a simple request from an allowed origin gets allow-origin, allow-credentials and expose-headers', async () => {
  const r = await curl(url('/api'), ['-H', 'Origin: http://allowed.example']);
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-upstream'], 'backend');
  assert.deepEqual(corsHeaders(r.headers),
    ['access-control-allow-credentials', 'access-control-allow-origin', 'access-control-expose-headers']);
  assert.equal(r.headers['access-control-allow-origin'], 'http://allowed.example');
  // No Origin: not a CORS request at all.
  assert.deepEqual(corsHeaders((await curl(url('/api'))).headers), []);
});

test('a per-route policy overrides the virtual host field by field', async () => {
  const before = upstream.requests.length;
  const ok = await curl(url('/restricted/x'), preflight('http://foo.envoyproxy.io'));
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], 'http://foo.envoyproxy.io');
  assert.equal(ok.headers['access-control-allow-methods'], 'PUT');
  // Unset on the route: the virtual host's values.
  assert.equal(ok.headers['access-control-allow-headers'], 'content-type,x-grpc-web');
  assert.equal(ok.headers['access-control-max-age'], '600');
  // allow_credentials: false on the route wins over the virtual host's true.
  assert.equal(ok.headers['access-control-allow-credentials'], undefined);
  assert.equal(upstream.requests.length, before);
  // The virtual host's origin is not the route's.
  const other = await curl(url('/restricted/x'), ['-H', 'Origin: http://allowed.example']);
  assert.deepEqual(corsHeaders(other.headers), []);
  const simple = await curl(url('/restricted/x'), ['-H', 'Origin: http://www.envoyproxy.io']);
  assert.equal(simple.headers['access-control-allow-origin'], 'http://www.envoyproxy.io');
});

test('"*" methods and headers echo the preflight\'s; forward_not_matching_preflights false answers them all', async () => {
  const before = upstream.requests.length;
  const ok = await curl(url('/star'), ['-X', 'OPTIONS', '-H', 'Origin: http://allowed.example',
    '-H', 'Access-Control-Request-Method: DELETE', '-H', 'Access-Control-Request-Headers: x-a,x-b']);
  assert.equal(ok.headers['access-control-allow-methods'], 'DELETE');
  assert.equal(ok.headers['access-control-allow-headers'], 'x-a,x-b');
  const bad = await curl(url('/star'), preflight('http://evil.example'));
  assert.equal(bad.status, 200);
  assert.equal(bad.headers['access-control-allow-origin'], undefined);
  assert.equal(bad.headers['access-control-allow-methods'], 'POST');
  assert.equal(upstream.requests.length, before, 'both answered by the filter');
});

test('filter_enabled 0 turns the filter off; shadow_enabled only counts', async () => {
  const off = await curl(url('/disabled'), preflight('http://allowed.example'));
  assert.equal(off.headers['x-upstream'], 'backend');
  assert.deepEqual(corsHeaders(off.headers), []);
  const statsBefore = await corsStats();
  const shadow = await curl(url('/shadow'), preflight('http://allowed.example'));
  assert.equal(shadow.headers['x-upstream'], 'backend');
  assert.deepEqual(corsHeaders(shadow.headers), []);
  await curl(url('/shadow'), ['-H', 'Origin: http://evil.example']);
  const statsAfter = await corsStats();
  assert.equal(statsAfter.origin_valid, statsBefore.origin_valid + 1);
  assert.equal(statsAfter.origin_invalid, statsBefore.origin_invalid + 1);
});

async function corsStats(): Promise<{ origin_valid: number; origin_invalid: number }> {
  const text = await (await proxy.admin('/stats?filter=cors')).text();
  const value = (name: string): number => {
    const m = new RegExp(`^http\\.ingress_http\\.cors\\.${name}: (\\d+)$`, 'm').exec(text);
    assert.ok(m, `${name} missing from:\n${text}`);
    return Number(m[1]);
  };
  return { origin_valid: value('origin_valid'), origin_invalid: value('origin_invalid') };
}

test('origin_valid and origin_invalid count requests with an Origin header', async () => {
  const before = await corsStats();
  await curl(url('/api'), ['-H', 'Origin: http://allowed.example']);
  await curl(url('/api'), ['-H', 'Origin: http://nope.example']);
  await curl(url('/api'), ['-H', 'Origin: http://nope.example']);
  await curl(url('/api'));
  const after = await corsStats();
  assert.equal(after.origin_valid - before.origin_valid, 1);
  assert.equal(after.origin_invalid - before.origin_invalid, 2);
});
