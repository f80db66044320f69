// strait proxy on ADS: requests in flight finish on the route table and listener they started
// with (RDS swap, LDS update on the same socket, LDS removal, cut at --drain-time-s); NACKs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startXdsServer, LISTENER_TYPE, ROUTE_TYPE, type TypeStatus, type XdsServer } from '../src/xds/server/index.js';
import { startEchoUpstream, type EchoUpstream } from './lib/echo-upstream.js';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { dynamicBootstrapYaml, edsCluster, endpoints, listener, routeConfig, snapshot } from './lib/xds-resources.js';
import { sleep, waitFor } from './lib/wait.js';

const NODE = { id: 'strait-xds-drain', cluster: 'drain' };


function acked(xds: XdsServer, typeUrl: string, version: string): Promise<TypeStatus> {
  return waitFor(`${typeUrl} ${version} ACKed`, 5000, () => {
    const s = xds.status().find((p) => p.nodeId === NODE.id)?.types.find((t) => t.typeUrl === typeUrl);
    return s?.ackedVersion === version ? s : undefined;
  });
}

/** GET on a fresh connection: status and the upstream that answered. */
function get(port: number, path: string): Promise<{ status: number; upstream: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, upstream: String(res.headers['x-upstream'] ?? '') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function stat(proxy: RunningProxy, name: string): Promise<number | undefined> {
  const text = await (await proxy.admin(`/stats?filter=^${name.replace(/\./g, '\\.')}$`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line === undefined ? undefined : Number(line.slice(name.length + 2));
}

interface DynListener { name: string; active_state?: { version_info: string }; draining_state?: { version_info: string } }

async function dynamicListeners(p: RunningProxy): Promise<DynListener[]> {
  const dump = (await (await p.admin('/config_dump?resource=dynamic_listeners')).json()) as { configs: DynListener[] };
  return dump.configs;
}

test('in-flight requests finish across RDS swaps, LDS updates and LDS removal', { timeout: 60_000 }, async (t) => {
  const ups: Record<string, EchoUpstream> = { A: await startEchoUpstream('A'), B: await startEchoUpstream('B') };
  const xds = await startXdsServer({ host: '127.0.0.1', port: 0 });
  let proxy: RunningProxy | undefined;
  t.after(async () => {
    await proxy?.stop();
    await xds.close();
    for (const u of Object.values(ups)) await u.close();
  });
  const clusters = [edsCluster('a'), edsCluster('b'), endpoints('a', [ups.A!.port]), endpoints('b', [ups.B!.port])];
  const r2 = routeConfig('r2', { cluster: 'a' });
  xds.cache.setSnapshot(NODE.id, snapshot('1', [listener('l1', 'r1'), routeConfig('r1', { cluster: 'a' }), r2, ...clusters]));
  // The bootstrap names another node; --service-node/--service-cluster win, as in Envoy.
  proxy = await startProxy(dynamicBootstrapYaml(xds.port, { id: 'bootstrap-node', cluster: 'bootstrap-cluster' }),
    ['--drain-time-s', '10', '--service-node', NODE.id, '--service-cluster', NODE.cluster]);
  const p = proxy;
  const port = await waitFor('listener l1', 10_000, async () => p.listenerPort('l1'));
  assert.equal(xds.status().find((s) => s.nodeId === NODE.id)?.nodeCluster, NODE.cluster);
  const info = (await (await p.admin('/server_info')).json()) as { node: Record<string, unknown> };
  assert.equal(info.node['id'], NODE.id, '/server_info shows the node as sent');
  assert.equal(info.node['cluster'], NODE.cluster);
  assert.equal(info.node['user_agent_name'], 'envoy');
  assert.deepEqual(info.node['metadata'], { role: 'test' });
  assert.deepEqual(await get(port, '/'), { status: 200, upstream: 'A' });

  // RDS swap: a request already routed to a finishes there; new ones go to b.
  const slow1 = get(port, '/delay/1500');
  await sleep(200);
  xds.cache.setSnapshot(NODE.id, snapshot('2', [listener('l1', 'r1'), routeConfig('r1', { cluster: 'b' }), r2, ...clusters]));
  await acked(xds, ROUTE_TYPE, '2');
  assert.deepEqual(await get(port, '/'), { status: 200, upstream: 'B' });
  assert.deepEqual(await slow1, { status: 200, upstream: 'A' }, 'the in-flight request kept its route table');

  // LDS update (l1 now uses r2 -> a): the new listener takes the socket; old connections finish.
  const slow2 = get(port, '/delay/1500');
  await sleep(200);
  xds.cache.setSnapshot(NODE.id, snapshot('3', [listener('l1', 'r2'), routeConfig('r1', { cluster: 'b' }), r2, ...clusters]));
  await acked(xds, LISTENER_TYPE, '3');
  await waitFor('l1 active at version 3', 5000, async () =>
    ((await dynamicListeners(p)).find((l) => l.name === 'l1')?.active_state?.version_info === '3' ? true : undefined));
  assert.equal(await p.listenerPort('l1'), port, 'same socket after the update');
  assert.deepEqual(await get(port, '/'), { status: 200, upstream: 'A' }, 'new connections get the new filter chain');
  const during = (await dynamicListeners(p)).find((l) => l.name === 'l1');
  assert.equal(during?.draining_state?.version_info, '1', 'the old listener (unchanged since v1) drains while its request is open');
  assert.deepEqual(await slow2, { status: 200, upstream: 'B' }, 'the old connection finished on the old chain');

  // LDS removal: stop accepting, let the open request finish.
  const slow3 = get(port, '/delay/1500');
  await sleep(200);
  xds.cache.setSnapshot(NODE.id, snapshot('4', [routeConfig('r1', { cluster: 'b' }), r2, ...clusters]));
  await acked(xds, LISTENER_TYPE, '4');
  await waitFor('l1 to stop accepting', 5000, async () => {
    try {
      await get(port, '/');
      return undefined;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? true : undefined;
    }
  });
  assert.ok(!(await (await p.admin('/listeners')).text()).includes('l1::'), 'l1 gone from /listeners');
  assert.deepEqual(await slow3, { status: 200, upstream: 'A' }, 'the request in flight on the removed listener finished');
  // A CDS cluster whose assignment has not come yet stays warming (not used, not in /clusters).
  xds.cache.setSnapshot(NODE.id, snapshot('5', [routeConfig('r1', { cluster: 'b' }), r2, ...clusters, edsCluster('c')]));
  await waitFor('c warming', 5000, async () => {
    const dump = (await (await p.admin('/config_dump?resource=dynamic_warming_clusters')).json()) as
      { configs: { cluster: { name: string } }[] };
    return dump.configs.some((c) => c.cluster.name === 'c') ? true : undefined;
  });
  assert.ok(!(await (await p.admin('/clusters')).text()).includes('\nc::'), 'c is not active');
  assert.equal(await stat(p, 'cluster_manager.warming_clusters'), 1);

  // A listener Strait cannot build is NACKed with Envoy's wording and shows in error_state.
  xds.cache.setSnapshot(NODE.id, snapshot('6', [routeConfig('r1', { cluster: 'b' }), r2, ...clusters, edsCluster('c'),
    listener('bad', 'r1', 'bad', { path_config_source: { path: '/nonexistent' }, resource_api_version: 'V3' })]));
  const nack = await waitFor('LDS NACK', 5000, () => {
    const s = xds.status().find((x) => x.nodeId === NODE.id)?.types.find((ty) => ty.typeUrl === LISTENER_TYPE);
    return s?.lastNack?.version === '6' ? s.lastNack : undefined;
  });
  assert.match(nack.message, /^Error adding\/updating listener\(s\) bad: .*rds\.config_source: only ads: \{\} config sources/);
  const bad = (await dynamicListeners(p)).find((l) => l.name === 'bad') as DynListener & { error_state?: { details: string } };
  assert.ok(bad?.error_state?.details.includes('only ads'), 'error_state in config_dump');
  assert.equal(bad?.active_state, undefined);

  // As Envoy, a removed listener stays in draining_state for the drain time, with no active_state.
  const removed = (await dynamicListeners(p)).find((l) => l.name === 'l1');
  assert.equal(removed?.active_state, undefined);
  assert.ok(removed?.draining_state !== undefined);
});

test('RDS validate_clusters (Envoy: off by default for RDS) and the end of a drain at --drain-time-s', { timeout: 60_000 }, async (t) => {
  const up = await startEchoUpstream('A');
  const xds = await startXdsServer({ host: '127.0.0.1', port: 0 });
  let proxy: RunningProxy | undefined;
  t.after(async () => {
    await proxy?.stop();
    await xds.close();
    await up.close();
  });
  const base = [listener('l1', 'r1'), edsCluster('a'), endpoints('a', [up.port])];
  xds.cache.setSnapshot(NODE.id, snapshot('1', [...base, routeConfig('r1', { cluster: 'a' })]));
  proxy = await startProxy(dynamicBootstrapYaml(xds.port, NODE), ['--drain-time-s', '1']);
  const p = proxy;
  const port = await waitFor('listener l1', 10_000, async () => p.listenerPort('l1'));
  assert.deepEqual(await get(port, '/'), { status: 200, upstream: 'A' });

  // validate_clusters: true makes a route to an unknown cluster a NACK; the old table serves on.
  const strict = routeConfig('r1', { cluster: 'nope' }, { prefix: '/' }, { validate_clusters: true });
  xds.cache.setSnapshot(NODE.id, snapshot('2', [...base, strict]));
  const nack = await waitFor('RDS NACK', 5000, () => {
    const s = xds.status().find((x) => x.nodeId === NODE.id)?.types.find((ty) => ty.typeUrl === ROUTE_TYPE);
    return s?.lastNack?.version === '2' ? s.lastNack : undefined;
  });
  assert.match(nack.message, /route: unknown cluster 'nope'/);
  assert.deepEqual(await get(port, '/'), { status: 200, upstream: 'A' });

  // Without it (RDS's default) the table is taken and the route answers 503, as Envoy's.
  xds.cache.setSnapshot(NODE.id, snapshot('3', [...base, routeConfig('r1', { cluster: 'nope' })]));
  await acked(xds, ROUTE_TYPE, '3');
  assert.equal((await get(port, '/')).status, 503);
  xds.cache.setSnapshot(NODE.id, snapshot('4', [...base, routeConfig('r1', { cluster: 'a' })]));
  await acked(xds, ROUTE_TYPE, '4');
  assert.deepEqual(await get(port, '/'), { status: 200, upstream: 'A' });

  // A request longer than the drain time on a removed listener is cut when the drain ends (1 s).
  const started = Date.now();
  const slow = get(port, '/delay/8000').then(() => 'answered', (e: Error) => `failed: ${e.message}`);
  await sleep(200);
  xds.cache.setSnapshot(NODE.id, snapshot('5', [edsCluster('a'), endpoints('a', [up.port]), routeConfig('r1', { cluster: 'a' })]));
  await acked(xds, LISTENER_TYPE, '5');
  assert.match(await slow, /^failed: /);
  const took = Date.now() - started;
  assert.ok(took >= 1000 && took < 5000, `cut after ${took} ms`);
});

test('dynamic_resources Strait cannot run stop the proxy with a config error', { timeout: 30_000 }, async () => {
  await assert.rejects(startProxy(dynamicBootstrapYaml(1, NODE), ['--concurrency', '2']),
    /error initializing configuration .*\.dynamic_resources: dynamic_resources with --concurrency above 1 is not supported/);
  const yaml = dynamicBootstrapYaml(1, NODE).replace('"api_type": "GRPC"', '"api_type": "REST"');
  await assert.rejects(startProxy(yaml), /\.dynamic_resources\.ads_config\.api_type: api_type REST is not supported/);
});
