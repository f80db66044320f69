// Loading bootstraps: the book's ch3 configs load unchanged, Envoy's leniencies (enum case,
// TypedStruct), --config-yaml merged over --config-path, JSON and file-level errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { registry } from '../../xds/registry.js';
import { unpackTypedConfig } from '../filters/typed-config.js';
import {
  HttpConnectionManagerSchema, HttpConnectionManager_CodecType,
} from '../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { Cluster_DiscoveryType } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Bootstrap } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { formatConfigError, loadBootstrap, NO_CONFIG_MESSAGE, type LoadResult } from './index.js';
import { ch3Dir, lineOf } from './test-support.js';

const CH3 = ch3Dir();

function ok(r: LoadResult): Bootstrap {
  if (!r.ok) assert.fail('expected the config to load:\n' + r.errors.map(formatConfigError).join('\n'));
  return r.bootstrap;
}

function hcmOf(b: Bootstrap, listener = 0) {
  const f = b.staticResources!.listeners[listener]!.filterChains[0]!.filters[0]!;
  assert.equal(f.configType.case, 'typedConfig');
  const hcm = anyUnpack(f.configType.value!, HttpConnectionManagerSchema);
  assert.ok(hcm, 'typed_config unpacks as an HttpConnectionManager');
  return hcm;
}

function routeAction(b: Bootstrap) {
  const hcm = hcmOf(b);
  assert.equal(hcm.routeSpecifier.case, 'routeConfig');
  const route = hcm.routeSpecifier.value!.virtualHosts[0]!.routes[0]!;
  assert.equal(route.action.case, 'route');
  return route.action.value!;
}

test('ch3 simple.yaml loads unchanged', () => {
  const b = ok(loadBootstrap({ path: join(CH3!, 'simple.yaml') }));
  const l = b.staticResources!.listeners[0]!;
  assert.equal(l.name, 'httpbin-demo');
  assert.equal(l.address?.address.case, 'socketAddress');
  assert.equal(l.address?.address.value?.portSpecifier.value, 15001);
  const hcm = hcmOf(b);
  assert.equal(hcm.statPrefix, 'ingress_http');
  assert.deepEqual(hcm.httpFilters.map((f) => f.name), ['envoy.filters.http.router']);
  const ra = routeAction(b);
  assert.deepEqual(ra.clusterSpecifier, { case: 'cluster', value: 'httpbin_service' });
  const c = b.staticResources!.clusters[0]!;
  assert.equal(c.name, 'httpbin_service');
  assert.deepEqual(c.clusterDiscoveryType, { case: 'type', value: Cluster_DiscoveryType.LOGICAL_DNS });
  assert.equal(c.connectTimeout?.seconds, 5n);
});

test('ch3 simple_retry.yaml carries its retry policy', () => {
  const ra = routeAction(ok(loadBootstrap({ path: join(CH3!, 'simple_retry.yaml') })));
  assert.equal(ra.retryPolicy?.retryOn, '5xx');
  assert.equal(ra.retryPolicy?.numRetries, 3);
});

test('ch3 simple_change_timeout.yaml carries its route timeout', () => {
  const ra = routeAction(ok(loadBootstrap({ path: join(CH3!, 'simple_change_timeout.yaml') })));
  assert.equal(ra.timeout?.seconds, 1n);
  assert.equal(ra.timeout?.nanos, 0);
});

const MINIMAL = `
static_resources:
  listeners:
  - name: l1
    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          codec_type: auto
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: backend }
  clusters:
  - name: backend
    type: static
    connect_timeout: 0.25s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
`;

test('enum names are case-insensitive, as in Envoy', () => {
  const b = ok(loadBootstrap({ yaml: MINIMAL }));
  assert.equal(hcmOf(b).codecType, HttpConnectionManager_CodecType.AUTO);
  assert.deepEqual(b.staticResources!.clusters[0]!.clusterDiscoveryType, { case: 'type', value: Cluster_DiscoveryType.STATIC });
  assert.equal(b.staticResources!.clusters[0]!.connectTimeout?.nanos, 250_000_000);
});

/** A listener whose HCM comes as a TypedStruct of the given type. */
function typedStructConfig(ts: string, statPrefixKey = 'stat_prefix'): string {
  return `
static_resources:
  listeners:
  - name: l1
    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/${ts}
          type_url: type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          value:
            ${statPrefixKey}: typed_struct_http
            codec_type: http1
            http_filters: [{ name: envoy.filters.http.router }]
            route_config:
              virtual_hosts:
              - name: all
                domains: ["*"]
                routes: [{ match: { prefix: "/" }, direct_response: { status: 200 } }]
`;
}

test('a TypedStruct typed_config is expanded into the message it names', () => {
  for (const ts of ['udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct']) {
    const hcm = hcmOf(ok(loadBootstrap({ yaml: typedStructConfig(ts) })));
    assert.equal(hcm.statPrefix, 'typed_struct_http');
    assert.equal(hcm.codecType, HttpConnectionManager_CodecType.HTTP1);
    assert.equal(hcm.routeSpecifier.case, 'routeConfig');
  }
});

test('errors inside a TypedStruct point into its value', () => {
  const yaml = typedStructConfig('udpa.type.v1.TypedStruct', 'stat_prefixx');
  const r = loadBootstrap({ yaml });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors.length, 1, r.errors.map(formatConfigError).join('\n'));
  assert.equal(r.errors[0]!.path, '.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefixx');
  assert.equal(r.errors[0]!.message, 'unknown field');
  assert.equal(r.errors[0]!.line, lineOf(yaml, 'stat_prefixx'));
});

