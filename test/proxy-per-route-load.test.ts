// Per-route filter configs are checked by their filter's descriptor when the route table loads: a
// bad one fails a static bootstrap with its field path, and an RDS update carrying one is NACKed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, toBinary, type JsonValue } from '@bufbuild/protobuf';
import { RouteConfigurationSchema } from '../src/xds/gen/envoy/config/route/v3/route_pb.js';
import { registry } from '../src/xds/registry.js';
import { formatConfigError, loadBootstrap } from '../src/proxy/bootstrap/index.js';
import { withHarness, XDS_TYPES } from './fuzz/xds-harness.js';
import { ROUTE_CONFIGS } from './fuzz/xds-seeds.js';
import { applyBaseline, responseBytes } from './fuzz/xds-target.js';

const T = 'type.googleapis.com/envoy.extensions.filters.http';

/** A static bootstrap whose one route carries `perRoute` (YAML flow map) as typed_per_filter_config. */
function bootstrap(perRoute: string): string {
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
          stat_prefix: ingress_http
          http_filters:
          - name: envoy.filters.http.fault
            typed_config: { "@type": ${T}.fault.v3.HTTPFault }
          - name: envoy.filters.http.rbac
            typed_config: { "@type": ${T}.rbac.v3.RBAC }
          - name: envoy.filters.http.router
            typed_config: { "@type": ${T}.router.v3.Router }
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: backend }
                typed_per_filter_config: ${perRoute}
  clusters:
  - name: backend
    connect_timeout: 0.25s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
`;
}

const ROUTE = '.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].typed_per_filter_config';

const FAULT_RATE_LIMIT = `{ envoy.filters.http.fault: { "@type": ${T}.fault.v3.HTTPFault, response_rate_limit: { fixed_limit: { limit_kbps: 1 }, percentage: { numerator: 100 } } } }`;
const RBAC_PER_RULE_STATS = `{ envoy.filters.http.rbac: { "@type": ${T}.rbac.v3.RBACPerRoute, rbac: { rules: {}, track_per_rule_stats: true } } }`;
const UNKNOWN_TYPE = `{ envoy.filters.http.fault: { "@type": ${T}.router.v3.Router } }`;

function errorsOf(perRoute: string): string[] {
  const r = loadBootstrap({ yaml: bootstrap(perRoute) });
  return r.ok ? [] : r.errors.map(formatConfigError);
}

test('static: a fault per-route config Strait cannot serve fails the load with its field path', () => {
  const errors = errorsOf(FAULT_RATE_LIMIT);
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.ok(errors[0]!.includes(`${ROUTE}["envoy.filters.http.fault"].response_rate_limit: response rate limit faults are not supported by Strait`), errors[0]);
});

test('static: an RBAC per-route config that does not compile fails the load with its field path', () => {
  const errors = errorsOf(RBAC_PER_RULE_STATS);
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.ok(errors[0]!.includes(`${ROUTE}["envoy.filters.http.rbac"].rbac.track_per_rule_stats:`), errors[0]);
});

test('static: a per-route config of a type no filter takes is refused, unless marked optional', () => {
  const errors = errorsOf(UNKNOWN_TYPE);
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.ok(errors[0]!.includes(`${ROUTE}["envoy.filters.http.fault"]: Didn't find a registered implementation for 'envoy.filters.http.fault' with type URL: 'envoy.extensions.filters.http.router.v3.Router'`), errors[0]);
  const optional = `{ envoy.filters.http.fault: { "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, is_optional: true, config: { "@type": ${T}.router.v3.Router } } }`;
  assert.deepEqual(errorsOf(optional), []);
});

test('static: valid per-route configs of both filters load', () => {
  const good = `{ envoy.filters.http.fault: { "@type": ${T}.fault.v3.HTTPFault, abort: { http_status: 503, percentage: { numerator: 100 } } }, envoy.filters.http.rbac: { "@type": ${T}.rbac.v3.RBACPerRoute } }`;
  assert.deepEqual(errorsOf(good), []);
});

test('xDS: a route table with a bad per-route config is NACKed with its path and the old table keeps serving', () => {
  withHarness((h) => {
    applyBaseline(h);
    const before = h.rds.provider('simple').current();
    assert.ok(before !== null, 'the baseline route table is in force');
    for (const [key, entry, detail] of [
      ['envoy.filters.http.fault', { '@type': `${T}.fault.v3.HTTPFault`, response_rate_limit: { fixed_limit: { limit_kbps: 1 } } },
        /virtual_hosts\[0\]\.typed_per_filter_config\["envoy\.filters\.http\.fault"\]\.response_rate_limit: response rate limit faults are not supported by Strait/],
      ['envoy.filters.http.rbac', { '@type': `${T}.rbac.v3.RBACPerRoute`, rbac: { rules: {}, track_per_rule_stats: true } },
        /virtual_hosts\[0\]\.typed_per_filter_config\["envoy\.filters\.http\.rbac"\]\.rbac\.track_per_rule_stats:/],
      ['envoy.filters.http.fault', { '@type': `${T}.router.v3.Router` },
        /virtual_hosts\[0\]\.typed_per_filter_config\["envoy\.filters\.http\.fault"\]: Didn't find a registered implementation/],
    ] as const) {
      const json = structuredClone(ROUTE_CONFIGS[0]) as { virtual_hosts: Record<string, unknown>[] };
      json.virtual_hosts[0]!.typed_per_filter_config = { [key]: entry };
      const rc = fromJson(RouteConfigurationSchema, json as JsonValue, { registry });
      const o = h.deliver(responseBytes(3, [{ typeUrl: XDS_TYPES[3], value: toBinary(RouteConfigurationSchema, rc) }], '2'));
      assert.equal(o.kind, 'nack', key);
      assert.match(o.kind === 'nack' ? o.message : '', detail);
      assert.equal(h.rds.provider('simple').current(), before, 'the old route table is still in force');
    }
  });
});
