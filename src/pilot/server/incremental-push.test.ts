// Simulation through the real DiscoveryServer: a push rebuilds and sends only what a change touches.
// After a Service gains a port, a new pod, a VirtualService edit or a new DestinationRule, a delta proxy is sent only the
// resources that changed, a state-of-the-world proxy the full lists, and both hold exactly the config
// of a proxy of the same shape that connects afterwards (nothing stale, nothing missing). Pilot
// builds again only the listeners, routes and endpoint assignments that read what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equals, fromBinary, type JsonObject } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { VirtualHostSchema } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import {
  CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, VHDS_CLIENT_FEATURE, VIRTUAL_HOST_TYPE, vhdsNamespace,
} from '../../xds/server/index.js';
import { deltaClient } from '../../xds/server/test-support.js';
import { waitFor } from '../../../test/lib/wait.js';
import { defaultTranslators } from '../xds/default-translators.js';
import type { Translators } from '../xds/translators.js';
import { DiscoveryServer } from './discovery-server.js';
import { FeedSource, TestAdsProxy, yamlObjects } from './test-support.js';

const TYPES = [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE];

const service = (name: string, ports: string): string => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec: { selector: { app: ${name} }, ports: ${ports} }`;

const pod = (name: string, app: string, ip: string): string => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default, labels: { app: ${app} } }
spec: { containers: [{ name: app, ports: [{ containerPort: 3000 }] }] }
status: { podIP: ${ip}, phase: Running, conditions: [{ type: Ready, status: "True" }] }`;

