// The admin API over a real socket on 127.0.0.1:0, queried with fetch and curl: Envoy's
// /clusters lines, stats formats, status codes, headers and the POST-only endpoints.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HealthFlag } from '../upstream/types.js';
import { mergeSnapshots, snapshot } from '../stats/snapshot.js';
import { StatsStore } from '../stats/store.js';
import { startAdminServer, type AdminServer } from './server.js';
import { FakeAdminContext, fakeCluster, fakeHost, fakeResourceManager } from './test-fixtures.js';
import type { AdminOutlierView } from './types.js';

const run = promisify(execFile);
const ctx = new FakeAdminContext();
let admin: AdminServer;
let base: string;

before(async () => {
  const h1 = fakeHost('127.0.0.1', 8080, { stats: { cx_total: 3, rq_total: 5, rq_success: 5, cx_active: 1 } });
  const h2 = fakeHost('127.0.0.2', 8081, {
    hostname: 'httpbin.local', weight: 2, healthFlags: HealthFlag.FailedActiveHc | HealthFlag.FailedOutlierCheck,
    locality: { region: 'eu', zone: 'eu-a', subZone: 'r1' },
  });
  const h3 = fakeHost('::1', 9000, { priority: 1 });
  const httpbin = fakeCluster('httpbin_service', [[h1, h2], [h3]]);
  const eds = fakeCluster('eds_cluster', [], { altStatName: 'eds_alt', edsServiceName: 'svc-a', addedViaApi: true,
    high: fakeResourceManager(2048, 512, 256, 4) });
  ctx.clusterList = [httpbin, eds];
  const od: AdminOutlierView = {
    successRateAverage: 95.5, successRateEjectionThreshold: 90.25, localOriginSuccessRateAverage: -1,
    localOriginSuccessRateEjectionThreshold: -1,
    hostSuccessRate: (h) => (h === h1 ? 100 : -1), hostLocalOriginSuccessRate: () => -1,
  };
  ctx.outlierDetector = (c) => (c === httpbin ? od : null);
  ctx.store.counter('cluster.httpbin_service.upstream_rq_200').inc(4);
  ctx.store.counter('cluster.httpbin_service.upstream_rq_total').inc(4);
  ctx.store.gauge('cluster.httpbin_service.upstream_cx_active').set(1);
  ctx.store.counter('listener.0.0.0.0_10000.downstream_cx_total');
  ctx.store.histogram('cluster.httpbin_service.upstream_rq_time').record(12);
  admin = await startAdminServer({ host: '127.0.0.1', port: 0 }, ctx);
  base = `http://127.0.0.1:${admin.port}`;
});

after(() => admin.close());

async function get(path: string, method = 'GET'): Promise<{ status: number; body: string; headers: Headers }> {
  const r = await fetch(base + path, { method });
  return { status: r.status, body: await r.text(), headers: r.headers };
}

test('/clusters text: Envoy line order, breakers, outlier lines, sorted host stats', async () => {
  const { stdout } = await run('curl', ['-s', `${base}/clusters`]);
  const hostLines = (name: string, addr: string, stats: Record<string, number>, rest: string[]): string[] => [
    ...Object.keys(stats).sort().map((k) => `${name}::${addr}::${k}::${stats[k]}`),
    ...rest.map((r) => `${name}::${addr}::${r}`),
  ];
  const zero = { cx_active: 0, cx_connect_fail: 0, cx_total: 0, rq_active: 0, rq_error: 0, rq_success: 0, rq_timeout: 0, rq_total: 0 };
  const breakers = (n: string, high = [1024, 1024, 1024, 3]): string[] => [
    `${n}::default_priority::max_connections::1024`, `${n}::default_priority::max_pending_requests::1024`,
    `${n}::default_priority::max_requests::1024`, `${n}::default_priority::max_retries::3`,
    `${n}::high_priority::max_connections::${high[0]}`, `${n}::high_priority::max_pending_requests::${high[1]}`,
    `${n}::high_priority::max_requests::${high[2]}`, `${n}::high_priority::max_retries::${high[3]}`,
  ];
  const expected = [
    'httpbin_service::observability_name::httpbin_service',
    'httpbin_service::outlier::success_rate_average::95.5',
    'httpbin_service::outlier::success_rate_ejection_threshold::90.25',
    'httpbin_service::outlier::local_origin_success_rate_average::-1',
    'httpbin_service::outlier::local_origin_success_rate_ejection_threshold::-1',
    ...breakers('httpbin_service'),
    'httpbin_service::added_via_api::false',
    ...hostLines('httpbin_service', '127.0.0.1:8080', { ...zero, cx_total: 3, rq_total: 5, rq_success: 5, cx_active: 1 }, [
      'hostname::', 'health_flags::healthy', 'weight::1', 'region::', 'zone::', 'sub_zone::', 'canary::false',
      'priority::0', 'success_rate::100', 'local_origin_success_rate::-1']),
    ...hostLines('httpbin_service', '127.0.0.2:8081', zero, [
      'hostname::httpbin.local', 'health_flags::/failed_active_hc/failed_outlier_check', 'weight::2', 'region::eu',
      'zone::eu-a', 'sub_zone::r1', 'canary::false', 'priority::0', 'success_rate::-1', 'local_origin_success_rate::-1']),
    ...hostLines('httpbin_service', '[::1]:9000', zero, [
      'hostname::', 'health_flags::healthy', 'weight::1', 'region::', 'zone::', 'sub_zone::', 'canary::false',
      'priority::1', 'success_rate::-1', 'local_origin_success_rate::-1']),
    'eds_cluster::observability_name::eds_alt',
    ...breakers('eds_cluster', [2048, 512, 256, 4]),
    'eds_cluster::added_via_api::true',
    'eds_cluster::eds_service_name::svc-a',
    '',
  ];
  assert.equal(stdout, expected.join('\n'));
});

