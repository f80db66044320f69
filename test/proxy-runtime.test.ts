// The runtime through the admin API: /runtime lists Envoy's default layers, POST /runtime_modify
// turns a runtime-keyed mirror policy on and off, and GET /runtime_modify is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy } from './lib/proxy-process.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';

test('/runtime_modify switches a runtime_fraction mirror; /runtime shows base and admin layers', async () => {
  const primary = await startEchoUpstream('primary');
  const mirror = await startEchoUpstream('mirror');
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'primary', request_mirror_policies: [{
      cluster: 'mirror', runtime_fraction: { default_value: { numerator: 0 }, runtime_key: 'routing.mirror.enabled' },
    }] } }]),
    clusters: [{ name: 'primary', ports: [primary.port] }, { name: 'mirror', ports: [mirror.port] }],
  }));
  try {
    const port = await proxy.listenerPort('test');
    const send = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) assert.equal((await fetch(`http://127.0.0.1:${port}/x`)).status, 200);
    };
    await send(5);
    assert.equal(mirror.requests.length, 0, 'default 0%: nothing mirrored');
    assert.equal((await proxy.admin('/runtime_modify?routing.mirror.enabled=100')).status, 405, 'GET is refused');
    assert.equal((await proxy.admin('/runtime_modify?routing.mirror.enabled=100', { method: 'POST' })).status, 200);
    const rt = await (await proxy.admin('/runtime')).json() as {
      layers: string[]; entries: Record<string, { final_value: string; layer_values: string[] }>;
    };
    assert.deepEqual(rt.layers, ['base', 'admin']);
    assert.deepEqual(rt.entries['routing.mirror.enabled'], { final_value: '100', layer_values: ['', '100'] });
    await send(5);
    for (let i = 0; i < 50 && mirror.requests.length < 5; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(mirror.requests.length, 5, 'runtime 100%: every request mirrored');
    assert.equal(mirror.requests[0].headers.host, `127.0.0.1-shadow:${port}`);
    await proxy.admin('/runtime_modify?routing.mirror.enabled=', { method: 'POST' });
    await send(5);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(mirror.requests.length, 5, 'override removed: back to 0%');
    const stats = await (await proxy.admin('/stats?filter=^runtime\\.')).text();
    assert.match(stats, /runtime\.admin_overrides_active: 0/);
    assert.match(stats, /runtime\.num_layers: 2/);
  } finally {
    await proxy.stop();
    await primary.close();
    await mirror.close();
  }
});
