// Fields Strait does not implement are refused with their path, in bootstraps and in xDS resources;
// values equal to Strait's behaviour pass, and a rule scoped to clusters leaves the HCM's field alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { registry } from '../../xds/registry.js';
import { ListenerSchema } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { formatConfigError, loadBootstrap } from './index.js';
import { UNSUPPORTED_FIELDS } from './unsupported-fields.js';
import { formatErrors, schemaErrors } from '../xds/validation.js';

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const UPSTREAM_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** A bootstrap with one HCM listener and one cluster, each extended with `hcm` / `cluster` fields. */
function bootstrap(hcm: Record<string, unknown> = {}, cluster: Record<string, unknown> = {}): string {
  return JSON.stringify({
    static_resources: {
      listeners: [{
        name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
          '@type': HCM_TYPE, stat_prefix: 'in', http_filters: [{ name: 'envoy.filters.http.router' }],
          route_config: { virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] },
          ...hcm,
        } }] }],
      }],
      clusters: [{ name: 'c', type: 'STATIC', load_assignment: { cluster_name: 'c', endpoints: [] }, ...cluster }],
    },
  });
}

function errorsOf(yaml: string): string[] {
  const r = loadBootstrap({ yaml });
  return r.ok ? [] : r.errors.map(formatConfigError);
}

test('every rule names a message and a field of the API', () => {
  for (const [type, rules] of Object.entries(UNSUPPORTED_FIELDS)) {
    const desc = registry.getMessage(type);
    assert.ok(desc, `no message ${type}`);
    for (const r of rules) {
      const field = typeof r === 'string' ? r : r.field;
      assert.ok(desc.fields.some((f) => f.name === field), `${type} has no field ${field}`);
    }
  }
});

test('a bootstrap setting an unsupported field is refused with the field path', () => {
  const at = '.static_resources.listeners[0].filter_chains[0].filters[0].typed_config';
  const errs = errorsOf(bootstrap({ local_reply_config: { mappers: [] }, proxy_100_continue: true }));
  assert.equal(errs.length, 2);
  assert.ok(errs.some((e) => e.includes(`${at}.local_reply_config: local_reply_config is not supported by Strait`)), errs.join('\n'));
  assert.ok(errs.some((e) => e.includes(`${at}.proxy_100_continue: proxy_100_continue is not supported by Strait`)), errs.join('\n'));
  assert.match(errorsOf(bootstrap({}, { lb_subset_config: { fallback_policy: 'ANY_ENDPOINT' } }))[0]!,
    /\.static_resources\.clusters\[0\]\.lb_subset_config: lb_subset_config is not supported by Strait \(subset load balancing\)$/);
});

test('values that match what Strait does are accepted', () => {
  assert.deepEqual(errorsOf(bootstrap({ path_with_escaped_slashes_action: 'KEEP_UNCHANGED', proxy_100_continue: false,
    http_protocol_options: { allow_absolute_url: true }, codec_type: 'HTTP2' })), []);
  assert.match(errorsOf(bootstrap({ path_with_escaped_slashes_action: 'REJECT_REQUEST' }))[0]!,
    /path_with_escaped_slashes_action: path_with_escaped_slashes_action is not supported by Strait$/);
  assert.match(errorsOf(bootstrap({ http_protocol_options: { allow_absolute_url: false } }))[0]!,
    /\.http_protocol_options\.allow_absolute_url: allow_absolute_url is not supported by Strait$/);
});

test('max_stream_duration is enforced for the HCM, refused for upstreams', () => {
  const common = { common_http_protocol_options: { max_stream_duration: '5s' } };
  assert.deepEqual(errorsOf(bootstrap(common)), []);
  const cluster = { typed_extension_protocol_options: { [UPSTREAM_OPTIONS]: { '@type': `type.googleapis.com/${UPSTREAM_OPTIONS}`,
    ...common, explicit_http_config: { http_protocol_options: {} } } } };
  assert.match(errorsOf(bootstrap({}, cluster))[0]!, new RegExp(`\\.static_resources\\.clusters\\[0\\]\\.typed_extension_protocol_options\\["${
    UPSTREAM_OPTIONS.replace(/\./g, '\\.')}"\\]\\.common_http_protocol_options\\.max_stream_duration: max_stream_duration is not supported by Strait \\(upstream\\)$`));
});

test('a listener from LDS with an unsupported field is NACKed naming it', () => {
  const l = fromJson(ListenerSchema, {
    name: 'l', address: { socketAddress: { address: '127.0.0.1', portValue: 8080 } }, transparent: true,
    filterChains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typedConfig: {
      '@type': HCM_TYPE, statPrefix: 'in', httpFilters: [{ name: 'envoy.filters.http.router' }],
      rds: { routeConfigName: 'r', configSource: { ads: {} } }, internalAddressConfig: { unixSockets: true },
    } }] }],
  } as JsonValue, { registry });
  assert.equal(formatErrors(schemaErrors(ListenerSchema, l)), '.transparent: transparent is not supported by Strait; '
    + '.filter_chains[0].filters[0].typed_config.internal_address_config: internal_address_config is not supported by Strait');
});
