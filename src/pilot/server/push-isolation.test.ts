// The discovery server with proxies on real ADS streams: an object that cannot be translated is
// left out and recorded while the rest still reaches proxies; a failed build, a withheld ACK and a
// NACK each show in /debug/syncz; pilot_total_xds_internal_errors counts what was left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { ListenerSchema } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import { CLUSTER_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../xds/server/index.js';
import { defaultTranslators } from '../xds/default-translators.js';
import type { Translators } from '../xds/translators.js';
import { DiscoveryServer } from './discovery-server.js';
import { FeedSource, TestAdsProxy, yamlObjects } from './test-support.js';

const BASE = `apiVersion: v1
kind: Service
metadata: { name: catalog }
spec: { selector: { app: catalog }, ports: [{ name: http, port: 80, targetPort: 3000 }] }
---
apiVersion: v1
kind: Service
metadata: { name: reviews }
spec: { selector: { app: reviews }, ports: [{ name: http, port: 80, targetPort: 9080 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: catalog-1, labels: { app: catalog } }
spec: { containers: [{ name: catalog, ports: [{ containerPort: 3000 }] }] }
status: { podIP: 10.1.0.1, phase: Running, conditions: [{ type: Ready, status: "True" }] }`;

const catalogVs = (timeout: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: catalog }
spec: { hosts: [catalog], http: [{ route: [{ destination: { host: catalog } }], timeout: ${timeout} }] }`;

/** Passes validation (attempts is not type-checked), but `many` cannot be encoded as the uint32 num_retries. */
const reviewsVs = (attempts: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec: { hosts: [reviews], http: [{ route: [{ destination: { host: reviews } }], retries: { attempts: ${attempts} } }] }`;

/**
 * The namespace's Sidecar, egress to its own namespace (what it sees already): sidecar listeners read
 * their Sidecar (not VirtualServices), so a push with it rebuilds them.
 */
const namespaceSidecar = (): string => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default }
spec: { egress: [{ hosts: ["./*"] }] }`;

const SIDECAR = { nodeId: 'sidecar~10.1.0.9~sleep-1.default~default.svc.cluster.local', metadata: { NAMESPACE: 'default', LABELS: { app: 'sleep' } } };
const SUBSCRIPTIONS = [{ typeUrl: CLUSTER_TYPE }, { typeUrl: LISTENER_TYPE }, { typeUrl: ROUTE_TYPE, names: ['80'] }];

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Pilot { ds: DiscoveryServer; feed: FeedSource; logs: string[]; get(path: string): Promise<string> }

async function startPilot(t: { after(f: () => Promise<void>): void }, configs: string, translators: Translators = defaultTranslators): Promise<Pilot> {
  const feed = new FeedSource(yamlObjects(configs));
  const logs: string[] = [];
  const ds = new DiscoveryServer({ source: feed, translators, xdsPort: 0, monitoringPort: 0, debounceAfterMs: 10, debounceMaxMs: 100,
    log: (level, msg) => { if (level !== 'debug') logs.push(`${level} ${msg}`); } });
  await ds.start();
  t.after(() => ds.close());
  const get = async (path: string): Promise<string> => (await fetch(`http://127.0.0.1:${ds.monitoringPort}${path}`)).text();
  return { ds, feed, logs, get };
}

function connect(t: { after(f: () => Promise<void>): void }, p: Pilot, nodeId = SIDECAR.nodeId): TestAdsProxy {
  const proxy = new TestAdsProxy(p.ds.xdsPort, nodeId, SIDECAR.metadata, SUBSCRIPTIONS);
  t.after(() => proxy.close());
  return proxy;
}

/** The route of `host` in route configuration 80: its timeout (seconds), retries, and the VirtualService that made it. */
function routeOf(proxy: TestAdsProxy, host: string): { timeout?: bigint; retries?: number; vs?: string } | undefined {
  const rc = proxy.resources(ROUTE_TYPE, RouteConfigurationSchema).find((r) => r.name === '80');
  const vh = rc?.virtualHosts.find((v) => v.domains.includes(host));
  const route = vh?.routes[0];
  if (route === undefined || route.action.case !== 'route') return undefined;
  const vs = route.metadata?.filterMetadata['istio']?.['config'];
  return { timeout: route.action.value.timeout?.seconds, retries: route.action.value.retryPolicy?.numRetries, vs: typeof vs === 'string' ? vs : undefined };
}

const metric = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

