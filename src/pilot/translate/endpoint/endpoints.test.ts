// EDS translator tests: subset narrowing, locality grouping and weights, health, endpoint
// metadata (workload string, tlsMode socket match) and locality failover priorities.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { DestinationRuleSpec } from '../../config/kinds/destination-rule.js';
import { catalogMesh, dr, FakePush, instance, service, sidecar } from '../cluster/test-support.js';
import { buildEndpoints } from './endpoints.js';

const CATALOG = 'catalog.istioinaction.svc.cluster.local';
const json = (c: ClusterLoadAssignment | undefined): JsonObject => {
  assert.ok(c);
  return toJson(ClusterLoadAssignmentSchema, c, { useProtoFieldName: true }) as JsonObject;
};
const SUBSETS: DestinationRuleSpec = { host: 'catalog', subsets: [{ name: 'version-v1', labels: { version: 'v1' } }, { name: 'version-v2', labels: { version: 'v2' } }] };

describe('buildEndpoints', () => {
  it('narrows a subset cluster to the subset labels, with Istio endpoint metadata', () => {
    const push = catalogMesh([dr('catalog', 'istioinaction', SUBSETS)]);
    const cla = json(buildEndpoints(push, sidecar(), `outbound|80|version-v1|${CATALOG}`));
    assert.deepEqual(cla, {
      cluster_name: `outbound|80|version-v1|${CATALOG}`,
      endpoints: [{ locality: {}, load_balancing_weight: 1, lb_endpoints: [{
        endpoint: { address: { socket_address: { address: '10.0.1.1', port_value: 3000 } } },
        health_status: 'HEALTHY', load_balancing_weight: 1,
        metadata: { filter_metadata: {
          'envoy.transport_socket_match': { tlsMode: 'istio' },
          istio: { workload: 'catalog-v1;istioinaction;catalog;v1;Kubernetes' },
        } },
      }] }],
    });
    assert.equal((json(buildEndpoints(push, sidecar(), `outbound|80||${CATALOG}`)).endpoints as JsonObject[])[0].load_balancing_weight, 2);
    assert.deepEqual(json(buildEndpoints(push, sidecar(), `outbound|80|nope|${CATALOG}`)), { cluster_name: `outbound|80|nope|${CATALOG}` });
    assert.equal(buildEndpoints(push, sidecar(), 'BlackHoleCluster'), undefined);
  });

  it('drops the tlsMode match when the DestinationRule sets non-ISTIO_MUTUAL TLS, and unhealthy endpoints', () => {
    const catalog = service('catalog', 'istioinaction');
    const push = new FakePush([catalog], [instance(catalog, '10.0.1.1', { version: 'v1' }), instance(catalog, '10.0.1.3', { version: 'v1' }, { healthy: false })],
      [dr('catalog', 'istioinaction', { host: 'catalog', trafficPolicy: { tls: { mode: 'DISABLE' } } })]);
    const eps = ((json(buildEndpoints(push, sidecar(), `outbound|80||${CATALOG}`)).endpoints as JsonObject[])[0].lb_endpoints as JsonObject[]);
    assert.equal(eps.length, 1);
    assert.equal(((eps[0].metadata as JsonObject).filter_metadata as JsonObject)['envoy.transport_socket_match'], undefined);
    const all = buildEndpoints(push, sidecar(), `outbound|80||${CATALOG}`, { sendUnhealthyEndpoints: true });
    assert.equal(json(all).endpoints && ((json(all).endpoints as JsonObject[])[0].lb_endpoints as JsonObject[])[1].health_status, 'UNHEALTHY');
  });

  it('groups by locality and ranks localities by proximity when outlier detection is on', () => {
    const catalog = service('catalog', 'istioinaction');
    const at = (ip: string, region: string, zone: string, weight = 0) =>
      instance(catalog, ip, { version: 'v1' }, { locality: { region, zone, subzone: '' }, weight });
    const instances = [at('10.0.2.1', 'us-west', 'b'), at('10.0.2.2', 'us-west', 'a', 3), at('10.0.2.3', 'eu', 'a'), at('10.0.2.4', 'us-west', 'a')];
    const proxy = sidecar({ locality: { region: 'us-west', zone: 'a', subzone: '' } });
    const withOutlier = new FakePush([catalog], instances, [dr('catalog', 'istioinaction', { host: 'catalog', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 1 } } })]);
    const cla = json(buildEndpoints(withOutlier, proxy, `outbound|80||${CATALOG}`));
    const summary = (cla.endpoints as JsonObject[]).map((e) => [e.locality, e.priority ?? 0, e.load_balancing_weight]);
    assert.deepEqual(summary, [
      [{ region: 'eu', zone: 'a' }, 2, 1],
      [{ region: 'us-west', zone: 'a' }, 0, 4],
      [{ region: 'us-west', zone: 'b' }, 1, 1],
    ]);
    const plain = json(buildEndpoints(new FakePush([catalog], instances), proxy, `outbound|80||${CATALOG}`));
    assert.ok((plain.endpoints as JsonObject[]).every((e) => e.priority === undefined), 'no failover without outlier detection');
  });

  it('splits localities by failoverPriority labels shared with the proxy', () => {
    const catalog = service('catalog', 'istioinaction');
    const push = new FakePush([catalog], [
      instance(catalog, '10.0.4.1', { version: 'v1', rack: 'r1' }), instance(catalog, '10.0.4.2', { version: 'v2', rack: 'r1' }),
      instance(catalog, '10.0.4.3', { version: 'v1', rack: 'r2' }),
    ], [dr('catalog', 'istioinaction', { host: 'catalog', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 1 },
      loadBalancer: { localityLbSetting: { failoverPriority: ['rack', 'version'] } } } })]);
    const cla = json(buildEndpoints(push, sidecar({ labels: { rack: 'r1', version: 'v1' } }), `outbound|80||${CATALOG}`));
    const summary = (cla.endpoints as JsonObject[]).map((e) => [e.priority ?? 0,
      (e.lb_endpoints as JsonObject[]).map((l) => (((l.endpoint as JsonObject).address as JsonObject).socket_address as JsonObject).address)]);
    assert.deepEqual(summary, [[0, ['10.0.4.1']], [1, ['10.0.4.2']], [2, ['10.0.4.3']]]);
  });

  it('applies distribute weights from the DestinationRule', () => {
    const catalog = service('catalog', 'istioinaction');
    const at = (ip: string, region: string) => instance(catalog, ip, {}, { locality: { region, zone: 'z', subzone: '' } });
    const push = new FakePush([catalog], [at('10.0.3.1', 'us'), at('10.0.3.2', 'eu')], [dr('catalog', 'istioinaction', { host: 'catalog', trafficPolicy: {
      loadBalancer: { localityLbSetting: { distribute: [{ from: 'us/*', to: { 'us/*': 80, 'eu/*': 20 } }] } } } })]);
    const cla = json(buildEndpoints(push, sidecar({ locality: { region: 'us', zone: 'z', subzone: '' } }), `outbound|80||${CATALOG}`));
    assert.deepEqual((cla.endpoints as JsonObject[]).map((e) => e.load_balancing_weight), [20, 80]);
  });
});
