// The routes table over the config dump of the xDS our pilot generates for the book's ch2
// ingress gateway (ch2/ingress-gateway.yaml): the book's `http.8080  *  /*  webapp-virtualservice` row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meshOf } from '../../../test/lib/pilot-sim.js';
import { simConfigDump } from '../../../test/lib/sim-config-dump.js';
import { filteredRoutes, routeTable } from './route-table.js';
import { cellsOf } from './tab-writer.js';

const gatewayDump = (): unknown => {
  const mesh = meshOf(['ch2/ingress-gateway.yaml']);
  return simConfigDump(mesh.configFor(mesh.gateway()));
};

test('ch2 gateway: routes table has the book row http.8080 * /* webapp-virtualservice.istioinaction', () => {
  const lines = routeTable(gatewayDump()).trimEnd().split('\n');
  assert.deepEqual(cellsOf(lines[0] ?? ''), ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE']);
  const rows = lines.slice(1).map(cellsOf);
  assert.deepEqual(rows, [['http.8080', '*:80', '*', '/*', 'webapp-virtualservice.istioinaction']]);
  // the book's columns (NAME, DOMAINS, MATCH, VIRTUAL SERVICE) are the same row without VHOST NAME
  const [name, , ...rest] = rows[0] ?? [];
  assert.deepEqual([name, ...rest], ['http.8080', '*', '/*', 'webapp-virtualservice.istioinaction']);
});

test('routes table columns are aligned: each header starts where its cells start', () => {
  const lines = routeTable(gatewayDump()).trimEnd().split('\n');
  const header = lines[0] ?? '';
  const row = lines[1] ?? '';
  for (const [h, cell] of [['VHOST NAME', '*:80'], ['MATCH', '/*'], ['VIRTUAL SERVICE', 'webapp-virtualservice']] as const) {
    assert.equal(header.indexOf(h), row.indexOf(cell), `${h} column`);
  }
  assert.ok(/http\.8080 {5,}\*:80/.test(row), 'at least padding 5 between columns');
});

test('--name filters route configurations; json output has bare RouteConfigurations', () => {
  const dump = gatewayDump();
  assert.equal(routeTable(dump, { name: 'nope' }).trimEnd().split('\n').length, 1);
  const rcs = filteredRoutes(dump, { name: 'http.8080' });
  assert.equal(rcs.length, 1);
  assert.equal(rcs[0]?.['name'], 'http.8080');
});
