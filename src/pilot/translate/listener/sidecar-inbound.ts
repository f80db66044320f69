// A sidecar's inbound side: virtualInbound (15006) with the filter chains of each port of the proxy's
// service instances (per its PeerAuthentication mTLS mode), also bound on <bindAddress>:<targetPort>
// (additional_addresses) for local mode.
import { create } from '@bufbuild/protobuf';
import { TrafficDirection } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import { FilterChainSchema, type FilterChain } from '../../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { ListenerSchema, type Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteSchema, VirtualHostSchema } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { PushContext } from '../../model/push-context.js';
import type { ListenersView, OwnPort } from '../../model/proxy-views.js';
import { protocolFromPortName, type Protocol } from '../../registry/protocol.js';
import { BLACKHOLE_CLUSTER, inboundClusterName, listenerName, VIRTUAL_INBOUND_LISTENER, VIRTUAL_INBOUND_PORT } from '../names.js';
import { durationOfMs } from '../route/durations.js';
import { tcpFilters, tcpMetadataExchangeFilter } from './telemetry.js';
import { authzTcpFilters } from '../../security/authz/builder.js';
import { hcmFilter } from './hcm.js';
import { isHttpProtocol } from './sidecar-outbound.js';
import { socketAddress, tcpProxyFilter } from './protos.js';
import { chainMatchOptions, inboundMtlsSocket, tlsInspectorFor } from './inbound-mtls.js';
import { mtlsModeForPort } from '../../security/peer-authentication.js';

export const INBOUND_BLACKHOLE_CHAIN = 'virtualInbound-blackhole';
const WILDCARD = '0.0.0.0';

/** istiod's inbound route: `inbound|<port>||` -> vhost `inbound|http|<port>` -> route `default`. */
export function inboundRouteConfig(port: number, hostname: string): RouteConfiguration {
  const cluster = inboundClusterName(port);
  return create(RouteConfigurationSchema, {
    name: cluster,
    validateClusters: false,
    virtualHosts: [create(VirtualHostSchema, {
      name: `inbound|http|${port}`, domains: ['*'],
      routes: [create(RouteSchema, {
        name: 'default',
        match: { pathSpecifier: { case: 'prefix', value: '/' } },
        decorator: { operation: `${hostname}:${port}/*` },
        action: { case: 'route', value: {
          clusterSpecifier: { case: 'cluster', value: cluster }, timeout: durationOfMs(0),
          maxStreamDuration: { maxStreamDuration: durationOfMs(0), grpcTimeoutHeaderMax: durationOfMs(0) },
        } },
      })],
    })],
  });
}

/** The protocol of an instance's service port: from the registry's service, else from the port name. */
function instanceProtocol(push: PushContext, proxy: ListenersView, i: OwnPort): Protocol {
  const port = push.serviceFor(proxy, i.hostname)?.ports.find((p) => p.port === i.servicePort);
  return port?.protocol ?? protocolFromPortName(i.servicePortName);
}

/**
 * The chains of one inbound port, as istiod's inboundChainForOpts: one per match option of the
 * port's mTLS mode, all named `0.0.0.0_<port>`. Without SDS the mTLS chains cannot be built and are
 * left out (see MeshConfig.workloadSds).
 */
function inboundChains(push: PushContext, proxy: ListenersView, i: OwnPort): FilterChain[] {
  const name = listenerName(WILDCARD, i.port);
  const http = isHttpProtocol(instanceProtocol(push, proxy, i));
  // istiod's buildInboundNetworkFiltersForHTTP / buildCompleteNetworkFilters: metadata exchange first on
  // every inbound chain (on HTTP chains it stays idle: their ALPN never offers istio-peer-exchange).
  const filters = http
    ? [tcpMetadataExchangeFilter(), hcmFilter({ class: 'sidecar-inbound', statPrefix: `inbound_${name}`, route: inboundRouteConfig(i.port, i.hostname) }, push, proxy)]
    : [tcpMetadataExchangeFilter(), ...authzTcpFilters(push, proxy),
      ...tcpFilters(inboundClusterName(i.port), push.telemetryFor(proxy, 'SERVER'), push.mesh)];
  const mode = mtlsModeForPort(push.peerAuthentication.forWorkload(proxy.namespace, proxy.labels), i.port);
  return chainMatchOptions(mode, http).filter((o) => !o.mtls || push.mesh.workloadSds).map((o) => create(FilterChainSchema, {
    name,
    filterChainMatch: { destinationPort: i.port, transportProtocol: o.transportProtocol, applicationProtocols: [...o.applicationProtocols] },
    filters: [...filters],
    transportSocket: o.mtls ? inboundMtlsSocket(http) : undefined,
  }));
}

/**
 * virtualInbound: the 15006 blackhole chain (no loops), then the chains of each inbound target port
 * (first instance per port wins), and the tls_inspector where they match on TLS. Each target port is
 * also an additional address, so callers
 * that dial <bindAddress>:<targetPort> land here without iptables. Istio's InboundPassthroughCluster
 * chains are left out: with no capture, only the instance ports can arrive.
 */
export function virtualInboundListener(push: PushContext, proxy: ListenersView): Listener {
  const chains: FilterChain[] = [create(FilterChainSchema, {
    name: INBOUND_BLACKHOLE_CHAIN, filterChainMatch: { destinationPort: VIRTUAL_INBOUND_PORT }, filters: [tcpProxyFilter(BLACKHOLE_CLUSTER)],
  })];
  const ports: number[] = [];
  for (const i of proxy.ownPorts) {
    if (ports.includes(i.port) || i.port === VIRTUAL_INBOUND_PORT) continue;
    ports.push(i.port);
    chains.push(...inboundChains(push, proxy, i));
  }
  const inspector = tlsInspectorFor(chains);
  return create(ListenerSchema, {
    name: VIRTUAL_INBOUND_LISTENER,
    address: socketAddress(proxy.bindAddress, VIRTUAL_INBOUND_PORT),
    additionalAddresses: ports.map((p) => ({ address: socketAddress(proxy.bindAddress, p) })),
    trafficDirection: TrafficDirection.INBOUND,
    filterChains: chains,
    listenerFilters: inspector !== undefined ? [inspector] : [],
    // meshConfig.protocolDetectionTimeout (0s: no limit), and on a timeout the chains are matched anyway.
    listenerFiltersTimeout: durationOfMs(0),
    continueOnListenerFiltersTimeout: true,
  });
}
