// Responses written as the per-stream part plus the shared resources buffer arrive whole: two
// streams get the same list intact and in order with their own nonces, empty lists still work, and
// delta streams get their shared Resources whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { startXdsServer } from './server.js';
import { installSharedFrames } from './shared-frames.js';
import { snapshotOf } from './snapshot.js';
import { deltaClient, sotwClient } from './test-support.js';
import { LISTENER_TYPE } from './type-urls.js';

const listeners = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => create(ListenerSchema, { name: `l-${i}`, statPrefix: `${tag}-${'x'.repeat(200)}` }));

test('the hook installs on this grpc-js', () => {
  assert.equal(installSharedFrames(), true);
});

test('two streams get the shared resources whole, each with its own nonce, push after push', async () => {
  const xds = await startXdsServer({ port: 0, nodeKey: () => 'all' });
  const a = sotwClient(xds.port);
  const b = sotwClient(xds.port);
  try {
    xds.cache.setSnapshot('all', snapshotOf('1', listeners(500, 'one')));
    for (const c of [a, b]) c.send({ node: { id: 'n' }, typeUrl: LISTENER_TYPE });
    const [ra, rb] = await Promise.all([a.next(5000), b.next(5000)]);
    assert.notEqual(ra.nonce, rb.nonce);
    for (const r of [ra, rb]) {
      assert.equal(r.versionInfo, '1');
      assert.equal(r.resources.length, 500);
      assert.deepEqual(r.resources.map((x) => x.typeUrl), Array(500).fill(LISTENER_TYPE));
    }
    assert.deepEqual(ra.resources.map((x) => x.value), rb.resources.map((x) => x.value));
    for (const [c, r] of [[a, ra], [b, rb]] as const) c.send({ typeUrl: LISTENER_TYPE, versionInfo: r.versionInfo, responseNonce: r.nonce });
    xds.cache.setSnapshot('all', snapshotOf('2', listeners(1, 'two')));
    const [sa, sb] = await Promise.all([a.next(5000), b.next(5000)]);
    for (const r of [sa, sb]) assert.deepEqual([r.versionInfo, r.resources.length, r.resources[0].value.length > 200], ['2', 1, true]);
    for (const [c, r] of [[a, sa], [b, sb]] as const) c.send({ typeUrl: LISTENER_TYPE, versionInfo: r.versionInfo, responseNonce: r.nonce });
    // An empty list takes the plain path; the stream reads it just the same after the split ones.
    xds.cache.setSnapshot('all', snapshotOf('3', []));
    const [ea, eb] = await Promise.all([a.next(5000), b.next(5000)]);
    for (const r of [ea, eb]) assert.deepEqual([r.versionInfo, r.resources.length], ['3', 0]);
  } finally {
    a.close();
    b.close();
    await xds.close();
  }
});

test('delta streams get shared Resources whole, few (one chunk each) or many (joined)', async () => {
  const xds = await startXdsServer({ port: 0, nodeKey: () => 'all' });
  const a = deltaClient(xds.port);
  const b = deltaClient(xds.port);
  try {
    xds.cache.setSnapshot('all', snapshotOf('1', listeners(50, 'one')));
    for (const c of [a, b]) c.send({ node: { id: 'n' }, typeUrl: LISTENER_TYPE, resourceNamesSubscribe: ['*'] });
    const [ra, rb] = await Promise.all([a.next(5000), b.next(5000)]);
    for (const r of [ra, rb]) assert.deepEqual([r.systemVersionInfo, r.resources.length], ['1', 50]);
    assert.deepEqual(ra.resources.map((r) => [r.name, r.version]), rb.resources.map((r) => [r.name, r.version]));
    for (const [c, r] of [[a, ra], [b, rb]] as const) c.send({ typeUrl: LISTENER_TYPE, responseNonce: r.nonce });
    // Three listeners change and one goes: only they are sent, each as its own shared chunk.
    const next = listeners(49, 'one');
    for (const i of [1, 2, 3]) next[i] = create(ListenerSchema, { name: `l-${i}`, statPrefix: 'changed' });
    xds.cache.setSnapshot('all', snapshotOf('2', next));
    const [sa, sb] = await Promise.all([a.next(5000), b.next(5000)]);
    for (const r of [sa, sb]) {
      assert.deepEqual(r.resources.map((x) => x.name), ['l-1', 'l-2', 'l-3']);
      assert.deepEqual(r.removedResources, ['l-49']);
    }
  } finally {
    a.close();
    b.close();
    await xds.close();
  }
});
