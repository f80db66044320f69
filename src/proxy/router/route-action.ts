// RouteAction compiled once: cluster specifier (cluster, cluster_header, weighted_clusters), timeouts,
// retry/hedge and mirror policies (route's, else the virtual host's), rewrites and upgrade configs.
import type {
  RouteAction as RouteActionProto, RouteAction_RequestMirrorPolicy, VirtualHost, WeightedCluster,
} from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { RouteAction_ClusterNotFoundResponseCode as NotFoundCode } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { RoutingPriority } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { Duration } from '@bufbuild/protobuf/wkt';
import type { RequestHead } from '../http/headers.js';
import { durationMs } from '../util/duration.js';
import { compileHashPolicy } from './hash-policy.js';
import { fail } from './errors.js';
import { compileHeaderMutation } from './header-mutation.js';
import { pickBelow } from './route-match.js';
import { compileRegexRewrite } from './string-match.js';
import { compilePerFilterConfigs } from '../filters/http/per-route-compile.js';
import type { PerRouteEnv } from '../filters/http/descriptor.js';
import { CompiledRetryPolicy } from '../filters/http/router/retry-state.js';
import { compileMirrorPolicies } from '../filters/http/router/mirror-policy.js';
import { DEFAULT_ROUTE_TIMEOUT_MS, type ForwardAction, type WeightedClusterEntry, type WeightedClusters } from './types.js';

const UINT32_MAX = 4294967295;

function optionalMs(d: Duration | undefined): number | undefined {
  return d === undefined ? undefined : durationMs(d, 0);
}

function notFoundStatus(c: NotFoundCode): number {
  if (c === NotFoundCode.NOT_FOUND) return 404;
  if (c === NotFoundCode.INTERNAL_SERVER_ERROR) return 500;
  return 503;
}

function compileWeighted(w: WeightedCluster, ctx: ActionContext, path: string): WeightedClusters {
  let total = 0;
  const clusters = w.clusters.map((c, i): WeightedClusterEntry => {
    const p = `${path}.clusters[${i}]`;
    if ((c.name === '') === (c.clusterHeader === '')) {
      fail(p, c.name === '' ? 'At least one of name or cluster_header need to be specified'
        : 'Only one of name or cluster_header can be specified');
    }
    if (c.weight === undefined) fail(`${p}.weight`, "Field 'weight' is missing");
    total += c.weight;
    if (total > UINT32_MAX) {
      fail(path, `The sum of weights of all weighted clusters of route ${ctx.routeName} exceeds ${UINT32_MAX}`);
    }
    return {
      name: c.name,
      clusterHeader: c.clusterHeader.toLowerCase(),
      weight: c.weight,
      hostRewriteLiteral: c.hostRewriteSpecifier.case === 'hostRewriteLiteral' ? c.hostRewriteSpecifier.value : '',
      requestHeaders: compileHeaderMutation(c.requestHeadersToAdd, c.requestHeadersToRemove,
        `${p}.request_headers_to_add`, `${p}.request_headers_to_remove`),
      responseHeaders: compileHeaderMutation(c.responseHeadersToAdd, c.responseHeadersToRemove,
        `${p}.response_headers_to_add`, `${p}.response_headers_to_remove`),
      perFilterConfig: compilePerFilterConfigs(c.typedPerFilterConfig, `${p}.typed_per_filter_config`, ctx.perRoute),
      metadataMatch: c.metadataMatch,
      proto: c,
    };
  });
  if (total === 0) fail(path, 'Sum of weights in the weighted_cluster must be greater than 0.');
  // use_hash_policy and runtime_key_prefix overrides are not implemented: the random value decides.
  const spec = w.randomValueSpecifier;
  return { clusters, totalWeight: total, randomValueHeader: spec.case === 'headerName' ? spec.value.toLowerCase() : '' };
}

