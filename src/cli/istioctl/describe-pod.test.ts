// Tests of `x describe pod`'s text: the Service and its port protocol, the DestinationRule's matching
// subsets and TLS mode, VirtualServices that reach (or miss) the pod, RBAC policies, the effective mTLS mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Manifest } from '../../mesh/local/workloads.js';
import { describePodText, inboundRbacPolicies } from './describe-pod.js';

const NS = 'istioinaction';
const m = (kind: string, name: string, spec: Record<string, unknown>, namespace = NS): Manifest => ({ kind, metadata: { name, namespace }, spec });
const pod = { name: 'catalog-v2-1a2b3', namespace: NS, labels: { app: 'catalog', version: 'v2' }, ports: [{ port: 3000, container: 'catalog' }, { port: 15000, container: 'istio-proxy' }] };
const service = m('Service', 'catalog', { selector: { app: 'catalog' }, ports: [{ name: 'http', port: 80, targetPort: 3000 }] });
const dr = m('DestinationRule', 'catalog', { host: 'catalog.istioinaction.svc.cluster.local',
  subsets: [{ name: 'version-v1', labels: { version: 'v1' } }, { name: 'version-v2', labels: { version: 'v2' } }], trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });

test('the pod, its Service, the DestinationRule and the default PERMISSIVE mode', () => {
  assert.equal(describePodText(pod, [service, dr, m('Service', 'other', { selector: { app: 'webapp' }, ports: [] })], [], NS), [
    'Pod: catalog-v2-1a2b3',
    '   Pod Revision: default',
    '   Pod Ports: 3000 (catalog), 15000 (istio-proxy)',
    '--------------------',
    'Service: catalog',
    '   Port: http 80/HTTP targets pod port 3000',
    'DestinationRule: catalog for "catalog.istioinaction.svc.cluster.local"',
    '   Matching subsets: version-v2',
    '      (Non-matching subsets version-v1)',
    '   Traffic Policy TLS Mode: ISTIO_MUTUAL',
    '--------------------',
    'Effective PeerAuthentication:',
    '   Workload mTLS mode: PERMISSIVE',
    ''].join('\n'));
});

test('VirtualServices: routes that reach the pod are counted, routes to other subsets are a warning', () => {
  const allV1 = m('VirtualService', 'catalog', { hosts: ['catalog'], http: [{ route: [{ destination: { host: 'catalog', subset: 'version-v1' } }] }] });
  const text = describePodText(pod, [service, dr, allV1], [], 'default');
  assert.match(text, /^Pod: catalog-v2-1a2b3\.istioinaction$/m);
  assert.match(text, /^VirtualService: catalog\.istioinaction\n {3}WARNING: No destinations match pod subsets \(checked 1 HTTP routes\)\n {6}Route to non-matching subset version-v1 for \(everything\)\n/m);
  const dark = m('VirtualService', 'catalog', { hosts: ['catalog'], http: [
    { match: [{ headers: { 'x-dark-launch': { exact: 'v2' } } }], route: [{ destination: { host: 'catalog', subset: 'version-v2' } }] },
    { route: [{ destination: { host: 'catalog', subset: 'version-v1' } }] }] });
  assert.match(describePodText(pod, [service, dr, dark], [], NS), /^VirtualService: catalog\n {3}1 additional destination\(s\) that will not reach this pod\n/m);
  const gatewayOnly = m('VirtualService', 'webapp-from-gw', { hosts: ['*'], gateways: ['outfitters-gateway'], http: [{ route: [{ destination: { host: 'catalog' } }] }] });
  assert.doesNotMatch(describePodText(pod, [service, gatewayOnly], [], NS), /VirtualService/);
});

test('PeerAuthentication: the workload policy beats the namespace\'s, which beats the mesh\'s; RBAC policies by name', () => {
  const pas = [m('PeerAuthentication', 'default', { mtls: { mode: 'STRICT' } }, 'istio-system'),
    m('PeerAuthentication', 'ns-wide', { mtls: { mode: 'DISABLE' } }),
    m('PeerAuthentication', 'catalog', { selector: { matchLabels: { app: 'catalog' } }, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { 3000: { mode: 'STRICT' } } })];
  const text = describePodText(pod, [service, ...pas], ['ns[istioinaction]-policy[allow-webapp]-rule[0]'], NS);
  assert.match(text, /^RBAC policies: ns\[istioinaction\]-policy\[allow-webapp\]-rule\[0\]\n--------------------\nEffective PeerAuthentication:\n {3}Workload mTLS mode: PERMISSIVE\n {3}Port Level mTLS mode:\n {6}3000: STRICT\nApplied PeerAuthentication:\n {3}default\.istio-system, ns-wide\.istioinaction, catalog\.istioinaction\n$/m);
});

test('the RBAC policy names come from the inbound listener\'s RBAC filter', () => {
  const rbac = (policies: string[]): unknown => ({ name: 'envoy.filters.http.rbac', typed_config: { rules: { policies: Object.fromEntries(policies.map((p) => [p, {}])) } } });
  const listener = (direction: string, policies: string[]): unknown => ({ active_state: { listener: { name: direction, traffic_direction: direction,
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { http_filters: [rbac(policies), { name: 'envoy.filters.http.router' }] } }] }] } } });
  const dump = { configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
    dynamic_listeners: [listener('INBOUND', ['b', 'a']), listener('OUTBOUND', ['c'])] }] };
  assert.deepEqual(inboundRbacPolicies(dump), ['a', 'b']);
});
