// strait proxy on dynamic config from Strait's xDS server (SotW and delta ADS) under ~200 req/s: add a
// listener, move weights, change endpoints, remove a cluster, NACKs, control-plane restart; zero failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@bufbuild/protobuf';
import { startXdsServer, CLUSTER_TYPE, LISTENER_TYPE, ROUTE_TYPE, ENDPOINT_TYPE, type XdsServer, type TypeStatus } from '../src/xds/server/index.js';
import { startEchoUpstream, type EchoUpstream } from './lib/echo-upstream.js';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { startLoad, type Load } from './lib/load.js';
import { dynamicBootstrapYaml, edsCluster, endpoints, listener, routeConfig, snapshot, staticCluster, weighted } from './lib/xds-resources.js';
import { waitFor } from './lib/wait.js';

const NODE = { id: 'strait-xds-test', cluster: 'test-cluster' };



function typeStatus(xds: XdsServer, typeUrl: string): TypeStatus | undefined {
  return xds.status().find((s) => s.nodeId === NODE.id)?.types.find((t) => t.typeUrl === typeUrl);
}

async function stat(proxy: RunningProxy, name: string): Promise<number | undefined> {
  const text = await (await proxy.admin(`/stats?filter=^${name.replace(/\./g, '\\.')}$`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line === undefined ? undefined : Number(line.slice(name.length + 2));
}

async function configDump(proxy: RunningProxy, query = ''): Promise<{ configs: Record<string, unknown>[] }> {
  return (await (await proxy.admin(`/config_dump${query}`)).json()) as { configs: Record<string, unknown>[] };
}

function section(dump: { configs: Record<string, unknown>[] }, type: string): Record<string, unknown> {
  const s = dump.configs.find((c) => c['@type'] === `type.googleapis.com/envoy.admin.v3.${type}`);
  assert.ok(s, `config_dump has ${type}`);
  return s;
}

/** The upstreams that answered in the last `n` samples after `t`. */
function upstreamsAfter(load: Load, t: number): Set<string> {
  return new Set(load.since(t).map((s) => s.upstream));
}

type TestContext = { after(fn: () => Promise<void>): void };

async function scenario(t: TestContext, apiType: 'GRPC' | 'DELTA_GRPC'): Promise<void> {
  const delta = apiType === 'DELTA_GRPC';
  const ups: Record<string, EchoUpstream> = {
    A: await startEchoUpstream('A'), B: await startEchoUpstream('B'), C: await startEchoUpstream('C'),
  };
  let xds = await startXdsServer({ host: '127.0.0.1', port: 0 });
  const xdsPort = xds.port;
  let proxy: RunningProxy | undefined;
  let load: Load | undefined;
  t.after(async () => {
    await load?.stop();
    await proxy?.stop();
    await xds.close();
    for (const u of Object.values(ups)) await u.close();
  });
  const base = (route: Message, extra: Message[] = []): Message[] => [
    listener('l1', 'r1'), route, edsCluster('a'), edsCluster('b'),
    endpoints('a', [ups.A!.port]), endpoints('b', [ups.B!.port]), ...extra,
  ];
  xds.cache.setSnapshot(NODE.id, snapshot('1', base(routeConfig('r1', weighted(['a', 100], ['b', 0])))));

  proxy = await startProxy(dynamicBootstrapYaml(xdsPort, NODE, apiType), ['--drain-time-s', '5']);
  const p = proxy;
  const port1 = await waitFor('listener l1', 10_000, async () => p.listenerPort('l1'));
  assert.ok(port1 > 0);
  await waitFor('/ready LIVE', 10_000, async () => ((await p.admin('/ready')).status === 200 ? true : undefined));

  // The proxy introduced itself as Envoy does: node id/cluster from the bootstrap, user agent "envoy".
  const me = xds.status().find((s) => s.nodeId === NODE.id);
  assert.ok(me, 'the proxy is connected');
  assert.equal(me.nodeCluster, NODE.cluster);
  assert.equal(me.userAgent, 'envoy');
  assert.equal(me.variant, delta ? 'delta' : 'sotw');
  for (const type of [LISTENER_TYPE, ROUTE_TYPE, CLUSTER_TYPE, ENDPOINT_TYPE]) {
    await waitFor(`ACK of ${type} v1`, 5000, () => (typeStatus(xds, type)?.ackedVersion === '1' ? true : undefined));
  }
  assert.deepEqual(typeStatus(xds, ROUTE_TYPE)?.subscribed, ['r1']);
  assert.deepEqual(typeStatus(xds, ENDPOINT_TYPE)?.subscribed, ['a', 'b']);
  assert.equal(typeStatus(xds, LISTENER_TYPE)?.wildcard, true);
  assert.equal(await stat(p, 'control_plane.connected_state'), 1);

  // Steady load at ~200 req/s on l1 (and on l2 once it exists).
  let port2 = 0;
  let n = 0;
  load = startLoad(() => `http://127.0.0.1:${port2 !== 0 && n++ % 2 === 1 ? port2 : port1}/x`, 200);
  const l = load;
  await l.more(100);
  assert.deepEqual(upstreamsAfter(l, 0), new Set(['A']), 'weight 100/0 sends everything to a');

  // 1. Add a listener: it binds once its route table is in, and serves.
  xds.cache.setSnapshot(NODE.id, snapshot('2', base(routeConfig('r1', weighted(['a', 100], ['b', 0])), [listener('l2', 'r1')])));
  port2 = await waitFor('listener l2', 10_000, async () => p.listenerPort('l2'));
  assert.notEqual(port2, port1);
  await l.more(100);

  // 2. Weighted clusters 100/0 -> 0/100: traffic moves to b.
  xds.cache.setSnapshot(NODE.id, snapshot('3', base(routeConfig('r1', weighted(['a', 0], ['b', 100])), [listener('l2', 'r1')])));
  await waitFor('RDS v3 ACK', 5000, () => (typeStatus(xds, ROUTE_TYPE)?.ackedVersion === '3' ? true : undefined));
  let mark = Date.now();
  await l.more(100);
  assert.deepEqual(upstreamsAfter(l, mark), new Set(['B']), 'weight 0/100 sends everything to b');

  // 3. Change b's endpoints: B -> C.
  const withC = (route: Message, extra: Message[] = []): Message[] => [
    listener('l1', 'r1'), listener('l2', 'r1'), route, edsCluster('a'), edsCluster('b'),
    endpoints('a', [ups.A!.port]), endpoints('b', [ups.C!.port]), ...extra,
  ];
  xds.cache.setSnapshot(NODE.id, snapshot('4', withC(routeConfig('r1', weighted(['a', 0], ['b', 100])))));
  await waitFor('EDS v4 ACK', 5000, () => (typeStatus(xds, ENDPOINT_TYPE)?.ackedVersion === '4' ? true : undefined));
  mark = Date.now();
  await l.more(100);
  assert.deepEqual(upstreamsAfter(l, mark), new Set(['C']), 'new endpoints of b take the traffic');
  assert.ok((await stat(p, 'cluster.b.update_success'))! >= 2, 'EDS updates counted on the cluster');
  assert.equal(await stat(p, 'cluster.b.warming_state'), 0);

  // 4. Remove cluster a: first the route stops naming it, then CDS drops it.
  xds.cache.setSnapshot(NODE.id, snapshot('5', withC(routeConfig('r1', { cluster: 'b' }))));
  await waitFor('RDS v5 ACK', 5000, () => (typeStatus(xds, ROUTE_TYPE)?.ackedVersion === '5' ? true : undefined));
  xds.cache.setSnapshot(NODE.id, snapshot('6', [listener('l1', 'r1'), listener('l2', 'r1'),
    routeConfig('r1', { cluster: 'b' }), edsCluster('b'), endpoints('b', [ups.C!.port])]));
  await waitFor('CDS v6 ACK', 5000, () => (typeStatus(xds, CLUSTER_TYPE)?.ackedVersion === '6' ? true : undefined));
  await waitFor('cluster a gone from /clusters', 5000, async () => {
    const text = await (await p.admin('/clusters')).text();
    return !text.includes('\na::') && !text.startsWith('a::') && text.includes('b::') ? true : undefined;
  });
  assert.equal(await stat(p, 'cluster_manager.cluster_removed'), 1);
  assert.deepEqual(typeStatus(xds, ENDPOINT_TYPE)?.subscribed, ['b'], 'EDS no longer asks for a');
  await l.more(100);

  // 5. An invalid route table (bad regex) is NACKed with the reason; the last good one keeps serving.
  const good6 = [listener('l1', 'r1'), listener('l2', 'r1'), edsCluster('b'), endpoints('b', [ups.C!.port])];
  xds.cache.setSnapshot(NODE.id, snapshot('7', [...good6,
    routeConfig('r1', { cluster: 'b' }, { safe_regex: { regex: '/(unclosed' } })]));
  const nacked = await waitFor('NACK of RDS v7', 5000, () => {
    const s = typeStatus(xds, ROUTE_TYPE);
    return s?.lastNack?.version === '7' ? s : undefined;
  });
  assert.equal(nacked.state, 'NACKED');
  // SotW resends every type with each version; delta sent r1 last in v5, and v6 (same r1) left the
  // proxy holding v6's route content, so both run v6.
  assert.equal(nacked.ackedVersion, '6', 'the proxy still runs the last good RDS');
  assert.match(nacked.lastNack!.message, /regex|missing \)|parenthes/i);
  assert.equal(nacked.lastNack!.code, 13);
  assert.equal(await stat(p, 'http.l1.rds.r1.update_rejected'), 1, 'RDS stats under the first HCM that asked');
  mark = Date.now();
  await l.more(100);
  assert.deepEqual(upstreamsAfter(l, mark), new Set(['C']));

  // ... and so is a cluster the proxy cannot build; the other resources of the response still apply.
  xds.cache.setSnapshot(NODE.id, snapshot('8', [...good6, routeConfig('r1', { cluster: 'b' }),
    staticCluster('bad', 'not-an-ip')]));
  const cdsNack = await waitFor('NACK of CDS v8', 5000, () => {
    const s = typeStatus(xds, CLUSTER_TYPE);
    return s?.lastNack?.version === '8' ? s : undefined;
  });
  assert.match(cdsNack.lastNack!.message, /^Error adding\/updating cluster\(s\) bad: /);
  assert.equal(await stat(p, 'cluster_manager.cds.update_rejected'), 1);
  // Delta sends CDS only when a cluster changed (v1, v6); SotW with every version.
  assert.ok((await stat(p, 'cluster_manager.cds.update_success'))! >= (delta ? 2 : 6));
  assert.ok((await stat(p, 'listener_manager.lds.update_success'))! >= 2);
  await l.more(50);

  // 6. The control plane goes away: the proxy keeps serving its last config.
  await xds.close();
  await waitFor('connected_state 0', 5000, async () => ((await stat(p, 'control_plane.connected_state')) === 0 ? true : undefined));
  assert.ok((await stat(p, 'cluster_manager.cds.update_failure'))! >= 1, 'the lost stream counts as a failed update');
  assert.ok((await stat(p, 'http.l1.rds.r1.update_failure'))! >= 1);
  mark = Date.now();
  await l.more(200);
  assert.deepEqual(upstreamsAfter(l, mark), new Set(['C']), 'still serving without the control plane');

  // 7. It comes back on the same port with a new snapshot: the proxy reconnects and converges.
  xds = await startXdsServer({ host: '127.0.0.1', port: xdsPort });
  const xds2 = xds;
  xds2.cache.setSnapshot(NODE.id, snapshot('9', [listener('l1', 'r1'), listener('l2', 'r1'),
    routeConfig('r1', { cluster: 'b' }), edsCluster('b'), endpoints('b', [ups.B!.port])]));
  // SotW answers every type again; delta (initial_resource_versions) only what changed, so an
  // unchanged r1 gets no response there.
  const expectV9 = delta ? [LISTENER_TYPE, CLUSTER_TYPE, ENDPOINT_TYPE] : [LISTENER_TYPE, ROUTE_TYPE, CLUSTER_TYPE, ENDPOINT_TYPE];
  await waitFor('reconnect and ACK of v9', 40_000, () => {
    const types = expectV9.map((ty) => typeStatus(xds2, ty));
    return types.every((s) => s?.ackedVersion === '9' && s.state === 'SYNCED') ? true : undefined;
  });
  assert.deepEqual(typeStatus(xds2, ROUTE_TYPE)?.subscribed, ['r1'], 'resubscribed to r1');
  assert.equal(typeStatus(xds2, ROUTE_TYPE)?.lastNack, undefined);
  assert.equal(await stat(p, 'control_plane.connected_state'), 1);
  mark = Date.now();
  await l.more(100);
  assert.deepEqual(upstreamsAfter(l, mark), new Set(['B']), 'converged to the new snapshot');

  // config_dump shows the dynamic resources with their versions.
  const dump = await configDump(p);
  const listeners = section(dump, 'ListenersConfigDump');
  assert.equal(listeners['version_info'], '9');
  const dyn = listeners['dynamic_listeners'] as { name: string; active_state: { version_info: string; last_updated: string; listener: { name: string } } }[];
  assert.deepEqual(dyn.map((d) => d.name), ['l1', 'l2']);
  assert.equal(dyn[0]!.active_state.listener.name, 'l1');
  assert.ok(!Number.isNaN(Date.parse(dyn[0]!.active_state.last_updated)));
  const clusters = section(dump, 'ClustersConfigDump');
  const active = clusters['dynamic_active_clusters'] as { version_info: string; cluster: { name: string } }[];
  assert.deepEqual(active.map((c) => c.cluster.name), ['b']);
  assert.deepEqual((clusters['static_clusters'] as { cluster: { name: string } }[]).map((c) => c.cluster.name), ['xds_cluster']);
  const routes = section(dump, 'RoutesConfigDump')['dynamic_route_configs'] as { version_info: string; route_config: { name: string } }[];
  assert.deepEqual(routes.map((r) => [r.route_config.name, r.version_info]), [['r1', '5']]);
  assert.equal(dump.configs.some((c) => String(c['@type']).endsWith('EndpointsConfigDump')), false);
  const eds = section(await configDump(p, '?include_eds'), 'EndpointsConfigDump');
  const cla = eds['dynamic_endpoint_configs'] as { version_info: string; endpoint_config: { cluster_name: string } }[];
  assert.deepEqual(cla.map((c) => [c.endpoint_config.cluster_name, c.version_info]), [['b', '9']], 'a was dropped with its cluster');

  // r1 changed in v1, v3 and v5 only: three reloads, whatever the variant resent.
  assert.equal(await stat(p, 'http.l1.rds.r1.config_reload'), 3);
  assert.ok((await stat(p, 'cluster_manager.cds.update_time'))! > Date.now() - 60_000);

  await load.stop();
  assert.deepEqual(l.failures, [], `failed requests: ${l.failures.slice(0, 5).join('; ')}`);
  assert.ok(l.samples.length > 1000, `${l.samples.length} requests answered`);
}

test('strait proxy on SotW ADS: LDS/RDS/CDS/EDS changes under load, NACK, control-plane restart', { timeout: 90_000 },
  (t) => scenario(t, 'GRPC'));

test('strait proxy on delta ADS: the same under load', { timeout: 90_000 }, (t) => scenario(t, 'DELTA_GRPC'));
