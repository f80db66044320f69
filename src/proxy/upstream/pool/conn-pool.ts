// A host's connection pool, as Envoy's ConnPoolImplBase: ready connections are reused LIFO,
// requests wait in a FIFO queue for a connection, and new connections are opened as the queue
// needs them within the max_connections circuit breaker. HTTP/1 and HTTP/2 differ only in
// how many streams a connection carries at once.
import type { HttpProtocol } from '../../http/headers.js';
import type { ResponseDecoder } from '../../http/codec/types.js';
import type { ClusterInfoImpl } from '../cluster-info.js';
import type { ClusterStatsImpl } from '../cluster-stats.js';
import type { HostImpl } from '../host.js';
import type { Cancellable, ConnPool, PoolCallbacks, PoolFailureReason, ResourceManager } from '../types.js';
import { ActiveClient, ClientState, type ClientOwner } from './active-client.js';
import { connectFailure } from './connect-error.js';
import { PendingStream, type PendingOwner } from './pending-stream.js';

/** Envoy opens at most this many connections per newStream/close event, to not flood a recovering host. */
const MAX_NEW_CONNECTIONS_PER_EVENT = 3;

/** The connections to one host with one protocol. */
export class ConnPoolImpl implements ConnPool, ClientOwner, PendingOwner {
  readonly protocol: HttpProtocol;
  private readonly clients = new Set<ActiveClient>();
  /** Connected clients that may have capacity; the top is tried first (LIFO reuse). */
  private readonly ready: ActiveClient[] = [];
  /** Requests waiting for a connection, oldest first; cancelled ones are skipped lazily. */
  private pending: PendingStream[] = [];
  private pendingCount = 0;
  /** Streams the connecting clients will be able to take. */
  private connectingCapacity = 0;
  /** Streams promised to ready clients, handed over on the next microtask. */
  private handoff: PendingStream[] = [];
  /** The other handoff buffer: the two swap on each flush, so flushing allocates nothing. */
  private handoffSpare: PendingStream[] = [];
  private handoffScheduled = false;
  private upstreamReadyScheduled = false;
  private readonly flushHandoffCb = (): void => this.flushHandoff();
  private readonly upstreamReadyCb = (): void => {
    this.upstreamReadyScheduled = false;
    this.onUpstreamReady();
  };
  private idleTimer: NodeJS.Timeout | null = null;
  private draining = false;
  /** destroy() was called: nothing new is connected, waiting requests fail. */
  private destroyed = false;
  private readonly stats: ClusterStatsImpl;
  private readonly resources: ResourceManager;

  constructor(readonly host: HostImpl, private readonly info: ClusterInfoImpl,
    /** Streams one connection carries at once (1 for HTTP/1). */
    private readonly concurrencyLimit: number,
    /** The routing priority (0 DEFAULT, 1 HIGH) whose circuit breakers the pool counts against. */
    priority: 0 | 1 = 0) {
    this.protocol = info.protocol;
    this.stats = info.stats;
    this.resources = info.resourceManagers[priority];
  }

  /** Whether drain() or destroy() was called: the cluster then makes a new pool for the host. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Open connections (any state but closed). */
  get connectionCount(): number {
    return this.clients.size;
  }

  newStream(decoder: ResponseDecoder, callbacks: PoolCallbacks): Cancellable | null {
    const s = new PendingStream(this, decoder, callbacks);
    if (this.draining) {
      queueMicrotask(() => {
        if (!s.cancelled) s.callbacks.onPoolFailure('local connection failure', '', this.host);
      });
      return s;
    }
    const client = this.findReady();
    if (client !== null) {
      this.reserve(client, s);
      return s;
    }
    if (!this.resources.pendingRequests.canCreate()) return null;
    this.enqueue(s);
    this.tryCreateNewConnections();
    return s;
  }

  /** Closes idle connections; busy ones finish their streams and close. Later streams are refused. */
  drain(): void {
    this.draining = true;
    for (const c of [...this.clients]) {
      if (c.state === ClientState.Connected) {
        if (c.idle) c.close();
        else c.state = ClientState.Draining;
      } else if (c.state === ClientState.Connecting && this.pendingCount === 0) {
        this.leaveConnecting(c);
        c.state = ClientState.Draining;
        c.close();
      }
    }
  }

  /** Closes every connection (their streams are reset) and fails waiting requests. */
  destroy(): void {
    this.draining = true;
    this.destroyed = true;
    this.purgePending('local connection failure', '');
    for (const c of [...this.clients]) {
      if (c.state === ClientState.Connecting) this.leaveConnecting(c);
      c.state = ClientState.Draining;
      c.close();
    }
    this.clearIdleTimer();
  }

  // ---- stream hand-out ----

