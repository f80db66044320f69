// One listener: a listening socket whose connections pass the listener filters, are matched to a
// filter chain (Envoy's FilterChainMatch rules), and run that chain's transport and filters.
import net from 'node:net';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { registry } from '../../xds/registry.js';
import { defaultAccessLogManager, type AccessLogger } from '../accesslog/index.js';
import type { StreamInfo } from '../http/stream-info.js';
import { log } from '../log.js';
import type { StatsStore } from '../stats/store.js';
import { durationMs } from '../util/duration.js';
import { ActiveSocket, type DownstreamConnection, type SocketOwner } from './active-socket.js';
import { listenerFail } from './errors.js';
import { FilterChainImpl, type ListenerContext } from './filter-chain.js';
import { FilterChainManager, type ChainEntry, type ConnectionMatchInfo } from './filter-chain-manager.js';
import type { ListenerFilter, ListenerFilterFactory } from './listener-filter.js';
import { compilePredicate, type PortPredicate } from './filter-predicate.js';
import { createListenerStats, type ListenerStats } from './listener-stats.js';
import { TlsInspectorFactory } from './tls-inspector.js';

/** The address a listener binds, from its socket_address. */
export interface ListenerAddress {
  host: string;
  port: number;
}

/** Envoy's stat-name form of an address: `0.0.0.0_15001`, `[__1]_80`. */
export function addressStatName(a: ListenerAddress, boundPort: number): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host;
  return `${host}_${boundPort}`.replace(/:/g, '_');
}

function socketAddressOf(l: Listener, a: Listener['address'], what: string): ListenerAddress {
  const sa = a?.address;
  if (sa?.case !== 'socketAddress') throw new Error(`listener '${l.name}': only socket_address is supported (${what})`);
  const port = sa.value.portSpecifier.case === 'portValue' ? sa.value.portSpecifier.value : 0;
  return { host: sa.value.address, port };
}

/** Reads a listener's socket address. */
export function listenerAddress(l: Listener): ListenerAddress {
  return socketAddressOf(l, l.address, 'address');
}

/** The listener's additional_addresses (each bound as one more socket feeding the same listener). */
export function additionalListenerAddresses(l: Listener): ListenerAddress[] {
  return l.additionalAddresses.map((a, i) => socketAddressOf(l, a.address, `additional_addresses[${i}]`));
}

/** Whether the listener binds sockets at all (bind_to_port, default true). */
export function bindsToPort(l: Listener): boolean {
  return l.bindToPort ?? l.deprecatedV1?.bindToPort ?? true;
}

/** Every address a listener binds, `host:port` (empty when bind_to_port is false). */
export function boundAddressKeys(l: Listener): string[] {
  if (!bindsToPort(l)) return [];
  return [listenerAddress(l), ...additionalListenerAddresses(l)].map((a) => `${a.host}:${a.port}`);
}

const TLS_INSPECTOR_NAME = 'envoy.filters.listener.tls_inspector';
const TLS_INSPECTOR_TYPE = 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';
/** Envoy's default listener_filters_timeout. */
const DEFAULT_LISTENER_FILTERS_TIMEOUT_MS = 15_000;

/** One configured listener filter and the connections it skips (filter_disabled). */
interface ListenerFilterEntry {
  readonly factory: ListenerFilterFactory;
  readonly disabled: PortPredicate | null;
}

/** Builds the listener filters of a listener config. */
function listenerFilterEntries(config: Listener, ctx: ListenerContext, fieldPath: string): ListenerFilterEntry[] {
  return config.listenerFilters.map((f, i) => {
    const at = `${fieldPath}.listener_filters[${i}]`;
    const disabled = f.filterDisabled !== undefined ? compilePredicate(f.filterDisabled, `${at}.filter_disabled`) : null;
    let typeName: string | undefined;
    if (f.configType.case === 'typedConfig') typeName = anyUnpack(f.configType.value, registry)?.$typeName;
    else if (f.configType.case === 'configDiscovery') listenerFail(`${at}.config_discovery`, 'extension config discovery is not supported by Strait');
    if (typeName === TLS_INSPECTOR_TYPE || (typeName === undefined && f.name === TLS_INSPECTOR_NAME)) {
      return { factory: new TlsInspectorFactory(ctx.stats), disabled };
    }
    return listenerFail(at, `listener filter '${f.name}' is not supported by Strait`);
  });
}

