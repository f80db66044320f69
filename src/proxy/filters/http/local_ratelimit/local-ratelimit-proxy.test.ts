// End to end: `strait proxy` on a bootstrap with http_filters [local_ratelimit, router], as Envoy's
// docs write it. Skipped until the filter is registered in the HTTP filter registry and the
// extensions table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy, type RunningProxy } from '../../../../../test/lib/proxy-process.js';
import { bootstrapYaml, simpleRoutes } from '../../../../../test/lib/config.js';
import { startEchoUpstream, type EchoUpstream } from '../../../../../test/lib/echo-upstream.js';
import { curl } from '../../../../../test/lib/curl.js';

const TYPE = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const HUNDRED = { default_value: { numerator: 100, denominator: 'HUNDRED' } };

function config(upstreamPort: number, fillInterval = '60s'): string {
  return bootstrapYaml({
    clusters: [{ name: 'backend', ports: [upstreamPort] }],
    hcm: {
      http_filters: [
        {
          name: 'envoy.filters.http.local_ratelimit',
          typed_config: {
            '@type': TYPE,
            stat_prefix: 'http_local_rate_limiter',
            token_bucket: { max_tokens: 2, tokens_per_fill: 1, fill_interval: fillInterval },
            filter_enabled: { runtime_key: 'local_rate_limit_enabled', ...HUNDRED },
            filter_enforced: { runtime_key: 'local_rate_limit_enforced', ...HUNDRED },
            response_headers_to_add: [{ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } }],
          },
        },
        { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
      ],
    },
    routeConfig: simpleRoutes([
      {
        match: { prefix: '/api' }, route: { cluster: 'backend' },
        typed_per_filter_config: {
          'envoy.filters.http.local_ratelimit': {
            '@type': TYPE, stat_prefix: 'api_limiter',
            token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '60s' },
            filter_enabled: HUNDRED, filter_enforced: HUNDRED,
          },
        },
      },
      { match: { prefix: '/' }, route: { cluster: 'backend' } },
    ]),
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

test('the listener bucket and a route bucket limit separately through the proxy', async () => {
  const codes: number[] = [];
  for (const p of ['/a', '/b', '/c']) codes.push((await curl(url(p))).status);
  assert.deepEqual(codes, [200, 200, 429]);
  const limited = await curl(url('/d'));
  assert.equal(limited.body, 'local_rate_limited');
  assert.equal(limited.headers['x-local-rate-limit'], 'true');
  assert.equal((await curl(url('/api/1'))).status, 200, 'the route has its own bucket');
  assert.equal((await curl(url('/api/2'))).status, 429);
  const text = await (await proxy.admin('/stats')).text();
  assert.match(text, /^http_local_rate_limiter\.http_local_rate_limit\.rate_limited: 2$/m);
  assert.match(text, /^http_local_rate_limiter\.http_local_rate_limit\.ok: 2$/m);
  assert.match(text, /^api_limiter\.http_local_rate_limit\.enforced: 1$/m);
});

test('a fill_interval under 50 ms is a config error naming the field', async () => {
  await assert.rejects(startProxy(config(1, '0.01s')),
    /http_filters\[0\]\.typed_config\.token_bucket\.fill_interval: local rate limit token bucket fill timer must be >= 50ms/);
});