const catalogVs = (timeout: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: catalog, namespace: default }
spec: { hosts: [catalog], http: [{ route: [{ destination: { host: catalog } }], timeout: ${timeout} }] }`;

const HTTP80 = '[{ name: http, port: 80, targetPort: 3000 }]';
const MESH = [
  service('catalog', HTTP80), service('reviews', HTTP80), service('ratings', HTTP80),
  pod('catalog-1', 'catalog', '10.1.0.1'), pod('reviews-1', 'reviews', '10.1.0.2'), pod('ratings-1', 'ratings', '10.1.0.3'),
  catalogVs('1s'),
].join('\n---\n');

const nodeId = (name: string, ip: string): string => `sidecar~${ip}~${name}.default~default.svc.cluster.local`;
const metadataOf = (name: string): JsonObject => ({ NAMESPACE: 'default', NAME: name, LABELS: { app: 'sleep' } });

/** Resources as name -> encoded bytes (hex), per type. */
type State = Map<string, Map<string, string>>;

/**
 * A delta proxy subscribed (wildcard) to every type: ACKs each response, applies it, and keeps what each one carried.
 * With `vhds`, it declares VHDS and subscribes to the virtual hosts of each route configuration it is sent, as Strait's proxy.
 */
class DeltaProxy {
  readonly state: State = new Map([...TYPES, VIRTUAL_HOST_TYPE].map((t) => [t, new Map()]));
  /** Every response since the last take(): type, names sent, names removed. */
  private log: { typeUrl: string; names: string[]; removed: string[] }[] = [];
  private readonly client;
  private closed = false;
  private readonly loop: Promise<void>;

  constructor(port: number, name: string, ip: string, private readonly vhds = false) {
    this.client = deltaClient(port);
    const node = { id: nodeId(name, ip), cluster: 'test', metadata: metadataOf(name), userAgentName: 'test-delta',
      clientFeatures: vhds ? [VHDS_CLIENT_FEATURE] : [] };
    TYPES.forEach((typeUrl, i) => this.client.send({ node: i === 0 ? node : undefined, typeUrl, resourceNamesSubscribe: ['*'] }));
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const r = await this.client.next(100).catch(() => undefined);
      if (r === undefined) continue;
      const byName = this.state.get(r.typeUrl)!;
      for (const res of r.resources) byName.set(res.name, Buffer.from(res.resource!.value).toString('hex'));
      for (const n of r.removedResources) byName.delete(n);
      this.log.push({ typeUrl: r.typeUrl, names: r.resources.map((x) => x.name).sort(), removed: [...r.removedResources] });
      this.client.send({ typeUrl: r.typeUrl, responseNonce: r.nonce });
      const configs = r.resources.map((x) => x.name).filter((n) => !this.vhostsOf.has(n));
      if (this.vhds && r.typeUrl === ROUTE_TYPE && configs.length > 0) {
        configs.forEach((n) => this.vhostsOf.add(n));
        this.client.send({ typeUrl: VIRTUAL_HOST_TYPE, resourceNamesSubscribe: configs });
      }
    }
  }

  /** The route configurations whose virtual hosts are subscribed to. */
  private readonly vhostsOf = new Set<string>();

  /** The route configurations as the proxy puts them together: each with its VHDS virtual hosts, by name. */
  routes(): Map<string, RouteConfiguration> {
    const out = new Map<string, RouteConfiguration>();
    for (const [n, hex] of this.state.get(ROUTE_TYPE)!) {
      const rc = fromBinary(RouteConfigurationSchema, Buffer.from(hex, 'hex'));
      if (rc.vhds !== undefined) {
        rc.vhds = undefined;
        for (const [vn, vhex] of this.state.get(VIRTUAL_HOST_TYPE)!) {
          if (vhdsNamespace(vn) === n) rc.virtualHosts.push(fromBinary(VirtualHostSchema, Buffer.from(vhex, 'hex')));
        }
      }
      out.set(n, rc);
    }
    return out;
  }

  /** What the responses since the last call carried, by type: names sent and removed (types with no response absent). */
  take(): Map<string, { names: string[]; removed: string[] }> {
    const out = new Map<string, { names: string[]; removed: string[] }>();
    for (const e of this.log) {
      const o = out.get(e.typeUrl) ?? { names: [], removed: [] };
      o.names.push(...e.names);
      o.removed.push(...e.removed);
      out.set(e.typeUrl, o);
    }
    this.log = [];
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.loop;
    this.client.close();
  }
}

/** A resource's name, from its encoded message. */
function nameOf(typeUrl: string, value: Uint8Array): string {
  if (typeUrl === ENDPOINT_TYPE) return fromBinary(ClusterLoadAssignmentSchema, value).clusterName;
  const schema = typeUrl === CLUSTER_TYPE ? ClusterSchema : typeUrl === LISTENER_TYPE ? ListenerSchema : RouteConfigurationSchema;
  return fromBinary(schema, value).name;
}

/** A SotW proxy's state: the resources of the last response of each type. */
function sotwState(p: TestAdsProxy): State {
  return new Map(TYPES.map((t) => [t, new Map((p.latest.get(t)?.resources ?? []).map((a) => [nameOf(t, a.value), Buffer.from(a.value).toString('hex')]))]));
}

/** A SotW proxy: CDS and LDS wildcard, EDS and RDS with the explicit wildcard (they have no implicit one). */
const sotwProxy = (port: number, name: string, ip: string): TestAdsProxy => new TestAdsProxy(port, nodeId(name, ip), metadataOf(name),
  TYPES.map((typeUrl) => ({ typeUrl, names: typeUrl === ENDPOINT_TYPE || typeUrl === ROUTE_TYPE ? ['*'] : [] })));

const hasAll = (s: State): boolean => TYPES.every((t) => (s.get(t)?.size ?? 0) > 0);

/** The state a proxy of the same shape gets when it connects now, from scratch. */
async function fresh(t: { after(f: () => Promise<void>): void }, ds: DiscoveryServer, name: string, ip: string): Promise<State> {
  const p = sotwProxy(ds.xdsPort, name, ip);
  t.after(() => p.close());
  return waitFor(`${name}: its first config`, 10_000, () => (hasAll(sotwState(p)) ? sotwState(p) : undefined));
}

const same = (a: State, b: State): boolean => TYPES.every((t) => {
  const x = a.get(t)!;
  const y = b.get(t)!;
  return x.size === y.size && [...x].every(([n, v]) => y.get(n) === v);
});

const names = (s: State, t: string): string[] => [...s.get(t)!.keys()].sort();

interface Builds { listeners: number; outboundListeners: number; routes: number; endpoints: string[] }

/** The default translators, counting listener and route builds and naming each endpoint assignment built. */
function counting(): { translators: Translators; take(): Builds } {
  let listeners = 0;
  let outboundListeners = 0;
  let routes = 0;
  let endpoints: string[] = [];
  const translators: Translators = {
    ...defaultTranslators,
    listeners: (push, proxy) => { listeners++; return defaultTranslators.listeners(push, proxy); },
    outboundListeners: (push, proxy) => { outboundListeners++; return defaultTranslators.outboundListeners(push, proxy); },
    routes: (push, proxy) => { routes++; return defaultTranslators.routes(push, proxy); },
    endpoints: (push, proxy, name) => { endpoints.push(name); return defaultTranslators.endpoints(push, proxy, name); },
  };
  return {
    translators,
    take: () => {
      const out = { listeners, outboundListeners, routes, endpoints: [...new Set(endpoints)].sort() };
      listeners = outboundListeners = routes = 0;
      endpoints = [];
      return out;
    },
  };
}

test('a Service port, a pod, a VirtualService and a DestinationRule: delta proxies get only what changed, SotW proxies full lists, none stale', async (t) => {
  const feed = new FeedSource(yamlObjects(MESH));
  const built = counting();
  const ds = new DiscoveryServer({ source: feed, translators: built.translators, xdsPort: 0, monitoringPort: null,
    debounceAfterMs: 10, debounceMaxMs: 100, log: () => undefined });
  await ds.start();
  t.after(() => ds.close());
  const delta = new DeltaProxy(ds.xdsPort, 'sleep-1', '10.2.0.1');
  t.after(() => delta.close());
  const sotw = sotwProxy(ds.xdsPort, 'sleep-2', '10.2.0.2');
  t.after(() => sotw.close());
  await waitFor('both proxies configured', 10_000, () => hasAll(delta.state) && hasAll(sotwState(sotw)) || undefined);
  const sotwBefore = sotwState(sotw);
  assert.ok(same(delta.state, sotwBefore), 'delta and SotW proxies of one shape hold the same config');
  delta.take();
  let builds = built.take();
  /**
   * Applies `objects`, waits until every proxy has what a proxy connecting then gets, and returns what
   * the delta proxy was sent. `full`: a full push (the fresh proxy connects once it has happened).
   */
  const converge = async (what: string, n: number, objects: string, full = true): Promise<Map<string, { names: string[]; removed: string[] }>> => {
    const version = ds.pushContext.version;
    feed.put(...yamlObjects(objects));
    if (full) await waitFor(`${what}: the push`, 10_000, () => ds.pushContext.version !== version || undefined);
    const want = await fresh(t, ds, `fresh-${n}`, `10.2.1.${n}`);
    builds = built.take();
    await waitFor(`${what}: every proxy at the new config`, 10_000, () => (same(delta.state, want) && same(sotwState(sotw), want)) || undefined);
    // Anything still on its way would show here.
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(same(delta.state, want) && same(sotwState(sotw), want), `${what}: nothing sent after convergence changed it`);
    return delta.take();
  };

  // reviews gains port 9080: one new cluster, its endpoints, its listener and its route; nothing else is re-sent.
  const sent = await converge('a Service port added', 1, service('reviews', `${HTTP80.slice(0, -1)}, { name: http-extra, port: 9080, targetPort: 3000 }]`));
  const NEW_CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';
  assert.deepEqual(sent.get(CLUSTER_TYPE), { names: [NEW_CLUSTER], removed: [] });
  assert.deepEqual(sent.get(ENDPOINT_TYPE), { names: [NEW_CLUSTER], removed: [] });
  assert.deepEqual(sent.get(LISTENER_TYPE), { names: ['0.0.0.0_9080'], removed: [] });
  assert.deepEqual(sent.get(ROUTE_TYPE), { names: ['9080'], removed: [] });
  // The SotW proxy got the full lists: everything it had, and the new ones.
  const sotwAfter = sotwState(sotw);
  assert.deepEqual(names(sotwAfter, CLUSTER_TYPE), [...names(sotwBefore, CLUSTER_TYPE), NEW_CLUSTER].sort());
  assert.deepEqual(names(sotwAfter, LISTENER_TYPE), [...names(sotwBefore, LISTENER_TYPE), '0.0.0.0_9080'].sort());
  // The outbound listeners of the proxies' one scope were built again, their own listeners only for
  // the new proxy; of the endpoints, only reviews' (new port included).
  assert.equal(builds.outboundListeners, 1);
  assert.equal(builds.listeners, 1, 'the fresh proxy\'s own');
  assert.deepEqual(builds.endpoints, ['outbound|80||reviews.default.svc.cluster.local', NEW_CLUSTER]);

  // A second reviews pod: only reviews' assignments (incremental EDS).
  // (A proxy connecting before the endpoints push gets the new endpoints too: pilot rebuilds for it.)
  const eds = await converge('a new endpoint', 2, pod('reviews-2', 'reviews', '10.1.0.4'), false);
  assert.deepEqual([...eds.keys()], [ENDPOINT_TYPE]);
  assert.deepEqual(eds.get(ENDPOINT_TYPE)?.names, ['outbound|80||reviews.default.svc.cluster.local', NEW_CLUSTER].sort());
  assert.deepEqual(builds.endpoints, ['outbound|80||reviews.default.svc.cluster.local', NEW_CLUSTER].sort());

  // The mesh VirtualService's timeout: the one route it is in; listeners are not rebuilt or sent.
  const routeBefore = delta.state.get(ROUTE_TYPE)!.get('80');
  const vs = await converge('a VirtualService edit', 3, catalogVs('7s'));
  assert.deepEqual([...vs.keys()], [ROUTE_TYPE]);
  assert.deepEqual(vs.get(ROUTE_TYPE), { names: ['80'], removed: [] });
  assert.notEqual(delta.state.get(ROUTE_TYPE)!.get('80'), routeBefore);
  // Sidecar listeners do not read VirtualServices: only the new proxy's were built; no endpoints at all.
  assert.equal(builds.listeners, 1);
  assert.equal(builds.outboundListeners, 0);
  assert.deepEqual(builds.endpoints, []);

  // A DestinationRule with a subset: its cluster and assignment are new; nothing is stale.
  const dr = await converge('a DestinationRule added', 5, `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: default }
