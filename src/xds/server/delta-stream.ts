// Incremental ADS (DeltaAggregatedResources): subscribe/unsubscribe deltas, initial resource
// versions, per-resource versions (content hashes), removed_resources, nonce-matched ACK/NACK, VHDS namespaces.
import { create } from '@bufbuild/protobuf';
import {
  DeltaDiscoveryResponseSchema, ResourceSchema,
  type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type Resource,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { AdsStream, type StreamContext } from './ads-stream.js';
import type { SnapshotResource, TypeSnapshot } from './snapshot.js';
import {
  CORE_TYPES, groupByNamespace, isNamespacedType, shortTypeName, subscriptionCovers, takesLegacyWildcard, vhdsNamespace,
} from './type-urls.js';

/** How many unanswered responses per type we remember (ACKs of older ones are treated as stale). */
const MAX_IN_FLIGHT = 64;

/** Each snapshot resource as a delta Resource, made once and shared by every stream (the encoder caches its bytes). */
const deltaResources = new WeakMap<SnapshotResource, Resource>();
function deltaResourceOf(r: SnapshotResource): Resource {
  let d = deltaResources.get(r);
  if (d === undefined) deltaResources.set(r, (d = create(ResourceSchema, { name: r.name, version: r.version, resource: r.resource })));
  return d;
}

/** What changed from one type snapshot to another: resources added or changed, names removed. */
interface Diff { changed: SnapshotResource[]; removed: string[] }
/** Each pair's diff, made once and shared by every stream going from one to the other. */
const diffs = new WeakMap<TypeSnapshot, WeakMap<TypeSnapshot, Diff>>();
function diffOf(a: TypeSnapshot, b: TypeSnapshot): Diff {
  let byB = diffs.get(a);
  if (byB === undefined) diffs.set(a, (byB = new WeakMap()));
  let d = byB.get(b);
  if (d === undefined) {
    d = { changed: [], removed: [] };
    for (const r of b.resources.values()) if (a.resources.get(r.name)?.version !== r.version) d.changed.push(r);
    for (const n of a.resources.keys()) if (!b.resources.has(n)) d.removed.push(n);
    byB.set(b, d);
  }
  return d;
}

/** VHDS resources by namespace (route configuration name), made once per type snapshot. */
const namespaces = new WeakMap<TypeSnapshot, Map<string, SnapshotResource[]>>();
function byNamespace(ts: TypeSnapshot): Map<string, SnapshotResource[]> {
  let m = namespaces.get(ts);
  if (m === undefined) namespaces.set(ts, (m = groupByNamespace(ts.resources.values(), (r) => r.name)));
  return m;
}

/** What the server knows of one type on one delta stream. */
interface DeltaType {
  wildcard: boolean;
  names: Set<string>;
  /**
   * What the client holds: resource name -> resource version (seeded by initial_resource_versions).
   * Null once a response brought it up to `basis`: it then holds exactly the resources of `basis` its
   * subscription covers, and no copy is kept per stream (made again when the subscription changes).
   */
  known: Map<string, string> | null;
  /** Names the client asked about since the last response: each gets the resource or a removal. */
  needsAnswer: Set<string>;
  /** A wildcard subscriber gets a first response even when there is nothing to send. */
  answeredWildcard: boolean;
  /** Unanswered responses: nonce -> system version, oldest first. */
  inFlight: Map<string, string>;
  /**
   * A subscribed name also stands for every resource in its namespace (VHDS: a route configuration's
   * name subscribes to all its virtual hosts, as Envoy's namespace matching).
   */
  namespaced: boolean;
  /**
   * While the subscription has not changed since: the type snapshot the client was last brought up
   * to, so the next one is diffed against it (once per pair, for every stream) instead of walked.
   */
  basis?: TypeSnapshot;
}

/** What the client holds, made explicit from the basis when it is implicit. */
function known(st: DeltaType): Map<string, string> {
  if (st.known === null) {
    st.known = new Map();
    for (const r of st.basis!.resources.values()) if (subscriptionCovers(st, r.name)) st.known.set(r.name, r.version);
  }
  return st.known;
}

/** Applies a request's subscribe and unsubscribe lists to what the stream knows of one type. */
function changeSubscription(st: DeltaType, sub: readonly string[], unsub: readonly string[], first: boolean): void {
  // What the client holds, under the subscription it had.
  const held = known(st);
  st.basis = undefined;
  for (const n of sub) {
    if (n === '*') {
      if (!st.wildcard) st.answeredWildcard = false;
      st.wildcard = true;
      continue;
    }
    st.names.add(n);
    // The spec: a client may have dropped a resource it still subscribes to; send it again
    // (unless this is the first request, whose initial_resource_versions say what it holds).
    if (!first) held.delete(n);
    st.needsAnswer.add(n);
  }
  for (const n of unsub) {
    if (n === '*') {
      st.wildcard = false;
      for (const k of held.keys()) if (!subscriptionCovers(st, k)) held.delete(k);
      continue;
    }
    st.names.delete(n);
    held.delete(n);
    if (st.namespaced) for (const k of held.keys()) if (vhdsNamespace(k) === n && !subscriptionCovers(st, k)) held.delete(k);
    // The spec's exception: with a wildcard too, the client cannot tell whether to keep it; tell it.
    if (st.wildcard) st.needsAnswer.add(n);
  }
}


/** One DeltaAggregatedResources stream. */
export class DeltaStream extends AdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  private readonly types = new Map<string, DeltaType>();

  constructor(call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>, ctx: StreamContext) {
    super(call, ctx, 'delta');
  }

  protected handle(req: DeltaDiscoveryRequest): void {
    const typeUrl = req.typeUrl;
    let st = this.types.get(typeUrl);
    const first = st === undefined;
    if (!st) {
      st = {
        wildcard: false, names: new Set(), known: new Map(Object.entries(req.initialResourceVersions)),
        needsAnswer: new Set(), answeredWildcard: false, inFlight: new Map(), namespaced: isNamespacedType(typeUrl),
      };
      this.types.set(typeUrl, st);
    }
    if (req.responseNonce !== '') this.answered(typeUrl, st, req);
    // The spec: subscription changes count even when the nonce is stale.
    this.subscribe(typeUrl, st, req, first);
    this.evaluate(typeUrl, st);
  }

  protected pushAll(): void {
    for (const t of CORE_TYPES) {
      const st = this.types.get(t);
      if (st) this.evaluate(t, st);
    }
    for (const [t, st] of this.types) if (!CORE_TYPES.includes(t)) this.evaluate(t, st);
  }

  private answered(typeUrl: string, st: DeltaType, req: DeltaDiscoveryRequest): void {
    const nonce = req.responseNonce;
    const version = st.inFlight.get(nonce);
    if (version === undefined) {
      this.ctx.log('debug', `${this.label}: ${shortTypeName(typeUrl)} answer to unknown nonce ${JSON.stringify(nonce)} ignored`);
      return;
    }
    // Responses are answered in order: this one and everything before it are settled.
    for (const n of st.inFlight.keys()) {
      st.inFlight.delete(n);
      if (n === nonce) break;
    }
    const err = req.errorDetail;
    if (err) {
      this.status!.nacked(typeUrl, { version, clientVersion: '', nonce, code: err.code, message: err.message, time: new Date() });
      this.ctx.log('warn', `${this.label}: ${shortTypeName(typeUrl)} version ${JSON.stringify(version)} rejected: ${err.message}`);
    } else {
      this.status!.acked(typeUrl, version, nonce);
    }
  }

  private subscribe(typeUrl: string, st: DeltaType, req: DeltaDiscoveryRequest, first: boolean): void {
    const sub = req.resourceNamesSubscribe;
    const unsub = req.resourceNamesUnsubscribe;
    if (sub.length > 0 || unsub.length > 0) changeSubscription(st, sub, unsub, first);
    else if (first && takesLegacyWildcard(typeUrl)) st.wildcard = true;
    this.status!.subscription(typeUrl, st.wildcard, st.names);
  }

  private evaluate(typeUrl: string, st: DeltaType): void {
    if (this.closed) return;
    const ts = this.snapshot?.get(typeUrl);
    if (!ts) return;
    const resources: Resource[] = [];
    const removed: string[] = [];
    if (st.basis !== undefined && st.needsAnswer.size === 0) {
      // The client holds the basis's resources its subscription covers: send what changed of those.
      if (st.basis !== ts) {
        const d = diffOf(st.basis, ts);
        for (const r of d.changed) if (subscriptionCovers(st, r.name)) resources.push(deltaResourceOf(r));
        for (const n of d.removed) if (subscriptionCovers(st, n)) removed.push(n);
      }
    } else {
      const held = known(st);
      const consider = (r: SnapshotResource): void => {
        if (held.get(r.name) !== r.version) resources.push(deltaResourceOf(r));
      };
      if (st.wildcard) for (const r of ts.resources.values()) consider(r);
      else for (const n of st.names) {
        const r = ts.resources.get(n);
        if (r) consider(r);
        if (st.namespaced) for (const v of byNamespace(ts).get(n) ?? []) consider(v);
      }
      for (const n of held.keys()) if (!ts.resources.has(n)) removed.push(n);
    }
    // The client now holds exactly the resources of `ts` its subscription covers.
    st.basis = ts;
    st.known = null;
    for (const n of st.needsAnswer) {
      if (ts.resources.has(n) || removed.includes(n)) continue;
      // A namespace with resources is answered by them.
      if (st.namespaced && byNamespace(ts).has(n)) continue;
      removed.push(n);
    }
    st.needsAnswer.clear();
    const firstWildcard = st.wildcard && !st.answeredWildcard;
    if (st.wildcard) st.answeredWildcard = true;
    if (resources.length === 0 && removed.length === 0 && !firstWildcard) {
      this.status!.upToDate(typeUrl, ts.version);
      return;
    }
    const nonce = this.ctx.nextNonce();
    const response = create(DeltaDiscoveryResponseSchema, {
      systemVersionInfo: ts.version, typeUrl, removedResources: removed, nonce, controlPlane: this.ctx.controlPlane,
    });
    // Assigned, not passed to create(): create() would copy every shared Resource, per stream.
    response.resources = resources;
    this.send(response);
    st.inFlight.set(nonce, ts.version);
    if (st.inFlight.size > MAX_IN_FLIGHT) st.inFlight.delete(st.inFlight.keys().next().value!);
    this.status!.sent(typeUrl, ts.version, nonce);
    this.ctx.log('debug', `${this.label}: sent ${shortTypeName(typeUrl)} version ${JSON.stringify(ts.version)} ` +
      `(${resources.length} resources, ${removed.length} removed, nonce ${nonce})`);
  }
}
