// Bad bootstraps, one per error class: each must fail with the field path, the line of the
// offending text, and Envoy's wording where Envoy has one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatConfigError, loadBootstrap, type ConfigError } from './index.js';
import { lineOf } from './test-support.js';

const BASE = `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 9901 } }
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
          access_log:
          - name: envoy.access_loggers.stdout
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
          http_filters:
          - name: envoy.filters.http.router
          route_config:
            name: local_route
            virtual_hosts:
            - name: web
              domains: ["www.example.com", "*.example.com"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: backend }
            - name: other
              domains: ["*"]
              routes:
              - match: { safe_regex: { regex: "/items/[0-9]+" } }
                route:
                  weighted_clusters:
                    clusters:
                    - { name: backend, weight: 50 }
                    - { name: backend2, weight: 50 }
              - match: { prefix: "/dyn" }
                route: { cluster_header: x-target-cluster }
  clusters:
  - name: backend
    connect_timeout: 1s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
  - name: backend2
    connect_timeout: 1s
`;

const HCM = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config';

/** Replaces text in the base config, failing loudly if the text is not there. */
function edit(from: string, to: string, base = BASE): string {
  assert.ok(base.includes(from), `test config lacks ${JSON.stringify(from)}`);
  return base.replace(from, to);
}

function errorsOf(yaml: string): ConfigError[] {
  const r = loadBootstrap({ yaml });
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.errors;
}

/** Asserts exactly one error, with this path, message and line (of `lineNeedle`). */
function expectOne(yaml: string, path: string, message: string | RegExp, lineNeedle: string): ConfigError {
  const errors = errorsOf(yaml);
  const shown = errors.map(formatConfigError).join('\n');
  assert.equal(errors.length, 1, shown);
  const e = errors[0]!;
  assert.equal(e.path, path, shown);
  if (typeof message === 'string') assert.equal(e.message, message, shown);
  else assert.match(e.message, message, shown);
  assert.equal(e.file, '--config-yaml');
  assert.equal(e.line, lineOf(yaml, lineNeedle), shown);
  assert.ok(e.column! >= 1);
  return e;
}

test('the base config is valid', () => {
  const r = loadBootstrap({ yaml: BASE });
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
});

test('unknown field, deep inside an Any, points at the key', () => {
  const yaml = edit('- match: { prefix: "/" }', '- match: { prefx: "/" }');
  const e = expectOne(yaml, `.${HCM}.route_config.virtual_hosts[0].routes[0].match.prefx`, 'unknown field', 'prefx');
  assert.equal(e.column, yaml.split('\n')[e.line! - 1]!.indexOf('prefx') + 1);
});

test('a bad scalar value: duration, port number, enum name', () => {
  const d = edit('connect_timeout: 1s\n    load', 'connect_timeout: "5"\n    load');
  const e = expectOne(d, '.static_resources.clusters[0].connect_timeout', 'invalid duration "5"', '"5"');
  assert.equal(formatConfigError(e), `--config-yaml:${e.line}:${e.column}: .static_resources.clusters[0].connect_timeout: invalid duration "5"`);
  expectOne(edit('port_value: 8080', 'port_value: http'),
    '.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value',
    /expected number/, 'port_value: http');
  expectOne(edit('  - name: backend2\n', '  - name: backend2\n    lb_policy: fastest\n'),
    '.static_resources.clusters[1].lb_policy', /unknown value "fastest" for enum envoy\.config\.cluster\.v3\.Cluster\.LbPolicy/, 'fastest');
});

test('unknown Any type', () => {
  expectOne(edit('envoy.extensions.access_loggers.stream.v3.StdoutAccessLog', 'envoy.extensions.access_loggers.stream.v3.NoSuchLog'),
    `.${HCM}.access_log[0].typed_config["@type"]`,
    "Didn't find a registered implementation for 'envoy.access_loggers.stdout' with type URL: 'envoy.extensions.access_loggers.stream.v3.NoSuchLog'",
    'NoSuchLog');
});

test('duplicate listener names', () => {
  const yaml = edit('\n  clusters:\n', `
  - name: main # second
    address: { socket_address: { address: 127.0.0.1, port_value: 10001 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: second
          http_filters: [{ name: envoy.filters.http.router }]
          route_config: {}

  clusters:
`);
  expectOne(yaml, '.static_resources.listeners[1].name', 'duplicate listener main found', '# second');
});

test('a listener without filter chains', () => {
  const yaml = edit('\n  clusters:\n', `
  - name: empty
    address: { socket_address: { address: 127.0.0.1, port_value: 10002 } }
  clusters:
`);
  expectOne(yaml, '.static_resources.listeners[1].filter_chains',
    "error adding listener '127.0.0.1:10002': no filter chains specified", '- name: empty');
});

test('duplicate cluster names', () => {
  const yaml = edit('  - name: backend2\n', '  - name: backend # again\n');
  const errors = errorsOf(yaml);
  const dup = errors.find((e) => e.message === "cluster manager: duplicate cluster 'backend'");
  assert.ok(dup, errors.map(formatConfigError).join('\n'));
  assert.equal(dup.path, '.static_resources.clusters[1].name');
  assert.equal(dup.line, lineOf(yaml, '# again'));
});

