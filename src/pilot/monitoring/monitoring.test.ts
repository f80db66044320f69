// The monitoring port: istiod's metric names and buckets in Prometheus text format after a
// recorded push, /version, a debug route, 404 for anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pushRequest, mergePushRequests } from '../push/push-request.js';
import { PilotMetrics, metricType } from './metrics.js';
import { startMonitoringServer } from './server.js';

test('GET /metrics shows pushes, triggers and convergence with istiod\'s names and buckets', async () => {
  const m = new PilotMetrics();
  const server = await startMonitoringServer(m, { port: 0, version: '0.1.0', routes: { '/debug/syncz': () => [{ proxy: 'a' }] } });
  try {
    m.recordPushStarted(mergePushRequests(pushRequest(true, 'config', ['x'], 0), pushRequest(false, 'endpoint', ['y'], 0)), 120);
    m.recordSent(metricType('type.googleapis.com/envoy.config.cluster.v3.Cluster'), 4, 2048);
    m.proxyConvergenceTime.observe(0.3);
    m.xdsClients.set({ version: '0.1.0' }, 2);
    m.services.set(3);
    m.totalXdsInternalErrors.inc();
    m.recordValidationFailed({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry' });
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^# TYPE pilot_xds_pushes counter$/m);
    assert.match(text, /^pilot_xds_pushes\{type="cds"\} 1$/m);
    assert.match(text, /^pilot_push_triggers\{type="config"\} 1$/m);
    assert.match(text, /^pilot_push_triggers\{type="endpoint"\} 1$/m);
    assert.match(text, /^pilot_proxy_convergence_time_bucket\{le="0\.5"\} 1$/m);
    assert.match(text, /^pilot_proxy_convergence_time_bucket\{le="0\.1"\} 0$/m);
    assert.match(text, /^pilot_debounce_time_sum 0\.12$/m);
    assert.match(text, /^pilot_xds\{version="0\.1\.0"\} 2$/m);
    assert.match(text, /^pilot_services 3$/m);
    assert.match(text, /^pilot_total_xds_internal_errors 1$/m);
    assert.match(text, /^pilot_xds_push_context_errors 0$/m);
    assert.match(text, /^galley_validation_failed\{group="networking\.istio\.io",version="v1",resource="serviceentries",reason="invalid_resource"\} 1$/m);
    assert.match(text, /^process_cpu_seconds_total /m, 'process metrics as a Go binary has them');
    assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/version`)).text(), '0.1.0\n');
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${server.port}/debug/syncz`)).json(), [{ proxy: 'a' }]);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/nope`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});