/** A running listener. */
export class ActiveListener implements SocketOwner {
  readonly address: ListenerAddress;
  readonly listenerFiltersTimeoutMs: number;
  readonly continueOnListenerFiltersTimeout: boolean;
  readonly hasAccessLog: boolean;
  readonly additionalAddresses: readonly ListenerAddress[];
  /** bind_to_port: false listeners own no socket (Envoy reaches them through use_original_dst only). */
  readonly bindToPort: boolean;
  /** The listening sockets: the address first, then the additional addresses; null when not listening. */
  private servers: net.Server[] | null = null;
  /** Settles when the socket this listener stopped has no connections left. */
  private closed: Promise<void> = Promise.resolve();
  private readonly chains: FilterChainManager<FilterChainImpl>;
  private readonly hasTls: boolean;
  private readonly listenerFilters: ListenerFilterEntry[];
  private readonly accessLoggers: readonly AccessLogger[];
  private readonly connections = new Map<DownstreamConnection, net.Socket>();
  private readonly store: StatsStore;
  stats!: ListenerStats;
  boundPort = 0;

  /** `fieldPath` locates the listener in the config (`.static_resources.listeners[0]`) for errors. */
  constructor(readonly config: Listener, ctx: ListenerContext, fieldPath: string) {
    this.address = listenerAddress(config);
    this.additionalAddresses = additionalListenerAddresses(config);
    this.bindToPort = bindsToPort(config);
    this.store = ctx.stats;
    const addr = `${this.address.host}:${this.address.port}`;
    if (config.filterChainMatcher !== undefined) {
      listenerFail(`${fieldPath}.filter_chain_matcher`, 'filter_chain_matcher is not supported by Strait yet');
    }
    const chainCtx: ListenerContext = { ...ctx, trafficDirection: config.trafficDirection };
    const entries: ChainEntry<FilterChainImpl>[] = config.filterChains.map((fc, i) => {
      const path = `${fieldPath}.filter_chains[${i}]`;
      return { match: fc.filterChainMatch, name: fc.name, chain: new FilterChainImpl(fc, chainCtx, path), path };
    });
    const dflt = config.defaultFilterChain !== undefined
      ? new FilterChainImpl(config.defaultFilterChain, chainCtx, `${fieldPath}.default_filter_chain`) : null;
    this.chains = new FilterChainManager(entries, dflt, addr);
    this.hasTls = entries.some((e) => e.chain.tls !== null) || dflt?.tls != null;
    this.listenerFilters = listenerFilterEntries(config, ctx, fieldPath);
    this.listenerFiltersTimeoutMs = durationMs(config.listenerFiltersTimeout, DEFAULT_LISTENER_FILTERS_TIMEOUT_MS);
    this.continueOnListenerFiltersTimeout = config.continueOnListenerFiltersTimeout;
    this.accessLoggers = defaultAccessLogManager.createAll(config.accessLog, `${fieldPath}.access_log`);
    this.hasAccessLog = this.accessLoggers.length > 0;
  }

  get name(): string {
    return this.config.name;
  }