  private findReady(): ActiveClient | null {
    const ready = this.ready;
    while (ready.length > 0) {
      const c = ready[ready.length - 1];
      if (c.capacity > 0) return c;
      ready.pop();
      c.inReady = false;
    }
    return null;
  }

  private pushReady(c: ActiveClient): void {
    if (!c.inReady && c.capacity > 0) {
      c.inReady = true;
      this.ready.push(c);
    }
  }

  /** Promises `c` to `s`; onPoolReady follows on the next microtask (never inside newStream). */
  private reserve(c: ActiveClient, s: PendingStream): void {
    c.reserved++;
    c.remainingStreams--;
    c.idleSinceMs = -1;
    s.client = c;
    this.handoff.push(s);
    if (!this.handoffScheduled) {
      this.handoffScheduled = true;
      queueMicrotask(this.flushHandoffCb);
    }
  }

  private flushHandoff(): void {
    this.handoffScheduled = false;
    const list = this.handoff;
    this.handoff = this.handoffSpare;
    let requeued = false;
    for (const s of list) {
      const c = s.client!;
      s.client = null;
      c.reserved--;
      if (!s.cancelled && c.state === ClientState.Connected && c.codec!.canStream) {
        this.attach(c, s);
        continue;
      }
      // Cancelled, or the connection closed or drained in between: give the slot back, and
      // let a live request wait for another connection like any queued one.
      c.remainingStreams++;
      if (s.cancelled) {
        // Nothing to tell.
      } else if (this.destroyed) {
        s.callbacks.onPoolFailure('local connection failure', '', this.host);
      } else {
        this.enqueue(s);
        requeued = true;
      }
      this.onClientStreamComplete(c);
    }
    list.length = 0;
    this.handoffSpare = list;
    if (requeued) {
      this.onUpstreamReady();
      this.tryCreateNewConnections();
    }
  }

  /** Opens the stream on `c` and tells the requester. */
  private attach(c: ActiveClient, s: PendingStream): void {
    const encoder = c.codec!.newStream(s.decoder);
    c.idleSinceMs = -1;
    if (c.remainingStreams <= 0 && c.state === ClientState.Connected) {
      this.stats.upstream_cx_max_requests.inc();
      c.state = ClientState.Draining;
    }
    s.callbacks.onPoolReady(encoder, this.host, this.protocol, c.connection!);
  }

  private enqueue(s: PendingStream): void {
    s.queued = true;
    this.pending.push(s);
    this.pendingCount++;
    this.stats.upstream_rq_pending_total.inc();
    this.stats.upstream_rq_pending_active.inc();
    this.resources.pendingRequests.inc();
  }

  private dequeued(s: PendingStream): void {
    s.queued = false;
    this.pendingCount--;
    this.stats.upstream_rq_pending_active.dec();
    this.resources.pendingRequests.dec();
  }

  /** The oldest live queued request, removed from the queue. */
  private shiftPending(): PendingStream | null {
    const q = this.pending;
    while (q.length > 0) {
      const s = q.shift()!;
      if (!s.cancelled) {
        this.dequeued(s);
        return s;
      }
    }
    return null;
  }

  /** Hands queued requests to connections with capacity. */
  private onUpstreamReady(): void {
    while (this.pendingCount > 0) {
      const c = this.findReady();
      if (c === null) return;
      const s = this.shiftPending();
      if (s === null) return;
      c.remainingStreams--;
      this.attach(c, s);
    }
  }

  private scheduleUpstreamReady(): void {
    if (!this.upstreamReadyScheduled) {
      this.upstreamReadyScheduled = true;
      queueMicrotask(this.upstreamReadyCb);
    }
  }

  /** Fails every queued request (after a connect failure: the caller decides whether to retry). */
  private purgePending(reason: PoolFailureReason, transportFailure: string): void {
    const list = this.pending;
    this.pending = [];
    for (const s of list) {
      if (s.cancelled) continue;
      this.dequeued(s);
      this.stats.upstream_rq_pending_failure_eject.inc();
      s.callbacks.onPoolFailure(reason, transportFailure, this.host);
    }
  }

  onPendingCancel(s: PendingStream): void {
    if (!s.queued) return;
    this.dequeued(s);
    this.stats.upstream_rq_cancelled.inc();
    this.closeExcessConnecting();
  }

  // ---- connections ----

  private tryCreateNewConnections(): void {
    if (this.destroyed) return;
    for (let i = 0; i < MAX_NEW_CONNECTIONS_PER_EVENT; i++) {
      if (this.pendingCount <= this.connectingCapacity) return;
      const canCreate = this.resources.connections.canCreate();
      if (!canCreate) this.stats.upstream_cx_overflow.inc();
      // With no connection at all, open one anyway so the queue cannot stall (as Envoy).
      if (!canCreate && this.clients.size > 0) return;
      const c = new ActiveClient(this, this.host, this.info, this.resources.connections, this.concurrencyLimit);
      this.clients.add(c);
      this.connectingCapacity += c.connectingCapacity;
    }
  }

