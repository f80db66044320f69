// CDS translator tests: cluster names and types, Istio's defaults, DestinationRule policies
// (merge order, outlier, connection pool, consistent hash, TLS), auto mTLS and DNS ServiceEntries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { ClusterSchema, type Cluster } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RouteAction_HashPolicySchema } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { registry } from '../../../xds/registry.js';
import type { DestinationRuleSpec } from '../../config/kinds/destination-rule.js';
import { buildClustersOf } from './test-support.js';
import { hashPolicyFor } from './hash-policy.js';
import { parseClusterName } from './names.js';
import type { KubeObject } from '../../registry/input.js';
import { catalogMesh, dr, FakePush, pushFromRegistry, readYaml, service, sidecar } from './test-support.js';
import { allViewsIn } from '../../model/proxy-views.js';

const json = (c: Cluster): JsonObject => toJson(ClusterSchema, c, { registry, useProtoFieldName: true }) as JsonObject;
const byName = (cs: Cluster[], name: string): JsonObject => {
  const c = cs.find((x) => x.name === name);
  assert.ok(c, `no cluster ${name} in ${cs.map((x) => x.name).join(', ')}`);
  return json(c);
};
const CATALOG = 'catalog.istioinaction.svc.cluster.local';
const V1 = `outbound|80|version-v1|${CATALOG}`;
const MAIN = `outbound|80||${CATALOG}`;
const withDr = (spec: DestinationRuleSpec) => buildClustersOf(catalogMesh([dr('catalog', 'istioinaction', spec)]), sidecar());

describe('buildClusters', () => {
  it('gives the ch2 catalog DestinationRule its three outbound clusters for port 80', () => {
    for (const file of ['ch2/catalog-destinationrule.yaml', 'ch5/catalog-dest-rule.yaml']) {
      const rules = readYaml<DestinationRuleSpec>(file).map((r) => ({ ...r, metadata: { ...r.metadata, namespace: 'istioinaction' } }));
      const names = buildClustersOf(catalogMesh(rules), sidecar()).map((c) => c.name);
      assert.deepEqual(names.filter((n) => n.startsWith('outbound')),
        [MAIN, `outbound|80|version-v1|${CATALOG}`, `outbound|80|version-v2|${CATALOG}`], file);
    }
  });

  it('builds EDS clusters with Istio defaults, metadata and the sidecar fixed clusters', () => {
    const push = catalogMesh([dr('catalog', 'istioinaction', { host: 'catalog', subsets: [{ name: 'version-v1', labels: { version: 'v1' } }] })]);
    const cs = buildClustersOf(push, sidecar());
    assert.deepEqual(cs.map((c) => c.name), [MAIN, V1, 'BlackHoleCluster', 'PassthroughCluster', 'InboundPassthroughCluster']);
    const main = byName(cs, MAIN);
    assert.equal(main.type, 'EDS');
    assert.equal(main.lb_policy, 'LEAST_REQUEST');
    assert.equal(main.connect_timeout, '10s');
    assert.equal(main.alt_stat_name, `${MAIN};`);
    assert.deepEqual(main.eds_cluster_config, { eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, service_name: MAIN });
    assert.deepEqual(main.circuit_breakers, { thresholds: [{ max_connections: 4294967295, max_pending_requests: 4294967295,
      max_requests: 4294967295, max_retries: 4294967295, track_remaining: true }] });
    assert.deepEqual(main.common_lb_config, {});
    assert.deepEqual(main.metadata, { filter_metadata: { istio: {
      services: [{ host: CATALOG, name: 'catalog', namespace: 'istioinaction' }],
      config: '/apis/networking.istio.io/v1/namespaces/istioinaction/destination-rule/catalog',
    } } });
    assert.equal((byName(cs, V1).metadata as JsonObject & { filter_metadata: { istio: JsonObject } }).filter_metadata.istio.subset, 'version-v1');
    assert.deepEqual(byName(cs, 'BlackHoleCluster'), { name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: '10s',
      alt_stat_name: 'BlackHoleCluster;' });
    const pt = byName(cs, 'PassthroughCluster');
    assert.equal(pt.type, 'ORIGINAL_DST');
    assert.equal(pt.lb_policy, 'CLUSTER_PROVIDED');
    assert.deepEqual((pt.typed_extension_protocol_options as JsonObject)['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'], {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      common_http_protocol_options: { idle_timeout: '300s' },
      use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} },
    });
  });

  it('gives gateways outbound clusters and BlackHole only', () => {
    const names = buildClustersOf(catalogMesh(), sidecar({ type: 'router' })).map((c) => c.name);
    assert.deepEqual(names, [MAIN, 'BlackHoleCluster']);
  });

  it('builds a STATIC inbound cluster to the app address for the proxy\'s own instances', () => {
    const push = catalogMesh();
    const cs = buildClustersOf(push, sidecar({ ipAddresses: ['10.0.1.1'], appAddress: '127.0.0.1' }));
    const inbound = byName(cs, 'inbound|3000||');
    assert.equal(inbound.type, 'STATIC');
    assert.deepEqual((inbound.load_assignment as JsonObject).endpoints, [{ lb_endpoints: [{ endpoint: { address: {
      socket_address: { address: '127.0.0.1', port_value: 3000 } } } }] }]);
    assert.equal(inbound.lb_policy, undefined, 'inbound clusters get no load balancer policy');
    assert.equal(inbound.transport_socket_matches, undefined);
    assert.deepEqual((inbound.metadata as JsonObject & { filter_metadata: { istio: JsonObject } }).filter_metadata.istio.services,
      [{ host: CATALOG, name: 'catalog', namespace: 'istioinaction' }], 'the stats filter reads destination_service here');
  });

  it('uses h2 for gRPC ports and the downstream protocol for unnamed ports on sidecars', () => {
    const svc = service('grpc', 'ns', { ports: [{ name: 'grpc', port: 9000, protocol: 'GRPC' }, { name: 'x', port: 81, protocol: 'Unsupported' }] });
    const cs = buildClustersOf(new FakePush([svc], [], [], { enableAutoMtls: false }), sidecar());
    const opts = (n: string) => ((byName(cs, n).typed_extension_protocol_options as JsonObject)['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as JsonObject);
    assert.deepEqual(opts(`outbound|9000||grpc.ns.svc.cluster.local`).explicit_http_config, { http2_protocol_options: {} });
    assert.ok(opts(`outbound|81||grpc.ns.svc.cluster.local`).use_downstream_protocol_config);
  });
});

