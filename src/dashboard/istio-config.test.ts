// Tests of the dashboard's Istio config list: Istio resources only, each with the messages analyze reports on it
// (once each), pilot's IST0001 attached to its resource, the status as the worst level, and the YAML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../pilot/config/yaml-loader.js';
import { internalError } from '../pilot/analysis/message.js';
import { istioConfig, resourceYaml } from './istio-config.js';

const { objects } = loadConfigText(`
apiVersion: v1
kind: Service
metadata: { name: catalog, namespace: shop }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: typo, namespace: shop }
spec: { hosts: [typo], http: [{ route: [{ destination: { host: catalogue } }] }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: catalog, namespace: shop }
spec: { hosts: [catalog], http: [{ route: [{ destination: { host: catalog } }] }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: catalog, namespace: shop }
spec: { host: catalog, trafficPolicy: { connectionPool: { tcp: { maxConnections: -1 } } } }
`, 'shop.yaml');

test('every Istio resource with its analyze messages and status; other kinds left out', () => {
  const pilot = internalError({ kind: 'VirtualService', namespace: 'shop', name: 'catalog' }, 'pilot could not translate it');
  const list = istioConfig(objects, [pilot]);
  assert.deepEqual(list.map((r) => `${r.kind} ${r.namespace}/${r.name} ${r.status} ${r.messages.map((m) => m.code).join(',')}`), [
    'DestinationRule shop/catalog error IST0106',
    'VirtualService shop/catalog error IST0001',
    'VirtualService shop/typo error IST0101',
  ]);
  assert.deepEqual(list[2]!.messages[0], { level: 'Error', code: 'IST0101', name: 'ReferencedResourceNotFound', text: 'Referenced host not found: "catalogue"' });
  assert.equal(istioConfig(objects, []).find((r) => r.kind === 'VirtualService' && r.name === 'catalog')!.status, 'valid');
});

test('a resource\'s YAML: apiVersion, kind, metadata and spec, not where it was read from', () => {
  const yaml = resourceYaml(objects[1]!);
  assert.match(yaml, /^apiVersion: networking\.istio\.io\/v1\nkind: VirtualService\nmetadata:\n {2}name: typo\n {2}namespace: shop\nspec:\n/);
  assert.match(yaml, /host: catalogue/);
  assert.doesNotMatch(yaml, /source|shop\.yaml/);
});
