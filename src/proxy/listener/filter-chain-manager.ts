// Envoy's FilterChainManager: chains indexed by FilterChainMatch, looked up level by level (port, IP,
// SNI, transport, ALPN, sources); the most specific entry per level wins, with no backtracking.
import { create, equals } from '@bufbuild/protobuf';
import type { CidrRange as CidrProto } from '../../xds/gen/envoy/config/core/v3/address_pb.js';
import { FilterChainMatchSchema, type FilterChainMatch } from '../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { CidrRange, CidrTable } from './cidr.js';
import { listenerFail } from './errors.js';

/** What filter chain matching knows about a connection (set by the socket and listener filters). */
export interface ConnectionMatchInfo {
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  /** The peer address before any listener filter rewrote it (no proxy protocol yet: the same). */
  directRemoteIp: string;
  /** SNI from tls_inspector, lower-cased ('' = none). */
  serverName: string;
  /** 'tls' when tls_inspector found a ClientHello, else 'raw_buffer'. */
  transportProtocol: string;
  /** ALPN offered in the ClientHello. */
  alpn: readonly string[];
}

/** One configured chain and where it sits in the config. */
export interface ChainEntry<C> {
  readonly match: FilterChainMatch | undefined;
  readonly name: string;
  readonly chain: C;
  /** Field path of the filter chain, for errors. */
  readonly path: string;
}

type SourcePorts<C> = Map<number, C>;
type SourceIps<C> = CidrTable<SourcePorts<C>>;
/** Indexed by ConnectionSourceType: ANY, SAME_IP_OR_LOOPBACK, EXTERNAL. */
type SourceTypes<C> = [SourceIps<C> | null, SourceIps<C> | null, SourceIps<C> | null];
type DirectSources<C> = CidrTable<SourceTypes<C>>;
type AppProtocols<C> = Map<string, DirectSources<C>>;
type TransportProtocols<C> = Map<string, AppProtocols<C>>;
type ServerNames<C> = Map<string, TransportProtocols<C>>;
type DestinationIps<C> = CidrTable<ServerNames<C>>;

/** An absent filter_chain_match equals an empty one (Envoy compares the messages). */
const emptyMatch: FilterChainMatch = create(FilterChainMatchSchema);

const SOURCE_ANY = 0;
const SOURCE_LOCAL = 1;
const SOURCE_EXTERNAL = 2;

function getOrSet<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    m.set(k, v);
  }
  return v;
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/** The filter chains of one listener, indexed for per-connection lookup. */
export class FilterChainManager<C> {
  private readonly ports = new Map<number, DestinationIps<C>>();

  /** `address` is the listener address as Envoy prints it in errors (`127.0.0.1:10000`). */
  constructor(entries: readonly ChainEntry<C>[], private readonly defaultChain: C | null, private readonly address: string) {
    entries.forEach((e, i) => {
      for (let j = 0; j < i; j++) {
        const other = entries[j];
        if (equals(FilterChainMatchSchema, e.match ?? emptyMatch, other.match ?? emptyMatch)) {
          listenerFail(e.path, `error adding listener '${address}': filter chain '${e.name}' has the same matching `
            + `rules defined as '${other.name}'`);
        }
      }
      this.add(e);
    });
  }

  private ranges(list: readonly CidrProto[], path: string): (CidrRange | null)[] {
    if (list.length === 0) return [null];
    return list.map((p, i) => {
      const r = CidrRange.parse(p);
      if (typeof r === 'string') listenerFail(`${path}[${i}]`, r);
      return r;
    });
  }

