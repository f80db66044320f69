// `strait pilot`'s core (istiod's DiscoveryServer): config and registry changes are debounced
// into pushes; a full push builds a new push context and regenerates every connected proxy's
// snapshot, an endpoints-only push just their EDS. Metrics and debug endpoints on :15014.
// What cannot be built is left out and recorded (push-status.ts); the rest is always pushed.
import type { Node } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import {
  ENDPOINT_TYPE, startXdsServer, type NackRecord, type ProxyStatus, type Snapshot, type TypeSnapshot, type XdsServer, type XdsLog,
} from '../../xds/server/index.js';
import type { ConfigObject } from '../config/object.js';
import type { ConfigEvent } from '../config/store.js';
import { buildPushContext } from '../model/build-push-context.js';
import { configErrorOf, errorMessage } from '../model/config-errors.js';
import { defaultMeshConfig, type MeshConfig } from '../model/mesh-config.js';
import { ProxyNodeError, proxyFromNode } from '../model/proxy-from-node.js';
import type { NodeType, ProxyNode } from '../model/proxy.js';
import type { PushContext } from '../model/push-context.js';
import { metricType, PilotMetrics } from '../monitoring/metrics.js';
import { startMonitoringServer, type MonitoringServer } from '../monitoring/server.js';
import { Debouncer } from '../push/debounce.js';
import { pushRequest, type PushRequest } from '../push/push-request.js';
import { pushTypesFor, rolesAffectedBy } from '../push/push-types.js';
import { ServiceRegistry } from '../registry/registry.js';
import type { KubeObject } from '../registry/input.js';
import type { ConfigSource } from './config-source.js';
import { debugRoutes } from './debug-routes.js';
import { PushStatus } from './push-status.js';
import { ALL_TYPES, SnapshotGenerator, type GenerationFailure, type GenerationTimes } from '../xds/generator.js';
import { everythingChanged, mergeChanges, noChange, type ChangeSet } from '../xds/dependencies.js';
import type { Translators } from '../xds/translators.js';

export interface DiscoveryServerOptions {
  source: ConfigSource;
  translators: Translators;
  mesh?: MeshConfig;
  /** xDS (gRPC) address; default 127.0.0.1:15010. */
  xdsHost?: string;
  xdsPort?: number;
  /** Monitoring/debug address; default 127.0.0.1:15014; null for none. */
  monitoringHost?: string;
  monitoringPort?: number | null;
  /** PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX, ms. */
  debounceAfterMs?: number;
  debounceMaxMs?: number;
  version?: string;
  log?: XdsLog;
}

interface Connected {
  proxy: ProxyNode; key: string; userAgent: string; streams: number; pushStart?: number; pendingTypes: Set<string>;
  /** Every stream of the proxy is delta xDS: a type is sent only when a resource in it changed. */
  delta: boolean;
}

/** Bytes of a type's resources, once per (shared) type snapshot. */
const sizes = new WeakMap<TypeSnapshot, number>();
function sizeOf(ts: TypeSnapshot | undefined): number {
  if (ts === undefined) return 0;
  let n = sizes.get(ts);
  if (n === undefined) {
    n = 0;
    for (const r of ts.resources.values()) n += r.resource.value.length;
    sizes.set(ts, n);
  }
  return n;
}

/** Whether a delta stream gets anything for a type going from `a` to `b`: a resource added, changed or removed. */
const contentChanges = new WeakMap<TypeSnapshot, WeakMap<TypeSnapshot, boolean>>();
function contentChanged(a: TypeSnapshot | undefined, b: TypeSnapshot | undefined): boolean {
  if (a === b) return false;
  if (a === undefined || b === undefined) return true;
  let byB = contentChanges.get(a);
  if (byB === undefined) contentChanges.set(a, (byB = new WeakMap()));
  let changed = byB.get(b);
  if (changed === undefined) {
    changed = a.resources.size !== b.resources.size;
    if (!changed) for (const [n, r] of b.resources) if (a.resources.get(n)?.version !== r.version) { changed = true; break; }
    byB.set(b, changed);
  }
  return changed;
}

