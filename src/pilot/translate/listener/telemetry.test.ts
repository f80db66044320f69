// Telemetry translation on the book's files: ch4's gateway access log, ch7's tag overrides in the
// istio.stats config, tracing sampling, custom tags and providers in the HCM's tracing section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { registry } from '../../../xds/registry.js';
import { parse } from 'yaml';
import type { ConfigObject } from '../../config/object.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import type { ProxyNode } from '../../model/proxy.js';
import { buildListenersOf } from './test-support.js';
import { fakeInstance, fakeProxy, fakePush, fakeService, loadBook } from './test-support.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const json = (l: Listener): J => toJson(ListenerSchema, l, { registry }) as JsonObject as J;

const gatewayProxy = fakeProxy('router', 'istio-system', { labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } });
const webapp = fakeProxy('sidecar', 'istioinaction', { labels: { app: 'webapp' }, workloadName: 'webapp-7d5b9-x2k4q', metadata: { WORKLOAD_NAME: 'webapp' } });
const webappInstance = fakeInstance('webapp.istioinaction.svc.cluster.local', 'http', 80, 8080);
const catalog = fakeService('catalog.istioinaction.svc.cluster.local', 'istioinaction', [{ name: 'http', port: 80, targetPort: 3000, protocol: 'HTTP' }], ['10.96.0.10']);

/** The HCMs of a proxy's listeners. */
function hcms(configs: ConfigObject[], proxy: ProxyNode, mesh: Partial<MeshConfig> = {}): J[] {
  const push = fakePush({ configs, mesh, services: [catalog], proxyInstances: proxy.type === 'router'
    ? [fakeInstance('istio-ingressgateway.istio-system.svc.cluster.local', 'http2', 80, 8080)] : [webappInstance] });
  return buildListenersOf(push, proxy).map(json).flatMap((l) => l.filterChains ?? [])
    .flatMap((c: J) => c.filters.map((f: J) => f.typedConfig)).filter((t: J) => t['@type'].endsWith('HttpConnectionManager'));
}

const filter = (hcm: J, name: string): J | undefined => hcm.httpFilters.find((f: J) => f.name === name);