describe('discovery types by resolution', () => {
  it('Passthrough -> ORIGINAL_DST on sidecars (EDS on gateways); DNSRoundRobin -> LOGICAL_DNS with one endpoint', () => {
    const headless = service('db', 'ns', { resolution: 'Passthrough', ports: [{ name: 'tcp', port: 5432, protocol: 'TCP' }] });
    const rr = service('ext', 'ns', { hostname: 'api.example.com', resolution: 'DNSRoundRobin', meshExternal: true });
    const inst = (host: string, address: string, port: number) => ({
      hostname: host, servicePortName: 'p', servicePort: port, address, port, labels: {}, locality: { region: '', zone: '', subzone: '' },
      serviceAccount: '', identity: '', network: '', weight: 1, tlsMode: 'disabled', healthy: true, workload: '',
    });
    const push = new FakePush([headless, rr], [inst(rr.hostname, 'api.example.com', 80), inst(rr.hostname, 'api2.example.com', 80)]);
    const cs = buildClustersOf(push, sidecar());
    const db = byName(cs, 'outbound|5432||db.ns.svc.cluster.local');
    assert.equal(db.type, 'ORIGINAL_DST');
    assert.equal(db.lb_policy, 'CLUSTER_PROVIDED');
    const ext = byName(cs, 'outbound|80||api.example.com');
    assert.equal(ext.type, 'LOGICAL_DNS');
    assert.equal((((ext.load_assignment as JsonObject).endpoints as JsonObject[])[0].lb_endpoints as JsonObject[]).length, 1);
    assert.equal(byName(buildClustersOf(push, sidecar({ type: 'router' })), 'outbound|5432||db.ns.svc.cluster.local').type, 'EDS');
  });

  it('drops a DNS cluster without endpoints, as istiod', () => {
    const push = new FakePush([service('ext', 'ns', { hostname: 'gone.example.com', resolution: 'DNS' })], []);
    assert.deepEqual(buildClustersOf(push, sidecar({ type: 'router' })).map((c) => c.name), ['BlackHoleCluster']);
  });
});