test('/clusters?format=json: proto3 JSON of envoy.admin.v3.Clusters', async () => {
  const r = await get('/clusters?format=json');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.ok(r.body.startsWith('{\n "cluster_statuses": [\n  {\n   "name": "httpbin_service",\n'));
  const doc = JSON.parse(r.body) as { cluster_statuses: Record<string, unknown>[] };
  const [httpbin, eds] = doc.cluster_statuses;
  assert.deepEqual(Object.keys(httpbin), ['name', 'success_rate_ejection_threshold', 'host_statuses', 'circuit_breakers',
    'observability_name']);
  assert.deepEqual(httpbin.success_rate_ejection_threshold, { value: 90.25 });
  const hosts = httpbin.host_statuses as Record<string, unknown>[];
  assert.deepEqual(hosts[0], {
    address: { socket_address: { address: '127.0.0.1', port_value: 8080 } },
    stats: [{ name: 'cx_connect_fail' }, { value: '3', name: 'cx_total' }, { name: 'rq_error' },
      { value: '5', name: 'rq_success' }, { name: 'rq_timeout' }, { value: '5', name: 'rq_total' },
      { type: 'GAUGE', value: '1', name: 'cx_active' }, { type: 'GAUGE', name: 'rq_active' }],
    health_status: { eds_health_status: 'HEALTHY' },
    success_rate: { value: 100 },
    weight: 1,
    locality: {},
  });
  assert.deepEqual(hosts[1].health_status, { failed_active_health_check: true, failed_outlier_check: true,
    eds_health_status: 'HEALTHY' });
  assert.deepEqual(hosts[1].locality, { region: 'eu', zone: 'eu-a', sub_zone: 'r1' });
  assert.equal(hosts[2].priority, 1);
  assert.deepEqual(eds, {
    name: 'eds_cluster', added_via_api: true,
    circuit_breakers: { thresholds: [
      { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 },
      { priority: 'HIGH', max_connections: 2048, max_pending_requests: 512, max_requests: 256, max_retries: 4 }] },
    observability_name: 'eds_alt', eds_service_name: 'svc-a',
  });
});

test('admin headers and /stats text with filter', async () => {
  const r = await get('/stats?filter=httpbin_service%5C.upstream_rq');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; charset=UTF-8');
  assert.equal(r.headers.get('cache-control'), 'no-cache, max-age=0');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.body, 'cluster.httpbin_service.upstream_rq_200: 4\ncluster.httpbin_service.upstream_rq_total: 4\n' +
    'cluster.httpbin_service.upstream_rq_time: P0(nan,12) P25(nan,12.25) P50(nan,12.5) P75(nan,12.75) ' +
    'P90(nan,12.9) P95(nan,12.95) P99(nan,12.99) P99.5(nan,12.995) P99.9(nan,12.999) P100(nan,13)\n');
  const used = await get('/stats?usedonly&filter=listener');
  assert.equal(used.body, '');
  const bad = await get('/stats?filter=(');
  assert.deepEqual([bad.status, bad.body], [400, 'Invalid re2 regex']);
  const j = await get('/stats?format=json&filter=upstream_rq_200');
  assert.equal(j.headers.get('content-type'), 'application/json');
  assert.equal(j.body, '{"stats":[{"name":"cluster.httpbin_service.upstream_rq_200","value":4}]}');
});

