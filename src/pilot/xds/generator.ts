// Turns a push context into per-proxy xDS snapshots, building each piece once for every proxy that
// shares it. Each translator gets a narrow view of the proxy (model/proxy-views.ts) and the piece's
// cache key is that view, so proxies share a piece only when nothing the translator reads differs
// (istiod's cache keys). Shared pieces are the same packed resources, so the xDS server encodes each
// once. An endpoints-only push rebuilds just EDS. Listeners, routes and endpoint assignments are
// kept across pushes unless the push's changes touch what they read (dependencies.ts), as istiod's
// caches are cleared only for the configs a push updated.
// What fails to build is contained: a resource keeps its previous version (or is left out), a type
// its previous snapshot, and each failure is returned to the caller; the rest is still pushed.
import { create, type Message } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import type { Cluster } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { registry } from '../../xds/registry.js';
import {
  CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, SECRET_TYPE, VIRTUAL_HOST_TYPE, Snapshot, resourceHash, typeUrlOf,
  type SnapshotResource, type TypeSnapshot,
} from '../../xds/server/index.js';
import { errorMessage } from '../model/config-errors.js';
import type { ProxyNode } from '../model/proxy.js';
import {
  clustersView, endpointsView, listenersView, outboundListenersView, routesView, viewKey, type ClustersView, type EndpointsView,
} from '../model/proxy-views.js';
import type { PushContext } from '../model/push-context.js';
import type { Service, ServicePort } from '../registry/model.js';
import { encode } from '../translate/isolate.js';
import { affectedBy, noDependencies, TrackedPush, type ChangeSet, type Dependencies } from './dependencies.js';
import type { Translators } from './translators.js';
import { vhdsForm, wholeRoutes } from './vhds.js';

/** How long each type took to build for one proxy, ms (0 for what came from the cache). */
export interface GenerationTimes { lds: number; rds: number; cds: number; eds: number }

/** What a proxy's snapshot could not get in this push: one resource, or a whole type (`resource` unset). */
export interface GenerationFailure { typeUrl: string; resource?: string; message: string }

type Fail = (f: GenerationFailure) => void;

function pack(msg: Message, name: string): SnapshotResource {
  const schema = registry.getMessage(msg.$typeName);
  if (!schema) throw new Error(`${msg.$typeName}: not a registered message type`);
  const resource = create(AnySchema, { typeUrl: typeUrlOf(msg.$typeName), value: encode(schema, msg) });
  return { name, resource, version: resourceHash(resource) };
}

const nameOf = (m: Message): string => {
  const o = m as unknown as { name?: string; clusterName?: string };
  return o.name || o.clusterName || '';
};

/**
 * Packs messages by name; the first of a duplicated name wins (a duplicate would be NACKed). One that
 * cannot be encoded is reported to `fail` and keeps its version in `previous`, if it has one there.
 */
function packAll(msgs: readonly Message[], typeUrl: string, fail: Fail, previous?: TypeSnapshot): SnapshotResource[] {
  const seen = new Set<string>();
  const out: SnapshotResource[] = [];
  for (const m of msgs) {
    const n = nameOf(m);
    if (seen.has(n)) continue;
    seen.add(n);
    try {
      out.push(pack(m, n));
    } catch (e) {
      fail({ typeUrl, resource: n, message: errorMessage(e) });
      const old = previous?.resources.get(n);
      if (old !== undefined) out.push(old);
    }
  }
  return out;
}

function typeSnapshot(version: string, ...parts: readonly SnapshotResource[][]): TypeSnapshot {
  const resources = new Map<string, SnapshotResource>();
  for (const part of parts) for (const r of part) if (!resources.has(r.name)) resources.set(r.name, r);
  return { version, resources };
}

/** The EDS service names of a proxy's EDS clusters. */
export function edsServiceNames(clusters: readonly Cluster[]): string[] {
  return clusters.filter((c) => c.clusterDiscoveryType.case === 'type' && c.clusterDiscoveryType.value === 3)
    .map((c) => c.edsClusterConfig?.serviceName || c.name);
}

/** Every type a snapshot carries. */
export const ALL_TYPES: ReadonlySet<string> = new Set([CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, SECRET_TYPE]);

