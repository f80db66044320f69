// The fault filter's abort percentage through a real proxy: 50% of 400 curl requests (one curl
// process, keep-alive) are aborted with the configured status, within a statistical bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { startProxy } from './lib/proxy-process.js';

const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const N = 400;

/** One curl run over `n` URLs, printing one status code a line. */
function curlCodes(url: string, n: number): Promise<number[]> {
  const args = ['-s', '--max-time', '30', '-w', '%{http_code}\\n'];
  for (let i = 0; i < n; i++) args.push('-o', '/dev/null', `${url}?i=${i}`);
  return new Promise((resolve, reject) => {
    execFile('curl', args, { maxBuffer: 1024 * 1024 }, (err, stdout) => {
      if (err && stdout === '') reject(err);
      else resolve(stdout.trim().split('\n').map(Number));
    });
  });
}

test('abort percentage 50: between 35% and 65% of 400 requests get the fault status, the rest reach the upstream', async () => {
  const echo = await startEchoUpstream('f');
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'f' } }]),
    clusters: [{ name: 'f', ports: [echo.port] }],
    hcm: { http_filters: [
      { name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT,
        abort: { http_status: 418, percentage: { numerator: 50, denominator: 'HUNDRED' } } } },
      { name: 'envoy.filters.http.router' },
    ] },
  }));
  try {
    const codes = await curlCodes(`http://127.0.0.1:${await proxy.listenerPort('test')}/`, N);
    assert.equal(codes.length, N);
    const aborted = codes.filter((c) => c === 418).length;
    const passed = codes.filter((c) => c === 200).length;
    assert.equal(aborted + passed, N, `only 418 and 200 expected: ${[...new Set(codes)]}`);
    // Binomial(400, 0.5): the standard deviation is 10, so 140..260 is a 6-sigma bound.
    assert.ok(aborted >= 0.35 * N && aborted <= 0.65 * N, `${aborted} of ${N} aborted`);
    assert.equal(echo.requests.length, passed);
    const stats = await (await proxy.admin('/stats?filter=fault')).text();
    assert.match(stats, new RegExp(`^http\\.ingress_http\\.fault\\.aborts_injected: ${aborted}$`, 'm'));
  } finally {
    await proxy.stop();
    await echo.close();
  }
});