test('a JSON bootstrap file loads and its errors have lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-bootstrap-'));
  try {
    const json = JSON.stringify({ admin: { address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } } }, null, 2);
    const good = join(dir, 'envoy.json');
    writeFileSync(good, json);
    assert.equal(ok(loadBootstrap({ path: good })).admin?.address?.address.case, 'socketAddress');
    const bad = join(dir, 'bad.json');
    const badJson = json.replace('"port_value": 9901', '"port_value": "ninety"');
    writeFileSync(bad, badJson);
    const r = loadBootstrap({ path: bad });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.file, bad);
    assert.equal(r.errors[0]!.path, '.admin.address.socket_address.port_value');
    assert.equal(r.errors[0]!.line, lineOf(badJson, 'ninety'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--config-yaml merges over --config-path: scalars override, lists append', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-bootstrap-'));
  try {
    const file = join(dir, 'base.yaml');
    writeFileSync(file, MINIMAL);
    const yaml = `
node: { id: from-yaml }
static_resources:
  clusters:
  - name: extra
    connect_timeout: 1s
`;
    const b = ok(loadBootstrap({ path: file, yaml }));
    assert.equal(b.node?.id, 'from-yaml');
    assert.deepEqual(b.staticResources!.clusters.map((c) => c.name), ['backend', 'extra']);
    assert.equal(b.staticResources!.listeners.length, 1);

    // An error in the merged part is placed in the --config-yaml text, at the appended index.
    const bad = `static_resources:\n  clusters:\n  - name: backend\n    connect_timeout: 1s\n`;
    const r = loadBootstrap({ path: file, yaml: bad });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.errors.length, 1);
    assert.equal(formatConfigError(r.errors[0]!),
      "--config-yaml:3:11: .static_resources.clusters[1].name: cluster manager: duplicate cluster 'backend'");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('YAML syntax errors, unreadable files and no config at all', () => {
  const r1 = loadBootstrap({ yaml: 'static_resources:\n  listeners: [\n' });
  assert.equal(r1.ok, false);
  if (!r1.ok) {
    assert.match(r1.errors[0]!.message, /^YAML syntax error/);
    assert.equal(r1.errors[0]!.file, '--config-yaml');
    assert.ok(r1.errors[0]!.line! >= 2);
  }
  const missing = join(tmpdir(), 'strait-no-such-dir', 'envoy.yaml');
  const r2 = loadBootstrap({ path: missing });
  assert.equal(r2.ok, false);
  if (!r2.ok) assert.equal(formatConfigError(r2.errors[0]!), `${missing}: unable to read file: ${missing} (no such file)`);
  const r3 = loadBootstrap({});
  assert.deepEqual(r3, { ok: false, errors: [{ path: '', message: NO_CONFIG_MESSAGE }] });
  const r4 = loadBootstrap({ yaml: '- a\n- b\n' });
  assert.equal(r4.ok, false);
});

/** An HCM whose first HTTP filter's config is a TypedStruct of `innerType`. */
function istioFilterConfig(name: string, innerType: string): string {
  return `
static_resources:
  listeners:
  - name: l1
    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: inbound
          http_filters:
          - name: ${name}
            typed_config:
              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
              type_url: type.googleapis.com/${innerType}
              value:
                metrics: [{ name: requests_total, dimensions: { request_host: request.host } }]
          - name: envoy.filters.http.router
          route_config: { virtual_hosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: "/" }, direct_response: { status: 200 } }] }] }
`;
}

test('a TypedStruct of a type without a proto (Istio\'s stats.PluginConfig) is kept for its filter', () => {
  const hcm = hcmOf(ok(loadBootstrap({ yaml: istioFilterConfig('istio.stats', 'stats.PluginConfig') })));
  const any = hcm.httpFilters[0]!.configType.value as Any;
  assert.equal(any.typeUrl, 'type.googleapis.com/udpa.type.v1.TypedStruct');
  assert.deepEqual(unpackTypedConfig(any), { typeName: 'stats.PluginConfig',
    json: { metrics: [{ name: 'requests_total', dimensions: { request_host: 'request.host' } }] } });
});

test('a TypedStruct of a type no filter implements is rejected naming the inner type', () => {
  const r = loadBootstrap({ yaml: istioFilterConfig('my.filter', 'acme.Unknown') });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.errors.map(formatConfigError).join('\n'),
    /Didn't find a registered implementation for 'my\.filter' with type URL: 'acme\.Unknown'/);
});

test('quoted booleans load as Envoy\'s JSON parser takes them (the book\'s ch8 custom bootstrap)', () => {
  const r = loadBootstrap({ yaml: JSON.stringify({
    tracing: { http: { name: 'envoy.tracers.zipkin', typedConfig: {
      '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig', collectorCluster: 'zipkin',
      collectorEndpoint: '/zipkin/api/v1/spans', traceId128bit: 'true', collectorEndpointVersion: 'HTTP_JSON' } } },
    static_resources: { clusters: [{ name: 'zipkin', type: 'STATIC', connect_timeout: '1s' }] },
  }) });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const http = r.bootstrap.tracing?.http;
  const zipkin = http?.configType.case === 'typedConfig' ? anyUnpack(http.configType.value, registry) as { traceId128bit?: boolean } : undefined;
  assert.equal(zipkin?.traceId128bit, true);
});