test('a VirtualService that cannot be translated is left out and recorded; valid changes still reach the proxy', async (t) => {
  const p = await startPilot(t, `${BASE}\n---\n${catalogVs('1s')}`);
  const proxy = connect(t, p);
  await until('catalog routed by its VirtualService', () => routeOf(proxy, 'catalog')?.timeout === 1n);
  assert.equal(metric(await p.get('/metrics'), 'pilot_total_xds_internal_errors'), 0);

  p.feed.put(...yamlObjects(`${reviewsVs('many')}\n---\n${catalogVs('2s')}`, 'change.yaml'));
  await until('the catalog change', () => routeOf(proxy, 'catalog')?.timeout === 2n);
  // reviews keeps a virtual host with the default route: only the VirtualService's own routes are gone.
  assert.deepEqual(routeOf(proxy, 'reviews'), { timeout: 0n, retries: 2, vs: undefined });
  assert.ok(metric(await p.get('/metrics'), 'pilot_total_xds_internal_errors') >= 1);
  const status = JSON.parse(await p.get('/debug/push_status')) as { configErrors: Record<string, unknown>[] };
  assert.equal(status.configErrors.length, 1);
  assert.deepEqual({ ...status.configErrors[0], message: undefined, version: undefined },
    { kind: 'VirtualService', namespace: 'default', name: 'reviews', file: 'change.yaml', line: 1, proxy: SIDECAR.nodeId, message: undefined, version: undefined });
  assert.match(String(status.configErrors[0]!['message']), /invalid uint32: NaN/);
  assert.ok(p.logs.some((l) => /^warn pilot: skipping VirtualService default\/reviews \(change\.yaml:1\): route\.retry_policy\.num_retries: .*invalid uint32: NaN \(push /.test(l)),
    p.logs.join('\n'));
  const syncz = JSON.parse(await p.get('/debug/syncz')) as Record<string, string>[];
  assert.equal(syncz[0]!['route_state'], 'SYNCED', 'the proxy has the latest push (without the VirtualService)');

  // Fixed, it is translated again and its error is forgotten.
  p.feed.put(...yamlObjects(reviewsVs('3'), 'change.yaml'));
  await until('the fixed VirtualService', () => routeOf(proxy, 'reviews')?.retries === 3);
  assert.deepEqual((JSON.parse(await p.get('/debug/push_status')) as { configErrors: unknown[] }).configErrors, []);
});

test('objects the push context or the registry cannot read are left out; the push goes on', async (t) => {
  const p = await startPilot(t, `${BASE}\n---\n${catalogVs('1s')}`);
  const proxy = connect(t, p);
  await until('the first push', () => routeOf(proxy, 'catalog')?.timeout === 1n);
  p.feed.put(...yamlObjects(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec: { hosts: [reviews], gateways: mesh, http: [{ route: [{ destination: { host: reviews } }] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: reviews-1, labels: { app: reviews } }
spec: { containers: [{ name: reviews, ports: [{ containerPort: 9080 }] }] }
status: { podIP: 10.1.0.2, conditions: Ready }
---
${catalogVs('4s')}`, 'more.yaml'));
  await until('the catalog change', () => routeOf(proxy, 'catalog')?.timeout === 4n);
  const status = JSON.parse(await p.get('/debug/push_status')) as { configErrors: { kind: string; name: string; message: string }[] };
  assert.deepEqual(status.configErrors.map((e) => `${e.kind}/${e.name}`).sort(), ['Pod/reviews-1', 'VirtualService/reviews']);
  assert.ok(metric(await p.get('/metrics'), 'pilot_total_xds_internal_errors') >= 2);
});

test('proxy-status states: a build pilot could not finish, a withheld ACK and a NACK are not SYNCED', async (t) => {
  let broken = false;
  const translators: Translators = {
    ...defaultTranslators,
    listeners: (push, proxy): Listener[] => {
      if (broken) throw new Error('listener translation is broken');
      return defaultTranslators.listeners(push, proxy);
    },
  };
  const p = await startPilot(t, `${BASE}\n---\n${catalogVs('1s')}`, translators);
  const a = connect(t, p);
  const b = connect(t, p, 'sidecar~10.1.0.10~sleep-2.default~default.svc.cluster.local');
  const c = connect(t, p, 'sidecar~10.1.0.11~sleep-3.default~default.svc.cluster.local');
  const syncz = async (): Promise<Map<string, Record<string, string>>> =>
    new Map((JSON.parse(await p.get('/debug/syncz')) as Record<string, string>[]).map((r) => [r['proxy']!.split('~')[2]!, r]));
  await until('all synced', async () => {
    const rows = [...(await syncz()).values()];
    return rows.length === 3 && rows.every((r) => r['listener_state'] === 'SYNCED' && r['route_state'] === 'SYNCED');
  });

  b.acking = false;
  c.nackNext(ROUTE_TYPE);
  broken = true;
  p.feed.put(...yamlObjects(`${catalogVs('5s')}\n---\n${namespaceSidecar()}`));
  await until('routes pushed to a', () => routeOf(a, 'catalog')?.timeout === 5n);
  const rows = await until('b and c answered', async () => {
    const r = await syncz();
    return r.get('sleep-2.default')?.['route_state'] === 'STALE' && r.get('sleep-3.default')?.['route_state'] === 'NACKED' ? r : undefined;
  });
  // a ACKed every response it got, but its listeners could not be built for the latest push.
  assert.equal(rows.get('sleep-1.default')?.['route_state'], 'SYNCED');
  assert.equal(rows.get('sleep-1.default')?.['listener_state'], 'STALE');
  assert.match(rows.get('sleep-1.default')?.['listener_error'] ?? '', /listener translation is broken/);
  assert.equal(rows.get('sleep-3.default')?.['route_error'], 'rejected: test proxy rejects this');
  const metrics = await p.get('/metrics');
  assert.match(metrics, /^pilot_total_xds_rejects\{type="rds"\} 1$/m);
  assert.ok(metric(metrics, 'pilot_total_xds_internal_errors') >= 3, 'one per proxy whose listeners failed');
  const status = JSON.parse(await p.get('/debug/push_status')) as { proxyErrors: { proxy: string; typeUrl: string }[] };
  assert.deepEqual(status.proxyErrors.map((e) => e.typeUrl), [LISTENER_TYPE, LISTENER_TYPE, LISTENER_TYPE]);
  assert.deepEqual(a.resources(LISTENER_TYPE, ListenerSchema).length > 0, true, 'a keeps the listeners it had');

  // Repaired: the next push brings the listeners and a is SYNCED again.
  broken = false;
  b.acking = true;
  p.feed.put(...yamlObjects(catalogVs('6s')));
  await until('a synced again', async () => (await syncz()).get('sleep-1.default')?.['listener_state'] === 'SYNCED');
  assert.deepEqual((JSON.parse(await p.get('/debug/push_status')) as { proxyErrors: unknown[] }).proxyErrors, []);
});

test('a resource that cannot be encoded keeps its previous version; the others of its type are pushed', async (t) => {
  let broken = '';
  const translators: Translators = {
    ...defaultTranslators,
    listeners: (push, proxy): Listener[] => defaultTranslators.listeners(push, proxy).map((l) => {
      if (l.name === broken) (l as unknown as { perConnectionBufferLimitBytes: unknown }).perConnectionBufferLimitBytes = 'many';
      return l;
    }),
  };
  const p = await startPilot(t, `${BASE}\n---\n${catalogVs('1s')}`, translators);
  const proxy = connect(t, p);
  await until('the first push', () => routeOf(proxy, 'catalog')?.timeout === 1n);
  const names = (): string[] => proxy.resources(LISTENER_TYPE, ListenerSchema).map((l) => l.name).sort();
  const before = names();
  const version = proxy.latest.get(LISTENER_TYPE)!.versionInfo;
  broken = 'virtualOutbound';
  assert.ok(before.includes(broken));
  p.feed.put(...yamlObjects(`${catalogVs('2s')}\n---\n${namespaceSidecar()}`));
  await until('the next listeners', () => proxy.latest.get(LISTENER_TYPE)!.versionInfo !== version || undefined);
  assert.deepEqual(names(), before, `${broken} kept its previous version`);
  const status = JSON.parse(await p.get('/debug/push_status')) as { proxyErrors: { typeUrl: string; resource: string; message: string }[] };
  assert.deepEqual(status.proxyErrors.map((e) => [e.typeUrl, e.resource]), [[LISTENER_TYPE, broken]]);
  assert.match(status.proxyErrors[0]!.message, /^per_connection_buffer_limit_bytes: .*invalid uint32: NaN$/);
  const syncz = JSON.parse(await p.get('/debug/syncz')) as Record<string, string>[];
  assert.equal(syncz[0]!['listener_state'], 'STALE');
});
