// CorsPolicy compilation and merging (unit), and invalid CORS configs as load errors with field paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { CorsPolicySchema } from '../../../../xds/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { registry } from '../../../../xds/registry.js';
import { loadBootstrap } from '../../../bootstrap/load.js';
import { bootstrapYaml, simpleRoutes } from '../../../../../test/lib/config.js';
import { compileCorsPolicy } from './cors-policy.js';
import { MergedCorsPolicy } from './merged-policy.js';

const compile = (json: JsonValue) => compileCorsPolicy(fromJson(CorsPolicySchema, json, { registry }), '');

test('levels merge field by field, most specific first; enabling comes from the most specific level only', () => {
  const route = compile({ allow_methods: 'PUT', allow_credentials: false, filter_enabled: { default_value: { numerator: 0 } } });
  const vhost = compile({ allow_origin_string_match: [{ suffix: '.example' }], allow_methods: 'GET', allow_headers: 'a',
    allow_credentials: true, max_age: '5' });
  const m = new MergedCorsPolicy([route, vhost]);
  assert.equal(m.allowMethods, 'PUT');
  assert.equal(m.allowHeaders, 'a');
  assert.equal(m.maxAge, '5');
  assert.equal(m.allowCredentials, false);
  assert.equal(m.forwardNotMatchingPreflights, true, 'Envoy forwards not-matching preflights by default');
  assert.equal(m.isOriginAllowed('http://a.example'), true);
  assert.equal(m.isOriginAllowed('http://a.other'), false);
  assert.equal(m.enabled(() => 0), false, 'the route says 0%');
  assert.equal(new MergedCorsPolicy([vhost, route]).enabled(() => 0.99), true, 'unset filter_enabled is always on');
  assert.equal(m.shadowEnabled(() => 0), false, 'unset shadow_enabled is never on');
});

test('a matcher that matches "*" allows every origin (the sandbox\'s safe_regex \\*)', () => {
  const star = new MergedCorsPolicy([compile({ allow_origin_string_match: [{ safe_regex: { regex: '\\*' } }] })]);
  assert.equal(star.isOriginAllowed('http://anything'), true);
  const exact = new MergedCorsPolicy([compile({ allow_origin_string_match: [{ exact: 'http://a', ignore_case: true }] })]);
  assert.equal(exact.isOriginAllowed('HTTP://A'), true);
  assert.equal(exact.isOriginAllowed('http://b'), false);
});

test('filter_enabled samples its default value', () => {
  const half = new MergedCorsPolicy([compile({ filter_enabled: { default_value: { numerator: 50 } } })]);
  assert.equal(half.enabled(() => 0.49), true);
  assert.equal(half.enabled(() => 0.5), false);
});

function withPolicy(policy: Record<string, unknown>): string {
  return bootstrapYaml({
    clusters: [{ name: 'backend', ports: [1] }],
    hcm: {
      http_filters: [
        { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } },
        { name: 'envoy.filters.http.router' },
      ],
    },
    routeConfig: simpleRoutes([{
      match: { prefix: '/' }, route: { cluster: 'backend' },
      typed_per_filter_config: {
        'envoy.filters.http.cors': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy', ...policy },
      },
    }]),
  });
}

const ROUTE = '.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0]'
  + '.typed_per_filter_config["envoy.filters.http.cors"]';

test('an invalid CorsPolicy is a config error naming the field', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ allow_origin_string_match: [{ exact: 'a' }, { safe_regex: { regex: 'a(b' } }] },
      `${ROUTE}.allow_origin_string_match[1].safe_regex.regex`, /missing \)/],
    [{ allow_origin_string_match: [{ safe_regex: { regex: 'a' }, ignore_case: true }] },
      `${ROUTE}.allow_origin_string_match[0].ignore_case`, /^ignore_case has no effect for safe_regex\.$/],
  ];
  for (const [policy, path, message] of cases) {
    const r = loadBootstrap({ yaml: withPolicy(policy) });
    assert.equal(r.ok, false, JSON.stringify(policy));
    if (r.ok) continue;
    assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
    assert.equal(r.errors[0].path, path);
    assert.match(r.errors[0].message, message);
    assert.ok(r.errors[0].line !== undefined, 'the error is placed in the YAML');
  }
  assert.equal(loadBootstrap({ yaml: withPolicy({ allow_origin_string_match: [{ prefix: 'http://' }] }) }).ok, true);
});