spec: { host: ratings, subsets: [{ name: v1, labels: { version: v1 } }] }`);
  const SUBSET = 'outbound|80|v1|ratings.default.svc.cluster.local';
  // (ratings' own cluster changes too: its metadata names the rule, as istiod's does.)
  assert.deepEqual(dr.get(CLUSTER_TYPE), { names: [SUBSET, 'outbound|80||ratings.default.svc.cluster.local'].sort(), removed: [] });
  assert.deepEqual(dr.get(LISTENER_TYPE), undefined);
  assert.ok((builds.endpoints as string[]).includes(SUBSET));

  // The port goes again: its cluster, endpoints, listener and route are removed from the delta proxy and the SotW lists.
  const gone = await converge('a Service port removed', 6, service('reviews', HTTP80));
  assert.deepEqual(gone.get(CLUSTER_TYPE), { names: [], removed: [NEW_CLUSTER] });
  assert.deepEqual(gone.get(LISTENER_TYPE), { names: [], removed: ['0.0.0.0_9080'] });
  assert.ok(!sotwState(sotw).get(CLUSTER_TYPE)!.has(NEW_CLUSTER));
});

/** A SotW proxy's route configurations, by name. */
const sotwRoutes = (p: TestAdsProxy): Map<string, RouteConfiguration> => new Map((p.latest.get(ROUTE_TYPE)?.resources ?? [])
  .map((a) => fromBinary(RouteConfigurationSchema, a.value)).map((rc) => [rc.name, rc]));

const sameRoutes = (a: Map<string, RouteConfiguration>, b: Map<string, RouteConfiguration>): boolean =>
  a.size > 0 && a.size === b.size && [...a].every(([n, rc]) => b.has(n) && equals(RouteConfigurationSchema, rc, b.get(n)!));

test('a VHDS proxy: routes come as shells and virtual hosts, a VirtualService edit sends only its virtual host, the whole equals a SotW proxy\'s', async (t) => {
  const feed = new FeedSource(yamlObjects(MESH));
  const ds = new DiscoveryServer({ source: feed, translators: defaultTranslators, xdsPort: 0, monitoringPort: null,
    debounceAfterMs: 10, debounceMaxMs: 100, log: () => undefined });
  await ds.start();
  t.after(() => ds.close());
  const vhds = new DeltaProxy(ds.xdsPort, 'sleep-1', '10.2.0.1', true);
  t.after(() => vhds.close());
  const sotw = sotwProxy(ds.xdsPort, 'sleep-2', '10.2.0.2');
  t.after(() => sotw.close());
  await waitFor('both proxies\' routes put together', 10_000, () => sameRoutes(vhds.routes(), sotwRoutes(sotw)) || undefined);
  for (const hex of vhds.state.get(ROUTE_TYPE)!.values()) {
    const shell = fromBinary(RouteConfigurationSchema, Buffer.from(hex, 'hex'));
    assert.equal(shell.vhds?.configSource?.configSourceSpecifier.case, 'ads', `${shell.name} names VHDS over ADS`);
    assert.deepEqual(shell.virtualHosts, [], `${shell.name} carries no virtual host itself`);
  }
  assert.ok(vhds.state.get(VIRTUAL_HOST_TYPE)!.has('80/catalog.default.svc.cluster.local:80'));
  vhds.take();

  const before = sotwRoutes(sotw);
  feed.put(...yamlObjects(catalogVs('7s')));
  await waitFor('the edit at both proxies', 10_000, () => (!sameRoutes(sotwRoutes(sotw), before) && sameRoutes(vhds.routes(), sotwRoutes(sotw))) || undefined);
  await new Promise((r) => setTimeout(r, 300));
  const sent = vhds.take();
  assert.deepEqual([...sent.keys()], [VIRTUAL_HOST_TYPE], 'no route configuration, listener or cluster is sent again');
  assert.deepEqual(sent.get(VIRTUAL_HOST_TYPE), { names: ['80/catalog.default.svc.cluster.local:80'], removed: [] });
});
