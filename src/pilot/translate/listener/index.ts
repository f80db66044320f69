// istiod's LDS generation as a pure function: the listeners of one proxy from a push context
// (sidecar: virtualOutbound, per-port outbound, explicit HTTP proxy, virtualInbound; router: gateways),
// whole or as the proxy's own and its scope's per-port outbound listeners (which proxies of one scope share).
import type { Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { PushContext } from '../../model/push-context.js';
import type { ListenersView } from '../../model/proxy-views.js';
import { gatewayListeners, type GatewayBuildIssue } from './gateway.js';
import { httpProxyListener } from './http-proxy.js';
import { virtualInboundListener } from './sidecar-inbound.js';
import { outboundServiceListeners, virtualOutboundListener } from './sidecar-outbound.js';

export type { GatewayBuildIssue } from './gateway.js';
export { gatewayListenPort } from './gateway.js';
export { outboundServiceListeners } from './sidecar-outbound.js';

/** Every listener istiod would send the proxy over LDS. `issues` collects gateway servers skipped. */
export function buildListeners(push: PushContext, proxy: ListenersView, issues: GatewayBuildIssue[] = []): Listener[] {
  if (proxy.type === 'router') return gatewayListeners(push, proxy, issues);
  const [virtualOutbound, ...rest] = ownListeners(push, proxy);
  return [virtualOutbound!, ...outboundServiceListeners(push, proxy), ...rest];
}

/**
 * The listeners of the proxy's own: a router's gateway listeners; a sidecar's all but the per-port
 * outbound ones (those depend on its scope only): virtualOutbound, the explicit HTTP proxy, virtualInbound.
 */
export function ownListeners(push: PushContext, proxy: ListenersView, issues: GatewayBuildIssue[] = []): Listener[] {
  if (proxy.type === 'router') return gatewayListeners(push, proxy, issues);
  // istiod builds the explicit HTTP proxy for sidecars only.
  const out = [virtualOutboundListener(push, proxy)];
  const hp = httpProxyListener(push, proxy);
  if (hp !== undefined) out.push(hp);
  out.push(virtualInboundListener(push, proxy));
  return out;
}
