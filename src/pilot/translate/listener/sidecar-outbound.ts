// A sidecar's outbound side: the virtualOutbound capture listener (15001, catch-all to
// PassthroughCluster or BlackHoleCluster) and one listener per service port (bind_to_port false).
import { create } from '@bufbuild/protobuf';
import { TrafficDirection } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import { FilterChainSchema, type FilterChain } from '../../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { ListenerSchema, type Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { PushContext } from '../../model/push-context.js';
import type { ListenersView, OutboundListenersView } from '../../model/proxy-views.js';
import type { Protocol } from '../../registry/protocol.js';
import {
  BLACKHOLE_CLUSTER, listenerName, outboundClusterName, PASSTHROUGH_CLUSTER, sidecarRouteName,
  VIRTUAL_OUTBOUND_LISTENER, VIRTUAL_OUTBOUND_PORT,
} from '../names.js';
import { tcpFilters } from './telemetry.js';
import { hcmFilter } from './hcm.js';
import { socketAddress, tcpProxyFilter } from './protos.js';

export const OUTBOUND_CATCHALL_CHAIN = 'virtualOutbound-catchall-tcp';
export const OUTBOUND_BLACKHOLE_CHAIN = 'virtualOutbound-blackhole';
const WILDCARD = '0.0.0.0';

const HTTP_PROTOCOLS: ReadonlySet<Protocol> = new Set<Protocol>(['HTTP', 'HTTP2', 'GRPC', 'GRPC-Web']);

/**
 * Whether a port gets an HTTP listener. Istio sniffs 'Unsupported' ports (HTTP and TCP chains
 * behind http_inspector); Strait has no http_inspector, so those are treated as TCP.
 */
export function isHttpProtocol(p: Protocol): boolean {
  return HTTP_PROTOCOLS.has(p);
}

/** The outbound traffic policy in force: the Sidecar's, else the mesh's. */
export function outboundPolicy(push: PushContext, proxy: ListenersView): 'ALLOW_ANY' | 'REGISTRY_ONLY' {
  return push.sidecarFor(proxy)?.spec.outboundTrafficPolicy?.mode ?? push.mesh.outboundTrafficPolicy.mode;
}

/** virtualOutbound: original-destination capture on 15001 with istiod's two catch-all chains. */
export function virtualOutboundListener(push: PushContext, proxy: ListenersView): Listener {
  const plan = push.telemetryFor(proxy, 'CLIENT');
  const catchAll = outboundPolicy(push, proxy) === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
  return create(ListenerSchema, {
    name: VIRTUAL_OUTBOUND_LISTENER,
    address: socketAddress(proxy.bindAddress, VIRTUAL_OUTBOUND_PORT),
    useOriginalDst: true,
    trafficDirection: TrafficDirection.OUTBOUND,
    filterChains: [
      // Traffic addressed to 15001 itself must not loop back into the listener.
      create(FilterChainSchema, { name: OUTBOUND_BLACKHOLE_CHAIN, filterChainMatch: { destinationPort: VIRTUAL_OUTBOUND_PORT },
        filters: [tcpProxyFilter(BLACKHOLE_CLUSTER)] }),
      create(FilterChainSchema, { name: OUTBOUND_CATCHALL_CHAIN, filters: tcpFilters(catchAll, plan, push.mesh) }),
    ],
  });
}

function outboundListener(name: string, host: string, port: number, chain: FilterChain): Listener {
  return create(ListenerSchema, {
    name, address: socketAddress(host, port), bindToPort: false, trafficDirection: TrafficDirection.OUTBOUND, filterChains: [chain],
  });
}

/**
 * Per-port outbound listeners of the visible services, in service order: HTTP ports share
 * `0.0.0.0_<port>` (RDS `<port>`); TCP ports get `<vip>_<port>` (or `0.0.0.0_<port>` without a VIP)
 * with tcp_proxy to the service's cluster. The first service to claim a listener name keeps it.
 */
export function outboundServiceListeners(push: PushContext, proxy: OutboundListenersView): Listener[] {
  const byName = new Map<string, Listener>();
  const plan = push.telemetryFor(proxy, 'CLIENT');
  for (const svc of push.servicesFor(proxy)) {
    for (const p of svc.ports) {
      if (p.protocol === 'UDP' || p.protocol === 'SCTP') continue;
      if (isHttpProtocol(p.protocol)) {
        const name = listenerName(WILDCARD, p.port);
        if (byName.has(name)) continue;
        const chain = create(FilterChainSchema, { filters: [hcmFilter({
          class: 'sidecar-outbound', statPrefix: `outbound_${name}`, route: sidecarRouteName(p.port),
        }, push, proxy)] });
        byName.set(name, outboundListener(name, WILDCARD, p.port, chain));
        continue;
      }
      const vip = svc.addresses.find((a) => a !== '' && a !== WILDCARD) ?? WILDCARD;
      const name = listenerName(vip, p.port);
      if (byName.has(name)) continue;
      const chain = create(FilterChainSchema, { filters: tcpFilters(outboundClusterName(p.port, '', svc.hostname), plan, push.mesh) });
      byName.set(name, outboundListener(name, vip, p.port, chain));
    }
  }
  return [...byName.values()];
}
