// Mirror policies as compiled from route tables: the -shadow authority rule, the runtime_fraction
// default, inheritance from the virtual host, and the cluster / cluster_header config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import type { ForwardAction } from '../../../router/types.js';
import { RouteConfigError } from '../../../router/errors.js';
import { oneHost, req, table } from '../../../router/test-support.js';
import { shadowAuthority } from './mirror-policy.js';

function action(route: JsonValue, vhostExtra: Record<string, JsonValue> = {}): ForwardAction {
  const m = oneHost([{ match: { prefix: '/' }, route }], {}, vhostExtra).route(req('/'), 0);
  assert.ok(m !== null && m.route.action.kind === 'route');
  return m.route.action;
}

test('Envoy\'s shadow authority: the suffix goes before the port, IPv6 literals included', () => {
  assert.equal(shadowAuthority('app.example:8080'), 'app.example-shadow:8080');
  assert.equal(shadowAuthority('app.example'), 'app.example-shadow');
  assert.equal(shadowAuthority('10.0.0.1:80'), '10.0.0.1-shadow:80');
  assert.equal(shadowAuthority('[fc00::1]:443'), '[fc00::1]-shadow:443');
  assert.equal(shadowAuthority('[fc00::1]'), '[fc00::1]-shadow');
});

test('runtime_fraction defaults to every request; a set one is its default_value', () => {
  const [all, none, tenth] = action({ cluster: 'c', request_mirror_policies: [
    { cluster: 'm1' },
    { cluster: 'm2', runtime_fraction: { default_value: { numerator: 0 } } },
    { cluster_header: 'X-Mirror', runtime_fraction: { default_value: { numerator: 10, denominator: 'HUNDRED' } } },
  ] }).mirrors;
  assert.equal(all.fraction.sample(() => 0.999), true);
  assert.equal(none.fraction.sample(() => 0), false);
  assert.equal(tenth.fraction.sample(() => 0.09), true);
  assert.equal(tenth.fraction.sample(() => 0.1), false);
  assert.equal(tenth.clusterFor(req('/', { headers: { 'x-mirror': 'dyn' } })), 'dyn');
  assert.equal(tenth.clusterFor(req('/')), '', 'no header: no shadow');
  assert.equal(all.clusterFor(req('/')), 'm1');
});

test('a route without mirror policies inherits the virtual host\'s', () => {
  const a = action({ cluster: 'c' }, { request_mirror_policies: [{ cluster: 'vh-mirror' }] });
  assert.deepEqual(a.mirrors.map((p) => p.cluster), ['vh-mirror']);
  assert.deepEqual(action({ cluster: 'c' }).mirrors, []);
});

test('cluster and cluster_header are exclusive and one is required (Envoy\'s messages, with the field)', () => {
  const cases: [JsonValue, RegExp][] = [
    [{ cluster: 'a', cluster_header: 'b' },
      /^\.virtual_hosts\[0\]\.routes\[0\]\.route\.request_mirror_policies\[0\]: Only one of cluster 'a' or cluster_header 'b' in request mirror policy can be specified$/],
    [{ runtime_fraction: { default_value: { numerator: 1 } } },
      /^\.virtual_hosts\[0\]\.routes\[0\]\.route\.request_mirror_policies\[0\]: Exactly one of cluster or cluster_header/],
  ];
  for (const [policy, re] of cases) {
    assert.throws(() => table({ virtual_hosts: [{ name: 'v', domains: ['*'],
      routes: [{ match: { prefix: '/' }, route: { cluster: 'c', request_mirror_policies: [policy] } }] }] }),
    (e: unknown) => e instanceof RouteConfigError && re.test(e.message), JSON.stringify(policy));
  }
  assert.throws(() => table({ virtual_hosts: [{ name: 'v', domains: ['*'], request_mirror_policies: [{}],
    routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] }),
  /^RouteConfigError: \.virtual_hosts\[0\]\.request_mirror_policies\[0\]: Exactly one/);
});
