// RDS with VHDS in the proxy's registry: a route configuration naming VHDS is refused on a SotW
// stream (Envoy's message) and for a config source other than ADS; on a delta stream its table is
// made only when VHDS answers, from RDS's virtual hosts and VHDS's together, and kept through a VHDS NACK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { VirtualHostSchema, type VirtualHost } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import { HeaderMap } from '../http/headers.js';
import { StatsStore } from '../stats/store.js';
import { RdsRegistry } from './rds-registry.js';

const vhost = (name: string, domain: string, cluster: string): VirtualHost => create(VirtualHostSchema, {
  name, domains: [domain], routes: [{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster } } } }],
});
const shell = (source: 'ads' | 'api'): RouteConfiguration => create(RouteConfigurationSchema, {
  name: '80', virtualHosts: [vhost('allow_any', '*', 'PassthroughCluster')],
  vhds: { configSource: source === 'ads' ? { configSourceSpecifier: { case: 'ads', value: {} } }
    : { configSourceSpecifier: { case: 'apiConfigSource', value: { apiType: 2 } } } },
});
const decoded = (rc: RouteConfiguration) => [{ name: rc.name, message: rc, any: anyPack(RouteConfigurationSchema, rc) }];
/** The cluster a request for `host` / goes to, or null. */
const clusterFor = (r: RdsRegistry, host: string): string | null => r.provider('80').current()
  ?.route({ method: 'GET', path: '/', authority: host, scheme: 'http', protocol: 'HTTP/1.1', headers: new HeaderMap() }, 0)?.clusterName ?? null;

test('VHDS refused on a SotW stream and for a config source other than ads', () => {
  const sotw = new RdsRegistry(() => [], new StatsStore(), false);
  sotw.retain(['80']);
  assert.equal(sotw.apply(decoded(shell('ads')), '1'), 'vhds: ADS must use DELTA_GRPC api_type when used as VHDS config source.');
  assert.equal(sotw.provider('80').current(), null);
  const delta = new RdsRegistry(() => [], new StatsStore(), true);
  delta.retain(['80']);
  assert.match(delta.apply(decoded(shell('api')), '1') ?? '', /^vhds\.config_source: only ads/);
});

test('a shell naming VHDS: subscribed, completed by VHDS, and a bad virtual host keeps the table', () => {
  const r = new RdsRegistry(() => [], new StatsStore(), true);
  const subscribed: string[][] = [];
  r.onVhdsNamesChanged = (names) => subscribed.push(names);
  r.retain(['80']);
  assert.equal(r.apply(decoded(shell('ads')), '1'), null);
  assert.deepEqual(subscribed.at(-1), ['80']);
  assert.equal(r.provider('80').current(), null, 'no table before VHDS answers');
  const p = r.provider('80');
  assert.equal(r.completeWithVhosts(p, [vhost('catalog:80', 'catalog', 'outbound|80||catalog')], '1'), null);
  assert.equal(clusterFor(r, 'catalog'), 'outbound|80||catalog');
  assert.equal(clusterFor(r, 'elsewhere'), 'PassthroughCluster', 'RDS\'s own virtual host is kept');
  assert.equal(p.record?.resource.virtualHosts.length, 2, 'the record (config dump) holds the table whole');
  assert.ok(p.record?.resource.vhds !== undefined);
  // Two virtual hosts with one domain: refused, the table in use stays.
  const error = r.completeWithVhosts(p, [vhost('a', 'catalog', 'x'), vhost('b', 'catalog', 'y')], '2');
  assert.match(error ?? '', /^route configuration 80: /);
  assert.equal(clusterFor(r, 'catalog'), 'outbound|80||catalog');
  // RDS drops VHDS: unsubscribed, and the table is RDS's alone.
  assert.equal(r.apply(decoded(create(RouteConfigurationSchema, { name: '80', virtualHosts: [vhost('allow_any', '*', 'PassthroughCluster')] })), '3'), null);
  assert.deepEqual(subscribed.at(-1), []);
  assert.equal(clusterFor(r, 'catalog'), 'PassthroughCluster');
});
