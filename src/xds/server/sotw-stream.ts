// State-of-the-world ADS (StreamAggregatedResources) as the xDS protocol spells it: per type URL
// subscriptions (wildcard or names), version_info + nonce per response, ACK/NACK, stale nonces.
import { create } from '@bufbuild/protobuf';
import {
  DiscoveryResponseSchema, type DiscoveryRequest, type DiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { AdsStream, type StreamContext } from './ads-stream.js';
import type { SnapshotResource } from './snapshot.js';
import { CORE_TYPES, shortTypeName, takesLegacyWildcard } from './type-urls.js';

/** What the server knows of one type on one stream. */
interface SotwType {
  wildcard: boolean;
  /** The client has sent a non-empty resource_names for this type: an empty list now means "nothing". */
  everNamed: boolean;
  names: Set<string>;
  sentVersion?: string;
  sentNonce?: string;
  /** Names in the last response: a newly subscribed name outside it must be sent even at the same version. */
  sentNames: Set<string>;
  /** A response is out and its ACK/NACK has not come back: hold further pushes until it does. */
  pending: boolean;
}

/** One StreamAggregatedResources stream. */
export class SotwStream extends AdsStream<DiscoveryRequest, DiscoveryResponse> {
  private readonly types = new Map<string, SotwType>();

  constructor(call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>, ctx: StreamContext) {
    super(call, ctx, 'sotw');
  }

  protected handle(req: DiscoveryRequest): void {
    const typeUrl = req.typeUrl;
    let st = this.types.get(typeUrl);
    const first = st === undefined;
    if (!st) {
      st = { wildcard: false, everNamed: false, names: new Set(), sentNames: new Set(), pending: false };
      this.types.set(typeUrl, st);
    } else if (req.responseNonce !== (st.sentNonce ?? '')) {
      // A newer response is on its way; the client answers it with its current names, so this
      // request is superseded (the spec: no response for a stale nonce).
      this.ctx.log('debug', `${this.label}: ${shortTypeName(typeUrl)} request with stale nonce ${JSON.stringify(req.responseNonce)} ignored`);
      return;
    }
    if (!first && st.pending) {
      st.pending = false;
      this.answered(typeUrl, st, req);
    }
    this.subscribe(typeUrl, st, req.resourceNames);
    if (first) this.skipIfCurrent(typeUrl, st, req.versionInfo);
    this.evaluate(typeUrl, st);
  }

  protected pushAll(): void {
    for (const t of CORE_TYPES) {
      const st = this.types.get(t);
      if (st) this.evaluate(t, st);
    }
    for (const [t, st] of this.types) if (!CORE_TYPES.includes(t)) this.evaluate(t, st);
  }

  private answered(typeUrl: string, st: SotwType, req: DiscoveryRequest): void {
    const nonce = req.responseNonce;
    const err = req.errorDetail;
    if (err) {
      const version = st.sentVersion ?? '';
      this.status!.nacked(typeUrl, {
        version, clientVersion: req.versionInfo, nonce, code: err.code, message: err.message, time: new Date(),
      });
      this.ctx.log('warn', `${this.label}: ${shortTypeName(typeUrl)} version ${JSON.stringify(version)} rejected ` +
        `(client keeps ${JSON.stringify(req.versionInfo)}): ${err.message}`);
    } else {
      this.status!.acked(typeUrl, req.versionInfo, nonce);
    }
  }

  private subscribe(typeUrl: string, st: SotwType, names: readonly string[]): void {
    if (names.length === 0 && !st.everNamed) {
      st.wildcard = takesLegacyWildcard(typeUrl);
      st.names.clear();
    } else {
      st.everNamed ||= names.length > 0;
      st.wildcard = names.includes('*');
      st.names = new Set(names.filter((n) => n !== '*'));
    }
    if (!st.wildcard) for (const n of st.sentNames) if (!st.names.has(n)) st.sentNames.delete(n);
    this.status!.subscription(typeUrl, st.wildcard, st.names);
  }

  /**
   * A reconnecting client that subscribes to the wildcard and already runs the current version
   * needs nothing (the spec allows skipping it only for wildcard-only subscriptions).
   */
  private skipIfCurrent(typeUrl: string, st: SotwType, clientVersion: string): void {
    const ts = this.snapshot?.get(typeUrl);
    if (!ts || clientVersion === '' || !st.wildcard || st.names.size > 0 || ts.version !== clientVersion) return;
    st.sentVersion = clientVersion;
    st.sentNames = new Set(ts.resources.keys());
    this.status!.alreadyHas(typeUrl, clientVersion);
  }

  private evaluate(typeUrl: string, st: SotwType): void {
    if (st.pending || this.closed) return;
    const ts = this.snapshot?.get(typeUrl);
    if (!ts || (!st.wildcard && st.names.size === 0)) return;
    const selected: SnapshotResource[] = [];
    if (st.wildcard) {
      for (const r of ts.resources.values()) selected.push(r);
    } else {
      for (const n of st.names) {
        const r = ts.resources.get(n);
        if (r) selected.push(r);
      }
    }
    if (ts.version === st.sentVersion && selected.every((r) => st.sentNames.has(r.name))) return;
    const nonce = this.ctx.nextNonce();
    this.send(create(DiscoveryResponseSchema, {
      versionInfo: ts.version, resources: selected.map((r) => r.resource), typeUrl, nonce,
      controlPlane: this.ctx.controlPlane,
    }));
    st.pending = true;
    st.sentVersion = ts.version;
    st.sentNonce = nonce;
    st.sentNames = new Set(selected.map((r) => r.name));
    this.status!.sent(typeUrl, ts.version, nonce);
    this.ctx.log('debug', `${this.label}: sent ${shortTypeName(typeUrl)} version ${JSON.stringify(ts.version)} ` +
      `(${selected.length} resources, nonce ${nonce})`);
  }
}
