// A mesh proxy's bootstrap loads in Strait's own bootstrap validation, with istiod's node id
// and the metadata the control plane reads back (namespace, labels, local addresses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiConfigSource_ApiType } from '../../xds/gen/envoy/config/core/v3/config_source_pb.js';
import { loadBootstrap } from '../../proxy/bootstrap/load.js';
import { proxyFromNode } from '../../pilot/model/proxy-from-node.js';
import { ISTIO_VERSION, proxyBootstrap, workloadFromPodName } from './bootstrap.js';

test('a sidecar bootstrap validates and carries what pilot reads of the node', () => {
  const b = proxyBootstrap({
    type: 'sidecar', podName: 'catalog-0', namespace: 'istioinaction', podIp: '127.1.0.7', appAddress: '127.2.0.7',
    labels: { app: 'catalog', version: 'v1' }, serviceAccount: 'catalog', xdsHost: '127.0.0.1', xdsPort: 15010, httpProxyPort: 15080,
  });
  const loaded = loadBootstrap({ yaml: JSON.stringify(b) });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  const node = loaded.bootstrap.node!;
  assert.equal(node.id, 'sidecar~127.1.0.7~catalog-0.istioinaction~istioinaction.svc.cluster.local');
  assert.equal(node.cluster, 'catalog.istioinaction');
  const p = proxyFromNode(node);
  assert.deepEqual([p.type, p.namespace, p.workloadName, p.bindAddress, p.appAddress, p.httpProxyPort, p.serviceAccount],
    ['sidecar', 'istioinaction', 'catalog-0', '127.1.0.7', '127.2.0.7', 15080, 'catalog']);
  assert.deepEqual(p.labels, { app: 'catalog', version: 'v1', 'service.istio.io/canonical-name': 'catalog',
    'service.istio.io/canonical-revision': 'v1' });
  assert.deepEqual(loaded.bootstrap.staticResources!.listeners.map((l) => l.name), ['prometheus_stats', 'health_status']);
  // The mesh's proxies use incremental xDS: an edit sends only what changed.
  assert.equal(loaded.bootstrap.dynamicResources!.adsConfig!.apiType, ApiConfigSource_ApiType.DELTA_GRPC);
});

test('with a Zipkin address the bootstrap has Istio\'s zipkin tracer and a static zipkin cluster', () => {
  const b = proxyBootstrap({
    type: 'router', podName: 'istio-ingressgateway-0', namespace: 'istio-system', podIp: '127.1.0.8',
    labels: { istio: 'ingressgateway' }, xdsHost: '127.0.0.1', xdsPort: 15010, zipkin: { host: '127.1.0.9', port: 9411 },
  });
  const loaded = loadBootstrap({ yaml: JSON.stringify(b) });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  assert.equal(loaded.bootstrap.tracing?.http?.name, 'envoy.tracers.zipkin');
  const zipkin = loaded.bootstrap.staticResources!.clusters.find((c) => c.name === 'zipkin');
  assert.ok(zipkin, 'zipkin cluster');
});

test('the node metadata names the workload, its owner and Istio version as the injector does', () => {
  const b = proxyBootstrap({
    type: 'sidecar', podName: 'web-api-5d9c7b8f4-x2x9z', namespace: 'shop', podIp: '127.1.0.8',
    labels: { 'app.kubernetes.io/name': 'webapi' }, xdsHost: '127.0.0.1', xdsPort: 15010,
  }) as { node: { metadata: Record<string, unknown> } };
  const md = b.node.metadata;
  assert.equal(md['WORKLOAD_NAME'], 'web-api');
  assert.equal(md['OWNER'], 'kubernetes://apis/apps/v1/namespaces/shop/deployments/web-api');
  assert.equal(md['ISTIO_VERSION'], ISTIO_VERSION);
  assert.deepEqual(md['LABELS'], { 'app.kubernetes.io/name': 'webapi', 'service.istio.io/canonical-name': 'webapi',
    'service.istio.io/canonical-revision': 'latest' });
  assert.equal(workloadFromPodName('catalog-0'), 'catalog-0');
});
