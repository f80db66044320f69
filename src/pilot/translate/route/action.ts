// An HTTPRoute's destinations and rewrites -> Envoy RouteAction: one cluster or weighted clusters
// (with per-destination headers), timeout (0 = none, Istio's default), retries, rewrites, mirrors.
import { create } from '@bufbuild/protobuf';
import {
  RouteActionSchema, RouteAction_RequestMirrorPolicySchema, WeightedClusterSchema, WeightedCluster_ClusterWeightSchema,
  type RouteAction,
} from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { RegexMatchAndSubstituteSchema, RegexMatcherSchema } from '../../../xds/gen/envoy/type/matcher/v3/regex_pb.js';
import { duration, durationOfMs } from './durations.js';
import { fractionalPercent } from './filters.js';
import { headerMutation } from './headers.js';
import type { ClusterResolver, HTTPRoute } from './inputs.js';
import { retryPolicyFor } from './retry.js';

/** The forwarding action of a route with `route` destinations. */
export function routeAction(r: HTTPRoute, resolve: ClusterResolver): RouteAction {
  const a = create(RouteActionSchema);
  const dests = r.route ?? [];
  if (dests.length === 1) {
    a.clusterSpecifier = { case: 'cluster', value: resolve(dests[0].destination) };
  } else {
    a.clusterSpecifier = {
      case: 'weightedClusters',
      value: create(WeightedClusterSchema, {
        clusters: dests.filter((d) => (d.weight ?? 0) > 0).map((d) => {
          const req = headerMutation(d.headers?.request);
          const res = headerMutation(d.headers?.response);
          return create(WeightedCluster_ClusterWeightSchema, {
            name: resolve(d.destination), weight: d.weight,
            requestHeadersToAdd: req.add, requestHeadersToRemove: req.remove,
            responseHeadersToAdd: res.add, responseHeadersToRemove: res.remove,
          });
        }),
      }),
    };
  }
  // Istio disables Envoy's 15 s default unless the VirtualService sets a timeout.
  a.timeout = r.timeout !== undefined ? duration(r.timeout) : durationOfMs(0);
  const retry = retryPolicyFor(r.retries);
  if (retry !== undefined) a.retryPolicy = retry;
  if (r.rewrite?.uri !== undefined) a.prefixRewrite = r.rewrite.uri;
  if (r.rewrite?.uriRegexRewrite !== undefined) {
    a.regexRewrite = create(RegexMatchAndSubstituteSchema, {
      pattern: create(RegexMatcherSchema, { regex: r.rewrite.uriRegexRewrite.match }), substitution: r.rewrite.uriRegexRewrite.rewrite,
    });
  }
  if (r.rewrite?.authority !== undefined) a.hostRewriteSpecifier = { case: 'hostRewriteLiteral', value: r.rewrite.authority };
  const mirrors = [...(r.mirror !== undefined ? [{ destination: r.mirror, percentage: r.mirrorPercentage }] : []), ...(r.mirrors ?? [])];
  a.requestMirrorPolicies = mirrors.map((m) => create(RouteAction_RequestMirrorPolicySchema, {
    cluster: resolve(m.destination), runtimeFraction: { defaultValue: fractionalPercent(m.percentage) },
  }));
  return a;
}
