// The clusters, listeners and endpoints tables over the config dump of the xDS our pilot generates
// for the book's ch2 webapp sidecar with catalog's DestinationRule (ch2/catalog-destinationrule.yaml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meshOf } from '../../../test/lib/pilot-sim.js';
import { simConfigDump } from '../../../test/lib/sim-config-dump.js';
import { clusterTable } from './cluster-table.js';
import { endpointTable, rowsFromClusters, rowsFromEds } from './endpoint-table.js';
import { listenerRows, listenerTable } from './listener-table.js';
import { cellsOf } from './tab-writer.js';

const CATALOG = 'catalog.istioinaction.svc.cluster.local';

const webappDump = (): unknown => {
  const mesh = meshOf(['services/catalog/kubernetes/catalog-deployment-v2.yaml', 'ch2/catalog-destinationrule.yaml']);
  return simConfigDump(mesh.configFor(mesh.sidecar('webapp')));
};

const rowsOf = (table: string): string[][] => table.trimEnd().split('\n').map(cellsOf);

test('clusters table: catalog subsets with their DestinationRule, header as istioctl', () => {
  const rows = rowsOf(clusterTable(webappDump()));
  assert.deepEqual(rows[0], ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE']);
  const catalog = rows.filter((r) => r[0] === CATALOG);
  assert.deepEqual(catalog.map((r) => r.slice(0, 5)), [
    [CATALOG, '80', '-', 'outbound', 'EDS'],
    [CATALOG, '80', 'version-v1', 'outbound', 'EDS'],
    [CATALOG, '80', 'version-v2', 'outbound', 'EDS'],
  ]);
  assert.ok(catalog.every((r) => r[5] === 'catalog.istioinaction'), `DESTINATION RULE: ${JSON.stringify(catalog)}`);
  assert.deepEqual(rowsOf(clusterTable(webappDump(), { subset: 'version-v2' })).slice(1).map((r) => r[2]), ['version-v2']);
});

test('listeners table: the outbound port 80 listener routes to RDS 80', () => {
  // istioctl's listener writer pads with 1 space, so cells may be 1 space apart: read the rows
  const rows = listenerRows(webappDump());
  assert.deepEqual(rows[0], ['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION']);
  const lines = listenerTable(webappDump()).split('\n');
  assert.equal(lines[0]?.indexOf('MATCH'), lines[1]?.indexOf(rows[1]?.[2] ?? '?'), 'MATCH column aligned');
  assert.ok(rows.some((r) => r[1] === '80' && r[3] === 'Route: 80'), JSON.stringify(rows));
  const ports = rows.slice(1).map((r) => Number(r[1]));
  assert.deepEqual(ports, [...ports].sort((a, b) => a - b), 'sorted by port');
});

test('endpoints table from the EDS dump and from /clusters JSON', () => {
  const eds = rowsOf(endpointTable(rowsFromEds(webappDump()), { cluster: `outbound|80|version-v2|${CATALOG}` }));
  assert.deepEqual(eds[0], ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER']);
  assert.equal(eds.length, 2, JSON.stringify(eds));
  assert.match(eds[1]?.[0] ?? '', /^\d+\.\d+\.\d+\.\d+:3000$/);
  assert.deepEqual(eds[1]?.slice(1), ['HEALTHY', 'OK', `outbound|80|version-v2|${CATALOG}`]);
  const clusters = { cluster_statuses: [{ name: 'outbound|80||web', host_statuses: [
    { address: { socket_address: { address: '10.0.0.2', port_value: 8080 } }, health_status: { eds_health_status: 'HEALTHY', failed_outlier_check: true } },
  ] }] };
  assert.deepEqual(rowsOf(endpointTable(rowsFromClusters(clusters))).slice(1), [['10.0.0.2:8080', 'HEALTHY', 'FAILED', 'outbound|80||web']]);
});
