// Host lookup relative to a caller's namespace (short names, name.ns, name.ns.svc, FQDN,
// wildcard ServiceEntry hosts) and exportTo visibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidateNames, hostMatches, resolveShortname } from './hostname.js';
import { ServiceRegistry } from './registry.js';
import { parseObjects } from './test-support.js';

const registry = (): ServiceRegistry => {
  const r = new ServiceRegistry();
  r.upsertAll(parseObjects(`
apiVersion: v1
kind: Service
metadata: { name: catalog, namespace: istioinaction }
spec: { selector: { app: catalog }, ports: [{ name: http, port: 80, targetPort: 3000 }] }
---
apiVersion: v1
kind: Service
metadata: { name: catalog, namespace: other }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: secret, namespace: istioinaction, annotations: { networking.istio.io/exportTo: "." } }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: shared, namespace: istioinaction, annotations: { networking.istio.io/exportTo: "., team-a" } }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: { name: wiki, namespace: egress }
spec: { hosts: ["*.wikipedia.org"], ports: [{ number: 443, name: tls, protocol: TLS }] }
---
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: { name: hidden, namespace: egress }
spec: { hosts: [hidden.example.com], exportTo: ["~"], ports: [{ number: 80, name: http, protocol: HTTP }] }
`));
  return r;
};

test('resolveShortname: Istio config semantics', () => {
  assert.equal(resolveShortname('catalog', 'istioinaction'), 'catalog.istioinaction.svc.cluster.local');
  assert.equal(resolveShortname('catalog.istioinaction', 'x'), 'catalog.istioinaction');
  assert.equal(resolveShortname('*', 'x'), '*');
  assert.deepEqual(candidateNames('catalog.istioinaction', 'x'), ['catalog.istioinaction.svc.cluster.local', 'catalog.istioinaction']);
});

test('short names resolve in the caller namespace; name.ns and name.ns.svc reach the FQDN', () => {
  const r = registry();
  const fq = 'catalog.istioinaction.svc.cluster.local';
  assert.equal(r.lookup('catalog', 'istioinaction')?.hostname, fq);
  assert.equal(r.lookup('catalog', 'other')?.hostname, 'catalog.other.svc.cluster.local');
  assert.equal(r.lookup('catalog', 'nowhere'), undefined);
  assert.equal(r.lookup('catalog.istioinaction', 'other')?.hostname, fq);
  assert.equal(r.lookup('catalog.istioinaction.svc', 'other')?.hostname, fq);
  assert.equal(r.lookup(fq, 'default')?.hostname, fq);
  assert.equal(r.lookup('CATALOG.istioinaction', 'other')?.hostname, fq);
});

test('wildcard ServiceEntry hosts match subdomains only', () => {
  const r = registry();
  assert.equal(r.lookup('en.wikipedia.org', 'default')?.hostname, '*.wikipedia.org');
  assert.equal(r.lookup('a.b.wikipedia.org', 'default')?.hostname, '*.wikipedia.org');
  assert.equal(r.lookup('wikipedia.org', 'default'), undefined);
  assert.ok(hostMatches('*', 'anything'));
  assert.ok(!hostMatches('*.example.com', 'example.com'));
  assert.ok(!hostMatches('*.example.com', 'fooexample.com'));
});

test('exportTo: "." is namespace-private, lists name namespaces, "~" hides, default is everywhere', () => {
  const r = registry();
  assert.equal(r.lookup('secret', 'istioinaction')?.hostname, 'secret.istioinaction.svc.cluster.local');
  assert.equal(r.lookup('secret.istioinaction', 'default'), undefined);
  assert.ok(r.lookup('shared.istioinaction', 'team-a'));
  assert.equal(r.lookup('shared.istioinaction', 'team-b'), undefined);
  assert.equal(r.lookup('hidden.example.com', 'egress'), undefined);
  const seen = (ns: string): string[] => r.servicesVisibleTo(ns).map((s) => s.hostname);
  assert.ok(seen('default').includes('catalog.istioinaction.svc.cluster.local'));
  assert.ok(!seen('default').includes('secret.istioinaction.svc.cluster.local'));
  assert.ok(seen('istioinaction').includes('secret.istioinaction.svc.cluster.local'));
});