interface Outbound { packed: SnapshotResource[]; edsNames: string[]; failures: GenerationFailure[] }
/** A proxy's inbound clusters, with what tells them apart from another proxy's (the CDS and EDS lists' key). */
interface Inbound { packed: SnapshotResource[]; edsNames: string[]; key: string }
/** A built piece, what it cost, what failed in it, and what it read of the push context. */
interface Timed<T> { value: T; ms: number; failures: GenerationFailure[]; deps: Dependencies }
/** A piece that could not be built: every proxy sharing it fails the same way, without building it again. */
interface Failed { error: string }
interface Eds { ts: TypeSnapshot; failures: GenerationFailure[] }

/**
 * Generates snapshots for one push context; make a new one per full push. Each piece is built on
 * first use and shared after, keyed by the view its translator reads: routes, a proxy's own
 * listeners, a scope's outbound listeners, outbound clusters, a service port's clusters (with its
 * service, rule and identities), the CDS list, and each endpoint assignment and EDS list.
 */
export class SnapshotGenerator {
  private readonly routes = new PieceCache<Timed<TypeSnapshot> | Failed>(timedDeps);
  private readonly outbound = new Map<string, Timed<Outbound> | Failed>();
  /** A service port's clusters built or reused in this push; the previous push's, to reuse from. */
  private readonly serviceClusters = new Map<string, Outbound>();
  private readonly carried?: ReadonlyMap<string, Outbound>;
  /** A proxy's own listeners (by listeners view), a scope's per-port outbound ones, and each proxy's LDS made of the two. */
  private readonly listeners = new PieceCache<Timed<SnapshotResource[]> | Failed>(timedDeps);
  private readonly outboundListeners = new PieceCache<Timed<SnapshotResource[]> | Failed>(timedDeps);
  private readonly lds = new PieceCache<{ own: SnapshotResource[]; outbound: SnapshotResource[]; ts: TypeSnapshot }>(() => NO_DEPS);
  /** A CDS list: outbound clusters (by clusters view) and a proxy's own inbound ones (by their content). */
  private readonly clusters = new Map<string, Timed<{ ts: TypeSnapshot; edsNames: string[] }> | Failed>();
  /** A proxy's inbound clusters, by listeners view. */
  private readonly inboundClusters = new PieceCache<Timed<Inbound> | Failed>(timedDeps);
  /** Each (endpoints view, cluster)'s packed assignment: null when it has none, a failure when it could not be built. */
  private readonly endpointCache = new PieceCache<{ r: SnapshotResource | null | GenerationFailure; deps: Dependencies }>(
    (e) => (e.r !== null && 'message' in e.r ? undefined : e.deps));
  private edsVersion: string;
  /** EDS type snapshots by what names them (a CDS list's EDS names, or the EDS snapshot an endpoints push replaces), then by endpoints view. */
  private edsOf = new WeakMap<object, Map<string, Eds>>();
  private readonly noSecrets: TypeSnapshot;

  /**
   * `previous`: the generator of the last full push, whose unchanged service clusters are reused, and
   * with `changes` (what changed since its push context), its listeners, routes and endpoint
   * assignments that read nothing changed.
   */
  constructor(readonly push: PushContext, private readonly tr: Translators, previous?: SnapshotGenerator, changes?: ChangeSet) {
    this.carried = previous?.serviceClusters;
    this.edsVersion = push.version;
    this.noSecrets = { version: push.version, resources: new Map() };
    if (previous !== undefined && changes !== undefined && !changes.all) {
      this.listeners.keepFrom(previous.listeners, changes);
      this.outboundListeners.keepFrom(previous.outboundListeners, changes);
      this.lds.keepFrom(previous.lds, changes);
      this.inboundClusters.keepFrom(previous.inboundClusters, changes);
      this.routes.keepFrom(previous.routes, changes);
      this.endpointCache.keepFrom(previous.endpointCache, changes);
    }
  }

