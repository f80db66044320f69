// A route's per-filter config is compiled once, when its route table arrives over RDS: its stats exist
// before any request, its token bucket serves every request, a bad update is NACKed without touching it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue, type Message } from '@bufbuild/protobuf';
import { ListenerSchema } from '../src/xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../src/xds/gen/envoy/config/route/v3/route_pb.js';
import { registry } from '../src/xds/registry.js';
import { startXdsServer, ROUTE_TYPE, type TypeStatus, type XdsServer } from '../src/xds/server/index.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { dynamicBootstrapYaml, edsCluster, endpoints, snapshot } from './lib/xds-resources.js';
import { waitFor } from './lib/wait.js';

const NODE = { id: 'strait-per-route-test', cluster: 'test-cluster' };
const ADS = { ads: {} };
const RL = 'envoy.filters.http.local_ratelimit';
const RL_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const ALWAYS = { default_value: { numerator: 100, denominator: 'HUNDRED' }, runtime_key: 'rl_enabled' };

/** Listener l1: local_ratelimit (no limit of its own) then the router, routes from RDS r1. */
function listenerWithRateLimit(): Message {
  return fromJson(ListenerSchema, {
    name: 'l1',
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{ filters: [{
      name: 'envoy.filters.network.http_connection_manager',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        stat_prefix: 'l1',
        rds: { route_config_name: 'r1', config_source: ADS },
        http_filters: [
          { name: RL, typed_config: { '@type': RL_TYPE, stat_prefix: 'listener_rl' } },
          { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
        ],
      },
    }] }],
  } as JsonValue, { registry });
}

/** Route table r1: one route to cluster a limited to `maxTokens` per hour under stat_prefix route_rl. */
function limitedRoutes(maxTokens: number, fillInterval = '3600s'): Message {
  return fromJson(RouteConfigurationSchema, {
    name: 'r1',
    virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{
      match: { prefix: '/' }, route: { cluster: 'a' },
      typed_per_filter_config: { [RL]: {
        '@type': RL_TYPE, stat_prefix: 'route_rl',
        token_bucket: { max_tokens: maxTokens, tokens_per_fill: 1, fill_interval: fillInterval },
        filter_enabled: ALWAYS, filter_enforced: ALWAYS,
      } },
    }] }],
  } as JsonValue, { registry });
}

function routeStatus(xds: XdsServer): TypeStatus | undefined {
  return xds.status().find((s) => s.nodeId === NODE.id)?.types.find((t) => t.typeUrl === ROUTE_TYPE);
}

async function stat(proxy: RunningProxy, name: string): Promise<number | undefined> {
  const text = await (await proxy.admin(`/stats?filter=^${name.replace(/\./g, '\\.')}$`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line === undefined ? undefined : Number(line.slice(name.length + 2));
}

test('per-route local_ratelimit over RDS: compiled when the table loads, one bucket for all requests, a bad update NACKed', { timeout: 60_000 }, async (t) => {
  const upstream = await startEchoUpstream('A');
  const xds = await startXdsServer({ host: '127.0.0.1', port: 0 });
  let proxy: RunningProxy | undefined;
  t.after(async () => {
    await proxy?.stop();
    await xds.close();
    await upstream.close();
  });
  const base = [listenerWithRateLimit(), edsCluster('a'), endpoints('a', [upstream.port])];
  xds.cache.setSnapshot(NODE.id, snapshot('1', [...base, limitedRoutes(2)]));
  proxy = await startProxy(dynamicBootstrapYaml(xds.port, NODE));
  const p = proxy;
  const port = await waitFor('listener l1', 10_000, async () => p.listenerPort('l1'));
  await waitFor('ACK of RDS v1', 10_000, () => (routeStatus(xds)?.ackedVersion === '1' ? true : undefined));
  const get = async (): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    await res.arrayBuffer();
    return res.status;
  };

  // The route's config was compiled with the table: its stats are there before any request.
  assert.equal(await stat(p, 'route_rl.http_local_rate_limit.enabled'), 0);
  assert.equal(await stat(p, 'route_rl.http_local_rate_limit.ok'), 0);

  // Every request draws from the same bucket: 2 tokens, then 429.
  assert.deepEqual([await get(), await get(), await get()], [200, 200, 429]);
  assert.equal(await stat(p, 'route_rl.http_local_rate_limit.ok'), 2);
  assert.equal(await stat(p, 'route_rl.http_local_rate_limit.rate_limited'), 1);

  // A table whose per-route config does not compile is NACKed with the field path, and the old table
  // (with its bucket, still empty) keeps serving.
  xds.cache.setSnapshot(NODE.id, snapshot('2', [...base, limitedRoutes(5, '0.01s')]));
  const nacked = await waitFor('NACK of RDS v2', 10_000, () => {
    const s = routeStatus(xds);
    return s?.lastNack?.version === '2' ? s : undefined;
  });
  assert.equal(nacked.ackedVersion, '1');
  assert.ok(nacked.lastNack!.message.includes(
    `.virtual_hosts[0].routes[0].typed_per_filter_config["${RL}"].token_bucket.fill_interval: local rate limit token bucket fill timer must be >= 50ms`),
  nacked.lastNack!.message);
  assert.equal(await get(), 429, 'the old table and its bucket are still in force');

  // A good update is a new table: its route config is compiled again, with a bucket of its own.
  xds.cache.setSnapshot(NODE.id, snapshot('3', [...base, limitedRoutes(1)]));
  await waitFor('ACK of RDS v3', 10_000, () => (routeStatus(xds)?.ackedVersion === '3' ? true : undefined));
  assert.deepEqual([await get(), await get()], [200, 429]);
});