  private leaveConnecting(c: ActiveClient): void {
    this.connectingCapacity -= c.connectingCapacity;
  }

  /** After a cancel, close the newest connecting connection if the rest still cover the queue (CloseExcess). */
  private closeExcessConnecting(): void {
    let newest: ActiveClient | null = null;
    for (const c of this.clients) if (c.state === ClientState.Connecting) newest = c;
    if (newest === null) return;
    if (this.pendingCount <= this.connectingCapacity - newest.connectingCapacity) {
      this.leaveConnecting(newest);
      newest.state = ClientState.Draining;
      newest.close();
    }
  }

  onClientConnected(c: ActiveClient): void {
    this.leaveConnecting(c);
    this.pushReady(c);
    this.onUpstreamReady();
    if (this.draining && c.state === ClientState.Connected) {
      if (c.idle) c.close();
      else c.state = ClientState.Draining;
      return;
    }
    if (c.idle) this.markIdle(c);
  }

  onClientStreamComplete(c: ActiveClient): void {
    if (c.state === ClientState.Closed) return;
    if (c.state === ClientState.Draining || (c.idle && this.protocol !== 'HTTP/2' && !c.codec!.canStream)) {
      // Draining, or an HTTP/1 connection the codec will not reuse: close it ourselves (a local close).
      if (c.idle) c.close();
      return;
    }
    if (c.capacity > 0) {
      this.pushReady(c);
      // Attach on the next microtask, as Envoy defers it: the codec is still inside its callback.
      if (this.pendingCount > 0) this.scheduleUpstreamReady();
    }
    // Idle from now on unless a stream is attached (attach clears it).
    if (c.idle) this.markIdle(c);
  }

  onClientGoAway(c: ActiveClient): void {
    if (c.state === ClientState.Connected) c.state = ClientState.Draining;
    if (c.idle) c.close();
    else if (this.pendingCount > 0) this.tryCreateNewConnections();
  }

  /** max_connection_duration: the connection drains (closes now when idle), as Envoy's onConnectionDurationTimeout. */
  onClientMaxDuration(c: ActiveClient): void {
    this.stats.upstream_cx_max_duration_reached.inc();
    c.state = ClientState.Draining;
    if (c.idle) c.close();
    else if (this.pendingCount > 0) this.tryCreateNewConnections();
  }

  onClientClosed(c: ActiveClient, wasConnecting: boolean): void {
    this.clients.delete(c);
    if (c.inReady) {
      // Drop it now: a closed connection buried under a busy one would otherwise stay referenced.
      c.inReady = false;
      const i = this.ready.indexOf(c);
      if (i !== -1) this.ready.splice(i, 1);
    }
    if (wasConnecting) {
      this.leaveConnecting(c);
      const f = connectFailure(c.connectError, c.timedOut, c.closedLocally);
      this.purgePending(f.reason, f.transportFailure);
    }
    if (this.pendingCount > 0) this.tryCreateNewConnections();
    if (this.clients.size === 0) this.clearIdleTimer();
  }

  // ---- idle timeout (common_http_protocol_options.idle_timeout) ----

  private markIdle(c: ActiveClient): void {
    const timeout = this.info.idleTimeoutMs;
    if (timeout <= 0) return;
    c.idleSinceMs = performance.now();
    if (this.idleTimer === null) this.armIdleTimer(timeout);
  }

  private armIdleTimer(delay: number): void {
    this.idleTimer = setTimeout(() => this.onIdleTimer(), delay);
    this.idleTimer.unref();
  }

  private onIdleTimer(): void {
    this.idleTimer = null;
    const timeout = this.info.idleTimeoutMs;
    const now = performance.now();
    let next = Infinity;
    for (const c of [...this.clients]) {
      if (c.state !== ClientState.Connected || !c.idle || c.idleSinceMs < 0) continue;
      const due = c.idleSinceMs + timeout;
      if (due <= now + 1) {
        this.stats.upstream_cx_idle_timeout.inc();
        c.close();
      } else if (due < next) {
        next = due;
      }
    }
    if (next !== Infinity) this.armIdleTimer(next - now);
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== null) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
  }
}

/** A pool for `host` with the cluster's protocol (HTTP/1 carries one stream per connection), per priority. */
export function createConnPool(host: HostImpl, info: ClusterInfoImpl, priority: 0 | 1 = 0): ConnPoolImpl {
  return new ConnPoolImpl(host, info, info.protocol === 'HTTP/2' ? info.maxConcurrentStreams : 1, priority);
}