  /**
   * The snapshot of one proxy, with what it cost to build and what failed. With `previous`, only
   * `types` are rebuilt and the others are kept as they were (Istio pushes only what a change
   * affects). A type that fails keeps its previous snapshot (none for a new proxy: not sent).
   */
  generate(proxy: ProxyNode, previous?: Snapshot, types: ReadonlySet<string> = ALL_TYPES):
    { snapshot: Snapshot; times: GenerationTimes; failures: GenerationFailure[] } {
    const keep = (t: string): TypeSnapshot | undefined => (previous !== undefined && !types.has(t) ? previous.get(t) : undefined);
    this.push.buildingFor(proxy.id);
    const instances = this.push.proxyInstances(proxy);
    const routes = routesView(proxy, instances);
    const listeners = listenersView(proxy, instances);
    const clusters = clustersView(proxy);
    const listenersKey = viewKey(listeners);
    const clustersKey = viewKey(clusters);
    const times: GenerationTimes = { lds: 0, rds: 0, cds: 0, eds: 0 };
    const failures: GenerationFailure[] = [];
    const built = <T>(typeUrl: string, make: () => Timed<T>): Timed<T> | undefined => {
      try {
        const t = make();
        failures.push(...t.failures);
        return t;
      } catch (e) {
        failures.push({ typeUrl, message: errorMessage(e) });
        return undefined;
      }
    };
    const version = this.push.version;
    let lds = keep(LISTENER_TYPE);
    if (lds === undefined) {
      const before = previous?.get(LISTENER_TYPE);
      const own = built(LISTENER_TYPE, () => this.cached(this.listeners, listenersKey,
        (fail, push) => packAll(this.tr.listeners(push, listeners), LISTENER_TYPE, fail, before)));
      const outboundView = outboundListenersView(proxy);
      const outbound = built(LISTENER_TYPE, () => this.cached(this.outboundListeners, viewKey(outboundView),
        (fail, push) => packAll(this.tr.outboundListeners(push, outboundView), LISTENER_TYPE, fail, before)));
      lds = own === undefined || outbound === undefined ? before : this.listenerSnapshot(listenersKey, own.value, outbound.value);
      times.lds = (own?.ms ?? 0) + (outbound?.ms ?? 0);
    }
    // Virtual hosts over VHDS follow the routes they were split from.
    let rds = keep(ROUTE_TYPE);
    let vhosts = keep(VIRTUAL_HOST_TYPE);
    if (rds === undefined) {
      const before = wholeRoutes(previous?.get(ROUTE_TYPE));
      const r = built(ROUTE_TYPE, () => this.cached(this.routes, viewKey(routes),
        (fail, push) => typeSnapshot(version, packAll(this.tr.routes(push, routes), ROUTE_TYPE, fail, before))));
      rds = r?.value ?? before;
      times.rds = r?.ms ?? 0;
      if (proxy.vhds === true && rds !== undefined) ({ routes: rds, vhosts } = vhdsForm(rds));
    }
    let cds = keep(CLUSTER_TYPE);
    let eds = keep(ENDPOINT_TYPE);
    if (cds === undefined || eds === undefined) {
      const c = built(CLUSTER_TYPE, () => {
        const inbound = this.cached(this.inboundClusters, listenersKey, (fail, push) => {
          const made = this.tr.inboundClusters(push, listeners);
          const packed = packAll(made, CLUSTER_TYPE, fail, previous?.get(CLUSTER_TYPE));
          const edsNames = edsServiceNames(made);
          return { packed, edsNames, key: `${packed.map((r) => `${r.name}@${r.version}`).join(',')}|${edsNames.join(',')}` };
        });
        const own = inbound.value;
        // Proxies of one clusters view with the same inbound clusters (none, for a workload with no service) share their CDS and EDS lists.
        const list = this.cached(this.clusters, `${clustersKey}|${own.key}`, (fail) => {
          const ob = this.outboundOf(clusters, clustersKey);
          ob.failures.forEach(fail);
          return {
            ts: typeSnapshot(version, ob.packed, own.packed),
            // The outbound list itself when the proxy adds none: its EDS snapshot is then shared too.
            edsNames: own.edsNames.length === 0 ? ob.edsNames : [...ob.edsNames, ...own.edsNames],
          };
        });
        return { ...list, ms: inbound.ms + list.ms, failures: [...inbound.failures, ...list.failures] };
      });
      times.cds = c?.ms ?? 0;
      if (c === undefined) {
        // Endpoints follow the clusters they belong to: both stay as they were.
        cds ??= previous?.get(CLUSTER_TYPE);
        if (eds === undefined) {
          eds = previous?.get(ENDPOINT_TYPE);
          failures.push({ typeUrl: ENDPOINT_TYPE, message: `clusters could not be built: ${failures.at(-1)?.message ?? ''}` });
        }
      } else {
        cds ??= c.value.ts;
        const t0 = performance.now();
        if (eds === undefined) {
          const e = this.endpoints(endpointsView(proxy), c.value.edsNames, c.value.edsNames);
          eds = e.ts;
          failures.push(...e.failures);
        }
        times.eds = performance.now() - t0;
      }
    }
    const out = new Map<string, TypeSnapshot>();
    const put = (t: string, ts: TypeSnapshot | undefined): void => { if (ts !== undefined) out.set(t, ts); };
    put(LISTENER_TYPE, lds);
    put(ROUTE_TYPE, rds);
    put(VIRTUAL_HOST_TYPE, vhosts);
    put(CLUSTER_TYPE, cds);
    put(ENDPOINT_TYPE, eds);
    out.set(SECRET_TYPE, keep(SECRET_TYPE) ?? this.noSecrets);
    return { snapshot: new Snapshot(out), times, failures };
  }

