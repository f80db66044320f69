// Tests of the in-memory config store: versions, generation, default namespace, events,
// and refusal of invalid objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryConfigStore, type ConfigEvent } from './store.js';
import type { ConfigObject } from './object.js';

const vs = (weight: number, labels?: Record<string, string>): ConfigObject => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
  metadata: { name: 'catalog', ...(labels ? { labels } : {}) },
  spec: { hosts: ['catalog'], http: [{ route: [{ destination: { host: 'catalog' }, weight }] }] },
});

test('apply stamps resourceVersion, generation and creationTimestamp and emits events', () => {
  const store = new MemoryConfigStore();
  const events: ConfigEvent[] = [];
  const stop = store.watch((e) => events.push(e));
  const a = store.apply(vs(100));
  assert.ok(a.ok);
  assert.equal(a.object.metadata.namespace, 'default');
  assert.equal(a.object.metadata.generation, 1);
  const b = store.apply(vs(100, { app: 'x' }));
  assert.ok(b.ok);
  assert.equal(b.object.metadata.generation, 1, 'labels only: same generation');
  assert.ok(Number(b.object.metadata.resourceVersion) > Number(a.object.metadata.resourceVersion));
  const c = store.apply(vs(50));
  assert.ok(c.ok);
  assert.equal(c.object.metadata.generation, 2);
  assert.equal(c.object.metadata.creationTimestamp, a.object.metadata.creationTimestamp);
  assert.deepEqual(store.list('VirtualService', 'default', { app: 'x' }), []);
  assert.equal(store.get('VirtualService', undefined, 'catalog')?.metadata.generation, 2);
  assert.equal(store.delete('VirtualService', 'default', 'catalog'), true);
  stop();
  store.apply(vs(1));
  assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
  assert.equal(events[1]?.old?.metadata.resourceVersion, a.object.metadata.resourceVersion);
});

test('an invalid object is refused and the stored one stays; cluster-scoped kinds have no namespace', () => {
  const store = new MemoryConfigStore('istioinaction');
  assert.ok(store.apply(vs(10)).ok);
  const bad = store.apply(vs(-1));
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.equal(bad.errors[0]?.path, 'spec.http[0].route[0].weight');
  assert.equal(store.list('VirtualService', 'istioinaction').length, 1);
  const ns = store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istioinaction' }, spec: undefined });
  assert.ok(ns.ok);
  assert.equal(ns.object.metadata.namespace, undefined);
});
