// The per-type state of a delta ADS stream: subscribed names (or wildcard), the resources we hold
// with their versions (initial_resource_versions on reconnect), pending (un)subscribes, last nonce.
import { create } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import {
  DeltaDiscoveryRequestSchema, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { isNamespacedType, subscriptionCovers } from '../server/type-urls.js';
import type { DecodedResource, ResourceHandler } from './types.js';

/** google.rpc.Code INTERNAL, as Envoy's NACKs. */
const NACK_CODE = 13;

/** A resource we hold: its per-resource version and payload, decoded once. */
export interface HeldResource {
  readonly version: string;
  readonly any: Any;
  decoded?: DecodedResource;
}

/** One watched type URL on a delta stream. */
export class DeltaSubscription {
  names = new Set<string>();
  /** Accepted resources by name. */
  held = new Map<string, HeldResource>();
  /** system_version_info of the last accepted response. */
  version = '';
  private subscribe = new Set<string>();
  private unsubscribe = new Set<string>();

  /** A name also subscribes to its namespace's resources (VHDS: a route configuration's virtual hosts, as Envoy's namespace matching). */
  readonly namespaced: boolean;

  constructor(readonly typeUrl: string, readonly wildcard: boolean, readonly handler: ResourceHandler) {
    this.namespaced = isNamespacedType(typeUrl);
  }

  get wanted(): boolean {
    return this.wildcard || this.names.size > 0;
  }

  get dirty(): boolean {
    return this.subscribe.size > 0 || this.unsubscribe.size > 0;
  }

  /** Sets the names; unsubscribed resources are dropped from what we hold. True when changed. */
  setNames(names: Iterable<string>): boolean {
    const next = new Set(names);
    let changed = false;
    for (const n of next) {
      if (this.names.has(n)) continue;
      changed = true;
      this.unsubscribe.delete(n);
      this.subscribe.add(n);
    }
    for (const n of this.names) {
      if (next.has(n)) continue;
      changed = true;
      this.subscribe.delete(n);
      this.unsubscribe.add(n);
      this.held.delete(n);
    }
    this.names = next;
    if (this.namespaced) for (const h of this.held.keys()) if (!subscriptionCovers(this, h)) this.held.delete(h);
    return changed;
  }

  /** The first request of a stream: everything we want, and what we already hold. */
  initialRequest(node: Node | undefined): DeltaDiscoveryRequest {
    this.subscribe.clear();
    this.unsubscribe.clear();
    const initialResourceVersions: Record<string, string> = {};
    for (const [n, r] of this.held) initialResourceVersions[n] = r.version;
    return create(DeltaDiscoveryRequestSchema, {
      node, typeUrl: this.typeUrl,
      // An empty first subscribe is the legacy wildcard for LDS/CDS.
      resourceNamesSubscribe: this.wildcard ? [] : [...this.names].sort(),
      initialResourceVersions,
    });
  }

  /** The pending subscribe/unsubscribe changes. */
  changeRequest(node: Node | undefined): DeltaDiscoveryRequest {
    const req = create(DeltaDiscoveryRequestSchema, {
      node, typeUrl: this.typeUrl,
      resourceNamesSubscribe: [...this.subscribe].sort(), resourceNamesUnsubscribe: [...this.unsubscribe].sort(),
    });
    this.subscribe.clear();
    this.unsubscribe.clear();
    return req;
  }

  /** The ACK (no error) or NACK of a response. */
  answer(node: Node | undefined, nonce: string, error?: string): DeltaDiscoveryRequest {
    return create(DeltaDiscoveryRequestSchema, {
      node, typeUrl: this.typeUrl, responseNonce: nonce,
      errorDetail: error !== undefined ? { code: NACK_CODE, message: error } : undefined,
    });
  }

  /** What we would hold after `resp` (not yet accepted). */
  next(resp: DeltaDiscoveryResponse): Map<string, HeldResource> {
    const out = new Map(this.held);
    for (const n of resp.removedResources) out.delete(n);
    for (const r of resp.resources) {
      if (r.resource === undefined) continue;
      // Resources we did not ask for (and no wildcard) are ignored.
      if (!subscriptionCovers(this, r.name)) continue;
      out.set(r.name, { version: r.version, any: r.resource });
    }
    return out;
  }
}
