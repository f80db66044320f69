// DNS for STRICT_DNS and LOGICAL_DNS clusters: dns.lookup (the system resolver, /etc/hosts
// included) with Envoy's dns_lookup_family semantics.
import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';

/** Envoy's Cluster.DnsLookupFamily names. */
export type DnsLookupFamily = 'AUTO' | 'V4_ONLY' | 'V6_ONLY' | 'V4_PREFERRED' | 'ALL';

/** Looks a name up in one address family (0 = any); resolves to the addresses, in resolver order. */
export type LookupFn = (hostname: string, family: 0 | 4 | 6) => Promise<string[]>;

/** The system resolver (getaddrinfo through libuv's thread pool). */
export const systemLookup: LookupFn = async (hostname, family) => {
  const rows = await dnsPromises.lookup(hostname, { family, all: true, verbatim: true });
  return rows.map((r) => r.address);
};

/** Maps the proto enum value to its name (AUTO = 0 ... ALL = 4). */
export function lookupFamilyName(v: number): DnsLookupFamily {
  return (['AUTO', 'V4_ONLY', 'V6_ONLY', 'V4_PREFERRED', 'ALL'] as const)[v] ?? 'AUTO';
}

async function tryFamily(lookup: LookupFn, name: string, family: 0 | 4 | 6): Promise<string[]> {
  try {
    return await lookup(name, family);
  } catch {
    return [];
  }
}

/**
 * Resolves `name` as Envoy does for `family`: AUTO tries IPv6 then IPv4, V4_PREFERRED the reverse,
 * ALL returns both. Rejects with the resolver's error when nothing is found.
 */
export async function resolveName(name: string, family: DnsLookupFamily, lookup: LookupFn): Promise<string[]> {
  const literal = isIP(name);
  if (literal !== 0) {
    if ((family === 'V4_ONLY' && literal !== 4) || (family === 'V6_ONLY' && literal !== 6)) {
      throw new Error(`${name}: address family not allowed by dns_lookup_family ${family}`);
    }
    return [name];
  }
  let out: string[];
  switch (family) {
    case 'V4_ONLY': out = await lookup(name, 4); break;
    case 'V6_ONLY': out = await lookup(name, 6); break;
    case 'ALL': out = await lookup(name, 0); break;
    case 'V4_PREFERRED':
      out = await tryFamily(lookup, name, 4);
      if (out.length === 0) out = await lookup(name, 6);
      break;
    default:
      out = await tryFamily(lookup, name, 6);
      if (out.length === 0) out = await lookup(name, 4);
  }
  const unique = [...new Set(out)];
  if (unique.length === 0) throw new Error(`${name}: no addresses found`);
  return unique;
}
