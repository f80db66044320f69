// Unit tests of Istio's telemetry pieces: the peer metadata header round trip, standard labels,
// dimension expressions and overrides, the stats config, and tagged stats in /stats/prometheus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderMap } from '../http/headers.js';
import { StatsStore } from '../stats/store.js';
import { PrometheusNamer, renderPrometheus } from '../stats/render-prometheus.js';
import { renderStatsText } from '../stats/render-text.js';
import { parseStatsParams } from '../stats/stats-params.js';
import { snapshot } from '../stats/snapshot.js';
import { compileExpression, type AttributeContext } from './expressions.js';
import { applyOverrides } from './istio-metrics.js';
import { decodePeerMetadata, encodePeerMetadata, exchangedMetadata } from './peer-metadata-codec.js';
import { peerFromMetadata } from './peer-info.js';
import { parseStatsConfig } from './stats-config.js';
import { reporterOf, serviceFromClusterMetadata, standardLabels } from './standard-labels.js';

const NODE_METADATA = {
  NAME: 'web-6d8f9c-abcde', NAMESPACE: 'shop', WORKLOAD_NAME: 'web', CLUSTER_ID: 'Kubernetes',
  OWNER: 'kubernetes://apis/apps/v1/namespaces/shop/deployments/web', ISTIO_VERSION: '1.17.8',
  SERVICE_ACCOUNT: 'web', LABELS: { app: 'web', version: 'v1', team: 'a', 'service.istio.io/canonical-name': 'web' },
};

test('the exchanged Struct keeps Istio\'s keys and labels and round-trips through base64', () => {
  const md = exchangedMetadata(NODE_METADATA);
  assert.deepEqual(md, {
    NAME: 'web-6d8f9c-abcde', NAMESPACE: 'shop', OWNER: NODE_METADATA.OWNER, WORKLOAD_NAME: 'web',
    CLUSTER_ID: 'Kubernetes', LABELS: { app: 'web', version: 'v1', 'service.istio.io/canonical-name': 'web' },
  });
  const b64 = encodePeerMetadata(md);
  assert.match(b64, /^[A-Za-z0-9+/]+=*$/);
  assert.deepEqual(decodePeerMetadata(b64), md);
  assert.deepEqual(decodePeerMetadata(b64.replace(/=+$/, '')), md, 'unpadded base64 decodes too');
  const reordered = { LABELS: md['LABELS']!, CLUSTER_ID: 'Kubernetes', WORKLOAD_NAME: 'web', OWNER: NODE_METADATA.OWNER,
    NAMESPACE: 'shop', NAME: 'web-6d8f9c-abcde' };
  assert.equal(encodePeerMetadata(reordered), b64, 'serialization is deterministic');
  assert.equal(decodePeerMetadata('\u0000not base64 struct'), undefined);
});

test('standard labels follow Istio\'s order with unknown and latest defaults', () => {
  const self = peerFromMetadata('id', NODE_METADATA);
  const tags = standardLabels({
    reporter: 'destination', source: undefined, destination: self, sourcePrincipal: 'unknown',
    destinationPrincipal: 'unknown', service: serviceFromClusterMetadata({ services: [{ host: 'web.shop.svc.cluster.local', name: 'web', namespace: 'shop' }] }),
    protocol: 'http', responseCode: '200', grpcStatus: '', responseFlags: '-', securityPolicy: 'none',
  });
  assert.deepEqual(tags.map((t) => `${t.name}=${t.value}`), [
    'reporter=destination', 'source_workload=unknown', 'source_canonical_service=unknown',
    'source_canonical_revision=latest', 'source_workload_namespace=unknown', 'source_principal=unknown',
    'source_app=unknown', 'source_version=unknown', 'source_cluster=unknown', 'destination_workload=web',
    'destination_workload_namespace=shop', 'destination_principal=unknown', 'destination_app=web',
    'destination_version=v1', 'destination_service=web.shop.svc.cluster.local', 'destination_canonical_service=web',
    'destination_canonical_revision=v1', 'destination_service_name=web', 'destination_service_namespace=shop',
    'destination_cluster=Kubernetes', 'request_protocol=http', 'response_code=200', 'grpc_response_status=',
    'response_flags=-', 'connection_security_policy=none',
  ]);
  const tcp = standardLabels({ reporter: 'source', source: self, destination: undefined, sourcePrincipal: 'unknown',
    destinationPrincipal: 'unknown', service: undefined, protocol: 'tcp', responseFlags: 'UF', securityPolicy: 'unknown' });
  assert.ok(!tcp.some((t) => t.name === 'response_code' || t.name === 'grpc_response_status'));
  assert.equal(tcp.find((t) => t.name === 'destination_service')?.value, 'unknown');
});

test('the reporter: destination on inbound listeners, source otherwise, waypoint for SERVER_GATEWAY', () => {
  assert.equal(reporterOf(true, false), 'destination');
  assert.equal(reporterOf(false, false), 'source');
  assert.equal(reporterOf(true, true), 'waypoint');
  assert.equal(parseStatsConfig({ reporter: 'SERVER_GATEWAY' }, '.c').serverGateway, true);
});