  /** Binds the sockets (none for bind_to_port: false); rejects with the OS error (EADDRINUSE ...) if it can't. */
  async start(): Promise<void> {
    if (!this.bindToPort) {
      this.boundPort = this.address.port;
      this.initStats();
      log('config', 'info', `added listener '${this.name}' (bind_to_port: false, not bound)`);
      return;
    }
    const servers: net.Server[] = [];
    try {
      for (const a of [this.address, ...this.additionalAddresses]) servers.push(await this.bind(a));
    } catch (e) {
      for (const s of servers) s.close();
      throw e;
    }
    this.servers = servers;
    const addr = servers[0].address();
    this.boundPort = typeof addr === 'object' && addr !== null ? addr.port : this.address.port;
    this.initStats();
    const extra = this.additionalAddresses.length > 0 ? ` (+${this.additionalAddresses.map((a) => `${a.host}:${a.port}`).join(', ')})` : '';
    log('config', 'info', `added listener '${this.name}' on ${this.address.host}:${this.boundPort}${extra}`);
  }

  private async bind(a: ListenerAddress): Promise<net.Server> {
    const server = net.createServer({ noDelay: true, pauseOnConnect: false });
    server.on('connection', (socket: net.Socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // tcp_backlog_size, Envoy's default 1024 when unset.
      server.listen({ host: a.host, port: a.port, ipv6Only: false, backlog: this.config.tcpBacklogSize ?? 1024 }, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log('main', 'error', `listener '${this.name}': ${err.message}`));
    return server;
  }

  /**
   * Takes over the listening sockets of `old` (an LDS update on the same addresses): new connections
   * get this listener's filter chains, the old one keeps its open connections until they drain.
   */
  adopt(old: ActiveListener): void {
    const servers = old.servers;
    if (servers === null) throw new Error(`listener '${old.name}' has no socket to hand over`);
    old.servers = null;
    for (const server of servers) {
      server.removeAllListeners('connection');
      server.on('connection', (socket: net.Socket) => this.onConnection(socket));
    }
    this.servers = servers;
    this.boundPort = old.boundPort;
    this.initStats();
    log('config', 'info', `updated listener '${this.name}' on ${this.address.host}:${this.boundPort}`);
  }

  /** Whether this listener still owns its listening socket. */
  get listening(): boolean {
    return this.servers !== null;
  }

  /** Open downstream connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  private initStats(): void {
    // stat_prefix names the listener's stats instead of its address, as Envoy's.
    const name = this.config.statPrefix !== '' ? this.config.statPrefix : addressStatName(this.address, this.boundPort);
    const scope = this.store.scope(`listener.${name}`);
    this.stats = createListenerStats(scope, process.env['STRAIT_WORKER_INDEX'] ?? '0', this.hasTls);
  }

  private onConnection(socket: net.Socket): void {
    new ActiveSocket(this, socket);
  }

  // ---- SocketOwner ----

  createListenerFilters(info: ConnectionMatchInfo): ListenerFilter[] {
    const f = this.listenerFilters;
    if (f.length === 0) return [];
    return f.filter((e) => e.disabled === null || !e.disabled(info.localPort)).map((e) => e.factory.createFilter());
  }

  findChain(info: ConnectionMatchInfo): FilterChainImpl | null {
    return this.chains.find(info);
  }

  onConnectionCreated(conn: DownstreamConnection, socket: net.Socket): void {
    this.connections.set(conn, socket);
    socket.once('close', () => this.connections.delete(conn));
  }

  logConnection(info: StreamInfo): void {
    for (const l of this.accessLoggers) l.log(info);
  }

  // ---- lifecycle ----

  /** Stops accepting; open connections go on. */
  stopListening(): void {
    const servers = this.servers;
    if (servers === null) return;
    this.servers = null;
    this.closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  }

  /** Drains open connections (HTTP/1: Connection: close; HTTP/2: GOAWAY; TCP proxy: left to finish). */
  drainConnections(): void {
    for (const c of this.connections.keys()) c.drain();
  }

  /** Closes the connections still open (the end of a drain). */
  closeConnections(): void {
    for (const s of this.connections.values()) s.destroy();
  }

  /** Stops accepting and closes once connections finish; resolves when the socket is closed. */
  async close(): Promise<void> {
    this.stopListening();
    this.drainConnections();
    await this.closed;
  }
}
