// typed_config unpacking over the wire (xDS): a TypedStruct of a type without a proto arrives as
// JSON for its filter, one of a known type becomes that message, a plain Any is unpacked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { HttpFilterSchema } from '../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { RouterSchema, type Router } from '../../xds/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { TypedStructSchema } from '../../xds/gen/xds/type/v3/typed_struct_pb.js';
import { resolveHttpFilterType } from './http/registry.js';
import { unpackTypedConfig } from './typed-config.js';

function overTheWire(typeUrl: string, value: Record<string, unknown>): ReturnType<typeof create<typeof HttpFilterSchema>> {
  const ts = create(TypedStructSchema, { typeUrl, value: value as never });
  const f = create(HttpFilterSchema, { name: 'istio.stats', configType: { case: 'typedConfig', value: anyPack(TypedStructSchema, ts) } });
  return fromBinary(HttpFilterSchema, toBinary(HttpFilterSchema, f));
}

test('a TypedStruct of stats.PluginConfig arrives intact as JSON and resolves to istio.stats', () => {
  const value = { metrics: [{ name: 'requests_total', tags_to_remove: ['response_flags'] }], disable_host_header_fallback: true };
  const f = overTheWire('type.googleapis.com/stats.PluginConfig', value);
  assert.deepEqual(resolveHttpFilterType(f), { type: 'stats.PluginConfig' });
  const any = f.configType.case === 'typedConfig' ? f.configType.value : assert.fail('no typed_config');
  assert.deepEqual(unpackTypedConfig(any), { typeName: 'stats.PluginConfig', json: value });
});

test('a TypedStruct of a known type becomes its message; a plain Any is unpacked', () => {
  const f = overTheWire('type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', { suppress_envoy_headers: true });
  const any = f.configType.case === 'typedConfig' ? f.configType.value : assert.fail('no typed_config');
  const tc = unpackTypedConfig(any);
  assert.equal(tc.typeName, 'envoy.extensions.filters.http.router.v3.Router');
  assert.equal((tc.message as Router).suppressEnvoyHeaders, true);
  const plain = unpackTypedConfig(anyPack(RouterSchema, create(RouterSchema, { startChildSpan: true })));
  assert.equal((plain.message as Router).startChildSpan, true);
  assert.deepEqual(resolveHttpFilterType(overTheWire('type.googleapis.com/acme.Nope', {})),
    { error: "Didn't find a registered implementation for 'istio.stats' with type URL: 'acme.Nope'" });
});
