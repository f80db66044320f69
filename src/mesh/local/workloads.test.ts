// Manifests for the local runtime: namespaces filled in where missing, Deployments turned into
// the pods to run (labels, image, ports, env with fieldRef, the command annotation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workloadOf, type Manifest } from './workloads.js';
import { readManifests } from './admission.js';

const parse = (text: string, file: string, namespace: string): Manifest[] => readManifests(text, file, namespace).objects.map((o) => o.manifest);

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
  const objs = parse(DEPLOYMENT, 'x.yaml', 'istioinaction');
  assert.equal(objs[0]!.metadata.namespace, 'istioinaction');
  assert.equal(objs[1]!.metadata.namespace, undefined);
});

test('a Deployment becomes its workload: replicas, labels, ports, env (fieldRef resolved)', () => {
  const w = workloadOf(parse(DEPLOYMENT, 'x.yaml', 'istioinaction')[0]!)!;
  assert.deepEqual({ ...w }, {
    deployment: 'catalog-v2', namespace: 'istioinaction', replicas: 2, labels: { app: 'catalog', version: 'v2' }, annotations: {},
    serviceAccount: 'catalog', image: 'istioinaction/catalog:latest', ports: [3000],
    env: { KUBERNETES_NAMESPACE: 'istioinaction', SHOW_IMAGE: 'true' }, args: [], command: undefined,
  });
});

test('the strait.io/command annotation names the command (JSON array or a shell line)', () => {
  const withCmd = (cmd: string): string[] | undefined => workloadOf(parse(`kind: Deployment
metadata: { name: mine, annotations: { strait.io/command: '${cmd}' } }
spec: { template: { spec: { containers: [{ image: me/mine }] } } }`, 'y.yaml', 'default')[0]!)!.command;
  assert.deepEqual(withCmd('["python3", "-m", "http.server"]'), ['python3', '-m', 'http.server']);
  assert.deepEqual(withCmd('python3 -m http.server $PORT'), ['/bin/sh', '-c', 'python3 -m http.server $PORT']);
});
