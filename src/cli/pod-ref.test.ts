// Tests of the shared pod reference: istioctl's POD[.NS] and deploy/NAME[.NS] forms, -n, kubectl's
// `default` namespace, and kubectl's NotFound and unknown-type errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeshState, PodState } from '../mesh/local/state.js';
import { parsePodRef, resolvePod } from './pod-ref.js';

const pod = (name: string, namespace: string, deployment: string): PodState => ({
  name, namespace, deployment, labels: { app: deployment }, serviceAccount: deployment, type: 'sidecar',
  podIp: '127.77.0.3', appAddress: '127.77.0.3', appPorts: [3000], adminPort: 15000, httpProxyPort: 15080,
});
const state = { pods: [pod('catalog-1a2b3', 'istioinaction', 'catalog'), pod('catalog-9z8y7', 'default', 'catalog')] } as MeshState;

test('istioctl\'s forms: POD, POD.NS, pod/POD.NS, deploy/NAME.NS; the reference\'s namespace wins over -n', () => {
  assert.deepEqual(parsePodRef('productpage-xxx.default'), { kind: 'pod', name: 'productpage-xxx', namespace: 'default' });
  assert.deepEqual(parsePodRef('deploy/productpage.default', 'other'), { kind: 'deployment', name: 'productpage', namespace: 'default' });
  assert.deepEqual(parsePodRef('deployment/productpage', 'bookinfo'), { kind: 'deployment', name: 'productpage', namespace: 'bookinfo' });
  assert.deepEqual(parsePodRef('pod/web-1'), { kind: 'pod', name: 'web-1', namespace: 'default' });
  assert.deepEqual(parsePodRef('web-1', 'ns1'), { kind: 'pod', name: 'web-1', namespace: 'ns1' });
});

test('resolves pods and Deployments in the named namespace only', () => {
  assert.equal(resolvePod(state, 'deploy/catalog.istioinaction').name, 'catalog-1a2b3');
  assert.equal(resolvePod(state, 'deploy/catalog').name, 'catalog-9z8y7');
  assert.equal(resolvePod(state, 'catalog-1a2b3', 'istioinaction').namespace, 'istioinaction');
  assert.equal(resolvePod(state, 'catalog-1a2b3.istioinaction', 'default').name, 'catalog-1a2b3');
});

test('kubectl\'s errors: NotFound for pods and deployments.apps, an unknown type', () => {
  assert.throws(() => resolvePod(state, 'catalog-1a2b3'), { message: 'Error from server (NotFound): pods "catalog-1a2b3" not found' });
  assert.throws(() => resolvePod(state, 'catalog'), { message: 'Error from server (NotFound): pods "catalog" not found' });
  assert.throws(() => resolvePod(state, 'deploy/nope.istioinaction'), { message: 'Error from server (NotFound): deployments.apps "nope" not found' });
  assert.throws(() => resolvePod(state, 'svc/catalog'), { message: 'error: the server doesn\'t have a resource type "svc"' });
});
