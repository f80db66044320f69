// protoc-gen-validate rules read from the generated descriptors: each kind of rule Envoy's
// protos use, checked through the loader (path + line) and the rule functions directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import {
  DurationRulesSchema, StringRulesSchema, UInt32RulesSchema, Int64RulesSchema, KnownRegex,
} from '../../xds/gen/validate/validate_pb.js';
import { formatConfigError, loadBootstrap } from './index.js';
import { checkDuration, checkNumber, checkString } from './pgv-rules.js';
import { lineOf } from './test-support.js';

const BASE = `
static_resources:
  listeners:
  - name: main
    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          http_filters: [{ name: envoy.filters.http.router }]
          route_config:
            virtual_hosts:
            - name: web
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: backend }
  clusters:
  - name: backend
    connect_timeout: 1s
`;

const HCM = '.static_resources.listeners[0].filter_chains[0].filters[0].typed_config';

function edit(from: string, to: string): string {
  assert.ok(BASE.includes(from), `test config lacks ${JSON.stringify(from)}`);
  return BASE.replace(from, to);
}

/** Loads and expects exactly one error: its path, message and line. */
function expectRule(yaml: string, path: string, message: string, lineNeedle: string): void {
  const r = loadBootstrap({ yaml });
  assert.equal(r.ok, false, 'expected a rule violation');
  if (r.ok) return;
  const shown = r.errors.map(formatConfigError).join('\n');
  assert.equal(r.errors.length, 1, shown);
  assert.equal(r.errors[0]!.path, path, shown);
  assert.equal(r.errors[0]!.message, message, shown);
  assert.equal(r.errors[0]!.line, lineOf(yaml, lineNeedle), shown);
}

test('the base config passes every rule', () => {
  const r = loadBootstrap({ yaml: BASE });
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
});

test('string min_len: an empty cluster name', () => {
  // The route points at the cluster by name, so rename both.
  const yaml = edit('  - name: backend\n', '  - name: ""\n').replace('cluster: backend', 'cluster: ""');
  const r = loadBootstrap({ yaml });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const paths = r.errors.map((e) => `${e.path}: ${e.message}`);
  assert.ok(paths.includes('.static_resources.clusters[0].name: value length must be at least 1 characters'), paths.join('\n'));
  assert.ok(paths.includes(`${HCM}.route_config.virtual_hosts[0].routes[0].route.cluster: value length must be at least 1 characters`), paths.join('\n'));
});

test('uint32 lte: a port above 65535', () => {
  expectRule(edit('port_value: 10000', 'port_value: 70000'), '.static_resources.listeners[0].address.socket_address.port_value',
    'value must be less than or equal to 65535', 'port_value: 70000');
});

test('uint32 range on a wrapper field: max_request_headers_kb 0', () => {
  expectRule(edit('stat_prefix: ingress_http', 'stat_prefix: ingress_http\n          max_request_headers_kb: 0'),
    `${HCM}.max_request_headers_kb`, 'value must be inside range (0, 8192]', 'max_request_headers_kb');
});

test('duration gt: connect_timeout 0s', () => {
  expectRule(edit('connect_timeout: 1s', 'connect_timeout: 0s'), '.static_resources.clusters[0].connect_timeout',
    'value must be greater than 0s', 'connect_timeout: 0s');
});

test('message required and oneof required on a route', () => {
  expectRule(edit('- match: { prefix: "/" }\n                route: { cluster: backend }', '- route: { cluster: backend }'),
    `${HCM}.route_config.virtual_hosts[0].routes[0].match`, 'value is required', '- route: { cluster: backend }');
  expectRule(edit('- match: { prefix: "/" }\n                route: { cluster: backend }', '- match: { prefix: "/" }'),
    `${HCM}.route_config.virtual_hosts[0].routes[0].action`, 'value is required', '- match: { prefix: "/" }');
});

test('oneof required: an empty address', () => {
  expectRule(edit('address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }', 'address: {}'),
    '.static_resources.listeners[0].address.address', 'value is required', 'address: {}');
});

test('enum defined_only: a numeric cluster type Envoy does not define', () => {
  expectRule(edit('connect_timeout: 1s', 'connect_timeout: 1s\n    type: 99'), '.static_resources.clusters[0].type',
    'value must be one of the defined enum values', 'type: 99');
});

test('repeated min_items: a virtual host without domains', () => {
  expectRule(edit('domains: ["*"]', 'domains: []'), `${HCM}.route_config.virtual_hosts[0].domains`,
    'value must contain at least 1 item(s)', 'domains: []');
});