test('/stats/prometheus and /stats?format=prometheus', async () => {
  for (const path of ['/stats/prometheus', '/stats?format=prometheus']) {
    const r = await get(path);
    assert.equal(r.status, 200);
    assert.ok(r.body.includes('# TYPE envoy_cluster_upstream_rq counter\n' +
      'envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="httpbin_service"} 4\n'), r.body);
    assert.ok(r.body.includes('envoy_listener_downstream_cx_total{envoy_listener_address="0.0.0.0_10000"} 0\n'));
    assert.ok(r.body.includes('envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="httpbin_service",le="25"} 1\n'));
    assert.ok(r.body.includes('envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="httpbin_service"} 12.5\n'));
  }
});

test('/stats/prometheus?filter= renders the matching stats only, with the bytes of the full rendering', async () => {
  const full = (await get('/stats/prometheus')).body.split('\n');
  const r = await get('/stats/prometheus?filter=httpbin_service%5C.upstream_rq_t');
  assert.equal(r.status, 200);
  const families = r.body.split('\n').filter((l) => l.startsWith('# TYPE'));
  assert.deepEqual(families, ['# TYPE envoy_cluster_upstream_rq_total counter', '# TYPE envoy_cluster_upstream_rq_time histogram']);
  assert.deepEqual(r.body.split('\n').filter((l) => l !== ''), full.filter((l) => /^(# TYPE )?envoy_cluster_upstream_rq_(total|time)[_{ ]/.test(l)));
  assert.deepEqual([(await get('/stats/prometheus?filter=(')).status], [400]);
});

test('GET on a mutating endpoint is 405; POST runs it', async () => {
  const { stdout } = await run('curl', ['-s', '-i', `${base}/quitquitquit`]);
  assert.match(stdout, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
  assert.ok(stdout.endsWith('\r\n\r\nMethod GET not allowed, POST required.'));
  assert.equal(ctx.quitCalls, 0);
  const put = await get('/reset_counters', 'PUT');
  assert.deepEqual([put.status, put.body], [405, 'Method PUT not allowed, POST required.']);
  const q = await run('curl', ['-s', '-X', 'POST', `${base}/quitquitquit`]);
  assert.equal(q.stdout, 'OK\n');
  for (let i = 0; i < 50 && ctx.quitCalls === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(ctx.quitCalls, 1);
  const reset = await get('/reset_counters', 'POST');
  assert.equal(reset.body, 'OK\n');
  assert.equal(ctx.store.counter('cluster.httpbin_service.upstream_rq_200').value, 0);
  ctx.store.counter('cluster.httpbin_service.upstream_rq_200').inc(4);
  const d = await get('/drain_listeners?inboundonly&graceful', 'POST');
  assert.equal(d.body, 'OK\n');
  assert.deepEqual(ctx.drains.at(-1), { inboundOnly: true, graceful: true, skipExit: false });
});

test('/ready follows /healthcheck/fail and /healthcheck/ok', async () => {
  assert.deepEqual(await get('/ready').then((r) => [r.status, r.body]), [200, 'LIVE\n']);
  assert.equal((await get('/healthcheck/fail', 'POST')).body, 'OK\n');
  assert.deepEqual(await get('/ready').then((r) => [r.status, r.body]), [503, 'DRAINING\n']);
  const info = JSON.parse((await get('/server_info')).body) as Record<string, unknown>;
  assert.equal(info.state, 'DRAINING');
  await get('/healthcheck/ok', 'POST');
  assert.equal((await get('/ready')).status, 200);
});

test('unknown path is 404 with the help listing; /help lists handlers', async () => {
  const r = await get('/nope');
  assert.equal(r.status, 404);
  assert.ok(r.body.startsWith('invalid path. admin commands are:\n  /: Admin home page\n  /certs: print certs on machine\n'));
  const help = await get('/help');
  assert.equal(help.body, r.body.slice('invalid path. '.length));
  assert.ok(help.body.includes('  /quitquitquit (POST): exit the server\n'));
  assert.ok(help.body.includes('  /listeners: print listener info\n      format: File format to use; One of (text, json)\n'));
  assert.ok(help.body.includes('      level: desired logging level, this will change all loggers\'s level; ' +
    'One of (, trace, debug, info, warning, error, critical, off)\n'));
  assert.equal((await get('/')).body, help.body);
});

test('POST /logging changes levels and lists loggers', async () => {
  assert.equal((await get('/logging')).status, 405);
  const r = await get('/logging?upstream=debug', 'POST');
  assert.deepEqual([r.status, r.body], [200, 'active loggers:\n  admin: info\n  config: info\n  upstream: debug\n\n']);
  const all = await get('/logging?level=warning', 'POST');
  assert.ok(all.body.includes('  admin: warning\n'));
  const bad = await get('/logging?nosuch=debug', 'POST');
  assert.equal(bad.status, 400);
  assert.ok(bad.body.startsWith('error: unknown logger name\n\nusage: /logging?<name>=<level> (change single level)\n'));
  assert.ok(bad.body.includes('levels: trace debug info warning error critical off \n'));
  const paths = await get('/logging?paths=admin:trace,config:error', 'POST');
  assert.ok(paths.body.includes('  admin: trace\n  config: error\n'));
});

test('/listeners, /runtime, /certs, /memory, /config_dump, /server_info', async () => {
  assert.equal((await get('/listeners')).body, 'listener_0::0.0.0.0:10000\n');
  assert.equal((await get('/listeners?format=json')).body, '{\n "listener_statuses": [\n  {\n   "name": "listener_0",\n' +
    '   "local_address": {\n    "socket_address": {\n     "address": "0.0.0.0",\n     "port_value": 10000\n    }\n' +
    '   }\n  }\n ]\n}');
  assert.equal((await get('/runtime')).body, '{\n "entries": {},\n "layers": []\n}');
  ctx.runtimeLayers = [{ name: 'static', values: { 'a.b': '1' } }, { name: 'admin', values: { 'a.b': '2', c: 'x' } }];
  assert.deepEqual(JSON.parse((await get('/runtime')).body), {
    entries: { 'a.b': { final_value: '2', layer_values: ['1', '2'] }, c: { final_value: 'x', layer_values: ['', 'x'] } },
    layers: ['static', 'admin'],
  });
  assert.equal((await get('/certs')).body, '{\n "certificates": []\n}');
  const mem = JSON.parse((await get('/memory')).body) as Record<string, string>;
  assert.deepEqual(Object.keys(mem), ['allocated', 'heap_size', 'pageheap_unmapped', 'pageheap_free', 'total_thread_cache',
    'total_physical_bytes']);
  assert.match(mem.total_physical_bytes, /^\d+$/);
  const dump = await get('/config_dump');
  assert.equal(dump.headers.get('content-type'), 'application/json');
  assert.ok(dump.body.startsWith('{\n "configs": [\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump"'));
  const info = JSON.parse((await get('/server_info')).body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(info), ['version', 'state', 'uptime_current_epoch', 'uptime_all_epochs', 'hot_restart_version',
    'command_line_options', 'node']);
  assert.equal(info.uptime_current_epoch, '12s');
  assert.equal((await get('/hot_restart_version')).body, 'disabled');
});

test('the admin renders the merged snapshot of several workers', async () => {
  const workers = [new StatsStore(), new StatsStore()];
  workers[0].counter('http.ingress_http.downstream_rq_2xx').inc(2);
  workers[1].counter('http.ingress_http.downstream_rq_2xx').inc(3);
  const saved = ctx.source;
  ctx.source = () => mergeSnapshots(workers.map((w) => snapshot(w)));
  try {
    assert.equal((await get('/stats?filter=downstream_rq_2xx')).body, 'http.ingress_http.downstream_rq_2xx: 5\n');
    const prom = await get('/stats/prometheus');
    assert.ok(prom.body.includes('envoy_http_downstream_rq_xx{envoy_response_code_class="2",' +
      'envoy_http_conn_manager_prefix="ingress_http"} 5\n'));
  } finally {
    ctx.source = saved;
  }
});

test('binding a used port fails with a clear error', async () => {
  await assert.rejects(startAdminServer({ host: '127.0.0.1', port: admin.port }, ctx), /cannot bind admin address 127\.0\.0\.1:\d+: EADDRINUSE/);
});
