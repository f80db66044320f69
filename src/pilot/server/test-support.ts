// Test helpers for the discovery server: a config source the test edits directly (objects reach
// pilot as if they had passed validation), and an ADS client standing in for a proxy that ACKs,
// withholds its ACKs or NACKs, and keeps the last response of each type.
import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { JsonObject } from '@bufbuild/protobuf';
import type { DiscoveryResponse } from '../../xds/gen/envoy/service/discovery/v3/discovery_pb.js';
import { sotwClient } from '../../xds/server/test-support.js';
import type { ConfigObject } from '../config/object.js';
import type { ConfigEvent } from '../config/store.js';
import { loadConfigText } from '../config/yaml-loader.js';
import { configKey } from '../model/config-errors.js';
import type { ConfigSource } from './config-source.js';

/** Objects from YAML text (read as `file`, so they carry a source position). */
export function yamlObjects(text: string, file = 'test.yaml'): ConfigObject[] {
  const { objects, errors } = loadConfigText(text, file);
  if (errors.length > 0) throw new Error(`${file}: ${errors.map((e) => e.message).join('; ')}`);
  return objects.map((o) => (o.metadata.namespace ? o : { ...o, metadata: { ...o.metadata, namespace: 'default' } }));
}

/** A ConfigSource over a map the test edits; every edit is a watch event, as the store sends them. */
export class FeedSource implements ConfigSource {
  private readonly objects = new Map<string, ConfigObject>();
  private readonly handlers = new Set<(e: ConfigEvent) => void>();

  constructor(initial: readonly ConfigObject[] = []) {
    for (const o of initial) this.objects.set(configKey(o), o);
  }

  all(): ConfigObject[] {
    return [...this.objects.values()];
  }

  watch(handler: (e: ConfigEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Adds or replaces objects. */
  put(...objects: ConfigObject[]): void {
    for (const o of objects) {
      const old = this.objects.get(configKey(o));
      this.objects.set(configKey(o), o);
      this.emit(old ? { type: 'MODIFIED', object: o, old } : { type: 'ADDED', object: o });
    }
  }

  private emit(e: ConfigEvent): void {
    for (const h of this.handlers) h(e);
  }
}

/** What a test proxy subscribes to: a type, and names (none: wildcard). */
export interface Subscription { typeUrl: string; names?: string[] }

/**
 * A proxy's ADS stream (state of the world): subscribes, then answers every response with an ACK
 * while `acking`, else not at all; `nackNext(type)` rejects the next response of a type.
 */
export class TestAdsProxy {
  /** The last response of each type. */
  readonly latest = new Map<string, DiscoveryResponse>();
  acking = true;
  private readonly nacks = new Set<string>();
  private readonly client;
  private closed = false;
  private readonly loop: Promise<void>;

  /** `locality`: the node's locality (Envoy's node.locality), as a proxy started with --service-zone etc. sends it. */
  constructor(port: number, readonly nodeId: string, metadata: JsonObject, subscriptions: readonly Subscription[],
    locality?: { region?: string; zone?: string; subZone?: string }) {
    this.client = sotwClient(port);
    const node = { id: nodeId, cluster: 'test', metadata, userAgentName: 'test-proxy', ...(locality ? { locality } : {}) };
    for (const s of subscriptions) this.client.send({ node, typeUrl: s.typeUrl, resourceNames: s.names ?? [] });
    this.loop = this.run(new Map(subscriptions.map((s) => [s.typeUrl, s.names ?? []])));
  }

  private async run(names: Map<string, string[]>): Promise<void> {
    while (!this.closed) {
      const r = await this.client.next(100).catch(() => undefined);
      if (r === undefined) continue;
      const nack = this.nacks.delete(r.typeUrl);
      if (!nack) this.latest.set(r.typeUrl, r);
      if (!this.acking && !nack) continue;
      const prev = nack ? this.latest.get(r.typeUrl)?.versionInfo ?? '' : r.versionInfo;
      this.client.send({
        typeUrl: r.typeUrl, versionInfo: prev, responseNonce: r.nonce, resourceNames: names.get(r.typeUrl) ?? [],
        errorDetail: nack ? { code: 3, message: 'test proxy rejects this' } : undefined,
      });
    }
  }

  /** Rejects the next response of `typeUrl`. */
  nackNext(typeUrl: string): void {
    this.nacks.add(typeUrl);
  }

  /** The resources of the last response of a type, decoded. */
  resources<Desc extends DescMessage>(typeUrl: string, schema: Desc): MessageShape<Desc>[] {
    return (this.latest.get(typeUrl)?.resources ?? []).map((a) => fromBinary(schema, a.value));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.loop;
    this.client.close();
  }
}
