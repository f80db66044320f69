// Tests of kubectl get's output forms: pod columns (default and wide), -o name's kind.group/name,
// -o json's List, Istio's printer columns, AGE as HumanDuration, and the errors for unknown types/formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import type { Manifest } from '../../mesh/local/workloads.js';
import { cellsOf, tabulate } from '../istioctl/tab-writer.js';
import { humanDuration } from './human-duration.js';
import { podObject } from './mesh-objects.js';
import { nameLines, parseGetFormat, serialize, tableRows } from './printers.js';
import { resourceType } from './resources.js';

const NOW = Date.parse('2026-12-07T16:00:00Z');
const ctx = { now: NOW, runningPods: (): number => 1 };
const webapp = podObject({
  name: 'webapp-7c4f9', namespace: 'istioinaction', deployment: 'webapp', labels: { app: 'webapp' }, serviceAccount: 'webapp',
  type: 'sidecar', podIp: '127.77.0.4', appAddress: '127.77.0.4', appPorts: [8080], adminPort: 15000, httpProxyPort: 15080,
}, '2026-12-07T15:57:55Z');
const vs: Manifest = { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'catalog', namespace: 'istioinaction' },
  spec: { hosts: ['catalog'], http: [{ route: [{ destination: { host: 'catalog' } }] }] } };

test('pods: NAME READY STATUS RESTARTS AGE; -o wide adds IP, NODE, NOMINATED NODE, READINESS GATES', () => {
  const pods = resourceType('po');
  const table = tabulate(tableRows(pods, [webapp], { wide: false, allNamespaces: false, header: true }, ctx), 3).split('\n');
  assert.deepEqual(cellsOf(table[0]!), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.deepEqual(cellsOf(table[1]!), ['webapp-7c4f9', '2/2', 'Running', '0', '2m5s']);
  const wide = tableRows(pods, [webapp], { wide: true, allNamespaces: true, header: true }, ctx);
  assert.deepEqual(wide[0], ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
  assert.deepEqual(wide[1]!.slice(6), ['127.77.0.4', hostname(), '<none>', '<none>']);
  const unknown = podObject({ ...webapp.metadata, deployment: 'webapp', labels: {}, serviceAccount: 'x', type: 'router', podIp: '127.77.0.5',
    appAddress: '', appPorts: [], adminPort: 15000, httpProxyPort: 0 } as never, undefined);
  assert.deepEqual(tableRows(pods, [unknown], { wide: false, allNamespaces: false, header: false }, ctx)[0]!.slice(1), ['0/1', 'Unknown', '0', '<unknown>']);
});

test('Istio kinds get their printer columns; -o name is kind.group/name', () => {
  const vss = resourceType('virtualservices.networking.istio.io');
  assert.deepEqual(tableRows(vss, [vs], { wide: false, allNamespaces: false, header: true }, ctx), [['NAME', 'GATEWAYS', 'HOSTS'], ['catalog', '[]', '["catalog"]']]);
  assert.equal(nameLines(vss, [vs]), 'virtualservice.networking.istio.io/catalog\n');
  assert.equal(nameLines(resourceType('pods'), [webapp]), 'pod/webapp-7c4f9\n');
  assert.equal(nameLines(resourceType('deploy'), [{ kind: 'Deployment', metadata: { name: 'catalog' } }]), 'deployment.apps/catalog\n');
});

test('-o json is kubectl\'s List (4-space indent), or the object itself when one was named; yaml likewise', () => {
  const list = serialize([vs], 'json', false);
  assert.ok(list.startsWith('{\n    "apiVersion": "v1",\n    "items": ['), list);
  assert.deepEqual(JSON.parse(list), { apiVersion: 'v1', items: [vs], kind: 'List', metadata: { resourceVersion: '' } });
  assert.deepEqual(JSON.parse(serialize([vs], 'json', true)), vs);
  assert.match(serialize([], 'yaml', false), /^apiVersion: v1\nitems: \[\]\nkind: List\nmetadata:\n {2}resourceVersion: ""\n$/);
});

test('kubectl\'s errors for an unknown type and output format', () => {
  assert.throws(() => resourceType('UNKNOWN'), { message: 'error: the server doesn\'t have a resource type "UNKNOWN"' });
  assert.throws(() => parseGetFormat('xml'), /unable to match a printer suitable for the output format "xml"/);
});

test('AGE is apimachinery\'s HumanDuration', () => {
  const s = 1000;
  assert.deepEqual([0, 59, 119, 120, 125, 600, 3 * 3600 - 1, 3 * 3600, 3 * 3600 + 60 * 5, 8 * 3600, 50 * 3600, 48 * 3600, 9 * 86400, 800 * 86400]
    .map((n) => humanDuration(n * s)), ['0s', '59s', '119s', '2m', '2m5s', '10m', '179m', '3h', '3h5m', '8h', '2d2h', '2d', '9d', '2y70d']);
  assert.equal(humanDuration(-5 * s), '<invalid>');
});
