// Turns a push context into per-proxy xDS snapshots. Proxies that would get the same config
// (same role, namespace, labels, addresses, instances and Sidecar) share one snapshot object,
// so the xDS server encodes it once; an endpoints-only push reuses everything but EDS.
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
import type { Translators } from './translators.js';

/** How long each type took to build for one distinct proxy config, ms. */
export interface GenerationTimes { lds: number; rds: number; cds: number; eds: number }

function pack(msg: Message, name: string): SnapshotResource {
  const schema = registry.getMessage(msg.$typeName);
  if (!schema) throw new Error(`${msg.$typeName}: not a registered message type`);
  const resource = create(AnySchema, { typeUrl: typeUrlOf(msg.$typeName), value: toBinary(schema, msg) });
  return { name, resource, version: resourceHash(resource) };
}

function typeSnapshot(version: string, msgs: readonly Message[], nameOf: (m: Message) => string): TypeSnapshot {
  const resources = new Map<string, SnapshotResource>();
  for (const m of msgs) {
    const name = nameOf(m);
    if (!resources.has(name)) resources.set(name, pack(m, name)); // first wins, as a duplicate would be NACKed
  }
  return { version, resources };
}

const byName = (m: Message): string => (m as unknown as { name: string }).name;
const byClusterName = (m: Message): string => (m as unknown as { clusterName: string }).clusterName;

/** The EDS service names of a proxy's EDS clusters. */
export function edsServiceNames(clusters: readonly Cluster[]): string[] {
  return clusters.filter((c) => c.clusterDiscoveryType.case === 'type' && c.clusterDiscoveryType.value === 3)
    .map((c) => c.edsClusterConfig?.serviceName || c.name);
}

/** A proxy's config fingerprint: what the translators read of the proxy. */
export function proxyFingerprint(push: PushContext, p: ProxyNode): string {
  const sc = push.sidecarFor(p);
  const inst = push.proxyInstances(p).map((i) => `${i.hostname}:${i.servicePort}:${i.port}`).sort();
  return JSON.stringify([p.type, p.namespace, p.labels, p.bindAddress, p.appAddress, p.httpProxyPort,
    p.ipAddresses, sc ? `${sc.metadata.namespace}/${sc.metadata.name}` : '', inst]);
}

interface Generated { snapshot: Snapshot; edsNames: string[]; times: GenerationTimes }

/** Generates snapshots for one push context; create a new one per full push. */
export class SnapshotGenerator {
  private readonly byFingerprint = new Map<string, Generated>();
  private edsVersion: string;
  private readonly edsCache = new Map<string, TypeSnapshot>();

  constructor(readonly push: PushContext, private readonly tr: Translators) {
    this.edsVersion = push.version;
  }

  /** The snapshot of a proxy, and whether it was newly built (false: shared with an earlier proxy). */
  generate(proxy: ProxyNode): { snapshot: Snapshot; built: boolean; times: GenerationTimes } {
    const fp = proxyFingerprint(this.push, proxy);
    const hit = this.byFingerprint.get(fp);
    if (hit) return { snapshot: hit.snapshot, built: false, times: hit.times };
    const v = this.push.version;
    const t0 = performance.now();
    const listeners = this.tr.listeners(this.push, proxy);
    const t1 = performance.now();
    const routes = this.tr.routes(this.push, proxy);
    const t2 = performance.now();
    const clusters = this.tr.clusters(this.push, proxy);
    const t3 = performance.now();
    const edsNames = edsServiceNames(clusters);
    const eds = this.endpoints(proxy, edsNames);
    const t4 = performance.now();
    const types = new Map<string, TypeSnapshot>([
      [LISTENER_TYPE, typeSnapshot(v, listeners, byName)],
      [ROUTE_TYPE, typeSnapshot(v, routes, byName)],
      [CLUSTER_TYPE, typeSnapshot(v, clusters, byName)],
      [ENDPOINT_TYPE, eds],
      [SECRET_TYPE, { version: v, resources: new Map() }],
    ]);
    const times = { lds: t1 - t0, rds: t2 - t1, cds: t3 - t2, eds: t4 - t3 };
    const g = { snapshot: new Snapshot(types), edsNames, times };
    this.byFingerprint.set(fp, g);
    return { snapshot: g.snapshot, built: true, times };
  }

  /**
   * After endpoints changed (an EDS-only push): every generated snapshot gets new EDS under
   * `version`, its other types kept as they are (the same objects, so they are not resent).
   */
  refreshEndpoints(version: string, proxyOf: (fingerprint: string) => ProxyNode | undefined): void {
    this.edsVersion = version;
    this.edsCache.clear();
    for (const [fp, g] of this.byFingerprint) {
      const proxy = proxyOf(fp);
      if (!proxy) { this.byFingerprint.delete(fp); continue; }
      const types = new Map<string, TypeSnapshot>();
      for (const t of g.snapshot.typeUrls()) types.set(t, g.snapshot.get(t)!);
      types.set(ENDPOINT_TYPE, this.endpoints(proxy, g.edsNames));
      g.snapshot = new Snapshot(types);
    }
  }

  private endpoints(proxy: ProxyNode, names: readonly string[]): TypeSnapshot {
    const key = `${proxy.namespace}\n${names.join('\n')}`;
    const hit = this.edsCache.get(key);
    if (hit) return hit;
    const cla = names.map((n) => this.tr.endpoints(this.push, proxy, n)).filter((c) => c !== undefined);
    const ts = typeSnapshot(this.edsVersion, cla, byClusterName);
    this.edsCache.set(key, ts);
    return ts;
  }
}
