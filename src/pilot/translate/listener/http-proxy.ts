// istiod's buildHTTPProxy: the explicit HTTP proxy listener (meshConfig proxyHttpPort) whose HCM
// routes absolute-form requests through RDS `http_proxy`.
import { create } from '@bufbuild/protobuf';
import { TrafficDirection } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import { ListenerSchema, type Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { PushContext } from '../../model/push-context.js';
import type { ListenersView } from '../../model/proxy-views.js';
import { HTTP_PROXY_ROUTE, listenerName } from '../names.js';
import { hcmFilter } from './hcm.js';
import { socketAddress } from './protos.js';

/** istiod binds the HTTP proxy on the loopback address (getActualWildcardAndLocalHost) and names it after it. */
const HTTP_PROXY_NAME_ADDRESS = '127.0.0.1';

/** `127.0.0.1_<port>` bound at <bindAddress>:<port>; undefined when the proxy has no httpProxyPort. */
export function httpProxyListener(push: PushContext, proxy: ListenersView): Listener | undefined {
  const port = proxy.httpProxyPort;
  if (port <= 0) return undefined;
  const name = listenerName(HTTP_PROXY_NAME_ADDRESS, port);
  return create(ListenerSchema, {
    name,
    address: socketAddress(proxy.bindAddress, port),
    trafficDirection: TrafficDirection.OUTBOUND,
    filterChains: [{ filters: [hcmFilter({ class: 'http-proxy', statPrefix: `outbound_${name}`, route: HTTP_PROXY_ROUTE }, push, proxy)] }],
  });
}