/** Picks a weighted cluster as Envoy does: (random or header value) mod total weight, over cumulative weights. */
export function pickWeightedCluster(w: WeightedClusters, head: RequestHead, random: number): WeightedClusterEntry {
  return w.clusters[pickWeightedIndex(w, head, random)];
}

/** The index of the weighted cluster pickWeightedCluster would choose. */
export function pickWeightedIndex(w: WeightedClusters, head: RequestHead, random: number): number {
  let selected = -1;
  if (w.randomValueHeader !== '') {
    const names = head.headers.names;
    const i = names.indexOf(w.randomValueHeader);
    // Only a single-valued, all-digit header counts, as in Envoy.
    if (i !== -1 && names.indexOf(w.randomValueHeader, i + 1) === -1) {
      const v = head.headers.values[i];
      if (/^[0-9]{1,20}$/.test(v)) {
        if (v.length <= 15) {
          selected = Number(v) % w.totalWeight;
        } else {
          const big = BigInt(v);
          if (big <= 18446744073709551615n) selected = Number(big % BigInt(w.totalWeight));
        }
      }
    }
  }
  if (selected < 0) selected = pickBelow(random, w.totalWeight);
  const clusters = w.clusters;
  let end = 0;
  for (let i = 0; i < clusters.length; i++) {
    end += clusters[i].weight;
    if (selected < end) return i;
  }
  return clusters.length - 1;
}

/** What compiling a RouteAction needs from its surroundings. */
export interface ActionContext {
  readonly routeName: string;
  readonly virtualHost: VirtualHost;
  /** The route configuration's request_mirror_policies (inherited when the route and vhost have none). */
  readonly configMirrorPolicies: readonly RouteAction_RequestMirrorPolicy[];
  /** For the weighted clusters' typed_per_filter_config. */
  readonly perRoute: PerRouteEnv;
}

/** Envoy's validateMirrorClusterSpecifier: exactly one of cluster and cluster_header per mirror policy. */
export function checkMirrorPolicies(list: readonly RouteAction_RequestMirrorPolicy[], path: string): void {
  list.forEach((m, i) => {
    if (m.cluster !== '' && m.clusterHeader !== '') {
      fail(`${path}[${i}]`, `Only one of cluster '${m.cluster}' or cluster_header '${m.clusterHeader}' in request mirror policy can be specified`);
    }
    if (m.cluster === '' && m.clusterHeader === '') {
      fail(`${path}[${i}]`, 'Exactly one of cluster or cluster_header in request mirror policy need to be specified');
    }
  });
}

