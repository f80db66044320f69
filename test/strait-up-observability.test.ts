// Chapters 7 and 8 on `strait up --addons`: a real Prometheus scrapes Istio's metrics from every
// proxy, a traced client's request through gateway -> webapp -> catalog is one trace in the Zipkin
// API, Telemetry turns on the gateway's access log and adds dimensions, with the book's files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { context, SpanKind } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { curl } from './lib/curl.js';
import { straitWithHome as strait } from './lib/strait-cli.js';
import { newHome, startMesh } from './lib/strait-up.js';
import { findOnPath } from '../src/mesh/local/addons/prometheus.js';
import { waitFor } from './lib/wait.js';
import { BOOK_DIR } from '../samples/book-corpus.js';

const BOOK = BOOK_DIR;

interface PromSeries { metric: Record<string, string>; value: [number, string] }

async function promQuery(base: string, q: string): Promise<PromSeries[]> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = await r.json() as { status: string; data: { result: PromSeries[] } };
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

interface ZipkinSpan {
  traceId: string; id: string; parentId?: string; name: string; kind?: string;
  localEndpoint?: { serviceName?: string }; tags?: Record<string, string>;
}

test('strait up --addons: Prometheus, traces and access logs for the book\'s chapters 7 and 8',
  { timeout: 240_000, skip: findOnPath('prometheus') !== undefined ? false : 'Debian\'s prometheus package is not installed (.ci/run installs it)' }, async (t) => {
    const home = newHome('strait-obs-');
    // The default profile: no mesh-wide access log and 1% sampling, so Telemetry and the client's B3 decision show.
    assert.equal((await strait(home, ['install', '--set', 'profile=default', '-y'])).code, 0);
    const mesh = await startMesh(t, home, ['--addons', '--pod-network', '127.94', '--ingress-port', '0', '--xds-port', '0',
      '--monitoring-port', '0'], 90_000);
    const { state, run } = mesh;
    const up = mesh.proc;
    const url = `http://${state.ingressAddress}/api/catalog`;
    const prometheus = (await run(['dashboard', 'prometheus'])).stdout.trim();
    const zipkin = (await run(['dashboard', 'zipkin'])).stdout.trim();
    assert.match(prometheus, /^http:\/\/127\.\d+\.\d+\.\d+:\d+/, mesh.output());
    assert.match(zipkin, /^http:\/\/127\.\d+\.\d+\.\d+:\d+/, mesh.output());
    const zipkinBase = new URL(zipkin).origin;

    // Traffic through gateway -> webapp -> catalog.
    for (let i = 0; i < 20; i++) assert.equal((await curl(url)).status, 200);

    // Metrics: Prometheus scrapes the server side's istio_requests_total with Istio's labels.
    const rateQuery = 'sum(rate(istio_requests_total{destination_service_name="catalog",reporter="destination",response_code="200"}[1m]))';
    const rate = await waitFor('Prometheus to see catalog\'s requests', 60_000, async () => {
      await curl(url);
      const r = await promQuery(prometheus, rateQuery);
      return r.length > 0 && Number(r[0].value[1]) > 0 ? Number(r[0].value[1]) : undefined;
    }, 1000);
    t.diagnostic(`${rateQuery} = ${rate.toFixed(3)}`);
    const [server] = await promQuery(prometheus, 'istio_requests_total{destination_service_name="catalog",reporter="destination",response_code="200"}');
    assert.ok(server, 'the destination-reported series');
    const m = server.metric;
    assert.deepEqual(
      [m['source_workload'], m['source_workload_namespace'], m['source_app'], m['source_canonical_service'],
        m['destination_workload'], m['destination_workload_namespace'], m['destination_app'], m['destination_version'],
        m['destination_service'], m['destination_service_namespace'], m['request_protocol'], m['connection_security_policy'],
        m['response_flags'], m['job'], m['source_principal'], m['destination_principal']],
      ['webapp', 'istioinaction', 'webapp', 'webapp', 'catalog', 'istioinaction', 'catalog', 'v1',
        'catalog.istioinaction.svc.cluster.local', 'istioinaction', 'http', 'mutual_tls', '-', 'envoy-stats',
        'spiffe://cluster.local/ns/istioinaction/sa/webapp', 'spiffe://cluster.local/ns/istioinaction/sa/catalog'], JSON.stringify(m));
    // The client side (webapp's sidecar) knows the server from the response's peer metadata.
    const [client] = await promQuery(prometheus, 'istio_requests_total{destination_service_name="catalog",reporter="source"}');
    assert.equal(client?.metric['destination_workload'], 'catalog', JSON.stringify(client?.metric));
    assert.equal(client?.metric['source_workload'], 'webapp', JSON.stringify(client?.metric));
    const [gateway] = await promQuery(prometheus, 'istio_requests_total{destination_service_name="webapp",reporter="source"}');
    assert.deepEqual([gateway?.metric['source_workload'], gateway?.metric['source_workload_namespace'], gateway?.metric['destination_workload']],
      ['istio-ingressgateway', 'istio-system', 'webapp'], JSON.stringify(gateway?.metric));
    assert.ok((await promQuery(prometheus, 'istio_request_duration_milliseconds_bucket{destination_service_name="catalog",le="+Inf"}')).length > 0);
    // The control plane's own metrics come from its monitoring port.
    assert.ok((await promQuery(prometheus, 'pilot_xds_pushes')).length > 0, 'pilot_xds_pushes scraped');

    // Tracing: a traced client (OpenTelemetry, B3 headers) calls the gateway; its span and the proxies'
    // spans form one trace in Strait's collector.
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'test-client' }),
      spanProcessors: [new SimpleSpanProcessor(new ZipkinExporter({ url: `${zipkinBase}/api/v2/spans` }))],
    });
    const tracer = provider.getTracer('observability-test');
    const root = tracer.startSpan('GET /api/catalog', { kind: SpanKind.CLIENT }, context.active());
    const sc = root.spanContext();
    const traced = await curl(url, ['-H', `x-b3-traceid: ${sc.traceId}`, '-H', `x-b3-spanid: ${sc.spanId}`, '-H', 'x-b3-sampled: 1']);
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    assert.equal(traced.status, 200);
    const spans = await waitFor('the trace in the collector', 30_000, async () => {
      const r = await fetch(`${zipkinBase}/api/v2/trace/${sc.traceId}`);
      if (r.status !== 200) return undefined;
      const s = await r.json() as ZipkinSpan[];
      return s.length >= 5 ? s : undefined;
    }, 500);
    const ids = new Set(spans.map((s) => s.id));
    const byService = (name: string): ZipkinSpan[] => spans.filter((s) => s.localEndpoint?.serviceName === name);
    t.diagnostic(`trace ${sc.traceId}: ${spans.map((s) => `${s.localEndpoint?.serviceName}/${s.kind}`).join(', ')}`);
    assert.equal(spans.filter((s) => s.parentId === undefined).length, 1, 'one root');
    assert.equal(spans.find((s) => s.parentId === undefined)?.id, sc.spanId, 'the client span is the root');
    for (const s of spans) if (s.parentId !== undefined) assert.ok(ids.has(s.parentId), `parent of ${s.name} is in the trace`);
    const [gw] = byService('istio-ingressgateway.istio-system');
    const webappSpans = byService('webapp.istioinaction');
    const [catalogSpan] = byService('catalog.istioinaction');
    assert.ok(gw && catalogSpan && webappSpans.length === 2, JSON.stringify(spans.map((s) => s.localEndpoint)));
    assert.equal(gw.parentId, sc.spanId);
    const webServer = webappSpans.find((s) => s.kind === 'SERVER')!;
    const webClient = webappSpans.find((s) => s.kind === 'CLIENT')!;
    assert.equal(webServer.parentId, gw.id, 'webapp\'s inbound span is the gateway\'s child');
    assert.equal(webClient.parentId, webServer.id, 'webapp\'s call to catalog is a child of its inbound span');
    assert.equal(catalogSpan.parentId, webClient.id);
    assert.equal(catalogSpan.kind, 'SERVER');
    assert.equal(catalogSpan.tags?.['http.status_code'], '200');
    assert.equal(catalogSpan.tags?.['istio.canonical_service'], 'catalog');
    const services = await (await fetch(`${zipkinBase}/api/v2/services`)).json() as string[];
    for (const s of ['catalog.istioinaction', 'webapp.istioinaction', 'istio-ingressgateway.istio-system']) assert.ok(services.includes(s), s);

    // Access logs: none in the default profile, until the book's Telemetry turns on the gateway's log.
    const gatewayLog = async (): Promise<string> => (await run(['logs', 'deploy/istio-ingressgateway', '-n', 'istio-system'])).stdout;
    assert.doesNotMatch(await gatewayLog(), /"GET \/api\/catalog HTTP\/1\.1" 200/);
    const applied = await run(['apply', '-f', join(BOOK, 'ch4/enable-ingress-gw-access-logs.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    const line = await waitFor('an access log line in the gateway\'s log', 20_000, async () => {
      await curl(url, ['-H', 'user-agent: access-log-check']);
      return (await gatewayLog()).split('\n').find((l) => /"GET \/api\/catalog HTTP\/1\.1" 200 .*"access-log-check"/.test(l));
    }, 500);
    assert.match(line, /^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] "GET \/api\/catalog HTTP\/1\.1" 200 - via_upstream - "-" 0 \d+ \d+ \d+ "[^"]*" "access-log-check" "[0-9a-f-]{36}" "[^"]+" "127\.94\.[\d.]+:8080" outbound\|80\|\|webapp\.istioinaction\.svc\.cluster\.local /);

    // Metric overrides: ch7's Telemetry adds two dimensions and removes request_protocol on istioinaction's proxies.
    const dims = await run(['apply', '-f', join(BOOK, 'ch7/metrics/v2/add-dimensions-telemetry.yaml')]);
    assert.equal(dims.code, 0, dims.stderr);
    const webapp = state.pods.find((p) => p.deployment === 'webapp')!;
    const series = await waitFor('webapp\'s series with the new dimensions', 20_000, async () => {
      await curl(url);
      const text = await (await fetch(`http://${webapp.podIp}:15090/stats/prometheus`)).text();
      return text.split('\n').find((l) => l.startsWith('istio_requests_total{') && l.includes('upstream_proxy_version='));
    }, 500);
    assert.match(series, /source_mesh_id="[^"]*"/);
    assert.doesNotMatch(series, /request_protocol=/);

    await run(['down']);
    await waitFor('strait up to exit', 20_000, () => (up.exitCode !== null ? true : undefined), 100);
  });
