// Locality-weighted balancing and priority failover through a real proxy: two localities with
// weights 1 and 3 share traffic 1:3; when priority 0 goes away, priority 1 takes all of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy } from './lib/proxy-process.js';
import { startEchoUpstream, type EchoUpstream } from './lib/echo-upstream.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';

function lle(zone: string, weight: number, priority: number, ups: EchoUpstream[]): Record<string, unknown> {
  return {
    locality: { region: 'eu', zone }, load_balancing_weight: weight, priority,
    lb_endpoints: ups.map((u) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: u.port } } } })),
  };
}

async function servers(port: number, n: number): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/`);
    if (r.status !== 200) throw new Error(`request ${i}: ${r.status} ${await r.text()}`);
    const server = ((await r.json()) as { server: string }).server;
    m.set(server, (m.get(server) ?? 0) + 1);
  }
  return m;
}

test('locality_weighted_lb_config: weights 1:3 across zones; failover to priority 1 when priority 0 is unhealthy', async () => {
  const a = await startEchoUpstream('zone-a');
  const b1 = await startEchoUpstream('zone-b1');
  const b2 = await startEchoUpstream('zone-b2');
  const backup = await startEchoUpstream('backup');
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'svc' } }]),
    clusters: [{ name: 'svc', ports: [], extra: {
      common_lb_config: { locality_weighted_lb_config: {} },
      health_checks: [{ timeout: '0.5s', interval: '0.2s', no_traffic_interval: '0.2s', unhealthy_threshold: 1, healthy_threshold: 1,
        http_health_check: { path: '/healthz' } }],
      load_assignment: { cluster_name: 'svc', endpoints: [lle('a', 1, 0, [a]), lle('b', 3, 0, [b1, b2]), lle('c', 1, 1, [backup])] },
    } }],
  }));
  try {
    const port = await proxy.listenerPort('test');
    // Wait (bounded) for the first health checks to pass.
    const healthy = async (): Promise<string> => (await (await proxy.admin('/stats?filter=cluster.svc.membership_healthy')).text()).trim();
    for (let i = 0; i < 50 && (await healthy()) !== 'cluster.svc.membership_healthy: 4'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const split = await servers(port, 200).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await (await proxy.admin('/clusters')).text()}`);
    });
    assert.equal(split.get('zone-a'), 50, `zone a: ${[...split]}`);
    assert.equal((split.get('zone-b1') ?? 0) + (split.get('zone-b2') ?? 0), 150);
    assert.equal(split.get('backup'), undefined, 'priority 1 idle while priority 0 is healthy');
    await Promise.all([a.close(), b1.close(), b2.close()]);
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if ((await healthy()) === 'cluster.svc.membership_healthy: 1') break;
    }
    assert.equal(await healthy(), 'cluster.svc.membership_healthy: 1');
    const after = await servers(port, 20);
    assert.equal(after.get('backup'), 20, `after priority 0 failed: ${[...after]}`);
  } finally {
    await proxy.stop();
    await backup.close();
  }
});
