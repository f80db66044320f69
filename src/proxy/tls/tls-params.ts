// TlsParameters -> node TLS options: protocol version range, cipher list, ECDH curves and
// signature algorithms, with Envoy's defaults (which differ for clients and servers).
import tls from 'node:tls';
import type { TlsParameters } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { TlsParameters_TlsProtocol } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import type { PathSeg } from '../bootstrap/config-error.js';
import { tlsFail } from './errors.js';

/** Envoy's default TLS 1.0-1.2 cipher list (non-FIPS), the same for clients and servers. */
const DEFAULT_CIPHERS = [
  '[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]',
  '[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
];

/** TLS 1.3 suites are not configurable in Envoy (BoringSSL); these are OpenSSL's defaults. */
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

/** Envoy's default ECDH curves (non-FIPS). */
const DEFAULT_CURVES = 'X25519:P-256';

const VERSION_NAMES: Record<number, tls.SecureVersion> = {
  [TlsParameters_TlsProtocol.TLSv1_0]: 'TLSv1',
  [TlsParameters_TlsProtocol.TLSv1_1]: 'TLSv1.1',
  [TlsParameters_TlsProtocol.TLSv1_2]: 'TLSv1.2',
  [TlsParameters_TlsProtocol.TLSv1_3]: 'TLSv1.3',
};

/** The node options a TlsParameters turns into. */
export interface NodeTlsParams {
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  /** OpenSSL cipher string: the TLS 1.0-1.2 list plus the TLS 1.3 suites. */
  ciphers: string;
  ecdhCurve: string;
  sigalgs?: string;
}

/** Envoy's equal-preference groups `[A|B]` have no OpenSSL form; their members keep their order. */
function flattenCipherGroups(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of list) {
    const inner = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
    for (const c of inner.split('|')) if (c !== '') out.push(c);
  }
  return out;
}

/** Whether OpenSSL accepts one TLS 1.0-1.2 cipher name (BoringSSL would reject TLS 1.3 names here). */
function cipherAccepted(name: string): boolean {
  if (name.startsWith('TLS_')) return false;
  try {
    tls.createSecureContext({ ciphers: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads `tls_params` (path is its field path). Defaults: minimum TLSv1_2; maximum TLSv1_3 for
 * servers and TLSv1_2 for clients, as Envoy.
 */
export function nodeTlsParams(p: TlsParameters | undefined, isServer: boolean, path: readonly PathSeg[]): NodeTlsParams {
  const minSet = p?.tlsMinimumProtocolVersion ?? TlsParameters_TlsProtocol.TLS_AUTO;
  const maxSet = p?.tlsMaximumProtocolVersion ?? TlsParameters_TlsProtocol.TLS_AUTO;
  const min = minSet === TlsParameters_TlsProtocol.TLS_AUTO ? TlsParameters_TlsProtocol.TLSv1_2 : minSet;
  let max = maxSet;
  if (max === TlsParameters_TlsProtocol.TLS_AUTO) {
    max = isServer ? TlsParameters_TlsProtocol.TLSv1_3 : TlsParameters_TlsProtocol.TLSv1_2;
    // A minimum above the default maximum raises the maximum rather than making every handshake fail.
    if (min > max) max = min;
  }
  if (min > max) {
    tlsFail([...path, 'tls_minimum_protocol_version'],
      `tls_minimum_protocol_version ${VERSION_NAMES[min]} is above tls_maximum_protocol_version ${VERSION_NAMES[max]}`);
  }

  const configured = p !== undefined && p.cipherSuites.length > 0;
  const ciphers = flattenCipherGroups(configured ? p.cipherSuites : DEFAULT_CIPHERS);
  if (configured) {
    const rejected = ciphers.filter((c) => !cipherAccepted(c));
    if (rejected.length > 0) {
      tlsFail([...path, 'cipher_suites'], `Failed to initialize cipher suites ${p.cipherSuites.join(':')}. `
        + `The following ciphers were rejected when tried individually: ${rejected.join(', ')}`);
    }
  }

  const curves = p !== undefined && p.ecdhCurves.length > 0 ? p.ecdhCurves.join(':') : DEFAULT_CURVES;
  if (p !== undefined && p.ecdhCurves.length > 0) {
    try {
      tls.createSecureContext({ ecdhCurve: curves });
    } catch {
      tlsFail([...path, 'ecdh_curves'], `Failed to initialize ECDH curves ${curves}`);
    }
  }
  const out: NodeTlsParams = {
    minVersion: VERSION_NAMES[min],
    maxVersion: VERSION_NAMES[max],
    ciphers: `${ciphers.join(':')}:${TLS13_SUITES}`,
    ecdhCurve: curves,
  };
  if (p !== undefined && p.signatureAlgorithms.length > 0) {
    out.sigalgs = p.signatureAlgorithms.join(':');
    try {
      tls.createSecureContext({ sigalgs: out.sigalgs });
    } catch {
      tlsFail([...path, 'signature_algorithms'], `Failed to initialize TLS signature algorithms ${out.sigalgs}`);
    }
  }
  return out;
}
