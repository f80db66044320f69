// Per-stream xDS status for `strait proxy-status`: who is connected since when, and per type
// what was sent (version, nonce), what the proxy ACKed, and its last NACK with the message.
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import type { SnapshotCache } from './snapshot-cache.js';

/** istioctl's sync states: ACKed the last send, waiting for an answer, rejected it, or nothing sent yet. */
export type SyncState = 'SYNCED' | 'STALE' | 'NACKED' | 'NOT SENT';

/** A rejected response: the version we sent, what the client says it still runs, and why. */
export interface NackRecord {
  /** The version of the rejected response. */
  version: string;
  /** The version_info of the NACK: the last version the client accepted. */
  clientVersion: string;
  nonce: string;
  /** google.rpc.Status code from error_detail. */
  code: number;
  message: string;
  time: Date;
}

/** The status of one resource type on one stream. */
export interface TypeStatus {
  typeUrl: string;
  /** Subscribed to everything of this type ("*" or the legacy empty list). */
  wildcard: boolean;
  /** Explicitly subscribed names. */
  subscribed: string[];
  sentVersion?: string;
  sentNonce?: string;
  sentAt?: Date;
  ackedVersion?: string;
  ackedNonce?: string;
  ackedAt?: Date;
  lastNack?: NackRecord;
  /** The version of this type in the node's current snapshot (filled in by status()). */
  snapshotVersion?: string;
  state: SyncState;
}

/** One connected proxy (one ADS stream). */
export interface ProxyStatus {
  /** Stream id, unique within the server. */
  streamId: number;
  nodeId: string;
  nodeCluster: string;
  /** `user_agent_name user_agent_version` from the node (e.g. "grpc-node-js 1.14.1", "envoy 1.30"). */
  userAgent: string;
  /** The snapshot cache key of this node. */
  snapshotKey: string;
  /** `sotw` for StreamAggregatedResources, `delta` for DeltaAggregatedResources. */
  variant: 'sotw' | 'delta';
  peer: string;
  connectedSince: Date;
  types: TypeStatus[];
}

/**
 * istioctl's states: SYNCED when the client ACKed the last response sent and that carried the
 * current snapshot's version; STALE when it has not answered it, or runs an older version than the
 * snapshot holds; NACKED when it rejected the last one; NOT SENT before anything was.
 */
function stateOf(t: TypeStatus): SyncState {
  const current = (v: string | undefined): boolean => t.snapshotVersion === undefined || t.snapshotVersion === v;
  if (t.sentNonce === undefined) return t.ackedVersion === undefined ? 'NOT SENT' : current(t.ackedVersion) ? 'SYNCED' : 'STALE';
  if (t.lastNack && t.lastNack.nonce === t.sentNonce) return 'NACKED';
  return t.ackedNonce === t.sentNonce && current(t.sentVersion) ? 'SYNCED' : 'STALE';
}

/** What a control plane hears of its proxies: connects, disconnects, ACKs and NACKs (for metrics and pushes). */
export interface XdsEvents {
  /** `variant`: state of the world or delta, which decides what a snapshot change sends the stream. */
  connected?(node: Node, snapshotKey: string, variant: 'sotw' | 'delta'): void;
  disconnected?(node: Node, snapshotKey: string): void;
  acked?(node: Node, typeUrl: string, version: string): void;
  nacked?(node: Node, typeUrl: string, nack: NackRecord): void;
}

/** The live status of one stream; the stream updates it, status() copies it. */
export class StreamStatus {
  readonly connectedSince = new Date();
  private readonly types = new Map<string, TypeStatus>();

  constructor(
    readonly streamId: number,
    readonly variant: 'sotw' | 'delta',
    readonly peer: string,
    readonly node: Node,
    readonly snapshotKey: string,
    private readonly events: XdsEvents = {},
  ) {}

  private type(typeUrl: string): TypeStatus {
    let t = this.types.get(typeUrl);
    if (!t) this.types.set(typeUrl, (t = { typeUrl, wildcard: false, subscribed: [], state: 'NOT SENT' }));
    return t;
  }

  /** Records the current subscription of a type. */
  subscription(typeUrl: string, wildcard: boolean, names: Iterable<string>): void {
    const t = this.type(typeUrl);
    t.wildcard = wildcard;
    t.subscribed = [...names].sort();
  }

  /** Records a response sent. */
  sent(typeUrl: string, version: string, nonce: string): void {
    const t = this.type(typeUrl);
    t.sentVersion = version;
    t.sentNonce = nonce;
    t.sentAt = new Date();
  }

  /** Records an ACK of the response `nonce` that carried `version`. */
  acked(typeUrl: string, version: string, nonce: string): void {
    const t = this.type(typeUrl);
    t.ackedVersion = version;
    t.ackedNonce = nonce;
    t.ackedAt = new Date();
    this.events.acked?.(this.node, typeUrl, version);
  }

  /** Records that the client already runs `version` (a reconnect the server did not need to answer). */
  /**
   * A delta stream that needs nothing of a new version (no resource it holds changed) holds that
   * version once its last response is ACKed: it is SYNCED to it, not STALE.
   */
  upToDate(typeUrl: string, version: string): void {
    const t = this.type(typeUrl);
    if (t.sentNonce === undefined) return;
    t.sentVersion = version;
    if (t.ackedNonce === t.sentNonce) t.ackedVersion = version;
  }

  alreadyHas(typeUrl: string, version: string): void {
    const t = this.type(typeUrl);
    t.ackedVersion = version;
    t.ackedAt = new Date();
  }

  /** Records a NACK; the ACKed version stays what it was (the client keeps its last good config). */
  nacked(typeUrl: string, nack: NackRecord): void {
    this.type(typeUrl).lastNack = nack;
    this.events.nacked?.(this.node, typeUrl, nack);
  }

  /** A deep copy for callers, with each type's current snapshot version and sync state. */
  copy(cache: SnapshotCache): ProxyStatus {
    const snap = cache.getSnapshot(this.snapshotKey);
    const types = [...this.types.values()].map((t) => {
      const c: TypeStatus = { ...t, subscribed: [...t.subscribed], lastNack: t.lastNack && { ...t.lastNack } };
      c.snapshotVersion = snap?.version(t.typeUrl);
      c.state = stateOf(c);
      return c;
    }).sort((a, b) => a.typeUrl.localeCompare(b.typeUrl));
    const ua = this.node.userAgentVersionType.case === 'userAgentVersion' ? this.node.userAgentVersionType.value : '';
    return {
      streamId: this.streamId, nodeId: this.node.id, nodeCluster: this.node.cluster,
      userAgent: [this.node.userAgentName, ua].filter((s) => s !== '').join(' '),
      snapshotKey: this.snapshotKey, variant: this.variant, peer: this.peer,
      connectedSince: this.connectedSince, types,
    };
  }
}

/** Every connected stream's status. */
export class StatusBoard {
  private readonly streams = new Set<StreamStatus>();

  constructor(readonly events: XdsEvents = {}) {}

  /** Adds a stream when its first request names the node. */
  add(s: StreamStatus): void {
    this.streams.add(s);
    this.events.connected?.(s.node, s.snapshotKey, s.variant);
  }

  /** Removes a stream when it ends. */
  remove(s: StreamStatus): void {
    if (this.streams.delete(s)) this.events.disconnected?.(s.node, s.snapshotKey);
  }

  /** Copies of every connected stream's status, by node id then stream id. */
  list(cache: SnapshotCache): ProxyStatus[] {
    return [...this.streams].map((s) => s.copy(cache))
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId) || a.streamId - b.streamId);
  }
}