  private add(e: ChainEntry<C>): void {
    const m = e.match;
    const at = `${e.path}.filter_chain_match`;
    if (m !== undefined && (m.addressSuffix !== '' || m.suffixLen !== undefined)) {
      listenerFail(at, `error adding listener '${this.address}': filter chain '${e.name}' contains unimplemented fields`);
    }
    const serverNames = (m?.serverNames ?? []).map((n, i) => {
      if (n.includes('*') && !n.startsWith('*.')) {
        listenerFail(`${at}.server_names[${i}]`,
          `error adding listener '${this.address}': partial wildcards are not supported in "server_names"`);
      }
      const lower = n.toLowerCase();
      // `*.example.com` is stored as `.example.com`, the key suffix lookups try.
      return lower.startsWith('*.') ? lower.slice(1) : lower;
    });
    const dstRanges = this.ranges(m?.prefixRanges ?? [], `${at}.prefix_ranges`);
    const directRanges = this.ranges(m?.directSourcePrefixRanges ?? [], `${at}.direct_source_prefix_ranges`);
    const srcRanges = this.ranges(m?.sourcePrefixRanges ?? [], `${at}.source_prefix_ranges`);
    const names = serverNames.length > 0 ? serverNames : [''];
    const alpns = m !== undefined && m.applicationProtocols.length > 0 ? m.applicationProtocols : [''];
    const srcPorts = m !== undefined && m.sourcePorts.length > 0 ? m.sourcePorts : [0];
    const transport = m?.transportProtocol ?? '';
    const sourceType = m?.sourceType ?? SOURCE_ANY;

    const dips = getOrSet(this.ports, m?.destinationPort ?? 0, () => new CidrTable<ServerNames<C>>());
    for (const dr of dstRanges) {
      const byName = dips.getOrCreate(dr, () => new Map());
      for (const name of names) {
        const byTransport = getOrSet(byName, name, () => new Map());
        const byAlpn = getOrSet(byTransport, transport, () => new Map());
        for (const alpn of alpns) {
          const direct = getOrSet(byAlpn, alpn, () => new CidrTable<SourceTypes<C>>());
          for (const dsr of directRanges) {
            const types = direct.getOrCreate(dsr, () => [null, null, null]);
            const srcIps = (types[sourceType] ??= new CidrTable<SourcePorts<C>>());
            for (const sr of srcRanges) {
              const ports = srcIps.getOrCreate(sr, () => new Map());
              for (const p of srcPorts) {
                if (ports.has(p)) {
                  listenerFail(e.path, `error adding listener '${this.address}': multiple filter chains with `
                    + 'overlapping matching rules are defined');
                }
                ports.set(p, e.chain);
              }
            }
          }
        }
      }
    }
  }

  /** The chain for a connection: the best match, else default_filter_chain, else null (close it). */
  find(c: ConnectionMatchInfo): C | null {
    const exact = this.ports.get(c.localPort);
    // A port with its own chains never falls back to the port-less ones.
    if (exact !== undefined) return this.byDestinationIp(exact, c) ?? this.defaultChain;
    const any = this.ports.get(0);
    return (any !== undefined ? this.byDestinationIp(any, c) : null) ?? this.defaultChain;
  }

  private byDestinationIp(t: DestinationIps<C>, c: ConnectionMatchInfo): C | null {
    const names = t.find(c.localIp);
    return names === undefined ? null : this.byServerName(names, c);
  }

  private byServerName(names: ServerNames<C>, c: ConnectionMatchInfo): C | null {
    const sni = c.serverName;
    const exact = names.get(sni);
    if (exact !== undefined) return this.byTransport(exact, c);
    // Wildcards from the most specific: `.b.example.com`, `.example.com`, `.com`.
    let pos = sni.indexOf('.', 1);
    while (pos !== -1 && pos < sni.length - 1) {
      const w = names.get(sni.slice(pos));
      if (w !== undefined) return this.byTransport(w, c);
      pos = sni.indexOf('.', pos + 1);
    }
    const any = names.get('');
    return any !== undefined ? this.byTransport(any, c) : null;
  }

  private byTransport(t: TransportProtocols<C>, c: ConnectionMatchInfo): C | null {
    const m = t.get(c.transportProtocol) ?? t.get('');
    return m === undefined ? null : this.byAppProtocol(m, c);
  }

  private byAppProtocol(t: AppProtocols<C>, c: ConnectionMatchInfo): C | null {
    for (const p of c.alpn) {
      const m = t.get(p);
      if (m !== undefined) return this.byDirectSource(m, c);
    }
    const any = t.get('');
    return any !== undefined ? this.byDirectSource(any, c) : null;
  }

  private byDirectSource(t: DirectSources<C>, c: ConnectionMatchInfo): C | null {
    const types = t.find(c.directRemoteIp);
    return types === undefined ? null : this.bySourceType(types, c);
  }

  private bySourceType(types: SourceTypes<C>, c: ConnectionMatchInfo): C | null {
    const local = types[SOURCE_LOCAL];
    const external = types[SOURCE_EXTERNAL];
    if (local !== null || external !== null) {
      const isLocal = isLoopback(c.remoteIp) || c.remoteIp === c.localIp;
      if (isLocal && local !== null) return this.bySource(local, c);
      if (!isLocal && external !== null) return this.bySource(external, c);
    }
    const any = types[SOURCE_ANY];
    return any !== null ? this.bySource(any, c) : null;
  }

  private bySource(t: SourceIps<C>, c: ConnectionMatchInfo): C | null {
    const ports = t.find(c.remoteIp);
    if (ports === undefined) return null;
    return ports.get(c.remotePort) ?? (c.remotePort !== 0 ? ports.get(0) ?? null : null);
  }
}