const REGISTRY_KINDS = new Set(['Service', 'Deployment', 'Pod', 'ServiceAccount', 'Namespace', 'ServiceEntry', 'WorkloadEntry']);

/** What the last push cost to generate: proxies served and the generation time per proxy. */
export interface GenerationStats { version: string; proxies: number; totalMs: number; maxMs: number }

export class DiscoveryServer {
  readonly metrics = new PilotMetrics();
  readonly registry: ServiceRegistry;
  private meshConfig: MeshConfig;
  /** What could not be pushed: objects left out, proxies' failed types. */
  readonly pushStatus: PushStatus;
  private xds?: XdsServer;
  private monitoring?: MonitoringServer;
  private debouncer?: Debouncer;
  private unwatch?: () => void;
  private push!: PushContext;
  private generator!: SnapshotGenerator;
  private pushes = 0;
  private readonly proxies = new Map<string, Connected>();
  private readonly log: XdsLog;
  private lastPushAt = new Date();
  private pushedTypes: ReadonlySet<string> = new Set();
  /** Roles the changes since the last push can affect (istiod skips proxies a change cannot concern). */
  private affectedRoles = new Set<NodeType>();
  /** An endpoints-only change since the last rebuild: the push context's proxy instances are stale. */
  private workloadsStale = false;
  /** Connected proxies whose own workload changed: the next push sends them everything. */
  private readonly ownChanged = new Set<string>();
  private pushedRoles: ReadonlySet<NodeType> = new Set();
  /** What changed since the push context the generator was made for: its pieces that read none of it are kept. */
  private changes: ChangeSet = noChange();
  private stats: GenerationStats = { version: '', proxies: 0, totalMs: 0, maxMs: 0 };

  constructor(private readonly opts: DiscoveryServerOptions) {
    this.meshConfig = opts.mesh ?? defaultMeshConfig();
    this.log = opts.log ?? (() => {});
    this.pushStatus = new PushStatus(this.metrics, this.log);
    // The registry is given the config objects themselves (with their source).
    this.registry = new ServiceRegistry({ onObjectError: (o, e) => this.objectError(o as unknown as ConfigObject, e) });
  }

  /** An object that cannot be taken in at all (by the registry, or on its change event): left out and recorded. */
  private objectError(o: ConfigObject, e: unknown): void {
    this.pushStatus.configError(configErrorOf(o, '', e, this.push?.version ?? ''));
  }

  /** An object that failed validation at intake (not admitted): counted as istiod's webhook counts it. */
  recordRejectedConfig(o: Pick<ConfigObject, 'apiVersion' | 'kind'>): void {
    this.metrics.recordValidationFailed(o);
  }

  /** The mesh config the push contexts are built with. */
  get mesh(): MeshConfig { return this.meshConfig; }

  /** Replaces the mesh config (istiod's mesh watcher): a full push of every type to every proxy. */
  setMesh(mesh: MeshConfig): void {
    this.meshConfig = mesh;
    mergeChanges(this.changes, everythingChanged());
    this.affectedRoles.add('sidecar');
    this.affectedRoles.add('router');
    this.debouncer?.enqueue(pushRequest(true, 'global', [], Date.now()));
  }