test('ch4 enable-ingress-gw-access-logs: the gateway HCM logs to /dev/stdout in Istio\'s format; sidecars do not', () => {
  const configs = [...loadBook('ch2/ingress-gateway.yaml', 'istioinaction'), ...loadBook('ch4/enable-ingress-gw-access-logs.yaml', 'istio-system')];
  const [gw] = hcms(configs, gatewayProxy);
  assert.equal(gw.accessLog.length, 1);
  assert.equal(gw.accessLog[0].name, 'envoy.access_loggers.file');
  assert.equal(gw.accessLog[0].typedConfig.path, '/dev/stdout');
  assert.match(gw.accessLog[0].typedConfig.logFormat.textFormatSource.inlineString, /^\[%START_TIME%\] "%REQ\(:METHOD\)% /);
  for (const h of hcms(configs, webapp)) assert.equal(h.accessLog, undefined);
  // Without the Telemetry, no access log.
  assert.equal(hcms(loadBook('ch2/ingress-gateway.yaml', 'istioinaction'), gatewayProxy)[0].accessLog, undefined);
});

test('a custom access log format gets the newline Istio inserts when it has none', () => {
  const configs = [...loadBook('ch2/ingress-gateway.yaml', 'istioinaction'), ...loadBook('ch4/enable-ingress-gw-access-logs.yaml', 'istio-system')];
  const format = (mesh: Partial<MeshConfig>): string => hcms(configs, gatewayProxy, mesh)[0].accessLog[0].typedConfig.logFormat.textFormatSource.inlineString;
  assert.equal(format({ accessLogFormat: 'peer=%DOWNSTREAM_PEER_URI_SAN%' }), 'peer=%DOWNSTREAM_PEER_URI_SAN%\n');
  assert.equal(format({ accessLogFormat: 'peer=%DOWNSTREAM_PEER_URI_SAN%\n' }), 'peer=%DOWNSTREAM_PEER_URI_SAN%\n');
});

test('ch7 add-dimensions-telemetry: istio.stats gets the UPSERT dimensions and the REMOVE tag for requests_total', () => {
  const configs = loadBook('ch7/metrics/v2/add-dimensions-telemetry.yaml', 'istioinaction');
  for (const h of hcms(configs, webapp)) {
    const stats = filter(h, 'istio.stats');
    assert.ok(stats, 'istio.stats filter');
    assert.equal(stats.typedConfig['@type'], 'type.googleapis.com/xds.type.v3.TypedStruct');
    assert.equal(stats.typedConfig.typeUrl, 'type.googleapis.com/stats.PluginConfig');
    assert.deepEqual(stats.typedConfig.value.metrics, [{
      name: 'requests_total',
      dimensions: { upstream_proxy_version: 'upstream_peer.istio_version', source_mesh_id: "node.metadata['MESH_ID']" },
      tags_to_remove: ['request_protocol'],
    }]);
    assert.ok(filter(h, 'istio.metadata_exchange'), 'metadata exchange filter');
  }
  // The override is in istioinaction: the gateway's stats keep the defaults.
  const gw = filter(hcms([...configs, ...loadBook('ch2/ingress-gateway.yaml', 'istioinaction')], gatewayProxy)[0], 'istio.stats');
  assert.deepEqual(gw?.typedConfig.value.metrics, []);
});

test('metrics disabled for the prometheus provider drop istio.stats and the metadata exchange', () => {
  const t = parse(`apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh-default, namespace: istio-system}
spec:
  metrics:
  - providers: [{name: prometheus}]
    overrides: [{match: {metric: ALL_METRICS, mode: SERVER}, disabled: true}]
`) as ConfigObject;
  const [inbound] = hcms([t], webapp).filter((h) => h.statPrefix.startsWith('inbound_'));
  const metrics = filter(inbound, 'istio.stats')?.typedConfig.value.metrics as J[];
  assert.ok(metrics.every((m) => m.drop === true) && metrics.length === 10, 'every metric dropped on the server side');
  const outbound = hcms([t], webapp).find((h) => !h.statPrefix.startsWith('inbound_'));
  assert.deepEqual(filter(outbound!, 'istio.stats')?.typedConfig.value.metrics, [], 'client side unchanged');
});

test('tracing: mesh sampling by default, Telemetry sampling and custom tags, a zipkin provider names its outbound cluster', () => {
  const [gw] = hcms(loadBook('ch2/ingress-gateway.yaml', 'istioinaction'), gatewayProxy, { tracingSampling: 100 });
  assert.equal(gw.tracing.randomSampling.value, 100);
  assert.equal(gw.tracing.provider, undefined, 'legacy tracing: the bootstrap\'s zipkin tracer');
  assert.deepEqual(gw.tracing.customTags.map((t: J) => t.tag),
    ['istio.canonical_revision', 'istio.canonical_service', 'istio.cluster_id', 'istio.mesh_id', 'istio.namespace']);
  assert.equal(gw.tracing.customTags[1].literal.value, 'istio-ingressgateway');

  const t = parse(`apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: tracing, namespace: istioinaction}
spec:
  tracing:
  - providers: [{name: zipkin}]
    randomSamplingPercentage: 25
    customTags:
      custom_tag: {literal: {value: Test Tag}}
      user: {header: {name: x-user, defaultValue: anonymous}}
`) as ConfigObject;
  const mesh = { extensionProviders: [{ name: 'zipkin', zipkin: { service: 'zipkin.istio-system.svc.cluster.local', port: 9411 } }] };
  for (const h of hcms([t], webapp, mesh)) {
    assert.equal(h.tracing.randomSampling.value, 25);
    assert.equal(h.tracing.provider.name, 'envoy.tracers.zipkin');
    assert.equal(h.tracing.provider.typedConfig.collectorCluster, 'outbound|9411||zipkin.istio-system.svc.cluster.local');
    assert.equal(h.tracing.provider.typedConfig.collectorEndpoint, '/api/v2/spans');
    assert.equal(h.tracing.provider.typedConfig.collectorEndpointVersion, 'HTTP_JSON');
    assert.equal(h.tracing.provider.typedConfig.traceId128bit, true);
    const tags = Object.fromEntries(h.tracing.customTags.map((c: J) => [c.tag, c]));
    assert.equal(tags['custom_tag'].literal.value, 'Test Tag');
    assert.deepEqual(tags['user'].requestHeader, { name: 'x-user', defaultValue: 'anonymous' });
    assert.equal(tags['istio.canonical_service'].literal.value, 'webapp');
  }
  // enableTracing off and no Telemetry: no tracing section.
  assert.equal(hcms([], webapp, { enableTracing: false })[0].tracing, undefined);
});
