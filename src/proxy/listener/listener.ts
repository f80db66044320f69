// One listener: a listening socket whose connections run the listener's filter chain.
// Static listeners start with the server; xDS listeners are added, replaced and drained.
import net from 'node:net';
import type { Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { HttpConnectionManager } from '../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { registry } from '../../xds/registry.js';
import type { Counter, Gauge, StatsStore } from '../stats/store.js';
import { buildHcmConfig, type HcmContext } from '../http/conn-manager/hcm-factory.js';
import type { HcmConfig } from '../http/conn-manager/config.js';
import { HcmConnection } from '../http/conn-manager/connection.js';
import { log } from '../log.js';

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

/** Reads a listener's socket address. */
export function listenerAddress(l: Listener): ListenerAddress {
  const a = l.address?.address;
  if (a?.case !== 'socketAddress') throw new Error(`listener '${l.name}': only socket_address is supported`);
  const port = a.value.portSpecifier.case === 'portValue' ? a.value.portSpecifier.value : 0;
  return { host: a.value.address, port };
}

/** A running listener. */
export class ActiveListener {
  readonly address: ListenerAddress;
  private server: net.Server | null = null;
  private hcm: HcmConfig | null = null;
  private readonly connections = new Set<HcmConnection>();
  private cxTotal!: Counter;
  private cxActive!: Gauge;
  private cxDestroy!: Counter;
  /** Envoy's per-worker `listener.<addr>.worker_<N>.downstream_cx_total`. */
  private workerCxTotal!: Counter;
  private workerCxActive!: Gauge;
  boundPort = 0;

  /** `fieldPath` locates the listener in the config (`.static_resources.listeners[0]`) for errors. */
  constructor(readonly config: Listener, private readonly ctx: Omit<HcmContext, 'fieldPath'> & { stats: StatsStore },
    fieldPath: string) {
    this.address = listenerAddress(config);
    const chain = config.filterChains[0] ?? config.defaultFilterChain;
    const chainPath = config.filterChains.length > 0 ? `${fieldPath}.filter_chains[0]` : `${fieldPath}.default_filter_chain`;
    chain?.filters.forEach((f, i) => {
      if (f.configType.case !== 'typedConfig') return;
      const msg = anyUnpack(f.configType.value, registry);
      if (msg?.$typeName === 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager') {
        this.hcm = buildHcmConfig(msg as HttpConnectionManager, { ...ctx, fieldPath: `${chainPath}.filters[${i}].typed_config` });
      }
    });
  }

  get name(): string {
    return this.config.name;
  }

  /** Binds the socket; rejects with the OS error (EADDRINUSE ...) if it can't. */
  async start(): Promise<void> {
    const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.address.host, port: this.address.port, ipv6Only: false, backlog: 1024 }, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log('main', 'error', `listener '${this.name}': ${err.message}`));
    this.server = server;
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr !== null ? addr.port : this.address.port;
    const scope = this.ctx.stats.scope(`listener.${addressStatName(this.address, this.boundPort)}`);
    this.cxTotal = scope.counter('downstream_cx_total');
    this.cxActive = scope.gauge('downstream_cx_active');
    this.cxDestroy = scope.counter('downstream_cx_destroy');
    const worker = scope.scope(`worker_${process.env['STRAIT_WORKER_INDEX'] ?? '0'}`);
    this.workerCxTotal = worker.counter('downstream_cx_total');
    this.workerCxActive = worker.gauge('downstream_cx_active');
    log('config', 'info', `added listener '${this.name}' on ${this.address.host}:${this.boundPort}`);
  }

  private onConnection(socket: net.Socket): void {
    this.cxTotal.inc();
    this.cxActive.inc();
    this.workerCxTotal.inc();
    this.workerCxActive.inc();
    socket.on('error', () => { /* resets are counted by the codec; nothing to do here */ });
    socket.once('close', () => {
      this.cxActive.dec();
      this.workerCxActive.dec();
      this.cxDestroy.inc();
    });
    if (this.hcm === null) {
      socket.destroy();
      return;
    }
    const conn = new HcmConnection(this.hcm, socket, false);
    this.connections.add(conn);
    socket.once('close', () => this.connections.delete(conn));
  }

  /** Stops accepting; with `graceful`, open connections finish their streams first. */
  stopListening(): void {
    this.server?.close();
  }

  /** Drains open connections (HTTP/1: Connection: close; HTTP/2: GOAWAY). */
  drainConnections(): void {
    for (const c of this.connections) c.drain();
  }

  /** Stops accepting and closes once connections finish; resolves when the socket is closed. */
  async close(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    this.drainConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