  get xdsPort(): number { return this.xds?.port ?? 0; }
  get monitoringPort(): number { return this.monitoring?.port ?? 0; }
  get pushContext(): PushContext { return this.push; }
  get configs(): ConfigObject[] { return this.opts.source.all(); }
  connectedProxies(): ProxyNode[] { return [...this.proxies.values()].map((c) => c.proxy); }
  /**
   * The xDS status of every stream, where a type the proxy ACKed is still STALE when pilot could not
   * build the latest push for it (the proxy runs an older config than pilot means it to).
   */
  syncStatus(): (ProxyStatus & { errors: Record<string, string> })[] {
    return (this.xds?.status() ?? []).map((st) => {
      const errors: Record<string, string> = {};
      const types = st.types.map((t) => {
        const f = this.pushStatus.failureOf(st.snapshotKey, t.typeUrl);
        if (f === undefined) return t;
        errors[t.typeUrl] = `push ${f.version}: ${f.message}`;
        return t.state === 'SYNCED' ? { ...t, state: 'STALE' as const } : t;
      });
      return { ...st, types, errors };
    });
  }
  generationStats(): GenerationStats { return { ...this.stats }; }
  /** Connected proxies that have not yet ACKed every type their last push changed. */
  unconverged(): number {
    let n = 0;
    for (const c of this.proxies.values()) if (c.pushStart !== undefined) n++;
    return n;
  }
  /** The type URLs the last full push rebuilt. */
  lastPushTypes(): string[] { return [...this.pushedTypes]; }
  /** The proxy roles the last push went to. */
  lastPushRoles(): NodeType[] { return [...this.pushedRoles]; }
  snapshotOf(proxyId: string): { snapshot: Snapshot; at: Date } | undefined {
    const c = [...this.proxies.values()].find((p) => p.proxy.id === proxyId);
    const snap = c ? this.xds?.cache.getSnapshot(c.key) : undefined;
    return snap ? { snapshot: snap, at: this.lastPushAt } : undefined;
  }

  async start(): Promise<void> {
    this.registry.upsertAll(this.opts.source.all().filter((o) => REGISTRY_KINDS.has(o.kind)) as unknown as KubeObject[]);
    this.rebuild();
    this.xds = await startXdsServer({
      host: this.opts.xdsHost, port: this.opts.xdsPort ?? 15010, log: this.log, controlPlaneId: 'strait-pilot',
      events: {
        connected: (node, key, variant) => this.onConnect(node, key, variant === 'delta'),
        disconnected: (_node, key) => this.onDisconnect(key),
        acked: (node, typeUrl, version) => this.onAck(node, typeUrl, version),
        nacked: (node, typeUrl, nack) => this.onNack(node, typeUrl, nack),
      },
    });
    this.debouncer = new Debouncer((req, d) => this.doPush(req, d.delayMs), {
      debounceAfter: this.opts.debounceAfterMs, debounceMax: this.opts.debounceMaxMs,
    });
    this.unwatch = this.opts.source.watch((ev) => {
      try {
        this.onConfigChange(ev);
      } catch (e) {
        // Never into the store (or the directory scan) that reported the change: the object is recorded instead.
        this.objectError(ev.object, e);
      }
    });
    if (this.opts.monitoringPort !== null) {
      this.monitoring = await startMonitoringServer(this.metrics, {
        host: this.opts.monitoringHost, port: this.opts.monitoringPort ?? 15014, version: this.opts.version,
        routes: debugRoutes(this, this.opts.version ?? 'unknown'),
      });
    }
  }

  async close(): Promise<void> {
    this.unwatch?.();
    this.debouncer?.close();
    await Promise.all([this.xds?.close(), this.monitoring?.close()]);
  }

