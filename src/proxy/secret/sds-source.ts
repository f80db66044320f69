// An SDS config source: the proxy's ADS stream, or a gRPC SecretDiscoveryService reached through a
// static cluster (Istio's `sds-grpc` cluster on the agent's Unix socket). Names are asked as needed.
import type { DecodedResource, XdsClient } from '../../xds/client/index.js';
import type { Secret } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { SECRET_TYPE } from '../../xds/server/type-urls.js';
import { SecretHandle } from './secret-handle.js';

/** The secrets of one config source; each name subscribed once, shared by every transport socket. */
export class SdsSource {
  private readonly handles = new Map<string, SecretHandle>();

  /**
   * `name` labels the source (`ads`, or the cluster name); `ownsClient` when closing it is ours;
   * `initialFetchTimeoutMs` bounds the wait for first secrets (0 = no bound).
   */
  constructor(readonly name: string, private readonly client: XdsClient, private readonly ownsClient: boolean,
    private readonly initialFetchTimeoutMs: number) {
    client.watch(SECRET_TYPE, false, { apply: (res, version) => this.apply(res, version) });
  }

  /** The handle of `secretName`, subscribing to it on first use. */
  handle(secretName: string): SecretHandle {
    let h = this.handles.get(secretName);
    if (h === undefined) {
      h = new SecretHandle(secretName, this.name);
      this.handles.set(secretName, h);
      this.client.setNames(SECRET_TYPE, this.handles.keys());
    }
    return h;
  }

  /** Resolves when every handle has content, or after initial_fetch_timeout (then TLS on them fails until they come). */
  async whenReady(): Promise<void> {
    const pending = this.all().filter((h) => h.secret === undefined);
    if (pending.length === 0) return;
    const arrived = Promise.all(pending.map((h) => new Promise<void>((resolve) => {
      const off = h.subscribe(() => { off(); resolve(); });
    })));
    if (this.initialFetchTimeoutMs === 0) return arrived.then(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.initialFetchTimeoutMs); });
    await Promise.race([arrived, timeout]);
    clearTimeout(timer);
  }

  all(): SecretHandle[] {
    return [...this.handles.values()];
  }

  close(): void {
    if (this.ownsClient) this.client.close();
  }

  /** An SDS response: each named secret replaces its handle's content; unknown names are a NACK. */
  private apply(resources: readonly DecodedResource[], version: string): string | null {
    for (const r of resources) {
      if (!this.handles.has(r.name)) return `secret ${r.name} was not requested`;
      const s = r.message as Secret;
      if (s.type.case !== 'tlsCertificate' && s.type.case !== 'validationContext') {
        return `secret ${r.name}: only tls_certificate and validation_context secrets are supported by Strait`;
      }
    }
    for (const r of resources) this.handles.get(r.name)!.set(r.message as Secret, version);
    return null;
  }
}
