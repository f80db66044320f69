// The proxy-status table over /debug/syncz rows shaped as pilot's debug-routes.ts writes them,
// and the tab writer's Go tabwriter layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusNotes, statusTable, xdsStatus } from './status-table.js';
import { cellsOf, tabulate } from './tab-writer.js';

test('tabulate pads all but the last cell to the column width plus padding', () => {
  assert.equal(tabulate([['A', 'BB', 'C'], ['aaaa', 'b', 'cccc']], 2), 'A     BB  C\naaaa  b   cccc\n');
});

test('proxy-status rows: NAME is pod.namespace, states from syncz, ECDS NOT SENT', () => {
  const syncz = [
    { cluster_id: 'Kubernetes', proxy: 'sidecar~10.0.0.3~webapp-1.istioinaction~istioinaction.svc.cluster.local', proxy_type: 'sidecar',
      istio_version: 'strait/0.1.0', cluster_sent: 'a', cluster_acked: 'a', cluster_state: 'SYNCED',
      listener_sent: 'b', listener_acked: 'a', listener_state: 'STALE', route_sent: '', route_acked: '', route_state: 'NOT SENT',
      endpoint_sent: 'c', endpoint_acked: 'c', endpoint_state: 'SYNCED' },
    { cluster_id: 'Kubernetes', proxy: 'router~10.0.0.2~gw-1.istio-system~istio-system.svc.cluster.local', istio_version: 'strait/0.1.0',
      cluster_sent: 'x', cluster_acked: 'x' },
  ];
  const rows = statusTable(syncz, 'pilot').trimEnd().split('\n').map(cellsOf);
  assert.deepEqual(rows, [
    ['NAME', 'CLUSTER', 'CDS', 'LDS', 'EDS', 'RDS', 'ECDS', 'ISTIOD', 'VERSION'],
    ['gw-1.istio-system', 'Kubernetes', 'SYNCED', 'NOT SENT', 'NOT SENT', 'NOT SENT', 'NOT SENT', 'pilot', 'strait/0.1.0'],
    ['webapp-1.istioinaction', 'Kubernetes', 'SYNCED', 'STALE', 'SYNCED', 'NOT SENT', 'NOT SENT', 'pilot', 'strait/0.1.0'],
  ]);
  assert.equal(xdsStatus('b', ''), 'STALE (Never Acknowledged)');
});

test('proxy-status notes: why a type is not at the latest push, and the objects pilot left out', () => {
  const syncz = [
    { proxy: 'sidecar~10.0.0.3~webapp-1.istioinaction~istioinaction.svc.cluster.local', listener_state: 'STALE', listener_error: 'push v2: boom',
      route_state: 'NACKED', route_error: 'rejected: bad route' },
    { proxy: 'sidecar~10.0.0.4~catalog-1.istioinaction~istioinaction.svc.cluster.local', cluster_state: 'SYNCED' },
  ];
  const pushStatus = { configErrors: [{ kind: 'VirtualService', namespace: 'istioinaction', name: 'broken', file: 'vs.yaml', line: 3, message: 'invalid uint32: NaN' }] };
  assert.deepEqual(statusNotes(syncz, pushStatus), [
    'webapp-1.istioinaction: LDS STALE: push v2: boom',
    'webapp-1.istioinaction: RDS NACKED: rejected: bad route',
    'VirtualService istioinaction/broken (vs.yaml:3): left out of the config pushed to proxies: invalid uint32: NaN',
  ]);
  assert.deepEqual(statusNotes([], {}), []);
});