  private onConfigChange(ev: ConfigEvent): void {
    const o = ev.object;
    const ns = o.metadata.namespace ?? '';
    const key = `${o.kind}/${ns}/${o.metadata.name}`;
    const now = Date.now();
    this.pushStatus.configChanged(o);
    for (const r of rolesAffectedBy(ev)) this.affectedRoles.add(r);
    this.metrics.inboundUpdates.inc({ type: REGISTRY_KINDS.has(o.kind) && o.kind !== 'ServiceEntry' ? 'svc' : 'config' });
    if (REGISTRY_KINDS.has(o.kind)) {
      const change = ev.type === 'DELETED' ? this.registry.remove(o.kind, o.metadata.namespace, o.metadata.name)
        : this.registry.upsert(o as unknown as KubeObject);
      mergeChanges(this.changes, {
        all: false, kinds: new Set(change.services.length + change.endpoints.length > 0 ? ['*workloads'] : []),
        services: new Set(change.services), endpoints: new Set(change.endpoints),
      });
      if (change.services.length > 0) this.debouncer?.enqueue(pushRequest(true, 'service', [key], now));
      else if (change.endpoints.length > 0) {
        this.workloadsStale = true;
        // The workload's own proxy, when connected, needs its inbound listeners and clusters again (istiod's 'proxy' push).
        if (ev.type !== 'DELETED') {
          for (const c of this.proxies.values()) if (c.proxy.namespace === ns && c.proxy.workloadName === o.metadata.name) this.ownChanged.add(c.key);
        }
        this.debouncer?.enqueue(pushRequest(false, 'endpoint', change.endpoints, now));
      }
      return;
    }
    this.changes.kinds.add(o.kind);
    this.debouncer?.enqueue(pushRequest(true, 'config', [key], now));
  }

  private nextVersion(): string {
    return `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}/${++this.pushes}`;
  }

  /**
   * Builds the push context of a new version (objects it cannot read are left out and recorded).
   * False when it cannot be built at all: proxies keep the config of the one before (pilot_xds_push_context_errors).
   */
  private rebuild(): boolean {
    const t0 = performance.now();
    const version = this.nextVersion();
    const input = { version, mesh: this.mesh, registry: this.registry, onConfigError: this.pushStatus.configError.bind(this.pushStatus) };
    let push: PushContext;
    try {
      push = buildPushContext({ ...input, configs: this.opts.source.all() });
      this.pushStatus.contextBuilt();
    } catch (e) {
      this.pushStatus.contextFailed(version, errorMessage(e));
      if (this.push !== undefined) return false;
      // At start there is none before it: the services alone, without Istio config.
      push = buildPushContext({ ...input, configs: [] });
    }
    this.workloadsStale = false;
    this.push = push;
    this.generator = new SnapshotGenerator(this.push, this.opts.translators, this.generator as SnapshotGenerator | undefined, this.changes);
    this.changes = noChange();
    this.metrics.pushContextInitTime.observe((performance.now() - t0) / 1000);
    this.metrics.services.set(this.registry.services().length);
    return true;
  }

  private doPush(req: PushRequest, delayMs: number): void {
    this.metrics.recordPushStarted(req, delayMs);
    if ((req.full || this.ownChanged.size > 0) && !this.rebuild()) return;
    const edsVersion = req.full ? '' : this.nextVersion();
    const types = pushTypesFor(req.configsUpdated);
    if (req.full) this.pushedTypes = types;
    const roles = req.full && this.affectedRoles.size > 0 ? this.affectedRoles : new Set<NodeType>(['sidecar', 'router']);
    this.affectedRoles = new Set();
    this.pushedRoles = roles;
    this.lastPushAt = new Date();
    this.stats = { version: this.push.version, proxies: 0, totalMs: 0, maxMs: 0 };
    for (const c of this.proxies.values()) {
      if (this.ownChanged.has(c.key)) this.pushTo(c, req.start, '', ALL_TYPES);
      else if (roles.has(c.proxy.type)) this.pushTo(c, req.start, edsVersion, types);
    }
    this.ownChanged.clear();
  }