  /**
   * A snapshot with the same types as `old` but EDS rebuilt under `version` (an endpoints-only push), and
   * what failed. With `changes`, only the assignments they touch are built again (istiod's incremental EDS).
   */
  refreshEndpoints(proxy: ProxyNode, old: Snapshot, version: string, changes?: ChangeSet): { snapshot: Snapshot; failures: GenerationFailure[] } {
    if (version !== this.edsVersion) {
      this.edsVersion = version;
      this.endpointCache.drop(changes);
      this.edsOf = new WeakMap();
    }
    const oldEds = old.get(ENDPOINT_TYPE);
    const types = new Map<string, TypeSnapshot>();
    for (const t of old.typeUrls()) types.set(t, old.get(t)!);
    let failures: GenerationFailure[] = [];
    if (oldEds !== undefined) {
      this.push.buildingFor(proxy.id);
      const e = this.endpoints(endpointsView(proxy), [...oldEds.resources.keys()], oldEds);
      types.set(ENDPOINT_TYPE, e.ts);
      failures = e.failures;
    }
    return { snapshot: new Snapshot(types), failures };
  }

  /** A proxy's LDS: the same snapshot as before while its own and its outbound listeners are the same pieces. */
  private listenerSnapshot(key: string, own: SnapshotResource[], outbound: SnapshotResource[]): TypeSnapshot {
    const hit = this.lds.get(key);
    if (hit !== undefined && hit.own === own && hit.outbound === outbound) return hit.ts;
    const ts = typeSnapshot(this.push.version, own, outbound);
    this.lds.set(key, { own, outbound, ts });
    return ts;
  }

  /** The piece `key` of `m`, built by `make` on first use; one that threw throws again for every proxy that shares it. */
  private cached<T>(m: { get(k: string): Timed<T> | Failed | undefined; set(k: string, v: Timed<T> | Failed): unknown }, key: string, make: (fail: Fail, push: PushContext) => T): Timed<T> {
    let hit = m.get(key);
    if (hit === undefined) {
      const failures: GenerationFailure[] = [];
      const t0 = performance.now();
      const push = new TrackedPush(this.push);
      try {
        hit = { value: make((f) => failures.push(f), push), ms: performance.now() - t0, failures, deps: push.deps };
      } catch (e) {
        hit = { error: errorMessage(e) };
      }
      m.set(key, hit);
    }
    if ('error' in hit) throw new Error(hit.error);
    return hit;
  }

  /** The outbound and fixed clusters of a clusters view; a service port whose clusters cannot be built is left out (a failure). */
  private outboundOf(proxy: ClustersView, key: string): Outbound {
    // The value carries its failures: every proxy of the view reports them.
    return this.cached(this.outbound, key, () => {
      const packed: SnapshotResource[] = [];
      const edsNames: string[] = [];
      const failures: GenerationFailure[] = [];
      for (const svc of this.push.servicesFor(proxy)) {
        for (const port of svc.ports) {
          try {
            const c = this.clustersOf(proxy, svc, port);
            packed.push(...c.packed);
            edsNames.push(...c.edsNames);
            failures.push(...c.failures);
          } catch (e) {
            failures.push({ typeUrl: CLUSTER_TYPE, resource: `${svc.hostname}:${port.port}`, message: errorMessage(e) });
          }
        }
      }
      packed.push(...packAll(this.tr.fixedClusters(this.push, proxy), CLUSTER_TYPE, (f) => failures.push(f)));
      return { packed, edsNames, failures };
    }).value;
  }

