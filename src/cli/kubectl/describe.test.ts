// Tests of kubectl describe's layout: aligned "Field:  value" blocks, labels one per line, the
// containers' ports and state, a Service's ports with their endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describePod, describeService, rfc1123z } from './describe.js';
import { podObject } from './mesh-objects.js';

test('describe pod: kubectl\'s fields and alignment, only what Strait knows', () => {
  const pod = podObject({ name: 'catalog-1a2b3', namespace: 'istioinaction', deployment: 'catalog', labels: { app: 'catalog', version: 'v1' },
    serviceAccount: 'catalog', type: 'sidecar', podIp: '127.77.0.3', appAddress: '127.77.0.3', appPorts: [3000], adminPort: 15000, httpProxyPort: 15080 },
  '2026-12-07T15:51:03Z');
  assert.equal(describePod(pod), [
    'Name:             catalog-1a2b3',
    'Namespace:        istioinaction',
    'Service Account:  catalog',
    `Node:             ${hostname()}/127.0.0.1`,
    'Start Time:       Mon, 07 Dec 2026 15:51:03 +0000',
    'Labels:           app=catalog',
    '                  version=v1',
    'Annotations:      <none>',
    'Status:           Running',
    'IP:               127.77.0.3',
    'IPs:',
    '  IP:  127.77.0.3',
    'Containers:',
    '  catalog:',
    '    Port:           3000/TCP',
    '    State:          Running',
    '      Started:      Mon, 07 Dec 2026 15:51:03 +0000',
    '    Ready:          True',
    '    Restart Count:  0',
    '  istio-proxy:',
    '    Port:           15000/TCP',
    '    State:          Running',
    '      Started:      Mon, 07 Dec 2026 15:51:03 +0000',
    '    Ready:          True',
    '    Restart Count:  0',
    'Conditions:',
    '  Type   Status',
    '  Ready  True',
    'Events:  <none>',
    ''].join('\n'));
});

test('describe service: selector, type, each port with its target and endpoints', () => {
  const svc = { kind: 'Service', metadata: { name: 'catalog', namespace: 'istioinaction', labels: { app: 'catalog' } },
    spec: { selector: { app: 'catalog' }, ports: [{ name: 'http', port: 80, targetPort: 3000, protocol: 'TCP' }] } };
  const text = describeService(svc, () => ['127.77.0.3:3000', '127.77.0.9:3000']);
  assert.match(text, /^Selector: +app=catalog\nType: +ClusterIP\nPort: +http {2}80\/TCP\nTargetPort: +3000\/TCP\nEndpoints: +127\.77\.0\.3:3000,127\.77\.0\.9:3000\nSession Affinity: +None\nEvents: +<none>\n$/m);
  assert.equal(rfc1123z('2026-01-04T05:06:07Z'), 'Sun, 04 Jan 2026 05:06:07 +0000');
});
