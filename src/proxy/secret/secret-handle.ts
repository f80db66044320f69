// One named TLS secret as transport sockets see it (Envoy's SecretProvider): its current content,
// the version and time it arrived, and callbacks run when an SDS update replaces it.
import type { Secret } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';

export class SecretHandle {
  private value: Secret | undefined;
  private readonly listeners = new Set<() => void>();
  version = '';
  lastUpdated: Date | undefined;

  /** `source` says where it comes from: 'static' or the SDS source's name (`ads`, a cluster name). */
  constructor(readonly name: string, readonly source: string, initial?: Secret) {
    this.value = initial;
    if (initial !== undefined) this.lastUpdated = new Date();
  }

  /** The secret's content, or undefined while it has not arrived. */
  get secret(): Secret | undefined {
    return this.value;
  }

  /** Runs `cb` after every update; returns the unsubscribe function. */
  subscribe(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Replaces the content (an SDS response) and tells every subscriber. */
  set(secret: Secret, version: string): void {
    this.value = secret;
    this.version = version;
    this.lastUpdated = new Date();
    for (const cb of [...this.listeners]) cb();
  }
}
