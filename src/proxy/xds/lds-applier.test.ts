// The LDS applier on its own: Envoy's NACK wording (duplicates, bad listeners, the rest applied),
// static listeners left alone, removal of listeners missing from a state-of-the-world response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ListenerSchema, type Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { registry } from '../../xds/registry.js';
import type { DecodedResource } from '../../xds/client/index.js';
import { StatsStore } from '../stats/store.js';
import type { ClusterManager } from '../upstream/types.js';
import { LdsApplier } from './lds-applier.js';
import { RdsRegistry } from './rds-registry.js';

/** A listener on 127.0.0.1:0 answering every request with a direct 200 (no clusters, no RDS). */
function listener(name: string, extra: Record<string, unknown> = {}): DecodedResource {
  const message = fromJson(ListenerSchema, {
    name, address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: name,
      route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' },
        direct_response: { status: 200 } }] }] },
      http_filters: [{ name: 'envoy.filters.http.router', typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
    } }] }],
    ...extra,
  } as JsonValue, { registry });
  return { name, message, any: anyPack(ListenerSchema, message) };
}

const noClusters: ClusterManager = {
  get: () => undefined, clusters: () => [], addOrUpdateCluster: () => Promise.resolve(false), removeCluster: () => false,
};

async function until(what: string, fn: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('LDS: duplicates, a bad listener next to good ones, static names, removal', async (t) => {
  const stats = new StatsStore();
  const lds = new LdsApplier({ clusterManager: noClusters, stats, rds: new RdsRegistry(() => [], stats),
    drainTimeMs: 1000, staticRdsNames: [], staticNames: new Set(['static']) }, 1);
  t.after(() => lds.close());

  assert.equal(lds.apply([listener('x'), listener('x')], '1'),
    'Error adding/updating listener(s) x: duplicate listener x found');
  assert.equal(stats.counter('listener_manager.lds.update_rejected').value, 1);

  const bad = listener('bad', { listener_filters: [{ name: 'envoy.filters.listener.nope' }] });
  const err = lds.apply([listener('a'), bad, listener('static')], '2');
  assert.match(err ?? '', /^Error adding\/updating listener\(s\) bad: /);
  await until('a active', () => lds.active.has('a'));
  assert.equal(lds.active.get('a')!.listener.boundPort > 0, true);
  assert.equal(lds.active.has('static'), false, 'a static listener is not replaced by LDS');
  assert.equal(lds.failures.get('bad')?.version, '2');
  assert.equal(stats.gauge('listener_manager.total_listeners_active').value, 2, 'the static one and a');
  assert.equal(lds.version, '2', 'as Envoy, a partly applied response moves the version');
  assert.equal(lds.apply([listener('a'), bad, listener('static')], '2b') !== null, true);
  assert.equal(lds.version, '2', 'nothing applied: the version stays');

  assert.equal(lds.apply([listener('b')], '3'), null);
  await until('b active, a removed', () => lds.active.has('b') && !lds.active.has('a'));
  assert.equal(lds.version, '3');
  assert.equal(stats.counter('listener_manager.listener_removed').value, 1);
  assert.equal(stats.counter('listener_manager.listener_added').value, 2);
  const cfg: Listener = lds.active.get('b')!.config;
  assert.equal(cfg.name, 'b');
});
