// Manifests for the local runtime: namespaces filled in where missing, Deployments turned into
// the pods to run (labels, image, ports, env with fieldRef, the command annotation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests, workloadOf } from './workloads.js';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: catalog-v2 }
spec:
  replicas: 2
  template:
    metadata: { labels: { app: catalog, version: v2 } }
    spec:
      serviceAccountName: catalog
      containers:
      - image: istioinaction/catalog:latest
        env:
        - { name: KUBERNETES_NAMESPACE, valueFrom: { fieldRef: { fieldPath: metadata.namespace } } }
        - { name: SHOW_IMAGE, value: "true" }
        ports: [{ containerPort: 3000 }]
---
apiVersion: v1
kind: Namespace
metadata: { name: istioinaction }
`;

test('objects without a namespace get the given one; cluster-scoped kinds do not', () => {
  const objs = parseManifests(DEPLOYMENT, 'x.yaml', 'istioinaction');
  assert.equal(objs[0]!.metadata.namespace, 'istioinaction');
  assert.equal(objs[1]!.metadata.namespace, undefined);
});

test('a Deployment becomes its workload: replicas, labels, ports, env (fieldRef resolved)', () => {
  const w = workloadOf(parseManifests(DEPLOYMENT, 'x.yaml', 'istioinaction')[0]!)!;
  assert.deepEqual({ ...w }, {
    deployment: 'catalog-v2', namespace: 'istioinaction', replicas: 2, labels: { app: 'catalog', version: 'v2' },
    serviceAccount: 'catalog', image: 'istioinaction/catalog:latest', ports: [3000],
    env: { KUBERNETES_NAMESPACE: 'istioinaction', SHOW_IMAGE: 'true' }, args: [], command: undefined,
  });
});

test('the strait.io/command annotation names the command (JSON array or a shell line)', () => {
  const withCmd = (cmd: string): string[] | undefined => workloadOf(parseManifests(`kind: Deployment
metadata: { name: mine, annotations: { strait.io/command: '${cmd}' } }
spec: { template: { spec: { containers: [{ image: me/mine }] } } }`, 'y.yaml', 'default')[0]!)!.command;
  assert.deepEqual(withCmd('["python3", "-m", "http.server"]'), ['python3', '-m', 'http.server']);
  assert.deepEqual(withCmd('python3 -m http.server $PORT'), ['/bin/sh', '-c', 'python3 -m http.server $PORT']);
});

test('a document without kind or name is an error naming the file', () => {
  assert.throws(() => parseManifests('kind: Service\nmetadata: {}\n', 'bad.yaml', 'default'), /bad\.yaml: every document needs kind and metadata\.name/);
});
