// Config errors from compileRouteConfig: invalid RE2 regexes anywhere, bad weighted clusters, rewrite
// conflicts and unsupported features, each with the field path and (where Envoy has one) its wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import { compileRouteConfig } from './route-table.js';
import { RouteConfigError } from './errors.js';
import { oneHost, routeConfig } from './test-support.js';

const R = '.virtual_hosts[0].routes[0]';

test('each bad route is reported at its field', () => {
  const cases: [JsonValue, string, string | RegExp][] = [
    [{ match: { safe_regex: { regex: '(?<=x)y' } }, route: { cluster: 'c' } }, `${R}.match.safe_regex.regex`, /^invalid perl operator: \(\?</],
    [{ match: { safe_regex: { regex: '(a' } }, route: { cluster: 'c' } }, `${R}.match.safe_regex.regex`, 'missing ): (a'],
    [{ match: { prefix: '/', headers: [{ name: 'x', safe_regex_match: { regex: 'a**' } }] }, route: { cluster: 'c' } },
      `${R}.match.headers[0].safe_regex_match.regex`, 'bad repetition operator: **'],
    [{ match: { prefix: '/', headers: [{ name: 'x', string_match: { safe_regex: { regex: '\\1' } } }] }, route: { cluster: 'c' } },
      `${R}.match.headers[0].string_match.safe_regex.regex`, 'invalid escape sequence: \\1'],
    [{ match: { prefix: '/', headers: [{ name: 'x', string_match: { safe_regex: { regex: 'a' }, ignore_case: true } }] }, route: { cluster: 'c' } },
      `${R}.match.headers[0].string_match.ignore_case`, 'ignore_case has no effect for safe_regex.'],
    [{ match: { prefix: '/', query_parameters: [{ name: 'q', string_match: { safe_regex: { regex: '[z-a]' } } }] }, route: { cluster: 'c' } },
      `${R}.match.query_parameters[0].string_match.safe_regex.regex`, /^invalid character class range/],
    [{ match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex: '(a' }, substitution: 'x' } } },
      `${R}.route.regex_rewrite.pattern.regex`, 'missing ): (a'],
    [{ match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex: '(a)' }, substitution: '\\2' } } },
      `${R}.route.regex_rewrite.substitution`, 'requested group 2 in regexp (a) which has only 1 groups'],
    [{ match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex: 'a' }, substitution: '\\x' } } },
      `${R}.route.regex_rewrite.substitution`, 'invalid rewrite pattern: \\x'],
    [{ match: { prefix: '/' }, redirect: { regex_rewrite: { pattern: { regex: '+' }, substitution: '' } } },
      `${R}.redirect.regex_rewrite.pattern.regex`, 'no argument for repetition operator: +'],
    [{ match: { prefix: '/' }, route: { cluster: 'c', prefix_rewrite: '/x', regex_rewrite: { pattern: { regex: 'a' }, substitution: 'b' } } },
      `${R}.route`, 'Specify only one of prefix_rewrite, regex_rewrite or path_rewrite_policy'],
    [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: 0 }, { name: 'b', weight: 0 }] } } },
      `${R}.route.weighted_clusters`, 'Sum of weights in the weighted_cluster must be greater than 0.'],
    [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ weight: 1 }] } } },
      `${R}.route.weighted_clusters.clusters[0]`, 'At least one of name or cluster_header need to be specified'],
    [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', cluster_header: 'h', weight: 1 }] } } },
      `${R}.route.weighted_clusters.clusters[0]`, 'Only one of name or cluster_header can be specified'],
    [{ name: 'big', match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: 4294967295 }, { name: 'b', weight: 1 }] } } },
      `${R}.route.weighted_clusters`, 'The sum of weights of all weighted clusters of route big exceeds 4294967295'],
    [{ match: { prefix: '/' }, route: { cluster: 'c', upgrade_configs: [{ upgrade_type: 'websocket' }, { upgrade_type: 'WebSocket' }] } },
      `${R}.route.upgrade_configs[1]`, 'Duplicate upgrade WebSocket'],
    [{ match: { prefix: '/' }, direct_response: { status: 99 } }, `${R}.direct_response.status`, 'value must be inside range [200, 600)'],
    [{ match: { path_separated_prefix: '/a/' }, route: { cluster: 'c' } }, `${R}.match.path_separated_prefix`, /does not match regex pattern/],
    [{ match: { prefix: '/' }, route: { cluster_specifier_plugin: 'p' } }, `${R}.route.cluster_specifier_plugin`, /not supported by Strait/],
    [{ match: { prefix: '/', dynamic_metadata: [{ filter: 'f', path: [{ key: 'k' }], value: { present_match: true } }] }, route: { cluster: 'c' } },
      `${R}.match.dynamic_metadata`, /not supported by Strait/],
  ];
  for (const [route, path, detail] of cases) {
    assert.throws(() => oneHost([route]), (e: unknown) => {
      assert.ok(e instanceof RouteConfigError, String(e));
      assert.equal(e.path, path, JSON.stringify(route));
      if (typeof detail === 'string') assert.equal(e.detail, detail);
      else assert.match(e.detail, detail);
      assert.equal(e.message, `${e.path}: ${e.detail}`);
      return true;
    });
  }
});

test('fieldPath places errors within the whole config', () => {
  const cfg = routeConfig({ name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [
    { match: { safe_regex: { regex: '(' } }, route: { cluster: 'c' } }] }] });
  assert.throws(() => compileRouteConfig(cfg, { fieldPath: '.static_resources.listeners[0].route_config' }),
    /^RouteConfigError: \.static_resources\.listeners\[0\]\.route_config\.virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex\.regex: missing \): \($/);
});

test('a valid config compiles without errors', () => {
  assert.doesNotThrow(() => oneHost([
    { match: { safe_regex: { regex: '/users/(?P<id>[0-9]+)' } }, route: { cluster: 'c', regex_rewrite: { pattern: { regex: '^/users/([0-9]+)$' }, substitution: '/u/\\1' } } },
  ]));
});