/** Compiles a `route:` action; `path` is its field path (e.g. `.virtual_hosts[0].routes[1].route`). */
export function compileForwardAction(a: RouteActionProto, ctx: ActionContext, path: string): ForwardAction {
  let cluster = '';
  let clusterHeader = '';
  let weightedClusters: WeightedClusters | null = null;
  const spec = a.clusterSpecifier;
  switch (spec.case) {
    case 'cluster':
      if (spec.value === '') fail(`${path}.cluster`, 'value length must be at least 1 characters');
      cluster = spec.value;
      break;
    case 'clusterHeader':
      if (spec.value === '') fail(`${path}.cluster_header`, 'value length must be at least 1 characters');
      clusterHeader = spec.value.toLowerCase();
      break;
    case 'weightedClusters':
      weightedClusters = compileWeighted(spec.value, ctx, `${path}.weighted_clusters`);
      break;
    case 'clusterSpecifierPlugin': case 'inlineClusterSpecifierPlugin':
      fail(`${path}.${spec.case === 'clusterSpecifierPlugin' ? 'cluster_specifier_plugin' : 'inline_cluster_specifier_plugin'}`,
        'cluster specifier plugins are not supported by Strait');
    default:
      fail(path, 'one of cluster, cluster_header or weighted_clusters is required');
  }
  const rewrites = (a.prefixRewrite !== '' ? 1 : 0) + (a.regexRewrite !== undefined ? 1 : 0) +
    (a.pathRewritePolicy !== undefined ? 1 : 0);
  if (rewrites > 1) fail(path, 'Specify only one of prefix_rewrite, regex_rewrite or path_rewrite_policy');
  if (a.pathRewritePolicy !== undefined) {
    fail(`${path}.path_rewrite_policy`, 'path_rewrite_policy (URI templates) is not supported by Strait');
  }
  if (a.retryPolicyTypedConfig !== undefined) {
    fail(`${path}.retry_policy_typed_config`, 'retry_policy_typed_config is not supported by Strait');
  }
  const host = a.hostRewriteSpecifier;
  const upgradeConfigs = new Map<string, boolean>();
  a.upgradeConfigs.forEach((u, i) => {
    const type = u.upgradeType.toLowerCase();
    if (upgradeConfigs.has(type)) fail(`${path}.upgrade_configs[${i}]`, `Duplicate upgrade ${u.upgradeType}`);
    if (u.connectConfig !== undefined && type !== 'connect' && type !== 'connect-udp') {
      fail(`${path}.upgrade_configs[${i}]`, `Non-CONNECT upgrade type ${u.upgradeType} has ConnectConfig`);
    }
    upgradeConfigs.set(type, u.enabled ?? true);
  });
  const vh = ctx.virtualHost;
  checkMirrorPolicies(a.requestMirrorPolicies, `${path}.request_mirror_policies`);
  let mirrors: readonly RouteAction_RequestMirrorPolicy[] = a.requestMirrorPolicies;
  if (mirrors.length === 0) mirrors = vh.requestMirrorPolicies;
  if (mirrors.length === 0) mirrors = ctx.configMirrorPolicies;
  const retryPolicy = a.retryPolicy ?? vh.retryPolicy;
  return {
    kind: 'route',
    cluster,
    clusterHeader,
    weightedClusters,
    clusterNotFoundResponseCode: notFoundStatus(a.clusterNotFoundResponseCode),
    timeoutMs: durationMs(a.timeout, DEFAULT_ROUTE_TIMEOUT_MS),
    idleTimeoutMs: optionalMs(a.idleTimeout),
    streamDuration: a.maxStreamDuration === undefined ? null : {
      maxStreamDurationMs: optionalMs(a.maxStreamDuration.maxStreamDuration),
      grpcTimeoutHeaderMaxMs: optionalMs(a.maxStreamDuration.grpcTimeoutHeaderMax),
      grpcTimeoutHeaderOffsetMs: optionalMs(a.maxStreamDuration.grpcTimeoutHeaderOffset),
    },
    maxGrpcTimeoutMs: optionalMs(a.maxGrpcTimeout),
    grpcTimeoutOffsetMs: optionalMs(a.grpcTimeoutOffset),
    retryPolicy,
    retry: new CompiledRetryPolicy(retryPolicy),
    hedgePolicy: a.hedgePolicy ?? vh.hedgePolicy,
    hash: a.hashPolicy.length === 0 ? null : compileHashPolicy(a.hashPolicy, `${path}.hash_policy`),
    requestMirrorPolicies: mirrors,
    mirrors: compileMirrorPolicies(mirrors),
    priority: a.priority === RoutingPriority.HIGH ? 'high' : 'default',
    prefixRewrite: a.prefixRewrite,
    regexRewrite: a.regexRewrite === undefined ? null : compileRegexRewrite(a.regexRewrite, `${path}.regex_rewrite`),
    hostRewriteLiteral: host.case === 'hostRewriteLiteral' ? host.value : '',
    hostRewriteHeader: host.case === 'hostRewriteHeader' ? host.value.toLowerCase() : '',
    hostRewritePathRegex: host.case === 'hostRewritePathRegex'
      ? compileRegexRewrite(host.value, `${path}.host_rewrite_path_regex`) : null,
    autoHostRewrite: host.case === 'autoHostRewrite' && host.value.value,
    appendXForwardedHost: a.appendXForwardedHost,
    upgradeConfigs,
    proto: a,
  };
}
