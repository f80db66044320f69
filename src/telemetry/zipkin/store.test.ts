// The trace store: bounded (the oldest traces go first), remote service and span name indexes per
// local service, and Zipkin's trace query rules (window, limit, newest first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTraceQuery } from './query.js';
import { TraceStore } from './store.js';
import type { ZipkinSpan } from './span.js';

const span = (traceId: string, id: string, timestamp: number, extra: Partial<ZipkinSpan> = {}): ZipkinSpan =>
  ({ traceId, id, timestamp, duration: 10, localEndpoint: { serviceName: 'web' }, ...extra });

test('past maxSpans the traces received first are evicted, whole', () => {
  const store = new TraceStore(3);
  store.accept([span('0000000000000001', '0000000000000001', 1), span('0000000000000001', '0000000000000002', 2)]);
  store.accept([span('0000000000000002', '0000000000000003', 3)]);
  assert.deepEqual(store.size, { traces: 2, spans: 3 });
  store.accept([span('0000000000000003', '0000000000000004', 4)]);
  assert.deepEqual(store.size, { traces: 2, spans: 2 });
  assert.equal(store.trace('0000000000000001'), undefined);
  assert.equal(store.trace('0000000000000003')!.length, 1);
});

test('span and remote service names are per local service; queries are newest first, limited', () => {
  const store = new TraceStore();
  const t = (n: number): string => n.toString(16).padStart(16, '0');
  for (let i = 1; i <= 5; i++) {
    store.accept([
      span(t(i), t(i), i * 1000, { name: 'get /', kind: 'SERVER' }),
      span(t(i), t(100 + i), i * 1000 + 1, { parentId: t(i), name: 'call', kind: 'CLIENT', remoteEndpoint: { serviceName: 'db' } }),
      span(t(i), t(200 + i), i * 1000 + 2, { parentId: t(100 + i), name: 'query', localEndpoint: { serviceName: 'db' } }),
    ]);
  }
  assert.deepEqual(store.remoteServiceNames('WEB'), ['db']);
  assert.deepEqual(store.remoteServiceNames('db'), []);
  assert.deepEqual(store.spanNames('db'), ['query']);
  const q = (params: Record<string, string>): string[] =>
    store.query(parseTraceQuery(new URLSearchParams({ endTs: '10', lookback: '10', ...params }))).map((tr) => tr[0]!.traceId);
  assert.deepEqual(q({ limit: '2' }), [t(5), t(4)]);
  assert.deepEqual(q({ endTs: '3', lookback: '1' }), [t(3), t(2)]);
  assert.equal(q({ serviceName: 'web', remoteServiceName: 'db' }).length, 5);
  assert.equal(q({ serviceName: 'db', remoteServiceName: 'db' }).length, 0, 'remoteServiceName counts only serviceName\'s spans');
  assert.equal(q({ serviceName: 'db', spanName: 'query' }).length, 5);
  assert.throws(() => parseTraceQuery(new URLSearchParams({ limit: '0' })), /limit <= 0/);
});
