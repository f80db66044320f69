// State-of-the-world ADS (StreamAggregatedResources) as the xDS protocol spells it: per type URL
// subscriptions (wildcard or names), version_info + nonce per response, ACK/NACK, stale nonces.
import { create } from '@bufbuild/protobuf';
import {
  DiscoveryResponseSchema, type DiscoveryRequest, type DiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { AdsStream, type StreamContext } from './ads-stream.js';
import type { Any } from '@bufbuild/protobuf/wkt';
import type { SnapshotResource, TypeSnapshot } from './snapshot.js';
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
  sentNames: ReadonlySet<string>;
  /** A response is out and its ACK/NACK has not come back: hold further pushes until it does. */
  pending: boolean;
}

/** The resources a response carries and their names; shared and never mutated. */
interface Selection {
  readonly anys: Any[];
  readonly names: ReadonlySet<string>;
}

/** A type snapshot's full selection, built once and shared by every wildcard stream. */
const wildcardSelections = new WeakMap<TypeSnapshot, Selection>();

function wildcardSelection(ts: TypeSnapshot): Selection {
  let s = wildcardSelections.get(ts);
  if (s === undefined) {
    const all = [...ts.resources.values()];
    s = { anys: all.map((r) => r.resource), names: new Set(all.map((r) => r.name)) };
    wildcardSelections.set(ts, s);
  }
  return s;
}

function isSubset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a === b) return true;
  for (const n of a) if (!b.has(n)) return false;
  return true;
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
    // sentNames may be shared with other streams: replace it, never mutate it.
    if (!st.wildcard) st.sentNames = new Set([...st.sentNames].filter((n) => st.names.has(n)));
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
    let selection: Selection;
    if (st.wildcard) {
      selection = wildcardSelection(ts);
    } else {
      const selected: SnapshotResource[] = [];
      for (const n of st.names) {
        const r = ts.resources.get(n);
        if (r) selected.push(r);
      }
      selection = { anys: selected.map((r) => r.resource), names: new Set(selected.map((r) => r.name)) };
    }
    if (ts.version === st.sentVersion && isSubset(selection.names, st.sentNames)) return;
    const nonce = this.ctx.nextNonce();
    const response = create(DiscoveryResponseSchema, { versionInfo: ts.version, typeUrl, nonce, controlPlane: this.ctx.controlPlane });
    // Assigned, not passed to create(): create() would copy and check every resource, per stream.
    response.resources = selection.anys;
    this.send(response);
    st.pending = true;
    st.sentVersion = ts.version;
    st.sentNonce = nonce;
    st.sentNames = selection.names;
    this.status!.sent(typeUrl, ts.version, nonce);
    this.ctx.log('debug', `${this.label}: sent ${shortTypeName(typeUrl)} version ${JSON.stringify(ts.version)} ` +
      `(${selection.anys.length} resources, nonce ${nonce})`);
  }
}
