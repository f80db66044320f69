// consistentHash -> the route's hash_policy (istiod puts it on RouteAction, not the cluster): header,
// cookie, source IP or query parameter, from the policy for the destination's port and subset.
import { create } from '@bufbuild/protobuf';
import {
  RouteAction_HashPolicySchema, RouteAction_HashPolicy_ConnectionPropertiesSchema, RouteAction_HashPolicy_CookieSchema,
  RouteAction_HashPolicy_HeaderSchema, RouteAction_HashPolicy_QueryParameterSchema, type RouteAction_HashPolicy,
} from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { ConsistentHashLB } from '../../config/kinds/destination-rule.js';
import type { ClustersView } from '../../model/proxy-views.js';
import type { PushContext } from '../../model/push-context.js';
import { duration } from '../route/durations.js';
import { policyFor } from './policy-merge.js';

/** The hash policy of one consistentHash setting (empty when it names no key). */
export function consistentHashPolicy(ch: ConsistentHashLB): RouteAction_HashPolicy[] {
  if (ch.httpHeaderName !== undefined) {
    return [create(RouteAction_HashPolicySchema, {
      policySpecifier: { case: 'header', value: create(RouteAction_HashPolicy_HeaderSchema, { headerName: ch.httpHeaderName }) },
    })];
  }
  if (ch.httpCookie !== undefined) {
    const c = ch.httpCookie;
    return [create(RouteAction_HashPolicySchema, {
      policySpecifier: {
        case: 'cookie',
        value: create(RouteAction_HashPolicy_CookieSchema, { name: c.name, path: c.path ?? '', ...(c.ttl !== undefined ? { ttl: duration(c.ttl) } : {}) }),
      },
    })];
  }
  if (ch.useSourceIp === true) {
    return [create(RouteAction_HashPolicySchema, {
      policySpecifier: { case: 'connectionProperties', value: create(RouteAction_HashPolicy_ConnectionPropertiesSchema, { sourceIp: true }) },
    })];
  }
  if (ch.httpQueryParameterName !== undefined) {
    return [create(RouteAction_HashPolicySchema, {
      policySpecifier: { case: 'queryParameter', value: create(RouteAction_HashPolicy_QueryParameterSchema, { name: ch.httpQueryParameterName }) },
    })];
  }
  return [];
}

/** The hash policy for routes to `fqdn:port` (and `subset`), from the proxy's DestinationRule. */
export function hashPolicyFor(push: PushContext, proxy: ClustersView, fqdn: string, port: number, subset = ''): RouteAction_HashPolicy[] {
  const dr = push.destinationRuleFor(proxy, fqdn)?.spec;
  const ch = policyFor(dr, port, subset)?.loadBalancer?.consistentHash;
  return ch === undefined ? [] : consistentHashPolicy(ch);
}
