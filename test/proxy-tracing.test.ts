// Distributed tracing across two proxies as a mesh has it: a client's sidecar (OUTBOUND) calls a
// server's sidecar (INBOUND) in front of an app; both report Zipkin spans to a fake collector, the
// app sees B3 and traceparent headers; sampling, forced traces, OTLP export and bad configs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { startEchoUpstream, type Echo, type EchoUpstream } from './lib/echo-upstream.js';

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ZIPKIN_TYPE = 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig';
const OTEL_TYPE = 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig';
const DECORATOR = 'catalog.istioinaction.svc.cluster.local:80/*';

interface Report { url: string; headers: http.IncomingHttpHeaders; body: unknown }
interface ZipkinSpan {
  traceId: string; id: string; parentId?: string; name: string; kind: string; timestamp: number; duration: number;
  localEndpoint: { serviceName: string; ipv4: string }; tags: Record<string, string>; shared?: boolean;
}

let collector: http.Server;
let collectorPort: number;
const reports: Report[] = [];
let app: EchoUpstream;
let catalog: RunningProxy;
let webapp: RunningProxy;
const ports: Record<string, number> = {};

function zipkinSpans(): ZipkinSpan[] {
  return reports.filter((r) => r.url === '/api/v2/spans').flatMap((r) => r.body as ZipkinSpan[]);
}

async function until<T>(what: string, probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function cluster(name: string, port: number): Record<string, unknown> {
  return { name, connect_timeout: '1s', type: 'STATIC', load_assignment: { cluster_name: name,
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] } };
}

function zipkin(collectorCluster: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'envoy.tracers.zipkin', typed_config: { '@type': ZIPKIN_TYPE, collector_cluster: collectorCluster,
    collector_endpoint: '/api/v2/spans', collector_endpoint_version: 'HTTP_JSON', trace_id_128bit: true,
    shared_span_context: false, ...extra } };
}

function listener(name: string, direction: string | undefined, tracing: Record<string, unknown>, route: Record<string, unknown>):
  Record<string, unknown> {
  return {
    name, ...(direction === undefined ? {} : { traffic_direction: direction }),
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
      '@type': HCM_TYPE, stat_prefix: name, tracing, http_filters: [{ name: 'envoy.filters.http.router' }],
      route_config: { name, virtual_hosts: [{ name, domains: ['*'], routes: [{ match: { prefix: '/' }, ...route }] }] },
    } }] }],
  };
}

const RUNTIME = { layers: [{ name: 'static', static_layer: {
  'tracing.zipkin.flush_interval_ms': 200, 'tracing.opentelemetry.flush_interval_ms': 200 } }] };

