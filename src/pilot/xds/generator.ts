// Turns a push context into per-proxy xDS snapshots, building each piece once for everything that
// shares it: routes per scope (role, namespace, labels, Sidecar, HTTP proxy port), a service port's
// clusters per (role, service, DestinationRule), listeners and inbound clusters per proxy shape
// (scope, addresses, own service ports), endpoints per cluster. Shared pieces are the same packed
// resources, so the xDS server encodes each once. An endpoints-only push rebuilds just EDS.
import { create, toBinary, type Message } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import type { Cluster } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { registry } from '../../xds/registry.js';
import {
  CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, SECRET_TYPE, Snapshot, resourceHash, typeUrlOf,
  type SnapshotResource, type TypeSnapshot,
} from '../../xds/server/index.js';
import type { ProxyNode } from '../model/proxy.js';
import type { PushContext } from '../model/push-context.js';
import type { Service, ServicePort } from '../registry/model.js';
import type { Translators } from './translators.js';

/** How long each type took to build for one proxy, ms (0 for what came from the cache). */
export interface GenerationTimes { lds: number; rds: number; cds: number; eds: number }

function pack(msg: Message, name: string): SnapshotResource {
  const schema = registry.getMessage(msg.$typeName);
  if (!schema) throw new Error(`${msg.$typeName}: not a registered message type`);
  const resource = create(AnySchema, { typeUrl: typeUrlOf(msg.$typeName), value: toBinary(schema, msg) });
  return { name, resource, version: resourceHash(resource) };
}

const nameOf = (m: Message): string => {
  const o = m as unknown as { name?: string; clusterName?: string };
  return o.name || o.clusterName || '';
};

