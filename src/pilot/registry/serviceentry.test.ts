// ServiceEntry conversion: the book's ch5 jsonplaceholder entry (DNS, MESH_EXTERNAL), STATIC with
// inline endpoints, DNS with endpoints, NONE, workloadSelector over WorkloadEntries and pods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceRegistry } from './registry.js';
import { parseObjects, readBook } from './test-support.js';

test('ch5 jsonplaceholder: DNS, mesh-external, HTTP 80, the host as its endpoint', () => {
  const r = new ServiceRegistry({ defaultNamespace: 'istioinaction' });
  r.upsertAll(readBook('ch5/forum-serviceentry.yaml'));
  const [s] = r.servicesByHostname('jsonplaceholder.typicode.com');
  assert.ok(s);
  assert.equal(s.namespace, 'istioinaction');
  assert.equal(s.resolution, 'DNS');
  assert.equal(s.meshExternal, true);
  assert.equal(s.source, 'serviceentry');
  assert.deepEqual(s.ports.map((p) => [p.name, p.port, p.protocol]), [['http', 80, 'HTTP']]);
  assert.deepEqual(r.instances(s.hostname).map((i) => [i.address, i.port]), [['jsonplaceholder.typicode.com', 80]]);
});

test('STATIC with inline endpoints: addresses, named target ports, locality, identity, weight', () => {
  const r = new ServiceRegistry();
  r.upsertAll(parseObjects(`
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: { name: vms, namespace: legacy }
spec:
  hosts: [billing.internal, billing-alt.internal]
  addresses: [240.0.0.10]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - { number: 8080, name: http, protocol: HTTP, targetPort: 9090 }
  - { number: 9443, name: tls, protocol: TLS }
  endpoints:
  - { address: 10.1.0.1, ports: { http: 18080 }, labels: { version: v1 }, locality: us/us-east1/a, serviceAccount: billing, weight: 3, network: net1 }
  - { address: 10.1.0.2, labels: { version: v2 } }
  exportTo: ["."]
`));
  assert.deepEqual(r.services().map((s) => s.hostname), ['billing-alt.internal', 'billing.internal']);
  const s = r.servicesByHostname('billing.internal')[0]!;
  assert.equal(s.resolution, 'ClientSideLB');
  assert.equal(s.meshExternal, false);
  assert.deepEqual(s.addresses, ['240.0.0.10']);
  assert.deepEqual(s.exportTo, ['legacy']);
  const http = r.instancesByPort('billing.internal', 8080);
  assert.deepEqual(http.map((i) => [i.address, i.port]), [['10.1.0.1', 18080], ['10.1.0.2', 9090]]);
  assert.deepEqual(http[0]!.locality, { region: 'us', zone: 'us-east1', subzone: 'a' });
  assert.equal(http[0]!.identity, 'spiffe://cluster.local/ns/legacy/sa/billing');
  assert.equal(http[0]!.weight, 3);
  assert.equal(http[0]!.network, 'net1');
  assert.equal(http[1]!.identity, '');
  assert.deepEqual(r.instancesByPort('billing.internal', 9443).map((i) => i.port), [9443, 9443]);
  assert.deepEqual(r.instancesByPort('billing.internal', 8080, { version: 'v2' }).map((i) => i.address), ['10.1.0.2']);
});

test('DNS with endpoints uses them; DNS_ROUND_ROBIN and NONE resolutions; NONE has no endpoints', () => {
  const r = new ServiceRegistry();
  r.upsertAll(parseObjects(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: dns }
spec:
  hosts: [api.example.com]
  resolution: DNS
  ports: [{ number: 443, name: https, protocol: HTTPS }]
  endpoints: [{ address: us.api.example.com }, { address: eu.api.example.com }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: rr }
spec:
  hosts: [rr.example.com]
  resolution: DNS_ROUND_ROBIN
  ports: [{ number: 80, name: http, protocol: HTTP }]
---
apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata: { name: wild }
spec:
  hosts: ["*.wikipedia.org"]
  ports: [{ number: 443, name: tls, protocol: TLS }]
`));
  assert.deepEqual(r.instances('api.example.com').map((i) => i.address), ['us.api.example.com', 'eu.api.example.com']);
  assert.equal(r.servicesByHostname('rr.example.com')[0]!.resolution, 'DNSRoundRobin');
  assert.deepEqual(r.instances('rr.example.com').map((i) => [i.address, i.port]), [['rr.example.com', 80]]);
  const wild = r.servicesByHostname('*.wikipedia.org')[0]!;
  assert.equal(wild.resolution, 'Passthrough'); // resolution defaults to NONE
  assert.equal(wild.meshExternal, true); // location defaults to MESH_EXTERNAL
  assert.equal(r.instances('*.wikipedia.org').length, 0);
});

test('workloadSelector selects WorkloadEntries and pods of the namespace by labels', () => {
  const r = new ServiceRegistry();
  r.upsertAll(parseObjects(`
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: { name: details, namespace: vm }
spec:
  hosts: [details.vm.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP, targetPort: 8080 }]
  workloadSelector: { labels: { app: details } }
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: { name: details-vm-1, namespace: vm }
spec: { address: 10.2.0.7, labels: { app: details, security.istio.io/tlsMode: istio }, serviceAccount: details, locality: eu/eu-west1 }
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: { name: other, namespace: vm }
spec: { address: 10.2.0.8, labels: { app: other } }
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: { name: elsewhere, namespace: other-ns }
spec: { address: 10.2.0.9, labels: { app: details } }
---
apiVersion: v1
kind: Pod
metadata: { name: details-pod, namespace: vm, labels: { app: details } }
status: { podIP: 10.3.0.1 }
`));
  const ins = r.instances('details.vm.internal');
  assert.deepEqual(ins.map((i) => [i.workload, i.address, i.port]).sort(), [
    ['Pod/vm/details-pod', '10.3.0.1', 8080],
    ['WorkloadEntry/vm/details-vm-1', '10.2.0.7', 8080],
  ]);
  const we = ins.find((i) => i.workload.startsWith('WorkloadEntry'))!;
  assert.equal(we.identity, 'spiffe://cluster.local/ns/vm/sa/details');
  assert.equal(we.tlsMode, 'istio');
  assert.equal(we.locality.zone, 'eu-west1');
});
