// Subject Alternative Name matching, as Envoy's certificate validator: typed matchers
// (DNS/URI/EMAIL/IP_ADDRESS) and the legacy untyped ones, which apply to every SAN type.
import type { StringMatcher } from '../../xds/gen/envoy/type/matcher/v3/string_pb.js';
import type { SubjectAltNameMatcher } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { SubjectAltNameMatcher_SanType } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import type { PathSeg } from '../bootstrap/config-error.js';
import { formatPath } from '../bootstrap/config-error.js';
import { RouteConfigError } from '../router/errors.js';
import { StringMatch } from '../router/string-match.js';
import { tlsFail, TlsConfigError } from './errors.js';

/** The SAN types Strait matches on. */
export type SanType = 'DNS' | 'URI' | 'EMAIL' | 'IP_ADDRESS';

/** One SAN of a peer certificate. */
export interface PeerSan {
  readonly type: SanType;
  readonly value: string;
}

const NODE_SAN_TYPES: Record<string, SanType> = { 'DNS': 'DNS', 'URI': 'URI', 'email': 'EMAIL', 'IP Address': 'IP_ADDRESS' };

/** IPv6 as inet_ntop prints it (`::1`); node prints SAN addresses uncompressed. */
function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    const host = new URL(`http://[${ip}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return ip;
  }
}

/** Parses node's `subjectaltname` text (`DNS:a, IP Address:1.2.3.4, URI:"x,y"`); unknown types are skipped. */
export function parseSubjectAltNames(text: string | undefined): PeerSan[] {
  const out: PeerSan[] = [];
  if (text === undefined || text === '') return out;
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon === -1) break;
    const kind = text.slice(i, colon);
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      // Node quotes values with separators as JSON strings.
      let j = colon + 2;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(colon + 1, j + 1)) as string;
      } catch {
        value = text.slice(colon + 2, j);
      }
      next = text.indexOf(', ', j);
    } else {
      next = text.indexOf(', ', colon);
      value = text.slice(colon + 1, next === -1 ? text.length : next);
    }
    const type = NODE_SAN_TYPES[kind];
    if (type !== undefined) out.push({ type, value: type === 'IP_ADDRESS' ? canonicalIp(value) : value });
    if (next === -1) break;
    i = next + 2;
  }
  return out;
}

/** Envoy's dnsNameMatch: a certificate's `*.example.com` covers exactly one label. */
function dnsNameMatch(wanted: string, san: string): boolean {
  const w = wanted.toLowerCase();
  const s = san.toLowerCase();
  if (w === s) return true;
  if (!s.startsWith('*.')) return false;
  const dot = w.indexOf('.');
  return dot > 0 && w.slice(dot) === s.slice(1);
}

/** One compiled SAN matcher. */
export class SanMatcher {
  constructor(private readonly type: SanType, private readonly matcher: StringMatch,
    /** For DNS exact matchers: the name, matched against wildcard certificates too. */
    private readonly exactDns: string | null) {}

  matches(sans: readonly PeerSan[]): boolean {
    for (const san of sans) {
      if (san.type !== this.type) continue;
      if (this.exactDns !== null ? dnsNameMatch(this.exactDns, san.value) : this.matcher.match(san.value)) return true;
    }
    return false;
  }
}

function compileStringMatch(m: StringMatcher, path: readonly PathSeg[]): StringMatch {
  try {
    return StringMatch.compile(m, formatPath(path));
  } catch (e) {
    if (e instanceof RouteConfigError) throw new TlsConfigError(e.detail, path);
    throw e;
  }
}

const TYPED: Partial<Record<SubjectAltNameMatcher_SanType, SanType>> = {
  [SubjectAltNameMatcher_SanType.DNS]: 'DNS',
  [SubjectAltNameMatcher_SanType.URI]: 'URI',
  [SubjectAltNameMatcher_SanType.EMAIL]: 'EMAIL',
  [SubjectAltNameMatcher_SanType.IP_ADDRESS]: 'IP_ADDRESS',
};

function oneMatcher(type: SanType, m: StringMatcher, path: readonly PathSeg[]): SanMatcher {
  const exact = type === 'DNS' && m.matchPattern.case === 'exact' ? m.matchPattern.value : null;
  return new SanMatcher(type, compileStringMatch(m, path), exact);
}

/** Compiles match_typed_subject_alt_names plus the legacy match_subject_alt_names (paths for errors). */
export function compileSanMatchers(typed: readonly SubjectAltNameMatcher[], legacy: readonly StringMatcher[],
  path: readonly PathSeg[]): SanMatcher[] {
  const out: SanMatcher[] = [];
  typed.forEach((t, i) => {
    const at = [...path, 'match_typed_subject_alt_names', i];
    const type = TYPED[t.sanType];
    if (type === undefined) {
      tlsFail([...at, 'san_type'], t.sanType === SubjectAltNameMatcher_SanType.OTHER_NAME
        ? 'OTHER_NAME SAN matchers are not supported by Strait' : 'a SAN type is required');
    }
    if (t.matcher === undefined) tlsFail([...at, 'matcher'], 'a matcher is required');
    out.push(oneMatcher(type, t.matcher, [...at, 'matcher']));
  });
  legacy.forEach((m, i) => {
    const at = [...path, 'match_subject_alt_names', i];
    // As Envoy: a legacy matcher is tried against every SAN type.
    for (const type of ['DNS', 'URI', 'EMAIL', 'IP_ADDRESS'] as const) out.push(oneMatcher(type, m, at));
  });
  return out;
}