function request(port: number, headers: Record<string, string> = {}):
  Promise<{ status: number; echo: Echo; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/items', headers: { host: 'catalog.istioinaction:80', ...headers },
      agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, echo: JSON.parse(body) as Echo, headers: res.headers }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function counter(proxy: RunningProxy, name: string): Promise<number> {
  const text = await (await proxy.admin('/stats')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line === undefined ? -1 : Number(line.slice(name.length + 2));
}

before(async () => {
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      reports.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(body) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  collectorPort = (collector.address() as { port: number }).port;
  app = await startEchoUpstream('catalog-app');
  // The server's sidecar: its node cluster comes from --service-cluster, its provider from the HCM.
  catalog = await startProxy(JSON.stringify({
    node: { id: 'catalog-1' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    layered_runtime: RUNTIME,
    static_resources: {
      listeners: [listener('inbound', 'INBOUND', { provider: zipkin('zipkin') },
        { route: { cluster: 'app' }, decorator: { operation: DECORATOR } }),
      listener('plain', undefined, { provider: zipkin('zipkin') }, { route: { cluster: 'app' } })],
      clusters: [cluster('app', app.port), cluster('zipkin', collectorPort)],
    },
  }), ['--service-cluster', 'catalog.istioinaction']);
  ports.inbound = await catalog.listenerPort('inbound');
  ports.plain = await catalog.listenerPort('plain');
  const dead = await closedPort();
  // The client's sidecar: node.cluster names the service; HCMs without a provider use the bootstrap's.
  webapp = await startProxy(JSON.stringify({
    node: { id: 'webapp-1', cluster: 'webapp.istioinaction', locality: { zone: 'zone-a' } },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    layered_runtime: RUNTIME,
    tracing: { http: zipkin('zipkin') },
    static_resources: {
      listeners: [
        listener('outbound', 'OUTBOUND', { custom_tags: [{ tag: 'mesh', literal: { value: 'strait' } },
          { tag: 'client', request_header: { name: 'x-client-name', default_value: 'unknown' } }] }, { route: { cluster: 'catalog' } }),
        listener('unsampled', 'OUTBOUND', { random_sampling: { value: 0 } }, { route: { cluster: 'catalog' } }),
        // A route's own tracing replaces the HCM's sampling; its unset fields are 100%, as Envoy's RouteTracingImpl.
        listener('route-traced', 'OUTBOUND', { random_sampling: { value: 0 } },
          { route: { cluster: 'catalog' }, tracing: { custom_tags: [{ tag: 'route', literal: { value: 'items' } }] } }),
        listener('otel', 'OUTBOUND', { provider: { name: 'envoy.tracers.opentelemetry', typed_config: { '@type': OTEL_TYPE,
          service_name: 'webapp.istioinaction', http_service: { http_uri: { uri: 'http://otel-collector:4318/v1/traces',
            cluster: 'zipkin', timeout: '1s' } } } } }, { route: { cluster: 'app' } }),
        listener('dead', 'OUTBOUND', { provider: zipkin('dead_collector') }, { route: { cluster: 'app' } }),
      ],
      clusters: [cluster('catalog', ports.inbound), cluster('app', app.port), cluster('zipkin', collectorPort),
        cluster('dead_collector', dead)],
    },
  }));
  for (const name of ['outbound', 'unsampled', 'route-traced', 'otel', 'dead']) ports[name] = await webapp.listenerPort(name);
});

after(async () => {
  await webapp?.stop();
  await catalog?.stop();
  await app?.close();
  await new Promise<void>((r) => collector.close(() => r()));
});

test('a sampled request through both sidecars: two linked spans, and the app sees the server span\'s context', async () => {
  const { status, echo, headers } = await request(ports.outbound, { 'x-client-name': 'e2e' });
  assert.equal(status, 200);
  assert.equal(headers['x-envoy-decorator-operation'], undefined, 'the outbound sidecar consumes the decorator header');
  const traceId = echo.headers['x-b3-traceid'] as string;
  assert.match(traceId, /^[0-9a-f]{32}$/);
  const spans = await until('two spans', () => {
    const s = zipkinSpans().filter((x) => x.traceId === traceId);
    return s.length >= 2 ? s : undefined;
  });
  assert.equal(spans.length, 2);
  const client = spans.find((s) => s.kind === 'CLIENT')!;
  const server = spans.find((s) => s.kind === 'SERVER')!;
  assert.ok(client && server, 'one CLIENT (outbound) and one SERVER (inbound) span');
  assert.equal(client.localEndpoint.serviceName, 'webapp.istioinaction');
  assert.equal(server.localEndpoint.serviceName, 'catalog.istioinaction');
  assert.equal(client.parentId, undefined, 'the outbound span is the root');
  assert.equal(server.parentId, client.id, 'the inbound span is the outbound span\'s child');
  assert.notEqual(server.id, client.id, 'shared_span_context false: the server span has its own id');
  assert.equal(server.shared, undefined);
  assert.equal(server.name, DECORATOR, 'the route decorator names the span');
  assert.equal(client.name, DECORATOR, 'the inbound side\'s x-envoy-decorator-operation response header names the client span');
  // What the app received: the inbound span's context, in B3 and W3C forms.
  assert.equal(echo.headers['x-b3-spanid'], server.id);
  assert.equal(echo.headers['x-b3-parentspanid'], client.id);
  assert.equal(echo.headers['x-b3-sampled'], '1');
  assert.equal(echo.headers.traceparent, `00-${traceId}-${server.id}-01`);
  const requestId = echo.headers['x-request-id'] as string;
  assert.equal(requestId[14], 'a', 'the sampling decision is packed into x-request-id');
  for (const s of spans) {
    assert.equal(s.tags['guid:x-request-id'], requestId);
    assert.equal(s.tags['http.method'], 'GET');
    assert.equal(s.tags['http.status_code'], '200');
    assert.equal(s.tags.component, 'proxy');
    assert.equal(s.tags.response_flags, '-');
    assert.equal(s.tags['http.url'], 'http://catalog.istioinaction:80/items');
    assert.ok(s.duration > 0 && Math.abs(s.timestamp / 1000 - Date.now()) < 60_000);
  }
  assert.equal(client.tags.upstream_cluster, 'catalog');
  assert.equal(client.tags.upstream_address, `127.0.0.1:${ports.inbound}`);
  assert.equal(client.tags.node_id, 'webapp-1');
  assert.equal(client.tags.zone, 'zone-a');
  assert.equal(client.tags.mesh, 'strait', 'literal custom tag');
  assert.equal(client.tags.client, 'e2e', 'request_header custom tag');
  assert.equal(server.tags.upstream_cluster, 'app');
  const zipkinReport = reports.find((r) => r.url === '/api/v2/spans')!;
  assert.equal(zipkinReport.headers['content-type'], 'application/json');
  assert.equal(zipkinReport.headers.host, 'zipkin', 'collector_hostname defaults to the cluster name');
  assert.ok(await counter(webapp, 'http.outbound.tracing.random_sampling') >= 1);
  assert.ok(await counter(webapp, 'tracing.zipkin.spans_sent') >= 1);
  assert.ok(await counter(catalog, 'tracing.zipkin.reports_sent') >= 1);
  assert.ok(await counter(catalog, 'tracing.zipkin.timer_flushed') >= 1);
});

test('random_sampling 0 with no incoming decision: no spans, but the context still travels with sampled 0', async () => {
  const before = await counter(webapp, 'http.unsampled.tracing.not_traceable');
  const { status, echo } = await request(ports.unsampled);
  assert.equal(status, 200);
  const traceId = echo.headers['x-b3-traceid'] as string;
  assert.match(traceId, /^[0-9a-f]{32}$/);
  assert.equal(echo.headers['x-b3-sampled'], '0');
  assert.match(echo.headers.traceparent as string, new RegExp(`^00-${traceId}-${echo.headers['x-b3-spanid']}-00$`));
  assert.equal(await counter(webapp, 'http.unsampled.tracing.not_traceable'), before + 1);
  // Three flush intervals later nothing of this trace has been reported by either proxy.
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(zipkinSpans().filter((s) => s.traceId === traceId).length, 0);
});

test('a route\'s tracing with no sampling of its own samples every request, though the HCM samples none', async () => {
  const { status, echo } = await request(ports['route-traced']!);
  assert.equal(status, 200);
  assert.equal(echo.headers['x-b3-sampled'], '1');
  const traceId = echo.headers['x-b3-traceid'] as string;
  const span = await until('the route-traced client span', () => zipkinSpans().find((s) => s.traceId === traceId && s.kind === 'CLIENT'));
  assert.equal(span.tags?.['route'], 'items');
});

test('an incoming x-b3-sampled: 1 forces the trace even where random sampling is 0', async () => {
  const { echo } = await request(ports.unsampled, { 'x-b3-sampled': '1' });
  const traceId = echo.headers['x-b3-traceid'] as string;
  assert.equal(echo.headers['x-b3-sampled'], '1');
  const spans = await until('the forced spans', () => {
    const s = zipkinSpans().filter((x) => x.traceId === traceId);
    return s.length >= 2 ? s : undefined;
  });
  assert.deepEqual(spans.map((s) => s.kind).sort(), ['CLIENT', 'SERVER']);
});

test('without a decorator a Zipkin span is named by the request\'s host; no decorator header either way', async () => {
  const { echo, headers } = await request(ports.plain);
  assert.equal(headers['x-envoy-decorator-operation'], undefined);
  const traceId = echo.headers['x-b3-traceid'] as string;
  const span = await until('the plain span', () => zipkinSpans().find((s) => s.traceId === traceId));
  assert.equal(span.kind, 'SERVER', 'a listener without traffic_direction is ingress');
  assert.equal(span.name, 'catalog.istioinaction:80');
});

test('an incoming B3 context is continued: same trace id, the client span is its child', async () => {
  const traceId = '463ac35c9f6413ad48485a3953bb6124';
  const { echo } = await request(ports.outbound, { 'x-b3-traceid': traceId, 'x-b3-spanid': 'a2fb4a1d1a96d312', 'x-b3-sampled': '1' });
  assert.equal(echo.headers['x-b3-traceid'], traceId);
  const client = await until('the client span', () => zipkinSpans().find((s) => s.traceId === traceId && s.kind === 'CLIENT'));
  assert.equal(client.parentId, 'a2fb4a1d1a96d312');
});

test('OpenTelemetry: OTLP/HTTP JSON to the collector with the service name and a CLIENT span', async () => {
  const { echo } = await request(ports.otel);
  const traceId = echo.headers['x-b3-traceid'] as string;
  const spanId = echo.headers['x-b3-spanid'] as string;
  assert.equal(echo.headers.traceparent, `00-${traceId}-${spanId}-01`);
  type Otlp = { resourceSpans: { resource: { attributes: { key: string; value: { stringValue: string } }[] };
    scopeSpans: { spans: { traceId: string; spanId: string; name: string; kind: number; startTimeUnixNano: string;
      endTimeUnixNano: string; attributes: { key: string; value: { stringValue: string } }[] }[] }[] }[] };
  const report = await until('an OTLP export', () => reports.find((r) => r.url === '/v1/traces'
    && (r.body as Otlp).resourceSpans[0].scopeSpans[0].spans.some((s) => s.traceId === traceId)));
  assert.equal(report.headers['content-type'], 'application/json');
  assert.equal(report.headers.host, 'otel-collector:4318');
  const rs = (report.body as Otlp).resourceSpans[0];
  assert.deepEqual(rs.resource.attributes, [{ key: 'service.name', value: { stringValue: 'webapp.istioinaction' } }]);
  const span = rs.scopeSpans[0].spans.find((s) => s.traceId === traceId)!;
  assert.equal(span.spanId, spanId);
  assert.equal(span.kind, 3, 'SPAN_KIND_CLIENT');
  assert.equal(span.name, 'egress catalog.istioinaction:80');
  assert.ok(BigInt(span.endTimeUnixNano) > BigInt(span.startTimeUnixNano));
  assert.ok(span.attributes.some((a) => a.key === 'http.status_code' && a.value.stringValue === '200'));
  assert.ok(await counter(webapp, 'tracing.opentelemetry.spans_sent') >= 1);
});

test('a dead collector only counts reports_failed; requests are unaffected', async () => {
  const before = await counter(webapp, 'tracing.zipkin.reports_failed');
  const { status } = await request(ports.dead);
  assert.equal(status, 200);
  const deadline = Date.now() + 5000;
  while (await counter(webapp, 'tracing.zipkin.reports_failed') <= before) {
    assert.ok(Date.now() < deadline, 'reports_failed did not increase');
    await new Promise((r) => setTimeout(r, 100));
  }
});

test('a Zipkin collector_cluster that does not exist is a config error with its field path', async () => {
  await assert.rejects(startProxy(JSON.stringify({
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [listener('inbound', 'INBOUND', { provider: zipkin('nope') }, { route: { cluster: 'app' } })],
      clusters: [cluster('app', app.port)],
    },
  })), (e: Error) => {
    assert.match(e.message, /\.static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.tracing\.provider\.typed_config\.collector_cluster: envoy\.tracers\.zipkin: unknown cluster 'nope'/);
    return true;
  });
});