test('well-known header name on list items: a header name with a newline', () => {
  expectRule(edit('domains: ["*"]', 'domains: ["*"]\n              request_headers_to_remove: ["x-ok", "bad\\nname"]'),
    `${HCM}.route_config.virtual_hosts[0].request_headers_to_remove[1]`,
    'value does not match regex pattern "^[^\\u0000\\u000A\\u000D]*$"', 'request_headers_to_remove');
});

test('duration required inside a health check', () => {
  expectRule(edit('connect_timeout: 1s', `connect_timeout: 1s
    health_checks:
    - interval: 5s
      unhealthy_threshold: 2
      healthy_threshold: 1
      http_health_check: { path: /healthz }`),
  // No `timeout` key to point at: the error sits on the health check itself.
  '.static_resources.clusters[0].health_checks[0].timeout', 'value is required', '- interval: 5s');
});

test('rules inside an Any are checked: the HCM needs a stat_prefix', () => {
  expectRule(edit('stat_prefix: ingress_http', 'stat_prefix: ""'), `${HCM}.stat_prefix`,
    'value length must be at least 1 characters', 'stat_prefix: ""');
});

test('numeric rules: const, ranges, exclusive ranges, in / not_in, ignore_empty', () => {
  const r = create(UInt32RulesSchema, { gt: 0, lte: 10 });
  assert.equal(checkNumber(r as never, 5), undefined);
  assert.equal(checkNumber(r as never, 0), 'value must be inside range (0, 10]');
  assert.equal(checkNumber(r as never, 11), 'value must be inside range (0, 10]');
  const outside = create(UInt32RulesSchema, { lt: 10, gt: 20 });
  assert.equal(checkNumber(outside as never, 15), 'value must be outside range (20, 10)');
  assert.equal(checkNumber(outside as never, 25), undefined);
  assert.equal(checkNumber(create(UInt32RulesSchema, { const: 3 }) as never, 4), 'value must equal 3');
  assert.equal(checkNumber(create(UInt32RulesSchema, { in: [1, 2] }) as never, 3), 'value must be in list [1 2]');
  assert.equal(checkNumber(create(UInt32RulesSchema, { notIn: [0] }) as never, 0), 'value must not be in list [0]');
  assert.equal(checkNumber(create(UInt32RulesSchema, { gte: 5, ignoreEmpty: true }) as never, 0), undefined);
  assert.equal(checkNumber(create(UInt32RulesSchema, { gte: 5 }) as never, 0), 'value must be greater than or equal to 5');
  assert.equal(checkNumber(create(Int64RulesSchema, { lt: 0n }) as never, 1n), 'value must be less than 0');
  // A rule set to its zero value still applies (proto2 presence, not truthiness).
  assert.equal(checkNumber(create(UInt32RulesSchema, { lte: 0 }) as never, 1), 'value must be less than or equal to 0');
});

test('string rules: prefix, well-known formats, strict header regex by default', () => {
  assert.equal(checkString(create(StringRulesSchema, { prefix: '/' }), 'x'), 'value does not have prefix "/"');
  assert.equal(checkString(create(StringRulesSchema, { maxLen: 3n }), 'héllo'), 'value length must be at most 3 characters');
  assert.equal(checkString(create(StringRulesSchema, { maxLen: 5n }), 'héllo'), undefined);
  const ip = create(StringRulesSchema, { wellKnown: { case: 'ip', value: true } });
  assert.equal(checkString(ip, '10.0.0.1'), undefined);
  assert.equal(checkString(ip, 'example.com'), 'value must be a valid IP address');
  const host = create(StringRulesSchema, { wellKnown: { case: 'hostname', value: true } });
  assert.equal(checkString(host, 'a-b.example.com'), undefined);
  assert.equal(checkString(host, '-bad.example.com'), 'value must be a valid hostname');
  const header = create(StringRulesSchema, { wellKnown: { case: 'wellKnownRegex', value: KnownRegex.HTTP_HEADER_NAME } });
  assert.equal(header.strict, true, 'strict defaults to true');
  assert.equal(checkString(header, 'x-ok'), undefined);
  assert.match(checkString(header, 'not ok') ?? '', /^value does not match regex pattern/);
  assert.equal(checkString(create(StringRulesSchema, { pattern: '^[a-z]+$' }), 'abc'), undefined);
  assert.equal(checkString(create(StringRulesSchema, { pattern: '^[a-z]+$' }), 'ABC'), 'value does not match regex pattern "^[a-z]+$"');
});

test('duration rules: lt and gte', () => {
  const r = create(DurationRulesSchema, { lt: { seconds: 1n, nanos: 0 }, gte: { seconds: 0n, nanos: 1_000_000 } });
  assert.equal(checkDuration(r, { seconds: 0n, nanos: 500_000_000 } as never), undefined);
  assert.equal(checkDuration(r, { seconds: 2n, nanos: 0 } as never), 'value must be inside range [0.001s, 1s)');
});