/** Packs messages by name; the first of a duplicated name wins (a duplicate would be NACKed). */
function packAll(msgs: readonly Message[]): SnapshotResource[] {
  const seen = new Set<string>();
  const out: SnapshotResource[] = [];
  for (const m of msgs) {
    const n = nameOf(m);
    if (seen.has(n)) continue;
    seen.add(n);
    out.push(pack(m, n));
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

const labelsKey = (l: Record<string, string>): string => Object.keys(l).sort().map((k) => `${k}=${l[k]}`).join(',');

/** What routes and outbound clusters of a proxy depend on. */
export function scopeKey(push: PushContext, p: ProxyNode): string {
  const sc = push.sidecarFor(p);
  return [p.type, p.namespace, labelsKey(p.labels), sc ? `${sc.metadata.namespace}/${sc.metadata.name}` : '', p.httpProxyPort].join('|');
}

/** What a proxy's listeners and inbound clusters depend on beyond its scope. */
function shapeKey(push: PushContext, p: ProxyNode, scope: string): string {
  const inst = push.proxyInstances(p).map((i) => `${i.hostname}:${i.servicePort}:${i.port}`).sort().join(',');
  return [scope, p.bindAddress, p.appAddress, inst].join('|');
}

/** Every type a snapshot carries. */
export const ALL_TYPES: ReadonlySet<string> = new Set([CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, SECRET_TYPE]);

interface Outbound { packed: SnapshotResource[]; edsNames: string[] }
interface Timed<T> { value: T; ms: number }


/**
 * Generates snapshots for one push context; make a new one per full push. Each piece is built on
 * first use and shared after: routes per scope, service clusters per (role, service, rule),
 * listeners and the CDS list per shape, EDS lists per set of names.
 */
export class SnapshotGenerator {
  private readonly routes = new Map<string, Timed<TypeSnapshot>>();
  private readonly outbound = new Map<string, Timed<Outbound>>();
  /** A service port's clusters built or reused in this push; the previous push's, to reuse from. */
  private readonly serviceClusters = new Map<string, Outbound>();
  private readonly carried?: ReadonlyMap<string, Outbound>;
  private readonly listeners = new Map<string, Timed<TypeSnapshot>>();
  private readonly clusters = new Map<string, Timed<{ ts: TypeSnapshot; edsNames: string[] }>>();
  private readonly endpointCache = new Map<string, SnapshotResource | null>();
  private edsVersion: string;
  /** EDS type snapshots by what names them (a shape's EDS name list, or the EDS snapshot an endpoints push replaces). */
  private edsOf = new WeakMap<object, TypeSnapshot>();
  private readonly noSecrets: TypeSnapshot;

  /** `previous`: the generator of the last full push, whose unchanged service clusters are reused. */
  constructor(readonly push: PushContext, private readonly tr: Translators, previous?: SnapshotGenerator) {
    this.carried = previous?.serviceClusters;
    this.edsVersion = push.version;
    this.noSecrets = { version: push.version, resources: new Map() };
  }

  /**
   * The snapshot of one proxy, with what it cost to build. With `previous`, only `types` are
   * rebuilt and the others are kept as they were (Istio pushes only what a change affects).
   */
  generate(proxy: ProxyNode, previous?: Snapshot, types: ReadonlySet<string> = ALL_TYPES): { snapshot: Snapshot; times: GenerationTimes } {
    const keep = (t: string): TypeSnapshot | undefined => (previous !== undefined && !types.has(t) ? previous.get(t) : undefined);
    const scope = scopeKey(this.push, proxy);
    const shape = shapeKey(this.push, proxy, scope);
    const times: GenerationTimes = { lds: 0, rds: 0, cds: 0, eds: 0 };
    const out = new Map<string, TypeSnapshot>();
    let lds = keep(LISTENER_TYPE);
    if (lds === undefined) {
      const l = this.cached(this.listeners, shape, () => typeSnapshot(this.push.version, packAll(this.tr.listeners(this.push, proxy))));
      lds = l.value;
      times.lds = l.ms;
    }
    let rds = keep(ROUTE_TYPE);
    if (rds === undefined) {
      const r = this.cached(this.routes, scope, () => typeSnapshot(this.push.version, packAll(this.tr.routes(this.push, proxy))));
      rds = r.value;
      times.rds = r.ms;
    }
    let cds = keep(CLUSTER_TYPE);
    let eds = keep(ENDPOINT_TYPE);
    if (cds === undefined || eds === undefined) {
      const c = this.cached(this.clusters, shape, () => {
        const ob = this.outboundOf(proxy, scope);
        const inbound = this.tr.inboundClusters(this.push, proxy);
        return { ts: typeSnapshot(this.push.version, ob.packed, packAll(inbound)), edsNames: [...ob.edsNames, ...edsServiceNames(inbound)] };
      });
      times.cds = c.ms;
      cds ??= c.value.ts;
      const t0 = performance.now();
      eds ??= this.endpoints(proxy, c.value.edsNames, c.value.edsNames);
      times.eds = performance.now() - t0;
    }
    out.set(LISTENER_TYPE, lds);
    out.set(ROUTE_TYPE, rds);
    out.set(CLUSTER_TYPE, cds);
    out.set(ENDPOINT_TYPE, eds);
    out.set(SECRET_TYPE, keep(SECRET_TYPE) ?? this.noSecrets);
    return { snapshot: new Snapshot(out), times };
  }

  /** A snapshot with the same types as `old` but EDS rebuilt under `version` (an endpoints-only push). */
  refreshEndpoints(proxy: ProxyNode, old: Snapshot, version: string): Snapshot {
    if (version !== this.edsVersion) {
      this.edsVersion = version;
      this.endpointCache.clear();
      this.edsOf = new WeakMap();
    }
    const oldEds = old.get(ENDPOINT_TYPE);
    const types = new Map<string, TypeSnapshot>();
    for (const t of old.typeUrls()) types.set(t, old.get(t)!);
    if (oldEds !== undefined) types.set(ENDPOINT_TYPE, this.endpoints(proxy, [...oldEds.resources.keys()], oldEds));
    return new Snapshot(types);
  }

  private cached<T>(m: Map<string, Timed<T>>, key: string, make: () => T): Timed<T> {
    let hit = m.get(key);
    if (hit === undefined) {
      const t0 = performance.now();
      const value = make();
      m.set(key, (hit = { value, ms: performance.now() - t0 }));
    }
    return hit;
  }

  /** The outbound and fixed clusters of a scope. */
  private outboundOf(proxy: ProxyNode, scope: string): Outbound {
    return this.cached(this.outbound, scope, () => {
      const packed: SnapshotResource[] = [];
      const edsNames: string[] = [];
      for (const svc of this.push.servicesFor(proxy)) {
        for (const port of svc.ports) {
          const c = this.clustersOf(proxy, svc, port);
          packed.push(...c.packed);
          edsNames.push(...c.edsNames);
        }
      }
      packed.push(...packAll(this.tr.fixedClusters(this.push, proxy)));
      return { packed, edsNames };
    }).value;
  }

  /**
   * A service port's clusters, shared by every proxy of the same role that picks the same
   * DestinationRule, and kept across pushes while the service, the rule, the workload identities and
   * tlsModes behind the port, the PeerAuthentications and the mesh settings are the same (istiod's CDS
   * cache keys on the same).
   */
  private clustersOf(proxy: ProxyNode, svc: Service, port: ServicePort): Outbound {
    const dr = this.push.destinationRuleFor(proxy, svc.hostname);
    const instances = this.push.instancesByPort(svc.hostname, port.port);
    const identities = [...new Set(instances.map((i) => i.identity))].sort();
    // Auto mTLS reads the destination's PeerAuthentications, and passthrough destinations their endpoints' tlsMode.
    const tlsModes = [...new Set(instances.map((i) => i.tlsMode))].sort();
    const key = JSON.stringify([proxy.type, svc, port.port, dr?.metadata.namespace, dr?.metadata.name, dr?.spec ?? null, identities, tlsModes,
      this.push.peerAuthentication.version, this.push.mesh]);
    let c = this.serviceClusters.get(key) ?? this.carried?.get(key);
    if (c !== undefined) this.serviceClusters.set(key, c);
    else {
      const built = this.tr.serviceClusters(this.push, proxy, svc, port);
      c = { packed: packAll(built), edsNames: edsServiceNames(built) };
      this.serviceClusters.set(key, c);
    }
    return c;
  }

  /** The EDS snapshot of `names`, shared by every proxy that asks with the same `key`. */
  private endpoints(proxy: ProxyNode, names: readonly string[], key: object): TypeSnapshot {
    const hit = this.edsOf.get(key);
    if (hit) return hit;
    const out: SnapshotResource[] = [];
    for (const n of names) {
      let r = this.endpointCache.get(n);
      if (r === undefined) {
        const cla = this.tr.endpoints(this.push, proxy, n);
        r = cla ? pack(cla, n) : null;
        this.endpointCache.set(n, r);
      }
      if (r) out.push(r);
    }
    const ts = typeSnapshot(this.edsVersion, out);
    this.edsOf.set(key, ts);
    return ts;
  }
}
