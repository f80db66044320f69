// Service names as a pod resolves them (short names in its namespace, .svc, .svc.cluster.local), ports and selectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceEndpoints } from './service-endpoints.js';
import type { PodState } from './state.js';
import type { Manifest } from './workloads.js';

const svc = (namespace: string, name: string, spec: Record<string, unknown>): Manifest => ({ kind: 'Service', metadata: { name, namespace }, spec });
const SERVICES = [
  svc('istioinaction', 'webapp', { selector: { app: 'webapp' }, ports: [{ port: 80, targetPort: 8080 }, { port: 81 }, { port: 82, targetPort: 'http' }] }),
  svc('default', 'webapp', { selector: { app: 'webapp' }, ports: [{ port: 80, targetPort: 9090 }] }),
  svc('istioinaction', 'headless', { ports: [{ port: 80 }] }),
];
const pod = (namespace: string, app: string, podIp: string): PodState => ({ name: `${app}-1`, namespace, deployment: app, labels: { app },
  serviceAccount: app, type: 'sidecar', podIp, appAddress: podIp, appPorts: [], adminPort: 15000, httpProxyPort: 15080 });
const PODS = [pod('istioinaction', 'webapp', '127.77.0.3'), pod('istioinaction', 'webapp', '127.77.0.4'), pod('default', 'webapp', '127.77.0.5'),
  pod('istioinaction', 'catalog', '127.77.0.6')];
const lookup = (ns: string, host: string, port: number): unknown =>
  serviceEndpoints((n, name) => SERVICES.find((s) => s.metadata.namespace === n && s.metadata.name === name), PODS, ns, host, port);

test('service names resolve as a pod\'s DNS search path does, to the selected pods at the target port', () => {
  const inIstioinaction = [{ host: '127.77.0.3', port: 8080 }, { host: '127.77.0.4', port: 8080 }];
  assert.deepEqual(lookup('istioinaction', 'webapp', 80), inIstioinaction);
  assert.deepEqual(lookup('default', 'webapp.istioinaction', 80), inIstioinaction);
  assert.deepEqual(lookup('default', 'webapp.istioinaction.svc', 80), inIstioinaction);
  assert.deepEqual(lookup('default', 'webapp.istioinaction.svc.cluster.local', 80), inIstioinaction);
  assert.deepEqual(lookup('default', 'webapp', 80), [{ host: '127.77.0.5', port: 9090 }]);
  assert.deepEqual(lookup('istioinaction', 'webapp', 81), [{ host: '127.77.0.3', port: 81 }, { host: '127.77.0.4', port: 81 }]);
  // Known names with nothing to reach: a port not served, a named targetPort, no selector.
  assert.deepEqual(lookup('istioinaction', 'webapp', 443), []);
  assert.deepEqual(lookup('istioinaction', 'webapp', 82), []);
  assert.deepEqual(lookup('istioinaction', 'headless', 80), []);
  // Names DNS would not resolve.
  assert.equal(lookup('istioinaction', 'catalog', 80), undefined);
  assert.equal(lookup('default', 'webapp.istioinaction.svc.example.com', 80), undefined);
  assert.equal(lookup('default', 'example.com', 80), undefined);
});