describe('DestinationRule traffic policy', () => {
  it('port-level settings replace the top level; a subset replaces the components it sets', () => {
    const cs = withDr({
      host: 'catalog',
      trafficPolicy: {
        loadBalancer: { simple: 'RANDOM' }, connectionPool: { tcp: { maxConnections: 10 } },
        portLevelSettings: [{ port: { number: 80 }, loadBalancer: { simple: 'ROUND_ROBIN' } }],
      },
      subsets: [{ name: 'version-v1', labels: { version: 'v1' }, trafficPolicy: { connectionPool: { http: { http2MaxRequests: 7 } } } }],
    });
    const main = byName(cs, MAIN);
    // ROUND_ROBIN is lb_policy's default enum value, so JSON leaves it out.
    assert.equal(main.lb_policy ?? 'ROUND_ROBIN', 'ROUND_ROBIN');
    // The port-level entry has no connectionPool: defaults, not the top-level maxConnections.
    assert.equal(((main.circuit_breakers as JsonObject).thresholds as JsonObject[])[0].max_connections, 4294967295);
    const v1 = byName(cs, V1);
    assert.equal(v1.lb_policy ?? 'ROUND_ROBIN', 'ROUND_ROBIN', 'subset inherits the port-level load balancer');
    const t = ((v1.circuit_breakers as JsonObject).thresholds as JsonObject[])[0];
    assert.equal(t.max_requests, 7);
    assert.equal(t.max_connections, 4294967295);
  });

  it('a subset with its own matching portLevelSettings replaces all components', () => {
    const cs = withDr({
      host: 'catalog', trafficPolicy: { loadBalancer: { simple: 'RANDOM' }, outlierDetection: { consecutive5xxErrors: 3 } },
      subsets: [{ name: 'version-v1', labels: { version: 'v1' }, trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, connectionPool: { tcp: { maxConnections: 2 } } }] } }],
    });
    const v1 = byName(cs, V1);
    assert.equal(v1.lb_policy, 'LEAST_REQUEST');
    assert.equal(v1.outlier_detection, undefined);
    assert.equal(byName(cs, MAIN).lb_policy, 'RANDOM');
  });

  it('maps outlierDetection as Istio', () => {
    const c = byName(withDr({ host: 'catalog', trafficPolicy: { outlierDetection: {
      consecutive5xxErrors: 5, consecutiveGatewayErrors: 0, interval: '5s', baseEjectionTime: '30s', maxEjectionPercent: 100,
    } } }), MAIN);
    assert.deepEqual(c.outlier_detection, {
      consecutive_5xx: 5, interval: '5s', base_ejection_time: '30s', max_ejection_percent: 100, enforcing_consecutive_5xx: 100,
      enforcing_success_rate: 0, consecutive_gateway_failure: 0, enforcing_consecutive_gateway_failure: 0,
    });
    // A 0% panic threshold (panic mode off): the value is JSON's default, so it prints as {}.
    assert.deepEqual(c.common_lb_config, { healthy_panic_threshold: {} });
  });

  it('maps connectionPool to thresholds, timeouts, keepalive and HTTP options', () => {
    const c = byName(withDr({ host: 'catalog', trafficPolicy: { connectionPool: {
      tcp: { maxConnections: 100, connectTimeout: '30ms', tcpKeepalive: { time: '7200s', interval: '75s', probes: 9 } },
      http: { http1MaxPendingRequests: 1, http2MaxRequests: 2, maxRequestsPerConnection: 3, maxRetries: 4, idleTimeout: '15s', h2UpgradePolicy: 'UPGRADE' },
    } } }), MAIN);
    assert.equal(c.connect_timeout, '0.030s');
    assert.deepEqual(c.circuit_breakers, { thresholds: [{ max_connections: 100, max_pending_requests: 1, max_requests: 2, max_retries: 4, track_remaining: true }] });
    assert.deepEqual(c.upstream_connection_options, { tcp_keepalive: { keepalive_probes: 9, keepalive_time: 7200, keepalive_interval: 75 } });
    const o = (c.typed_extension_protocol_options as JsonObject)['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as JsonObject;
    assert.deepEqual(o.common_http_protocol_options, { idle_timeout: '15s', max_requests_per_connection: 3 });
    assert.deepEqual(o.explicit_http_config, { http2_protocol_options: {} });
  });

  it('consistentHash: RING_HASH with Envoy\'s 1024 by default, MAGLEV when set, hash policy for routes', () => {
    const spec: DestinationRuleSpec = { host: 'catalog', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } },
      subsets: [{ name: 'version-v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 65537 } } } } }] };
    const push = catalogMesh([dr('catalog', 'istioinaction', spec)]);
    const cs = buildClustersOf(push, sidecar());
    assert.equal(byName(cs, MAIN).lb_policy, 'RING_HASH');
    assert.deepEqual(byName(cs, MAIN).ring_hash_lb_config, { minimum_ring_size: '1024' });
    assert.equal(byName(cs, V1).lb_policy, 'MAGLEV');
    assert.deepEqual(byName(cs, V1).maglev_lb_config, { table_size: '65537' });
    const hp = (s: string) => hashPolicyFor(push, allViewsIn(push, sidecar()), CATALOG, 80, s).map((h) => toJson(RouteAction_HashPolicySchema, h, { useProtoFieldName: true }));
    assert.deepEqual(hp(''), [{ header: { header_name: 'x-user' } }]);
    assert.deepEqual(hp('version-v1'), [{ connection_properties: { source_ip: true } }]);
  });

  it('PASSTHROUGH makes an ORIGINAL_DST cluster', () => {
    const c = byName(withDr({ host: 'catalog', trafficPolicy: { loadBalancer: { simple: 'PASSTHROUGH' } } }), MAIN);
    assert.equal(c.type, 'ORIGINAL_DST');
    assert.equal(c.lb_policy, 'CLUSTER_PROVIDED');
    assert.equal(c.eds_cluster_config, undefined);
  });
});

