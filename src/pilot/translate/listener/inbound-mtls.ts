// The inbound side of PeerAuthentication as istiod builds it: the filter chain matches a port gets per
// mTLS mode (getFilterChainMatchOptions), the DownstreamTlsContext of Istio mTLS (BuildInboundTLS) and
// the tls_inspector, turned off on the ports that need no TLS (populateListenerFilters/buildTLSInspector).
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { TransportSocketSchema, type TransportSocket } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import {
  ListenerFilterChainMatchPredicateSchema, type FilterChain, type ListenerFilterChainMatchPredicate,
} from '../../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import type { ListenerFilter } from '../../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { TlsParametersSchema, TlsParameters_TlsProtocol, CertificateValidationContextSchema } from '../../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import {
  CommonTlsContextSchema, CommonTlsContext_CombinedCertificateValidationContextSchema, DownstreamTlsContextSchema,
} from '../../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { MtlsMode } from '../../security/peer-authentication.js';
import { SDS_DEFAULT, SDS_ROOT, sdsSecretConfig } from '../cluster/sds.js';
import { TLS_SOCKET } from '../cluster/tls.js';
import { tlsInspectorFilter } from './protos.js';

/** Every ALPN an Istio mTLS client sends (istiod's allIstioMtlsALPNs): what PERMISSIVE's TLS chain matches. */
export const ALL_ISTIO_MTLS_ALPNS = ['istio', 'istio-peer-exchange', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2'];
/** The inbound TLS context's ALPN on HTTP chains (istiod's ALPNDownstream). */
export const INBOUND_ALPN = ['h2', 'http/1.1'];
/** On TCP chains (istiod's ALPNDownstreamWithMxc): istio-peer-exchange first, for the chain's metadata exchange filter. */
export const INBOUND_ALPN_WITH_MX = ['istio-peer-exchange', 'h2', 'http/1.1'];
/** istiod's SupportedCiphers for sidecar servers. */
export const SUPPORTED_CIPHERS = [
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-GCM-SHA256',
];

/** One chain a port gets: what it matches and whether it terminates Istio mTLS. */
export interface ChainMatchOption {
  readonly transportProtocol: 'tls' | 'raw_buffer';
  readonly applicationProtocols: readonly string[];
  /** The chain terminates mTLS (else it is plaintext, or TLS passed through untouched). */
  readonly mtls: boolean;
}

const MTLS_ISTIO_ALPN: ChainMatchOption = { transportProtocol: 'tls', applicationProtocols: ALL_ISTIO_MTLS_ALPNS, mtls: true };
const MTLS_ANY: ChainMatchOption = { transportProtocol: 'tls', applicationProtocols: [], mtls: true };
const PLAINTEXT: ChainMatchOption = { transportProtocol: 'raw_buffer', applicationProtocols: [], mtls: false };
const PLAIN_TLS: ChainMatchOption = { transportProtocol: 'tls', applicationProtocols: [], mtls: false };

/**
 * istiod's getFilterChainMatchOptions for a port of a known protocol: STRICT takes TLS only (a plaintext
 * connection matches nothing and is closed); PERMISSIVE takes Istio mTLS (by ALPN) and plaintext, and
 * on TCP ports also other TLS, passed through as is; DISABLE takes plaintext only.
 */
export function chainMatchOptions(mode: Exclude<MtlsMode, 'UNKNOWN'>, http: boolean): readonly ChainMatchOption[] {
  switch (mode) {
    case 'STRICT': return [MTLS_ANY];
    case 'PERMISSIVE': return http ? [MTLS_ISTIO_ALPN, PLAINTEXT] : [MTLS_ISTIO_ALPN, PLAINTEXT, PLAIN_TLS];
    default: return [PLAINTEXT];
  }
}

/**
 * istiod's BuildInboundTLS: the workload certificate (SDS `default`) presented, a client certificate
 * required and checked against the mesh root (SDS `ROOTCA`, no SAN restriction), TLS 1.2-1.3 with
 * Istio's cipher suites, and ALPN h2 and http/1.1 (TCP chains offer istio-peer-exchange first).
 */
export function inboundMtlsSocket(http: boolean): TransportSocket {
  const ctx = create(DownstreamTlsContextSchema, {
    requireClientCertificate: true,
    commonTlsContext: create(CommonTlsContextSchema, {
      alpnProtocols: http ? INBOUND_ALPN : INBOUND_ALPN_WITH_MX,
      tlsParams: create(TlsParametersSchema, {
        cipherSuites: SUPPORTED_CIPHERS,
        tlsMinimumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_2,
        tlsMaximumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3,
      }),
      tlsCertificateSdsSecretConfigs: [sdsSecretConfig(SDS_DEFAULT)],
      validationContextType: {
        case: 'combinedValidationContext',
        value: create(CommonTlsContext_CombinedCertificateValidationContextSchema, {
          defaultValidationContext: create(CertificateValidationContextSchema),
          validationContextSdsSecretConfig: sdsSecretConfig(SDS_ROOT),
        }),
      },
    }),
  });
  return create(TransportSocketSchema, { name: TLS_SOCKET, configType: { case: 'typedConfig', value: anyPack(DownstreamTlsContextSchema, ctx) } });
}

const portRange = (p: number): ListenerFilterChainMatchPredicate => create(ListenerFilterChainMatchPredicateSchema, {
  rule: { case: 'destinationPortRange', value: { start: p, end: p + 1 } },
});

/** istiod's listenerPredicateExcludePorts: matches the listed ports (one range, or an or_match of them). */
function anyOfPorts(ports: readonly number[]): ListenerFilterChainMatchPredicate {
  if (ports.length === 1) return portRange(ports[0]);
  return create(ListenerFilterChainMatchPredicateSchema, { rule: { case: 'orMatch', value: { rules: ports.map(portRange) } } });
}

/**
 * istiod's buildTLSInspector over a listener's chains: none when no chain matches on TLS; otherwise
 * enabled where TLS is matched. With a port-less TLS chain it is on by default and disabled on the ports
 * that need none; without one it is disabled except on the ports that need it (not_match of those).
 */
export function tlsInspectorFor(chains: readonly FilterChain[]): ListenerFilter | undefined {
  const needs = new Map<number, boolean>();
  for (const c of chains) {
    const port = c.filterChainMatch?.destinationPort ?? 0;
    needs.set(port, (needs.get(port) ?? false) || c.filterChainMatch?.transportProtocol === 'tls');
  }
  if (![...needs.values()].some((n) => n)) return undefined;
  const ports = [...needs.keys()].filter((p) => p !== 0).sort((a, b) => a - b);
  if (needs.get(0) === true) {
    const off = ports.filter((p) => !needs.get(p));
    return tlsInspectorFilter(off.length === 0 ? undefined : anyOfPorts(off));
  }
  const on = ports.filter((p) => needs.get(p));
  return tlsInspectorFilter(create(ListenerFilterChainMatchPredicateSchema, { rule: { case: 'notMatch', value: anyOfPorts(on) } }));
}
