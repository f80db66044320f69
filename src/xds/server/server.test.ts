// The server around the streams: keep-alive pings on idle connections, undecodable requests,
// and close() ending live streams so clients and the process can finish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { ListenerSchema } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { startXdsServer } from './server.js';
import { snapshotOf } from './snapshot.js';
import { sotwClient } from './test-support.js';
import { LISTENER_TYPE } from './type-urls.js';

test('idle connections get keep-alive pings at keepaliveTimeMs', async () => {
  const xds = await startXdsServer({ port: 0, keepaliveTimeMs: 100, keepaliveTimeoutMs: 1000 });
  const session = http2.connect(`http://127.0.0.1:${xds.port}`);
  try {
    let pings = 0;
    session.on('ping', () => { pings++; });
    await new Promise((r) => setTimeout(r, 550));
    assert.ok(pings >= 2, `${pings} pings in 550 ms`);
  } finally {
    session.destroy();
    await xds.close();
  }
});

test('an undecodable request fails that stream only', async () => {
  const xds = await startXdsServer({ port: 0 });
  const raw = new grpc.Client(`127.0.0.1:${xds.port}`, grpc.credentials.createInsecure());
  try {
    const call = raw.makeBidiStreamRequest('/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
      (b: Buffer) => b, (b: Buffer) => b);
    const status = new Promise<grpc.StatusObject>((r) => call.on('status', r));
    call.on('error', () => {});
    call.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    const s = await status;
    assert.notEqual(s.code, grpc.status.OK);
    // The server still serves.
    xds.cache.setSnapshot('n', snapshotOf('1', [create(ListenerSchema, { name: 'l' })]));
    const c = sotwClient(xds.port);
    c.send({ node: { id: 'n' }, typeUrl: LISTENER_TYPE });
    assert.equal((await c.next()).versionInfo, '1');
    c.close();
  } finally {
    raw.close();
    await xds.close();
  }
});

test('close() ends live streams with OK and resolves promptly', async () => {
  const xds = await startXdsServer({ port: 0 });
  xds.cache.setSnapshot('n', snapshotOf('1', [create(ListenerSchema, { name: 'l' })]));
  const c = sotwClient(xds.port);
  try {
    c.send({ node: { id: 'n' }, typeUrl: LISTENER_TYPE });
    await c.next();
    assert.equal(xds.status().length, 1);
    const started = Date.now();
    await xds.close();
    assert.ok(Date.now() - started < 1500, `close took ${Date.now() - started} ms`);
    assert.equal((await c.status()).code, grpc.status.OK);
    assert.deepEqual(xds.status(), []);
  } finally {
    c.close();
  }
});