describe('TLS', () => {
  const socket = (c: JsonObject) => ((c.transport_socket as JsonObject).typed_config as JsonObject);

  it('auto mTLS: tlsMode-istio (ISTIO_MUTUAL over SDS) and tlsMode-disabled (raw_buffer) socket matches', () => {
    const c = byName(buildClustersOf(catalogMesh(), sidecar()), MAIN);
    assert.equal(c.transport_socket, undefined);
    const [istio, plain] = c.transport_socket_matches as JsonObject[];
    assert.equal(istio.name, 'tlsMode-istio');
    assert.deepEqual(istio.match, { tlsMode: 'istio' });
    const ctx = (istio.transport_socket as JsonObject).typed_config as JsonObject;
    assert.equal(ctx.sni, `outbound_.80_._.${CATALOG}`);
    const common = ctx.common_tls_context as JsonObject;
    assert.deepEqual(common.alpn_protocols, ['istio-peer-exchange', 'istio']);
    assert.deepEqual(common.tls_params, { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' });
    assert.equal((common.tls_certificate_sds_secret_configs as JsonObject[])[0].name, 'default');
    const sdsSource = (common.tls_certificate_sds_secret_configs as JsonObject[])[0].sds_config as JsonObject;
    assert.deepEqual(sdsSource, { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }],
      set_node_on_first_message_only: true }, initial_fetch_timeout: '0s', resource_api_version: 'V3' });
    const combined = common.combined_validation_context as JsonObject;
    assert.deepEqual(combined.default_validation_context, { match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/istioinaction/sa/catalog' }] });
    assert.equal((combined.validation_context_sds_secret_config as JsonObject).name, 'ROOTCA');
    assert.deepEqual(plain, { name: 'tlsMode-disabled', match: {}, transport_socket: { name: 'envoy.transport_sockets.raw_buffer',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } } });
    assert.equal(byName(buildClustersOf(catalogMesh([], { enableAutoMtls: false }), sidecar()), MAIN).transport_socket_matches, undefined);
  });

  it('every outbound cluster, subsets too, carries the upstream TCP metadata exchange filter (istiod\'s TCPClusterMx)', () => {
    const cs = withDr({ host: 'catalog', subsets: [{ name: 'version-v1', labels: { version: 'v1' } }] });
    const mx = { name: 'istio.metadata_exchange', typed_config: { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
      type_url: 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange',
      value: { protocol: 'istio-peer-exchange', enable_discovery: true } } };
    assert.deepEqual(byName(cs, MAIN).filters, [mx]);
    assert.deepEqual(byName(cs, V1).filters, [mx]);
    assert.equal(byName(cs, 'PassthroughCluster').filters, undefined);
  });

  it('ISTIO_MUTUAL from a DestinationRule sets transport_socket with the subset SNI; certs can be files', () => {
    const spec: DestinationRuleSpec = { host: 'catalog', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } }, subsets: [{ name: 'version-v1', labels: { version: 'v1' } }] };
    const push = catalogMesh([dr('catalog', 'istioinaction', spec)]);
    const cs = buildClustersOf(push, sidecar(), { istioMutualCerts: { certChain: '/c/cert.pem', privateKey: '/c/key.pem', rootCert: '/c/root.pem' } });
    const ctx = socket(byName(cs, V1));
    assert.equal(ctx.sni, `outbound_.80_.version-v1_.${CATALOG}`);
    const common = ctx.common_tls_context as JsonObject;
    assert.deepEqual(common.tls_certificates, [{ certificate_chain: { filename: '/c/cert.pem' }, private_key: { filename: '/c/key.pem' } }]);
    assert.deepEqual((common.validation_context as JsonObject).trusted_ca, { filename: '/c/root.pem' });
  });

  it('SIMPLE and MUTUAL originate TLS with inline files, auto SNI/SAN and alpn_override', () => {
    const cs = withDr({ host: 'catalog', trafficPolicy: { tls: { mode: 'SIMPLE', caCertificates: '/etc/ca.pem' } },
      subsets: [{ name: 'version-v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'MUTUAL', clientCertificate: '/a.pem', privateKey: '/k.pem', sni: 'x.example' } } }] });
    const main = byName(cs, MAIN);
    const ctx = socket(main);
    assert.deepEqual((ctx.common_tls_context as JsonObject).validation_context, { trusted_ca: { filename: '/etc/ca.pem' } });
    const o = (main.typed_extension_protocol_options as JsonObject)['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as JsonObject;
    assert.deepEqual(o.upstream_http_protocol_options, { auto_sni: true, auto_san_validation: true });
    assert.equal(((main.metadata as JsonObject).filter_metadata as JsonObject & { istio: JsonObject }).istio.alpn_override, 'false');
    const v1 = socket(byName(cs, V1));
    assert.equal(v1.sni, 'x.example');
    assert.deepEqual((v1.common_tls_context as JsonObject).tls_certificates, [{ certificate_chain: { filename: '/a.pem' }, private_key: { filename: '/k.pem' } }]);
    assert.equal(byName(withDr({ host: 'catalog', trafficPolicy: { tls: { mode: 'DISABLE' } } }), MAIN).transport_socket, undefined);
  });
});

describe('DNS ServiceEntry', () => {
  it('ch5 forum ServiceEntry -> STRICT_DNS with a load_assignment and DNS settings', () => {
    const objects = readYaml('ch5/forum-serviceentry.yaml') as unknown as KubeObject[];
    const host = 'jsonplaceholder.typicode.com';
    const push = pushFromRegistry(objects);
    const c = byName(buildClustersOf(push, sidecar()), `outbound|80||${host}`);
    assert.equal(c.type, 'STRICT_DNS');
    assert.equal(c.dns_lookup_family, 'V4_ONLY');
    assert.equal(c.respect_dns_ttl, true);
    assert.equal(c.dns_refresh_rate, '60s');
    assert.deepEqual(((c.load_assignment as JsonObject).endpoints as JsonObject[])[0].lb_endpoints, [{
      endpoint: { address: { socket_address: { address: host, port_value: 80 } } }, health_status: 'HEALTHY', load_balancing_weight: 1,
      metadata: { filter_metadata: { istio: { workload: 'jsonplaceholder;istioinaction;jsonplaceholder;;Kubernetes' } } },
    }]);
    assert.equal(c.transport_socket_matches, undefined, 'mesh-external services get no auto mTLS');
    assert.equal(((c.metadata as JsonObject).filter_metadata as JsonObject & { istio: JsonObject }).istio.external, true);
  });
});

describe('parseClusterName', () => {
  it('splits Istio cluster names', () => {
    assert.deepEqual(parseClusterName(V1), { direction: 'outbound', port: 80, subset: 'version-v1', host: CATALOG });
    assert.deepEqual(parseClusterName('inbound|3000||'), { direction: 'inbound', port: 3000, subset: '', host: '' });
    assert.equal(parseClusterName('BlackHoleCluster'), undefined);
  });
});