test('a peer without canonical labels gets the injector\'s defaults', () => {
  const p = peerFromMetadata('x', { WORKLOAD_NAME: 'sleep', LABELS: { 'app.kubernetes.io/name': 'sleepy' } });
  assert.deepEqual([p.canonicalService, p.canonicalRevision, p.app, p.namespace], ['sleepy', 'latest', 'unknown', 'unknown']);
});

test('dimension expressions read the request, the node and the peers; others are unknown', () => {
  const headers = new HeaderMap();
  headers.add('x-user', 'alice');
  const ctx: AttributeContext = {
    request: { method: 'POST', path: '/a/b?q=1', authority: 'web:8080', scheme: 'http', protocol: 'HTTP/1.1', headers },
    nodeMetadata: NODE_METADATA, upstreamPeer: peerFromMetadata('up', { WORKLOAD_NAME: 'db', ISTIO_VERSION: '1.20.0' }),
    clusterName: 'outbound|80||web.shop.svc.cluster.local',
  };
  const ev = (e: string): string | undefined => compileExpression(e)(ctx);
  assert.equal(ev("'literal'"), 'literal');
  assert.equal(ev('"dq"'), 'dq');
  assert.equal(ev('request.host'), 'web:8080');
  assert.equal(ev('request.method'), 'POST');
  assert.equal(ev('request.url_path'), '/a/b');
  assert.equal(ev("request.headers['x-user']"), 'alice');
  assert.equal(ev("request.headers['x-missing']"), undefined);
  assert.equal(ev("node.metadata['SERVICE_ACCOUNT']"), 'web');
  assert.equal(ev('upstream_peer.istio_version'), '1.20.0');
  assert.equal(ev('upstream_peer.workload'), 'db');
  assert.equal(ev('downstream_peer.workload'), undefined);
  assert.equal(ev('xds.cluster_name'), 'outbound|80||web.shop.svc.cluster.local');
  assert.equal(ev('size(request.headers) > 2'), undefined);
});

test('overrides replace, append and remove labels; a nameless entry applies to every metric', () => {
  const cfg = parseStatsConfig({ metrics: [
    { dimensions: { request_host: 'request.host' } },
    { name: 'requests_total', dimensions: { source_app: "'override'", bogus: 'no.such.attr' }, tags_to_remove: ['response_flags'] },
    { name: 'request_bytes', drop: true },
  ], disable_host_header_fallback: true }, '.cfg');
  assert.equal(cfg.disableHostHeaderFallback, true);
  assert.equal(cfg.tcpReportingMs, 5000);
  assert.equal(cfg.metrics.get('request_bytes')!.drop, true);
  const base = [{ name: 'reporter', value: 'source' }, { name: 'source_app', value: 'a' }, { name: 'response_flags', value: '-' }];
  const headers = new HeaderMap();
  const ctx: AttributeContext = { request: { method: 'GET', path: '/', authority: 'h', scheme: 'http', protocol: 'HTTP/1.1', headers }, clusterName: '' };
  assert.deepEqual(applyOverrides(base, cfg.metrics.get('requests_total')!, ctx), [
    { name: 'reporter', value: 'source' }, { name: 'source_app', value: 'override' },
    { name: 'bogus', value: 'unknown' }, { name: 'request_host', value: 'h' },
  ]);
  assert.deepEqual(applyOverrides(base, cfg.metrics.get('response_bytes')!, ctx).map((t) => t.name),
    ['reporter', 'source_app', 'response_flags', 'request_host']);
  assert.throws(() => parseStatsConfig({ reporter: 'CLIENT' }, '.cfg'), /\.cfg\.reporter: unknown value/);
  assert.equal(parseStatsConfig({ tcp_reporting_duration: '0.5s' }, '.c').tcpReportingMs, 500);
});

test('tagged stats: joined names in /stats, istio_ families without envoy_ in Prometheus', () => {
  const store = new StatsStore();
  const tags = [{ name: 'reporter', value: 'destination' }, { name: 'grpc_response_status', value: '' },
    { name: 'destination_service', value: 'web.shop.svc.cluster.local' }];
  store.counterWithTags('istiocustom.istio_requests_total', tags).inc(3);
  store.histogramWithTags('istiocustom.istio_request_bytes', tags, 'bytes').record(700);
  store.counter('cluster.a.upstream_rq_total').inc();
  const snap = snapshot(store);
  const params = parseStatsParams(new Map());
  assert.ok(params.ok);
  const text = renderStatsText(snap, params.params);
  assert.match(text, /^istiocustom\.istio_requests_total\.reporter\.destination\.grpc_response_status\.destination_service\.web\.shop\.svc\.cluster\.local: 3$/m);
  const prom = renderPrometheus(snap, new PrometheusNamer());
  const labels = 'reporter="destination",grpc_response_status="",destination_service="web.shop.svc.cluster.local"';
  assert.match(prom, /^# TYPE istio_requests_total counter$/m);
  assert.ok(prom.includes(`\nistio_requests_total{${labels}} 3\n`), prom);
  assert.ok(prom.includes(`istio_request_bytes_bucket{${labels},le="1000"} 1\n`));
  assert.ok(prom.includes(`istio_request_bytes_bucket{${labels},le="500"} 0\n`));
  assert.ok(prom.includes(`istio_request_bytes_count{${labels}} 1\n`));
  assert.match(prom, /^envoy_cluster_upstream_rq_total\{envoy_cluster_name="a"\} 1$/m);
});
