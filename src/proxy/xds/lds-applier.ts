// LDS over ADS: adds listeners (warm until their RDS tables arrive, then bind), updates them (the
// new one takes the socket, old connections drain) and removes them (stop accepting, drain, close).
import { equals } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { Node } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { DecodedResource, ResourceHandler } from '../../xds/client/index.js';
import { checkListenerSemantics } from '../bootstrap/semantic-checks.js';
import { ActiveListener, boundAddressKeys } from '../listener/listener.js';
import { log } from '../log.js';
import type { StatsStore } from '../stats/store.js';
import { ListenerManagerStats } from './listener-manager-stats.js';
import type { ClusterManager } from '../upstream/types.js';
import type { RdsRegistry } from './rds-registry.js';
import { duplicateName, type FailureRecord } from './records.js';
import { formatErrors, schemaErrors } from './validation.js';
import { SubscriptionStats } from './xds-stats.js';

/** Envoy's default initial_fetch_timeout: a listener waits this long for its route tables. */
const RDS_WARM_TIMEOUT_MS = 15_000;

/** A dynamic listener in one of its states. */
export interface ListenerEntry {
  readonly config: Listener;
  readonly version: string;
  readonly lastUpdated: Date;
  readonly listener: ActiveListener;
  /** The route_config_names its HCMs use. */
  readonly rdsNames: readonly string[];
}

/** What the LDS side needs from the server. */
export interface LdsContext {
  readonly clusterManager: ClusterManager;
  readonly stats: StatsStore;
  readonly rds: RdsRegistry;
  /** The proxy's own node, for filters that read it (tracing, Istio stats). */
  readonly localNode?: Node;
  /** --drain-time-s in ms: how long a removed or replaced listener's connections may finish. */
  readonly drainTimeMs: number;
  /** RDS names of static listeners (kept subscribed). */
  readonly staticRdsNames: readonly string[];
  /** Names of static listeners: LDS cannot replace them (Envoy ignores such updates). */
  readonly staticNames: ReadonlySet<string>;
}

/** Whether two listeners bind the same sockets (address and additional addresses), so one can adopt the other's. */
function sameAddress(a: Listener, b: Listener): boolean {
  return boundAddressKeys(a).join(',') === boundAddressKeys(b).join(',');
}