  /**
   * A service port's clusters, shared by every proxy with the same clusters view, and kept across
   * pushes while the service, the DestinationRule, the workload identities and tlsModes behind the
   * port, the PeerAuthentications and the mesh settings are the same (istiod's CDS cache keys on the same).
   */
  private clustersOf(proxy: ClustersView, svc: Service, port: ServicePort): Outbound {
    const dr = this.push.destinationRuleFor(proxy, svc.hostname);
    const instances = this.push.instancesByPort(svc.hostname, port.port);
    const identities = [...new Set(instances.map((i) => i.identity))].sort();
    // Auto mTLS reads the destination's PeerAuthentications, and passthrough destinations their endpoints' tlsMode.
    const tlsModes = [...new Set(instances.map((i) => i.tlsMode))].sort();
    const key = JSON.stringify([proxy, svc, port.port, dr?.metadata.namespace, dr?.metadata.name, dr?.spec ?? null, identities, tlsModes,
      this.push.peerAuthentication.version, this.push.mesh]);
    let c = this.serviceClusters.get(key) ?? this.carried?.get(key);
    if (c !== undefined) this.serviceClusters.set(key, c);
    else {
      const built = this.tr.serviceClusters(this.push, proxy, svc, port);
      const failures: GenerationFailure[] = [];
      c = { packed: packAll(built, CLUSTER_TYPE, (f) => failures.push(f)), edsNames: edsServiceNames(built), failures };
      this.serviceClusters.set(key, c);
    }
    return c;
  }

  /** The EDS snapshot of `names`, shared by every proxy with the same view that asks with the same `key`; an assignment that fails is left out. */
  private endpoints(proxy: EndpointsView, names: readonly string[], key: object): Eds {
    const vk = viewKey(proxy);
    let byView = this.edsOf.get(key);
    if (byView === undefined) this.edsOf.set(key, (byView = new Map()));
    const hit = byView.get(vk);
    if (hit) return hit;
    const out: SnapshotResource[] = [];
    const failures: GenerationFailure[] = [];
    for (const n of names) {
      let r = this.endpointCache.get(`${vk}|${n}`)?.r;
      if (r === undefined) {
        const push = new TrackedPush(this.push);
        try {
          const cla = this.tr.endpoints(push, proxy, n);
          r = cla ? pack(cla, n) : null;
        } catch (e) {
          r = { typeUrl: ENDPOINT_TYPE, resource: n, message: errorMessage(e) };
        }
        this.endpointCache.set(`${vk}|${n}`, { r, deps: push.deps });
      }
      if (r === null) continue;
      if ('message' in r) failures.push(r);
      else out.push(r);
    }
    const eds = { ts: typeSnapshot(this.edsVersion, out), failures };
    byView.set(vk, eds);
    return eds;
  }
}

/** What a piece that reads nothing depends on: it is never touched by a change. */
const NO_DEPS: Dependencies = noDependencies();

const timedDeps = <T>(p: Timed<T> | Failed): Dependencies | undefined => ('error' in p || p.failures.length > 0 ? undefined : p.deps);

/** How many pushes in a row a kept piece may go unused before it is dropped (its proxy may be gone). */
const MAX_IDLE_PUSHES = 8;

/**
 * Pieces by key: those built or used in this push, and those kept from the pushes before (untouched
 * by what changed since), taken on first use. A piece whose `depsOf` is undefined (it failed) is
 * never kept: the next push tries it again. One unused for MAX_IDLE_PUSHES pushes is dropped.
 */
class PieceCache<V> {
  private readonly live = new Map<string, V>();
  private kept = new Map<string, { v: V; idle: number }>();

  constructor(private readonly depsOf: (v: V) => Dependencies | undefined) {}

  get(key: string): V | undefined {
    const v = this.live.get(key);
    if (v !== undefined) return v;
    const k = this.kept.get(key);
    if (k !== undefined) this.live.set(key, k.v);
    return k?.v;
  }

  set(key: string, v: V): this {
    this.live.set(key, v);
    return this;
  }

  /** Keeps what `from` holds that `changes` cannot touch. */
  keepFrom(from: PieceCache<V>, changes: ChangeSet): void {
    this.kept = from.survivors(changes);
  }

  /** Drops every piece `changes` touch (every piece without them) and starts a new push's use. */
  drop(changes: ChangeSet | undefined): void {
    this.kept = changes === undefined ? new Map() : this.survivors(changes);
    this.live.clear();
  }

  private survivors(changes: ChangeSet): Map<string, { v: V; idle: number }> {
    const out = new Map<string, { v: V; idle: number }>();
    const keeps = (v: V): boolean => {
      const deps = this.depsOf(v);
      return deps !== undefined && !affectedBy(deps, changes);
    };
    for (const [k, e] of this.kept) if (!this.live.has(k) && e.idle < MAX_IDLE_PUSHES && keeps(e.v)) out.set(k, { v: e.v, idle: e.idle + 1 });
    for (const [k, v] of this.live) if (keeps(v)) out.set(k, { v, idle: 0 });
    return out;
  }
}
