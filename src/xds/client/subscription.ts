// The per-type state of an ADS stream (SotW): what we want (wildcard or names), the last version we
// accepted and the last nonce we saw; it builds the DiscoveryRequests (ACK, NACK, name changes).
import { create } from '@bufbuild/protobuf';
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import { DiscoveryRequestSchema, type DiscoveryRequest } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { ResourceHandler } from './types.js';

/** google.rpc.Code INTERNAL: the code Envoy puts in a NACK's error_detail. */
const NACK_CODE = 13;

/** One watched type URL. */
export class TypeSubscription {
  /** Explicit names (RDS/EDS); unused for a wildcard type. */
  names = new Set<string>();
  /** The version_info of the last response we ACKed ('' before any). */
  version = '';
  /** The nonce of the last response received on the current stream ('' on a new stream). */
  nonce = '';
  /** Names changed since the last request on this stream. */
  dirty = false;
  /** Last NACK message, if the last response was rejected. */
  lastError: string | null = null;

  constructor(readonly typeUrl: string, readonly wildcard: boolean, readonly handler: ResourceHandler) {}

  /** Whether there is anything to ask for (wildcard types always). */
  get wanted(): boolean {
    return this.wildcard || this.names.size > 0;
  }

  /** Sets the explicit names; true when they changed. */
  setNames(names: Iterable<string>): boolean {
    const next = new Set(names);
    if (next.size === this.names.size && [...next].every((n) => this.names.has(n))) return false;
    this.names = next;
    this.dirty = true;
    return true;
  }

  /** A new stream: the nonce belongs to the old one; the version is kept (resubscribe with it). */
  onNewStream(): void {
    this.nonce = '';
    this.dirty = false;
  }

  /** The request that says what we want now; with `error` it is a NACK of the current nonce. */
  request(node: Node | undefined, error?: string): DiscoveryRequest {
    this.dirty = false;
    return create(DiscoveryRequestSchema, {
      versionInfo: this.version,
      node,
      resourceNames: this.wildcard ? [] : [...this.names].sort(),
      typeUrl: this.typeUrl,
      responseNonce: this.nonce,
      errorDetail: error !== undefined ? { code: NACK_CODE, message: error } : undefined,
    });
  }
}
