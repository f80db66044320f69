// The spec schema of networking.istio.io EnvoyFilter, written from the openAPIV3Schema of Istio's CRD
// plus its newer waypoint match (the CRD's CEL rules and one-of are checked in envoy-filter.ts).
import { any, arr, int, obj, oneOf, str, strMap, uint } from './types.js';
import { targetRef, workloadLabels } from './networking.js';

const filterMatch = obj({ name: str, subFilter: obj({ name: str }) });

const match = obj({
  context: oneOf('ANY', 'SIDECAR_INBOUND', 'SIDECAR_OUTBOUND', 'GATEWAY', 'WAYPOINT'),
  proxy: obj({ proxyVersion: str, metadata: strMap }),
  listener: obj({
    portNumber: uint,
    portName: str,
    filterChain: obj({
      name: str, sni: str, transportProtocol: str, applicationProtocols: str, filter: filterMatch, destinationPort: uint,
    }),
    listenerFilter: str,
    name: str,
  }),
  routeConfiguration: obj({
    portNumber: uint,
    portName: str,
    gateway: str,
    vhost: obj({ name: str, domainName: str, route: obj({ name: str, action: oneOf('ANY', 'ROUTE', 'REDIRECT', 'DIRECT_RESPONSE') }) }),
    name: str,
  }),
  cluster: obj({ portNumber: uint, service: str, subset: str, name: str }),
  waypoint: obj({ filter: filterMatch, route: obj({ name: str }), portNumber: uint }),
});

/** EnvoyFilter's spec. */
export const envoyFilter = obj({
  workloadSelector: workloadLabels,
  targetRefs: arr(targetRef),
  configPatches: arr(obj({
    applyTo: oneOf('INVALID', 'LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER', 'ROUTE_CONFIGURATION', 'VIRTUAL_HOST',
      'HTTP_ROUTE', 'CLUSTER', 'EXTENSION_CONFIG', 'BOOTSTRAP', 'LISTENER_FILTER'),
    match,
    patch: obj({
      operation: oneOf('INVALID', 'MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE',
        'MERGE_AND_REPLACE_LIST'),
      value: any,
      filterClass: oneOf('UNSPECIFIED', 'AUTHN', 'AUTHZ', 'STATS'),
    }),
  })),
  priority: int,
});