  /**
   * Sends a proxy its config: a snapshot with `types` rebuilt (a new proxy gets all), or (with
   * `edsVersion`) its old one with new endpoints.
   */
  private pushTo(c: Connected, start: number, edsVersion = '', types?: ReadonlySet<string>): void {
    const before = this.xds?.cache.getSnapshot(c.key);
    const eds = edsVersion !== '' && before !== undefined;
    const rebuilt = eds ? new Set([ENDPOINT_TYPE]) : before === undefined ? ALL_TYPES : types ?? ALL_TYPES;
    const version = eds ? edsVersion : this.push.version;
    const t0 = performance.now();
    let snapshot: Snapshot;
    let times: GenerationTimes = { lds: 0, rds: 0, cds: 0, eds: 0 };
    let failures: GenerationFailure[];
    try {
      if (eds) ({ snapshot, failures } = this.generator.refreshEndpoints(c.proxy, before, edsVersion, this.changes));
      else ({ snapshot, times, failures } = this.generator.generate(c.proxy, before, before === undefined ? undefined : types));
    } catch (e) {
      // Nothing could be built for this proxy: it keeps what it has, and every type it should have got is stale.
      this.pushStatus.proxyBuilt(c.key, c.proxy.id, rebuilt, [...rebuilt].map((typeUrl) => ({ typeUrl, message: errorMessage(e) })), version);
      return;
    }
    this.pushStatus.proxyBuilt(c.key, c.proxy.id, rebuilt, failures, version);
    const ms = performance.now() - t0;
    this.stats.proxies++;
    this.stats.totalMs += ms;
    this.stats.maxMs = Math.max(this.stats.maxMs, ms);
    c.pushStart = start;
    c.pendingTypes = new Set(snapshot.typeUrls().filter((t) => before?.version(t) !== snapshot.version(t)
      && (snapshot.get(t)?.resources.size ?? 0) > 0 && (!c.delta || contentChanged(before?.get(t), snapshot.get(t)))));
    for (const t of c.pendingTypes) {
      this.metrics.recordSent(metricType(t), times[metricType(t) as keyof GenerationTimes] ?? 0, sizeOf(snapshot.get(t)));
    }
    this.xds?.cache.setSnapshot(c.key, snapshot);
  }

  private onConnect(node: Node, key: string, delta: boolean): void {
    const existing = this.proxies.get(key);
    if (existing) { existing.streams++; existing.delta &&= delta; return; }
    let proxy: ProxyNode;
    try {
      proxy = proxyFromNode(node);
    } catch (e) {
      if (e instanceof ProxyNodeError) { this.log('warn', e.message); return; }
      throw e;
    }
    // VHDS is delta xDS only.
    if (!delta) delete proxy.vhds;
    const c: Connected = { proxy, key, userAgent: node.userAgentName || 'unknown', streams: 1, pendingTypes: new Set(), delta };
    this.proxies.set(key, c);
    this.countClients(c.userAgent);
    // A proxy connecting after an endpoints-only change must see its own service instances.
    if (this.workloadsStale) this.rebuild();
    this.pushTo(c, Date.now());
  }

  private onDisconnect(key: string): void {
    const c = this.proxies.get(key);
    if (!c) return;
    if (--c.streams > 0) return;
    this.proxies.delete(key);
    this.xds?.cache.clearSnapshot(key);
    this.pushStatus.proxyGone(key);
    this.countClients(c.userAgent);
  }

  /** pilot_xds{version}: connected proxies of one version (here the node's user agent). */
  private countClients(version: string): void {
    let n = 0;
    for (const p of this.proxies.values()) if (p.userAgent === version) n++;
    this.metrics.xdsClients.set({ version }, n);
  }

  private onAck(node: Node, typeUrl: string, version: string): void {
    const c = this.proxies.get(this.xds?.cache.nodeKey(node) ?? node.id);
    if (!c || c.pushStart === undefined) return;
    const snap = this.xds?.cache.getSnapshot(c.key);
    if (snap?.version(typeUrl) !== version) return;
    c.pendingTypes.delete(typeUrl);
    if (c.pendingTypes.size === 0) {
      this.metrics.proxyConvergenceTime.observe((Date.now() - c.pushStart) / 1000);
      c.pushStart = undefined;
    }
  }

  private onNack(_node: Node, typeUrl: string, _nack: NackRecord): void {
    this.metrics.totalXdsRejects.inc({ type: metricType(typeUrl) });
  }
}