/** The LDS subscription's side of the listener manager. */
export class LdsApplier implements ResourceHandler {
  readonly active = new Map<string, ListenerEntry>();
  readonly warming = new Map<string, ListenerEntry>();
  readonly draining = new Set<ListenerEntry>();
  readonly failures = new Map<string, FailureRecord<Listener>>();
  version = '';
  /** Whether the response being applied added, changed or removed anything. */
  private anyApplied = false;
  /** The subscription's stats (update_failure is counted by the runtime on stream failures). */
  readonly stats: SubscriptionStats;
  private readonly lm: ListenerManagerStats;
  private readonly drainTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly ctx: LdsContext, private readonly staticCount: number) {
    this.stats = new SubscriptionStats(ctx.stats, 'listener_manager.lds');
    this.lm = new ListenerManagerStats(ctx.stats);
  }

  /** Listeners that own a socket now. */
  listeners(): ActiveListener[] {
    return [...this.active.values()].map((e) => e.listener);
  }

  apply(resources: readonly DecodedResource[], version: string): string | null {
    this.anyApplied = false;
    const error = this.update(resources, version);
    this.stats.record(error, version);
    // As Envoy: the version moves when anything was applied, even if part of the response was rejected.
    if (error === null || this.anyApplied) this.version = version;
    this.ctx.rds.retain([...this.ctx.staticRdsNames,
      ...[...this.active.values(), ...this.warming.values()].flatMap((e) => e.rdsNames)]);
    this.publish();
    return error;
  }

  private update(resources: readonly DecodedResource[], version: string): string | null {
    const dup = duplicateName(resources.map((r) => r.name));
    if (dup !== undefined) return `Error adding/updating listener(s) ${dup}: duplicate listener ${dup} found`;
    const failures: string[] = [];
    const now = new Date();
    const seen = new Set<string>();
    for (const r of resources) {
      const config = r.message as Listener;
      if (this.ctx.staticNames.has(config.name)) {
        log('config', 'debug', `duplicate/locked listener '${config.name}'. no add/update`);
        continue;
      }
      seen.add(config.name);
      const current = this.warming.get(config.name) ?? this.active.get(config.name);
      if (current !== undefined && equals(ListenerSchema, current.config, config)) continue;
      const built = this.build(config, version, now);
      if (typeof built === 'string') {
        failures.push(`${config.name}: ${built}`);
        this.failures.set(config.name, { version, failed: config, attempt: now, details: built });
        this.lm.createFailure.inc();
        continue;
      }
      this.failures.delete(config.name);
      this.anyApplied = true;
      this.warming.set(config.name, built);
      void this.warm(built);
    }
    for (const name of [...new Set([...this.active.keys(), ...this.warming.keys()])]) {
      if (!seen.has(name)) this.remove(name);
    }
    return failures.length > 0 ? `Error adding/updating listener(s) ${failures.join(', ')}` : null;
  }

  private build(config: Listener, version: string, now: Date): ListenerEntry | string {
    const errors = [...schemaErrors(ListenerSchema, config),
      ...checkListenerSemantics(config, [...this.ctx.clusterManager.clusters()].map((c) => c.info.name))];
    if (errors.length > 0) return formatErrors(errors);
    const rdsNames: string[] = [];
    try {
      const listener = new ActiveListener(config, {
        clusterManager: this.ctx.clusterManager,
        stats: this.ctx.stats,
        localNode: this.ctx.localNode,
        rds: (req) => {
          const provider = this.ctx.rds.forHcm(req);
          rdsNames.push(req.name);
          return provider;
        },
      }, '');
      return { config, version, lastUpdated: now, listener, rdsNames };
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** Waits for the listener's route tables, then binds it or hands it the old listener's socket. */
  private async warm(entry: ListenerEntry): Promise<void> {
    const name = entry.config.name;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, RDS_WARM_TIMEOUT_MS);
      timer.unref();
    });
    await Promise.race([Promise.all(entry.rdsNames.map((n) => this.ctx.rds.provider(n).ready())), timeout]);
    clearTimeout(timer);
    if (this.warming.get(name) !== entry) return; // superseded or removed while warming
    const old = this.active.get(name);
    try {
      if (old !== undefined && old.listener.listening && sameAddress(old.config, entry.config)) {
        entry.listener.adopt(old.listener);
      } else {
        await entry.listener.start();
      }
    } catch (e) {
      log('config', 'warning', `listener '${name}': ${(e as Error).message}`);
      if (this.warming.get(name) === entry) this.warming.delete(name);
      this.failures.set(name, { version: entry.version, failed: entry.config, attempt: new Date(),
        details: (e as Error).message });
      this.lm.createFailure.inc();
      this.publish();
      return;
    }
    if (this.warming.get(name) !== entry) {
      // Removed while binding.
      this.drain(entry);
      return;
    }
    this.warming.delete(name);
    this.active.set(name, entry);
    this.lm.createSuccess.inc();
    if (old !== undefined) {
      this.lm.modified.inc();
      this.drain(old);
    } else {
      this.lm.added.inc();
    }
    this.publish();
  }

  private remove(name: string): void {
    this.warming.delete(name);
    const entry = this.active.get(name);
    if (entry === undefined) return;
    this.anyApplied = true;
    this.active.delete(name);
    this.lm.removed.inc();
    log('config', 'info', `lds: remove listener '${name}'`);
    this.drain(entry);
  }

  /** Stops accepting, asks open connections to finish, and closes what is left after the drain time. */
  private drain(entry: ListenerEntry): void {
    const l = entry.listener;
    l.stopListening();
    l.drainConnections();
    if (l.connectionCount === 0) return;
    this.draining.add(entry);
    const timer = setTimeout(() => {
      this.drainTimers.delete(timer);
      l.closeConnections();
      this.draining.delete(entry);
      this.publish();
    }, this.ctx.drainTimeMs);
    timer.unref();
    this.drainTimers.add(timer);
  }

  private publish(): void {
    this.lm.active.set(this.staticCount + this.active.size);
    this.lm.warming.set(this.warming.size);
    this.lm.draining.set(this.draining.size);
  }

  /** Closes every dynamic listener (server shutdown). */
  async close(): Promise<void> {
    for (const t of this.drainTimers) clearTimeout(t);
    this.warming.clear();
    await Promise.all([...this.active.values(), ...this.draining].map((e) => e.listener.close()));
  }
}
