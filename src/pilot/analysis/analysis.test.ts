// Tests of the analyzers on the book's ch2 manifests: a subset without a DestinationRule, a
// missing gateway, an unknown host, two mesh VirtualServices for one host, and a clean set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../config/yaml-loader.js';
import type { ConfigObject } from '../config/object.js';
import { analyze } from './index.js';
import { formatMessage } from './message.js';
import { BOOK_DIR } from '../../../samples/book-corpus.js';

const BOOK = BOOK_DIR;
const CATALOG_SVC = 'services/catalog/kubernetes/catalog.yaml';

function load(...files: string[]): ConfigObject[] {
  return files.flatMap((f) => loadConfigText(readFileSync(join(BOOK, f), 'utf8'), f).objects);
}

function text(name: string, yaml: string): ConfigObject[] {
  return loadConfigText(yaml, name).objects;
}

const ns = { namespace: 'istioinaction', allNamespaces: false };
const lines = (objs: ConfigObject[]): string[] => analyze(objs, ns).map(formatMessage);

test('a subset with no DestinationRule is IST0101, with the file and the subset line', () => {
  assert.deepEqual(lines(load('ch2/catalog-virtualservice-all-v1.yaml', CATALOG_SVC)), [
    'Error [IST0101] (VirtualService istioinaction/catalog ch2/catalog-virtualservice-all-v1.yaml:12) Referenced host+subset in destinationrule not found: "catalog+version-v1"',
  ]);
});

test('with the DestinationRule there are no issues', () => {
  assert.deepEqual(lines(load('ch2/catalog-virtualservice-all-v1.yaml', 'ch2/catalog-destinationrule.yaml', CATALOG_SVC)), []);
});

test('the ingress VirtualService without its Gateway: gateway not found', () => {
  const objs = load('ch2/ingress-gateway.yaml', 'services/webapp/kubernetes/webapp.yaml').filter((o) => o.kind !== 'Gateway');
  assert.deepEqual(lines(objs), [
    'Error [IST0101] (VirtualService istioinaction/webapp-virtualservice ch2/ingress-gateway.yaml:26) Referenced gateway not found: "outfitters-gateway"',
  ]);
  // with the Gateway (and the webapp Service) the file is clean
  assert.deepEqual(lines(load('ch2/ingress-gateway.yaml', 'services/webapp/kubernetes/webapp.yaml')), []);
});

test('a destination host that is no Service or ServiceEntry: host not found', () => {
  const vs = text('vs.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: catalog-vs}\nspec:\n  hosts: [catalog]\n  http:\n  - route:\n    - destination:\n        host: catalog2\n');
  assert.deepEqual(lines([...vs, ...load(CATALOG_SVC)]), [
    'Error [IST0101] (VirtualService istioinaction/catalog-vs vs.yaml:9) Referenced host not found: "catalog2"',
  ]);
  const se = text('se.yaml', 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: c2}\nspec:\n  hosts: [catalog2.istioinaction.svc.cluster.local]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n');
  assert.deepEqual(lines([...vs, ...se, ...load(CATALOG_SVC)]), []);
});

test('two mesh VirtualServices for host catalog: IST0109 on each', () => {
  const other = text('other.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: catalog-copy\nspec:\n  hosts: [catalog.istioinaction.svc.cluster.local]\n  http:\n  - route:\n    - destination: {host: catalog}\n');
  const got = analyze([...load('ch2/catalog-virtualservice.yaml', CATALOG_SVC), ...other], ns);
  assert.deepEqual(got.map((m) => `${m.code} ${m.resourceName}:${m.line}`), ['IST0109 catalog:4', 'IST0109 catalog-copy:4']);
  assert.match(
    got[0]!.text,
    /^The VirtualServices istioinaction\/catalog,istioinaction\/catalog-copy associated with mesh gateway define the same host \*\/catalog\.istioinaction\.svc\.cluster\.local which/,
  );
});

test('messages outside the selected namespace are left out unless all namespaces', () => {
  const objs = load('ch2/catalog-virtualservice-all-v1.yaml', CATALOG_SVC);
  assert.equal(analyze(objs, { namespace: 'istioinaction', allNamespaces: false }).length, 1);
  const elsewhere = objs.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: 'other' } }));
  assert.equal(analyze(elsewhere, { namespace: 'istioinaction', allNamespaces: false }).length, 0);
  assert.equal(analyze(elsewhere, { namespace: 'istioinaction', allNamespaces: true }).length, 1);
});

test('a Gateway port that is no port of the ingress Service: IST0104 warning', () => {
  const svc = text('ingress-svc.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: istio-ingressgateway, namespace: istioinaction}\nspec:\n  selector: {istio: ingressgateway}\n  ports:\n  - {name: http2, port: 8080, targetPort: 8080}\n');
  const got = analyze([...load('ch2/ingress-gateway.yaml', 'services/webapp/kubernetes/webapp.yaml'), ...svc], ns).map(formatMessage);
  assert.deepEqual(got, [
    'Warning [IST0104] (Gateway istioinaction/outfitters-gateway ch2/ingress-gateway.yaml:11) The gateway refers to a port that is not exposed on the workload (pod selector istio=ingressgateway; port 80)',
  ]);
});

test('rules no request reaches: IST0130 and IST0131, as istioctl reports the webhook\'s warnings', () => {
  const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: catalog, namespace: istioinaction}\nspec:\n'
    + '  hosts: [catalog]\n  http:\n  - match: [{uri: {prefix: /items}}, {uri: {prefix: /items}}]\n    route: [{destination: {host: catalog}}]\n'
    + '  - route: [{destination: {host: catalog}}]\n  - route: [{destination: {host: catalog}}]\n';
  assert.deepEqual(lines([...text('vs.yaml', vs), ...load(CATALOG_SVC)]), [
    'Warning [IST0130] (VirtualService istioinaction/catalog vs.yaml:6) VirtualService rule #2 not used (only the last rule can have no matches).',
    'Info [IST0131] (VirtualService istioinaction/catalog vs.yaml:6) VirtualService rule #0 match #1 is not used (duplicate/overlapping match in rule #0).',
  ]);
});
