// Envoy bootstraps of the mTLS benchmark's two sidecars, shaped as istiod's: the client sidecar's
// outbound listeners and cluster (Istio mTLS origination, or plaintext), the server sidecar's inbound
// listener (STRICT mTLS behind tls_inspector, or plaintext) in front of the upstream.
import { ALPN_IN_MESH } from '../../src/pilot/translate/cluster/tls.js';
import { ALL_ISTIO_MTLS_ALPNS, INBOUND_ALPN, SUPPORTED_CIPHERS } from '../../src/pilot/translate/listener/inbound-mtls.js';
import type { MeshPki } from './mesh-pki.js';

const TYPE = 'type.googleapis.com/envoy.extensions.';
const HCM = `${TYPE}filters.network.http_connection_manager.v3.HttpConnectionManager`;
const ROUTER = `${TYPE}filters.http.router.v3.Router`;
const UPSTREAM_TLS = `${TYPE}transport_sockets.tls.v3.UpstreamTlsContext`;
const DOWNSTREAM_TLS = `${TYPE}transport_sockets.tls.v3.DownstreamTlsContext`;
const HTTP_OPTIONS = `${TYPE}upstreams.http.v3.HttpProtocolOptions`;
const TLS_INSPECTOR = `${TYPE}filters.listener.tls_inspector.v3.TlsInspector`;

const TLS_PARAMS = { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' };
const SERVER_HOST = 'server.default.svc.cluster.local';

const address = (port: number): object => ({ socket_address: { address: '127.0.0.1', port_value: port } });
const file = (filename: string): object => ({ filename });

function hcm(statPrefix: string, cluster: string): object {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM, stat_prefix: statPrefix,
      route_config: { name: statPrefix, virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] },
      http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
    },
  };
}

function staticCluster(name: string, port: number, extra: object = {}): object {
  return {
    name, type: 'STATIC', connect_timeout: '1s', ...extra,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: address(port) } }] }] },
  };
}

/** The client side of Istio mTLS (istiod's ISTIO_MUTUAL with the certificates as files). */
function originationSocket(pki: MeshPki, self: string, peer: string): object {
  const me = pki.workloads[self]!;
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': UPSTREAM_TLS, sni: `outbound_.80_._.${SERVER_HOST}`,
      common_tls_context: {
        tls_params: TLS_PARAMS, alpn_protocols: ALPN_IN_MESH,
        tls_certificates: [{ certificate_chain: file(me.cert), private_key: file(me.key) }],
        validation_context: { trusted_ca: file(pki.rootCert), match_subject_alt_names: [{ exact: pki.workloads[peer]!.spiffeId }] },
      },
    },
  };
}

/** The server side of Istio mTLS (istiod's BuildInboundTLS with the certificates as files). */
function inboundMtlsSocket(pki: MeshPki, self: string): object {
  const me = pki.workloads[self]!;
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': DOWNSTREAM_TLS, require_client_certificate: true,
      common_tls_context: {
        alpn_protocols: INBOUND_ALPN, tls_params: { ...TLS_PARAMS, cipher_suites: SUPPORTED_CIPHERS },
        tls_certificates: [{ certificate_chain: file(me.cert), private_key: file(me.key) }],
        validation_context: { trusted_ca: file(pki.rootCert) },
      },
    },
  };
}

/** Ports of the client sidecar. */
export interface ClientSidecarPorts {
  admin: number;
  /** Outbound listener whose cluster keeps its connections (as a sidecar does). */
  keepAlive: number;
  /** Outbound listener whose cluster opens a connection per request (max_requests_per_connection 1). */
  newConnection: number;
  /** The server sidecar's inbound port. */
  serverSidecar: number;
}

/** The client sidecar: two outbound listeners, each to its cluster for the server sidecar; mTLS or plaintext. */
export function clientSidecarBootstrap(ports: ClientSidecarPorts, pki: MeshPki | null): string {
  const cluster = `outbound|80||${SERVER_HOST}`;
  const tls = pki === null ? {} : { transport_socket: originationSocket(pki, 'client', 'server') };
  const oneRequest = {
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': HTTP_OPTIONS, common_http_protocol_options: { max_requests_per_connection: 1 }, explicit_http_config: { http_protocol_options: {} },
      },
    },
  };
  return JSON.stringify({
    node: { id: `sidecar~127.0.0.1~client-0.default~default.svc.cluster.local`, cluster: 'client.default' },
    admin: { address: address(ports.admin) },
    static_resources: {
      listeners: [
        { name: 'outbound_keepalive', address: address(ports.keepAlive), traffic_direction: 'OUTBOUND', filter_chains: [{ filters: [hcm('outbound_keepalive', cluster)] }] },
        { name: 'outbound_newconn', address: address(ports.newConnection), traffic_direction: 'OUTBOUND', filter_chains: [{ filters: [hcm('outbound_newconn', `${cluster}-newconn`)] }] },
      ],
      clusters: [
        staticCluster(cluster, ports.serverSidecar, tls),
        staticCluster(`${cluster}-newconn`, ports.serverSidecar, { ...tls, ...oneRequest }),
      ],
    },
  }, null, 1);
}

/** The server sidecar: an inbound listener (STRICT mTLS or plaintext) to the local upstream. */
export function serverSidecarBootstrap(ports: { admin: number; inbound: number; upstream: number }, pki: MeshPki | null): string {
  const cluster = 'inbound|80||';
  const chain = pki === null
    ? { filters: [hcm('inbound_0.0.0.0_80', cluster)] }
    : {
      filter_chain_match: { transport_protocol: 'tls', application_protocols: ALL_ISTIO_MTLS_ALPNS },
      transport_socket: inboundMtlsSocket(pki, 'server'),
      filters: [hcm('inbound_0.0.0.0_80', cluster)],
    };
  return JSON.stringify({
    node: { id: `sidecar~127.0.0.1~server-0.default~default.svc.cluster.local`, cluster: 'server.default' },
    admin: { address: address(ports.admin) },
    static_resources: {
      listeners: [{
        name: 'virtualInbound', address: address(ports.inbound), traffic_direction: 'INBOUND',
        listener_filters: pki === null ? [] : [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TLS_INSPECTOR } }],
        filter_chains: [chain],
      }],
      clusters: [staticCluster(cluster, ports.upstream)],
    },
  }, null, 1);
}
