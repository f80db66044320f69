// dynamic_resources as Strait reads it: the ADS target from the static xDS cluster, SotW or
// delta, and errors with field paths for what Strait can't run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { BootstrapSchema, type Bootstrap } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { registry } from '../../xds/registry.js';
import { adsSettings } from './ads-config.js';

const ADS = { ads: {}, resource_api_version: 'V3' };

function bootstrap(ads: Record<string, unknown>, extra: Record<string, unknown> = {}, clusterAddress = '127.0.0.1'): Bootstrap {
  return fromJson(BootstrapSchema, {
    dynamic_resources: { ads_config: ads, lds_config: ADS, cds_config: ADS, ...extra },
    static_resources: { clusters: [{ name: 'xds', type: 'STATIC', load_assignment: { cluster_name: 'xds', endpoints: [{
      lb_endpoints: [{ endpoint: { address: { socket_address: { address: clusterAddress, port_value: 18000 } } } }],
    }] } }] },
  } as JsonValue, { registry });
}

const grpc = (apiType: string, cluster = 'xds'): Record<string, unknown> => ({
  api_type: apiType, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: cluster } }],
});

test('ADS settings: target from the static cluster, GRPC or DELTA_GRPC', () => {
  assert.deepEqual(adsSettings(bootstrap(grpc('GRPC'))), {
    target: '127.0.0.1:18000', clusterName: 'xds', delta: false, setNodeOnFirstMessageOnly: false, initialMetadata: [],
    lds: true, cds: true,
  });
  const withMeta = { ...grpc('GRPC'), grpc_services: [{ envoy_grpc: { cluster_name: 'xds' },
    initial_metadata: [{ key: 'x-token', value: 'abc' }] }] };
  assert.deepEqual(adsSettings(bootstrap(withMeta))?.initialMetadata, [['x-token', 'abc']]);
  assert.equal(adsSettings(bootstrap(grpc('DELTA_GRPC')))?.delta, true);
  assert.equal(adsSettings(bootstrap(grpc('GRPC'), {}, '::1'))?.target, '[::1]:18000');
  assert.equal(adsSettings(fromJson(BootstrapSchema, {}, { registry })), null);
});

test('ADS settings: what Strait cannot run is an error with its field path', () => {
  assert.throws(() => adsSettings(bootstrap(grpc('REST'))),
    /^XdsConfigError: \.dynamic_resources\.ads_config\.api_type: api_type REST is not supported/);
  assert.throws(() => adsSettings(bootstrap(grpc('GRPC', 'nope'))),
    /\.ads_config\.grpc_services\[0\]\.envoy_grpc\.cluster_name: unknown cluster 'nope'/);
  assert.throws(() => adsSettings(bootstrap({ ...grpc('GRPC'), transport_api_version: 'V2' })), /transport_api_version V3/);
  assert.throws(() => adsSettings(bootstrap(grpc('GRPC'), { lds_config: { path_config_source: { path: '/x' } } })),
    /\.dynamic_resources\.lds_config: only ads: \{\} config sources/);
});
