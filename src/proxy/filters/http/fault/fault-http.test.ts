// The fault filter in a real connection manager (in process, before the router) with curl as the
// client: aborts, delays, header control, gRPC aborts, per-route configs, flags in the access log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJson } from '@bufbuild/protobuf';
import { HTTPFaultSchema } from '../../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { registry } from '../../../../xds/registry.js';
import { staticCluster } from '../../../upstream/test-support.js';
import { startEchoUpstream, type EchoUpstream } from '../../../../../test/lib/echo-upstream.js';
import { curl } from '../../../../../test/lib/curl.js';
import { FAULT_DESCRIPTOR } from './descriptor.js';
import { startFilterHarness, statValue, type FilterHarness } from './test-support.js';

const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

let upstream: EchoUpstream;
let proxy: FilterHarness;
let dir: string;
let logPath: string;

before(async () => {
  upstream = await startEchoUpstream('backend');
  dir = mkdtempSync(join(tmpdir(), 'strait-fault-'));
  logPath = join(dir, 'access.log');
  // What a user writes: header control on the listener, fixed faults per route (as Istio's
  // VirtualService fault injection becomes).
  const filterConfig = fromJson(HTTPFaultSchema, {
    max_active_faults: 100,
    abort: { header_abort: {}, percentage: { numerator: 100 } },
    delay: { header_delay: {}, percentage: { numerator: 100 } },
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
            match: { prefix: '/abort' }, route: { cluster: 'backend' },
            typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FAULT, abort: { http_status: 503, percentage: { numerator: 100 } } } },
          },
          {
            match: { prefix: '/delay' }, route: { cluster: 'backend' },
            typed_per_filter_config: {
              'envoy.filters.http.fault': { '@type': FAULT, delay: { fixed_delay: '0.3s', percentage: { numerator: 100, denominator: 'HUNDRED' } } },
            },
          },
          { match: { prefix: '/' }, route: { cluster: 'backend' } },
        ],
      }],
    },
  }, (ctx) => [FAULT_DESCRIPTOR.make(filterConfig, { ...ctx, filterName: 'envoy.filters.http.fault' })]);
});

after(async () => {
  await proxy.close();
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

const url = (path: string): string => `http://127.0.0.1:${proxy.port}${path}`;
const stat = (name: string): number => statValue(proxy.stats, `http.ingress_http.fault.${name}`);

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

test('a route with an abort fault answers 503 `fault filter abort` and never reaches the upstream', async () => {
  const before = upstream.requests.length;
  const r = await curl(url('/abort'));
  assert.equal(r.status, 503);
  assert.equal(r.body, 'fault filter abort');
  assert.equal(r.headers['content-type'], 'text/plain');
  assert.equal(r.headers['content-length'], '18');
  assert.equal(r.headers['server'], 'envoy');
  assert.equal(upstream.requests.length, before);
  assert.ok(stat('aborts_injected') >= 1);
});

// The body that arrives during the delay must reach the router once the request resumes.
test('a route with a delay fault holds the request, then forwards it with its body', async () => {
    const bodyFile = join(dir, 'body.bin');
    writeFileSync(bodyFile, 'x'.repeat(100_000));
    const [r, ms] = await timed(() => curl(url('/delay/0'), ['-X', 'POST', '--data-binary', `@${bodyFile}`, '-H', 'expect:'], 3));
    assert.equal(r.status, 200);
    assert.ok(ms >= 290, `took ${ms} ms`);
    const echo = JSON.parse(r.body) as { bodyBytes: number; url: string };
    assert.equal(echo.url, '/delay/0');
    assert.equal(echo.bodyBytes, 100_000);
  });

test('a route with a delay fault holds a request without a body for the delay', async () => {
  const [r, ms] = await timed(() => curl(url('/delay/get')));
  assert.equal(r.status, 200);
  assert.ok(ms >= 290, `took ${ms} ms`);
  assert.equal((JSON.parse(r.body) as { url: string }).url, '/delay/get');
  assert.ok(stat('delays_injected') >= 1);
});

test('header control: x-envoy-fault-abort-request and x-envoy-fault-delay-request', async () => {
  const aborted = await curl(url('/'), ['-H', 'x-envoy-fault-abort-request: 418']);
  assert.equal(aborted.status, 418);
  assert.equal(aborted.body, 'fault filter abort');
  const [delayed, ms] = await timed(() => curl(url('/'), ['-H', 'x-envoy-fault-delay-request: 200']));
  assert.equal(delayed.status, 200);
  assert.ok(ms >= 190, `took ${ms} ms`);
  const plain = await curl(url('/'));
  assert.equal(plain.status, 200);
  const skipped = await curl(url('/'), ['-H', 'x-envoy-fault-abort-request: 418', '-H', 'x-envoy-fault-abort-request-percentage: 0']);
  assert.equal(skipped.status, 200);
});

test('a gRPC abort over HTTP/2 is a trailers-only reply with grpc-status', async () => {
  const r = await curl(url('/pkg.Echo/Say'), ['--http2-prior-knowledge', '-X', 'POST', '-H', 'content-type: application/grpc',
    '-H', 'te: trailers', '-H', 'x-envoy-fault-abort-grpc-request: 14', '--data-binary', '']);
  assert.equal(r.status, 200);
  assert.equal(r.headers['grpc-status'], '14');
  assert.equal(r.headers['grpc-message'], 'fault filter abort');
  assert.equal(r.headers['content-type'], 'application/grpc');
});

test('a client that leaves during a delay releases the fault and sends nothing upstream', async () => {
  const before = upstream.requests.length;
  await curl(url('/'), ['-H', 'x-envoy-fault-delay-request: 2000'], 0.2).catch(() => undefined);
  for (let i = 0; i < 50 && stat('active_faults') !== 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(stat('active_faults'), 0);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(upstream.requests.length, before);
});

test('the access log shows FI for aborts and DI for delays', async () => {
  await curl(url('/abort/logged'));
  await curl(url('/delay/logged'));
  let log = '';
  for (let i = 0; i < 50 && !(log.includes('/delay/logged') && log.includes('/abort/logged')); i++) {
    await new Promise((r) => setTimeout(r, 20));
    log = readFileSync(logPath, 'utf8');
  }
  assert.match(log, /^\/abort\/logged 503 FI$/m);
  assert.match(log, /^\/delay\/logged 200 DI$/m);
});