test('duplicate virtual host domains (case-insensitive) and two wildcards', () => {
  const yaml = edit('domains: ["*"]', 'domains: ["WWW.example.com"]');
  expectOne(yaml, `.${HCM}.route_config.virtual_hosts[1].domains[0]`,
    'Only unique values for domains are permitted. Duplicate entry of domain www.example.com in route local_route', 'WWW.example.com');
  const wild = edit('domains: ["*"]', 'domains: ["*.EXAMPLE.com"]');
  expectOne(wild, `.${HCM}.route_config.virtual_hosts[1].domains[0]`,
    'Only unique values for domains are permitted. Duplicate entry of domain *.example.com in route local_route', '*.EXAMPLE.com');
  const two = edit('domains: ["*"]', 'domains: ["*", "*"]');
  expectOne(two, `.${HCM}.route_config.virtual_hosts[1].domains[1]`, 'Only a single wildcard domain is permitted in route local_route', '["*", "*"]');
});

test('a route to an undefined cluster; weighted clusters too; cluster_header and validate_clusters: false are exempt', () => {
  expectOne(edit('route: { cluster: backend }', 'route: { cluster: nowhere }'),
    `.${HCM}.route_config.virtual_hosts[0].routes[0].route.cluster`, "route: unknown cluster 'nowhere'", 'nowhere');
  expectOne(edit('{ name: backend2, weight: 50 }', '{ name: missing2, weight: 50 }'),
    `.${HCM}.route_config.virtual_hosts[1].routes[0].route.weighted_clusters.clusters[1].name`,
    "route: unknown weighted cluster 'missing2'", 'missing2');
  const off = edit('name: local_route', 'name: local_route\n            validate_clusters: false',
    edit('route: { cluster: backend }', 'route: { cluster: nowhere }'));
  assert.ok(loadBootstrap({ yaml: off }).ok, 'validate_clusters: false turns the check off');
});

test('an invalid RE2 safe_regex: lookahead, backreference, syntax error', () => {
  for (const [regex, message] of [
    ['(?=/items)/.*', 'invalid perl operator: (?='],
    ['(a)\\\\1', 'invalid escape sequence: \\1'],
    ['/items/[0-9+', 'missing ]: [0-9+'],
  ] as const) {
    expectOne(edit('regex: "/items/[0-9]+"', `regex: "${regex}"`),
      `.${HCM}.route_config.virtual_hosts[1].routes[0].match.safe_regex.regex`, message, 'safe_regex');
  }
});

test('an unimplemented network filter, HTTP filter, access logger or transport socket', () => {
  expectOne(edit('http_filters:\n          - name: envoy.filters.http.router', `http_filters:
          - name: envoy.filters.http.ext_authz
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
          - name: envoy.filters.http.router`),
  `.${HCM}.http_filters[0].typed_config["@type"]`,
  "Didn't find a registered implementation for 'envoy.filters.http.ext_authz' with type URL: 'envoy.extensions.filters.http.cors.v3.CorsPolicy'",
  'CorsPolicy');
  // is_optional: Envoy ignores an unknown optional filter.
  assert.ok(loadBootstrap({
    yaml: edit('http_filters:\n          - name: envoy.filters.http.router',
      'http_filters:\n          - name: envoy.filters.http.gzip\n            is_optional: true\n          - name: envoy.filters.http.router'),
  }).ok);
  expectOne(edit('- name: envoy.access_loggers.stdout', '- name: envoy.access_loggers.syslog', edit(
    `            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog\n`, '')),
  `.${HCM}.access_log[0].name`, "Didn't find a registered implementation for 'envoy.access_loggers.syslog' with type URL: ''", 'syslog');
  expectOne(edit('    filter_chains:\n    - filters:', `    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.alts
      filters:`),
  '.static_resources.listeners[0].filter_chains[0].transport_socket.name',
  /^Didn't find a registered implementation for 'envoy\.transport_sockets\.alts'/, 'alts');
  expectOne(edit(`- name: envoy.filters.network.http_connection_manager
        typed_config:`, `- name: envoy.filters.network.ext_authz
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      - name: envoy.filters.network.http_connection_manager
        typed_config:`),
  '.static_resources.listeners[0].filter_chains[0].filters[0].typed_config["@type"]',
  /^Didn't find a registered implementation for 'envoy\.filters\.network\.ext_authz'/, 'Router');
});

test('the HTTP filter chain must end with the router', () => {
  expectOne(edit('http_filters:\n          - name: envoy.filters.http.router', 'http_filters: []'),
    `.${HCM}.http_filters`, /http filter chain is empty/, 'http_filters: []');
  expectOne(edit('http_filters:\n          - name: envoy.filters.http.router',
    'http_filters:\n          - name: envoy.filters.http.router\n          - name: second_router\n            typed_config:\n              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router'),
  `.${HCM}.http_filters[0]`,
  'Error: terminal filter named envoy.filters.http.router of type envoy.filters.http.router must be the last filter in a http filter chain.',
  '- name: envoy.filters.http.router');
});

test('several errors are all reported, in line order', () => {
  const yaml = edit('route: { cluster: backend }', 'route: { cluster: nowhere }', edit('  - name: backend2\n', '  - name: ""\n'));
  const errors = errorsOf(yaml);
  assert.deepEqual(errors.map((e) => e.message), [
    "route: unknown cluster 'nowhere'",
    "route: unknown weighted cluster 'backend2'",
    'value length must be at least 1 characters',
  ]);
  assert.ok(errors[0]!.line! < errors[1]!.line! && errors[1]!.line! < errors[2]!.line!);
});
