// A cluster's transport sockets (Envoy's TransportSocketMatcherImpl): transport_socket_matches
// compiled at cluster load, and the one a host uses, picked from its endpoint or locality metadata.
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import type { Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Metadata, TransportSocket } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { PathError, PathSeg } from '../bootstrap/config-error.js';
import type { Counter, Scope } from '../stats/store.js';
import type { ClientTlsContext } from '../tls/client-context.js';
import { SslStats } from '../tls/tls-stats.js';
import { tryClientTransport } from '../tls/transport-socket.js';

/** The filter_metadata key whose fields the matches compare (Envoy's ENVOY_TRANSPORT_SOCKET_MATCH). */
export const TRANSPORT_SOCKET_MATCH_KEY = 'envoy.transport_socket_match';

/** One transport a host may use: a TLS context, or plain TCP when `tls` is null. */
export interface UpstreamTransport {
  /** The match's name, or `default` for the cluster's transport_socket. */
  readonly name: string;
  readonly tls: ClientTlsContext | null;
  /** The cluster's `ssl.*` stats (null for plain TCP). */
  readonly sslStats: SslStats | null;
  /** `cluster.<name>.<match name>.total_match_count` (`default.total_match_count` for the fallback). */
  readonly matchCount: Counter;
}

/** The metadata a host is matched on: its LbEndpoint's, then its locality's. */
export interface TransportMatchSubject {
  readonly metadata?: Metadata;
  readonly localityMetadata?: Metadata;
}

interface CompiledMatch {
  readonly labels: readonly [string, JsonValue][];
  readonly transport: UpstreamTransport;
}

/** Deep equality of two JSON values (protobuf Value equality for Struct fields). */
function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k in b && jsonEqual(a[k], (b as JsonObject)[k]));
}

/** Envoy's metadataLabelMatch: every label present and equal; an empty label set matches anything. */
function labelsMatch(labels: readonly [string, JsonValue][], metadata: Metadata | undefined): boolean {
  if (labels.length === 0) return true;
  const fields = metadata?.filterMetadata[TRANSPORT_SOCKET_MATCH_KEY];
  if (fields === undefined) return false;
  return labels.every(([k, v]) => k in fields && jsonEqual(fields[k], v));
}

/** The compiled transports of one cluster. */
export class TransportSocketMatcher {
  /** Each host's transport, resolved (and counted in total_match_count) on its first connection. */
  private readonly byHost = new WeakMap<TransportMatchSubject, UpstreamTransport>();

  private constructor(private readonly matches: readonly CompiledMatch[], readonly fallback: UpstreamTransport) {}

  /**
   * Builds every transport of the cluster now, so a bad TLS config (unreadable file, bad CA, SDS)
   * is a config error of the cluster; errors land in `errors` with paths relative to the cluster.
   */
  static build(config: ClusterConfig, scope: Scope, errors: PathError[]): TransportSocketMatcher {
    let ssl: SslStats | null = null;
    const sslStats = (): SslStats => (ssl ??= new SslStats(scope.scope('ssl')));
    const compile = (name: string, ts: TransportSocket | undefined, path: readonly PathSeg[]): UpstreamTransport => {
      const tls = tryClientTransport(ts, path, errors);
      return { name, tls, sslStats: tls === null ? null : sslStats(), matchCount: scope.counter(`${name}.total_match_count`) };
    };
    const matches: CompiledMatch[] = config.transportSocketMatches.map((m, i) => {
      const path: PathSeg[] = ['transport_socket_matches', i, 'transport_socket'];
      if (m.transportSocket === undefined) {
        errors.push({ path, message: `transport_socket_matches '${m.name}' needs a transport_socket` });
      }
      return { labels: Object.entries(m.match ?? {}), transport: compile(m.name, m.transportSocket, path) };
    });
    return new TransportSocketMatcher(matches, compile('default', config.transportSocket, ['transport_socket']));
  }

  /** Whether the cluster has transport_socket_matches (otherwise every host uses the fallback). */
  get hasMatches(): boolean {
    return this.matches.length > 0;
  }

  /** The transport of `host`'s connections; counts the match the first time a host asks. */
  forHost(host: TransportMatchSubject): UpstreamTransport {
    let t = this.byHost.get(host);
    if (t === undefined) {
      t = this.resolve(host);
      t.matchCount.inc();
      this.byHost.set(host, t);
    }
    return t;
  }

  /** As Envoy: the first match on the endpoint metadata, else the first on the locality's, else the default. */
  resolve(host: TransportMatchSubject): UpstreamTransport {
    for (const m of this.matches) if (labelsMatch(m.labels, host.metadata)) return m.transport;
    for (const m of this.matches) if (labelsMatch(m.labels, host.localityMetadata)) return m.transport;
    return this.fallback;
  }
}
