// The local rate limit filter in a real connection manager (in process, before the router) with curl
// as the client: the listener bucket, a route's own bucket, refill, reply headers, RL in the access log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJson } from '@bufbuild/protobuf';
import { LocalRateLimitSchema } from '../../../../xds/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { registry } from '../../../../xds/registry.js';
import { staticCluster } from '../../../upstream/test-support.js';
import { startEchoUpstream, type EchoUpstream } from '../../../../../test/lib/echo-upstream.js';
import { curl } from '../../../../../test/lib/curl.js';
import { startFilterHarness, statValue, type FilterHarness } from '../fault/test-support.js';
import { LOCAL_RATELIMIT_DESCRIPTOR } from './descriptor.js';

const TYPE = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const ALWAYS = { runtime_key: 'local_rate_limit_enabled', default_value: { numerator: 100, denominator: 'HUNDRED' } };

let upstream: EchoUpstream;
let proxy: FilterHarness;
let dir: string;
let logPath: string;

before(async () => {
  upstream = await startEchoUpstream('backend');
  dir = mkdtempSync(join(tmpdir(), 'strait-rl-'));
  logPath = join(dir, 'access.log');
  // Envoy's documented example: one bucket for the listener, plus a route with its own.
  const filterConfig = fromJson(LocalRateLimitSchema, {
    stat_prefix: 'http_local_rate_limiter',
    token_bucket: { max_tokens: 2, tokens_per_fill: 1, fill_interval: '60s' },
    filter_enabled: ALWAYS,
    filter_enforced: { runtime_key: 'local_rate_limit_enforced', default_value: { numerator: 100, denominator: 'HUNDRED' } },
    response_headers_to_add: [{ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } }],
    enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
  }, { registry });
  proxy = await startFilterHarness([staticCluster('backend', [`127.0.0.1:${upstream.port}`])], {
    access_log: [{
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
        path: logPath, log_format: { text_format_source: { inline_string: '%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS%\n' } },
      },
    }],
    route_config: {
      name: 'local_route',
      virtual_hosts: [{
        name: 'backend', domains: ['*'],
        routes: [
          {
            match: { prefix: '/route' }, route: { cluster: 'backend' },
            typed_per_filter_config: {
              'envoy.filters.http.local_ratelimit': {
                '@type': TYPE, stat_prefix: 'route_limiter',
                token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '1.5s' },
                filter_enabled: ALWAYS, filter_enforced: ALWAYS,
              },
            },
          },
          { match: { prefix: '/' }, route: { cluster: 'backend' } },
        ],
      }],
    },
  }, (ctx) => [LOCAL_RATELIMIT_DESCRIPTOR.make(filterConfig, { ...ctx, filterName: 'envoy.filters.http.local_ratelimit' })]);
});

after(async () => {
  await proxy.close();
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

const url = (path: string): string => `http://127.0.0.1:${proxy.port}${path}`;

test('the listener bucket lets max_tokens requests through, then answers 429 local_rate_limited', async () => {
  const before = upstream.requests.length;
  const a = await curl(url('/one'));
  const b = await curl(url('/two'));
  const c = await curl(url('/three'));
  assert.deepEqual([a.status, b.status, c.status], [200, 200, 429]);
  assert.equal(a.headers['x-ratelimit-limit'], '2');
  assert.equal(a.headers['x-ratelimit-remaining'], '1');
  assert.equal(c.body, 'local_rate_limited');
  assert.equal(c.headers['content-type'], 'text/plain');
  assert.equal(c.headers['content-length'], '18');
  assert.equal(c.headers['x-local-rate-limit'], 'true');
  assert.equal(c.headers['x-ratelimit-remaining'], '0');
  assert.equal(a.headers['x-local-rate-limit'], undefined, 'only limited replies carry response_headers_to_add');
  assert.equal(upstream.requests.length - before, 2);
  const s = (n: string): number => statValue(proxy.stats, `http_local_rate_limiter.http_local_rate_limit.${n}`);
  assert.deepEqual(['enabled', 'ok', 'rate_limited', 'enforced'].map(s), [3, 2, 1, 1]);
});

test('a route with its own config uses its own bucket, which refills', async () => {
  const first = await curl(url('/route/a'));
  const second = await curl(url('/route/b'));
  assert.deepEqual([first.status, second.status], [200, 429]);
  // 1.5 s fill interval: wide enough that two curl runs fit inside it on a loaded machine.
  await new Promise((r) => setTimeout(r, 1600));
  assert.equal((await curl(url('/route/c'))).status, 200, 'one token back after fill_interval');
  assert.equal(statValue(proxy.stats, 'route_limiter.http_local_rate_limit.rate_limited'), 1);
  assert.equal(statValue(proxy.stats, 'route_limiter.http_local_rate_limit.ok'), 2);
});

test('limited requests show RL in the access log', async () => {
  await curl(url('/logged'));
  let log = '';
  for (let i = 0; i < 50 && !log.includes('/logged'); i++) {
    await new Promise((r) => setTimeout(r, 20));
    log = readFileSync(logPath, 'utf8');
  }
  assert.match(log, /^\/logged 429 RL$/m);
});
