// compileRouteConfig: a RouteConfiguration becomes an immutable RouteTable once, at config time, per-route
// filter configs included; RouteTable.route() picks the virtual host and first matching route with no regex work.
import { create } from '@bufbuild/protobuf';
import type { RouteConfiguration } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { Metadata } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import {
  RouteMatchSchema, RouteSchema, VirtualHost_TlsRequirementType as TlsRequirement,
  type HedgePolicy, type RetryPolicy, type Route, type VirtualHost,
} from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { RequestHead } from '../http/headers.js';
import { StatsStore } from '../stats/store.js';
import type { PerRouteEnv } from '../filters/http/descriptor.js';
import { compilePerFilterConfigs } from '../filters/http/per-route-compile.js';
import { compileCorsPolicy, type CompiledCorsPolicy } from '../filters/http/cors/cors-policy.js';
import { DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES, SSL_REDIRECT, compileDirectResponse, compileRedirect } from './direct-response.js';
import { DomainIndex } from './domain-index.js';
import { fail } from './errors.js';
import { compileHeaderMutation, type HeaderMutation } from './header-mutation.js';
import { checkMirrorPolicies, compileForwardAction, pickWeightedIndex } from './route-action.js';
import { RouteMatcher } from './route-match.js';
import { pathEnd } from './rewrite.js';
import type {
  CompiledRoute, CompiledRouteConfig, CompiledVirtualHost, PerFilterConfigs, RouteActionSpec, RouteMatchResult, WeightedClusterEntry,
} from './types.js';
import { compileRouteTracing, type RouteTracingOverride } from '../tracing/route-tracing.js';

/** Options for compileRouteConfig. */
export interface CompileOptions {
  /** Where the RouteConfiguration sits in the whole config, prefixed to error paths (e.g. `.static_resources...route_config`). */
  readonly fieldPath?: string;
  /**
   * The proxy's root stats store: per-route filter configs compiled with the table keep their stats
   * there (local_ratelimit's `<stat_prefix>.http_local_rate_limit.*`). A store of its own when absent.
   */
  readonly stats?: StatsStore;
}

class MatchResult implements RouteMatchResult {
  constructor(readonly virtualHost: CompiledVirtualHost, readonly route: CompiledRoute, readonly clusterName: string,
    readonly weightedCluster: WeightedClusterEntry | null, readonly requestMutations: readonly HeaderMutation[],
    readonly responseMutations: readonly HeaderMutation[]) {}
}

/** Header mutation levels in Envoy's evaluation order: most specific first unless most_specific_header_mutations_wins. */
function ordered(levels: (HeaderMutation | null)[], mostSpecificWins: boolean, first: HeaderMutation | null): HeaderMutation[] {
  const list = levels.filter((m): m is HeaderMutation => m !== null);
  if (mostSpecificWins) list.reverse();
  if (first !== null) list.unshift(first);
  return list;
}

class VirtualHostImpl implements CompiledVirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: RouteImpl[] = [];
  readonly requireTls: 'NONE' | 'EXTERNAL_ONLY' | 'ALL';
  readonly retryPolicy: RetryPolicy | undefined;
  readonly hedgePolicy: HedgePolicy | undefined;
  readonly includeRequestAttemptCount: boolean;
  readonly includeAttemptCountInResponse: boolean;
  readonly includeIsTimeoutRetryHeader: boolean;
  readonly requestHeaders: HeaderMutation | null;
  readonly responseHeaders: HeaderMutation | null;
  readonly perFilterConfig: PerFilterConfigs;
  readonly corsPolicy: CompiledCorsPolicy | null;
  /** The answer to plain-text requests when require_tls applies. */
  sslResult: RouteMatchResult | null = null;

  constructor(readonly proto: VirtualHost, path: string, readonly routeConfigPerFilterConfig: PerFilterConfigs,
    env: PerRouteEnv) {
    this.name = proto.name;
    this.domains = proto.domains;
    this.requireTls = proto.requireTls === TlsRequirement.ALL ? 'ALL'
      : proto.requireTls === TlsRequirement.EXTERNAL_ONLY ? 'EXTERNAL_ONLY' : 'NONE';
    this.retryPolicy = proto.retryPolicy;
    this.hedgePolicy = proto.hedgePolicy;
    this.includeRequestAttemptCount = proto.includeRequestAttemptCount;
    this.includeAttemptCountInResponse = proto.includeAttemptCountInResponse;
    this.includeIsTimeoutRetryHeader = proto.includeIsTimeoutRetryHeader;
    this.requestHeaders = compileHeaderMutation(proto.requestHeadersToAdd, proto.requestHeadersToRemove,
      `${path}.request_headers_to_add`, `${path}.request_headers_to_remove`);
    this.responseHeaders = compileHeaderMutation(proto.responseHeadersToAdd, proto.responseHeadersToRemove,
      `${path}.response_headers_to_add`, `${path}.response_headers_to_remove`);
    this.perFilterConfig = compilePerFilterConfigs(proto.typedPerFilterConfig, `${path}.typed_per_filter_config`, env);
    this.corsPolicy = proto.cors === undefined ? null : compileCorsPolicy(proto.cors, `${path}.cors`);
    checkMirrorPolicies(proto.requestMirrorPolicies, `${path}.request_mirror_policies`);
  }
}

class RouteImpl implements CompiledRoute {
  readonly name: string;
  readonly requestHeaders: HeaderMutation | null;
  readonly responseHeaders: HeaderMutation | null;
  readonly perFilterConfig: PerFilterConfigs;
  readonly corsPolicy: CompiledCorsPolicy | null;
  readonly metadata: Metadata | undefined;
  readonly tracing: RouteTracingOverride | null;
  /** The result for routes whose outcome does not depend on the request. */
  private fixed: RouteMatchResult | null = null;
  /** Per weighted cluster: its precomputed result (null when it names its cluster by header). */
  private weighted: (RouteMatchResult | null)[] = [];
  private requestMutations: HeaderMutation[] = [];
  private responseMutations: HeaderMutation[] = [];

  constructor(readonly proto: Route, readonly virtualHost: VirtualHostImpl, readonly matcher: RouteMatcher,
    readonly action: RouteActionSpec, path: string, env: PerRouteEnv) {
    this.name = proto.name;
    this.requestHeaders = compileHeaderMutation(proto.requestHeadersToAdd, proto.requestHeadersToRemove,
      `${path}.request_headers_to_add`, `${path}.request_headers_to_remove`);
    this.responseHeaders = compileHeaderMutation(proto.responseHeadersToAdd, proto.responseHeadersToRemove,
      `${path}.response_headers_to_add`, `${path}.response_headers_to_remove`);
    this.perFilterConfig = compilePerFilterConfigs(proto.typedPerFilterConfig, `${path}.typed_per_filter_config`, env);
    const cors = action.kind === 'route' ? action.proto.cors : undefined;
    this.corsPolicy = cors === undefined ? null : compileCorsPolicy(cors, `${path}.route.cors`);
    this.metadata = proto.metadata;
    this.tracing = compileRouteTracing(proto.tracing);
  }

  /** Precomputes the results once the route configuration's own header levels are known. */
  prepare(config: { request: HeaderMutation | null; response: HeaderMutation | null; mostSpecificWins: boolean }): void {
    const vh = this.virtualHost;
    const wins = config.mostSpecificWins;
    this.requestMutations = ordered([this.requestHeaders, vh.requestHeaders, config.request], wins, null);
    this.responseMutations = ordered([this.responseHeaders, vh.responseHeaders, config.response], wins, null);
    const a = this.action;
    if (a.kind !== 'route') {
      this.fixed = new MatchResult(vh, this, '', null, this.requestMutations, this.responseMutations);
    } else if (a.weightedClusters !== null) {
      this.weighted = a.weightedClusters.clusters.map((c) => c.clusterHeader !== '' ? null : new MatchResult(vh, this,
        c.name, c, ordered([this.requestHeaders, vh.requestHeaders, config.request], wins, c.requestHeaders),
        ordered([this.responseHeaders, vh.responseHeaders, config.response], wins, c.responseHeaders)));
    } else if (a.clusterHeader === '') {
      this.fixed = new MatchResult(vh, this, a.cluster, null, this.requestMutations, this.responseMutations);
    }
  }

  /** The result for a request this route matched (cluster_header and weighted choices happen here, as in Envoy). */
  select(head: RequestHead, random: number): RouteMatchResult {
    if (this.fixed !== null) return this.fixed;
    const a = this.action;
    if (a.kind !== 'route') return this.fixed!;
    if (a.weightedClusters === null) {
      return new MatchResult(this.virtualHost, this, head.headers.get(a.clusterHeader) ?? '', null,
        this.requestMutations, this.responseMutations);
    }
    const index = pickWeightedIndex(a.weightedClusters, head, random);
    const pre = this.weighted[index];
    if (pre !== null) return pre;
    const entry = a.weightedClusters.clusters[index];
    const vh = this.virtualHost;
    const req = entry.requestHeaders === null ? this.requestMutations : [entry.requestHeaders, ...this.requestMutations];
    const resp = entry.responseHeaders === null ? this.responseMutations : [entry.responseHeaders, ...this.responseMutations];
    return new MatchResult(vh, this, head.headers.get(entry.clusterHeader) ?? '', entry, req, resp);
  }
}

function compileAction(route: Route, vhost: VirtualHost, configProto: RouteConfiguration, maxBody: number,
  path: string, perRoute: PerRouteEnv): RouteActionSpec {
  const a = route.action;
  switch (a.case) {
    case 'route':
      return compileForwardAction(a.value, {
        routeName: route.name, virtualHost: vhost, configMirrorPolicies: configProto.requestMirrorPolicies, perRoute,
      }, `${path}.route`);
    case 'redirect': return compileRedirect(a.value, `${path}.redirect`);
    case 'directResponse': return compileDirectResponse(a.value, maxBody, `${path}.direct_response`);
    case 'nonForwardingAction': return { kind: 'non_forwarding' };
    case 'filterAction': return fail(`${path}.filter_action`, 'filter_action routes are not supported by Strait');
    default: return fail(path, 'one of route, redirect, direct_response or non_forwarding_action is required');
  }
}

/** The synthetic route a require_tls virtual host answers plain-text requests with. */
function sslRedirectRoute(vh: VirtualHostImpl, env: PerRouteEnv): RouteImpl {
  const proto = create(RouteSchema, { match: create(RouteMatchSchema, { pathSpecifier: { case: 'prefix', value: '' } }) });
  return new RouteImpl(proto, vh, new RouteMatcher(proto.match, ''), SSL_REDIRECT, '', env);
}

/** An immutable route table (see CompiledRouteConfig). */
export class RouteTable implements CompiledRouteConfig {
  readonly name: string;
  readonly virtualHosts: readonly CompiledVirtualHost[];
  readonly internalOnlyHeaders: readonly string[];
  readonly mostSpecificHeaderMutationsWins: boolean;
  readonly ignorePortInHostMatching: boolean;
  readonly ignorePathParametersInPathMatching: boolean;
  readonly validateClusters: boolean | undefined;
  readonly maxDirectResponseBodySizeBytes: number;
  private readonly hosts: VirtualHostImpl[];
  private readonly domains: DomainIndex;

  constructor(readonly proto: RouteConfiguration, fieldPath = '', env: PerRouteEnv = { stats: new StatsStore() }) {
    const cfg = proto;
    this.name = cfg.name;
    if (cfg.vhds !== undefined) fail(`${fieldPath}.vhds`, 'VHDS is not supported by Strait');
    if (cfg.clusterSpecifierPlugins.length > 0) {
      fail(`${fieldPath}.cluster_specifier_plugins`, 'cluster specifier plugins are not supported by Strait');
    }
    this.internalOnlyHeaders = cfg.internalOnlyHeaders.map((h) => h.toLowerCase());
    this.mostSpecificHeaderMutationsWins = cfg.mostSpecificHeaderMutationsWins;
    this.ignorePortInHostMatching = cfg.ignorePortInHostMatching;
    this.ignorePathParametersInPathMatching = cfg.ignorePathParametersInPathMatching;
    this.validateClusters = cfg.validateClusters;
    this.maxDirectResponseBodySizeBytes = cfg.maxDirectResponseBodySizeBytes ?? DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES;
    const configLevel = compilePerFilterConfigs(cfg.typedPerFilterConfig, `${fieldPath}.typed_per_filter_config`, env);
    checkMirrorPolicies(cfg.requestMirrorPolicies, `${fieldPath}.request_mirror_policies`);
    const levels = {
      request: compileHeaderMutation(cfg.requestHeadersToAdd, cfg.requestHeadersToRemove,
        `${fieldPath}.request_headers_to_add`, `${fieldPath}.request_headers_to_remove`),
      response: compileHeaderMutation(cfg.responseHeadersToAdd, cfg.responseHeadersToRemove,
        `${fieldPath}.response_headers_to_add`, `${fieldPath}.response_headers_to_remove`),
      mostSpecificWins: cfg.mostSpecificHeaderMutationsWins,
    };
    this.hosts = cfg.virtualHosts.map((v, i) => {
      const vp = `${fieldPath}.virtual_hosts[${i}]`;
      if (v.matcher !== undefined) fail(`${vp}.matcher`, 'matcher trees in virtual hosts are not supported by Strait');
      const vh = new VirtualHostImpl(v, vp, configLevel, env);
      v.routes.forEach((r, j) => {
        const rp = `${vp}.routes[${j}]`;
        const route = new RouteImpl(r, vh, new RouteMatcher(r.match, `${rp}.match`),
          compileAction(r, v, cfg, this.maxDirectResponseBodySizeBytes, rp, env), rp, env);
        route.prepare(levels);
        vh.routes.push(route);
      });
      // Envoy's SslRedirectRoute applies no header mutations.
      vh.sslResult = new MatchResult(vh, sslRedirectRoute(vh, env), '', null, [], []);
      return vh;
    });
    this.virtualHosts = this.hosts;
    this.domains = new DomainIndex(cfg.virtualHosts.map((v) => v.domains), cfg.name, `${fieldPath}.virtual_hosts`,
      cfg.ignorePortInHostMatching);
  }

  findVirtualHost(authority: string): CompiledVirtualHost | null {
    const i = this.domains.find(authority);
    return i < 0 ? null : this.hosts[i];
  }

  route(head: RequestHead, randomValue: number): RouteMatchResult | null {
    const i = this.domains.find(head.authority);
    if (i < 0) return null;
    const vh = this.hosts[i];
    if (vh.requireTls !== 'NONE') {
      // Envoy decides on x-forwarded-proto (the HCM always sets it), not on the connection.
      const proto = head.headers.get('x-forwarded-proto') ?? head.scheme;
      if (proto !== 'https' && (vh.requireTls === 'ALL' || head.headers.get('x-envoy-internal') !== 'true')) {
        return vh.sslResult;
      }
    }
    const path = head.path;
    const end = pathEnd(path);
    const queryStart = end < path.length && path.charCodeAt(end) === 63 /* ? */ ? end : -1;
    let p = end === path.length ? path : path.slice(0, end);
    if (this.ignorePathParametersInPathMatching) {
      const semi = p.indexOf(';');
      if (semi !== -1) p = p.slice(0, semi);
    }
    const routes = vh.routes;
    for (let r = 0; r < routes.length; r++) {
      const route = routes[r];
      const m = route.matcher;
      // A request without :path (HTTP/2 CONNECT) can only match CONNECT routes.
      if (path === '' && m.kind !== 'connect_matcher') continue;
      if (m.matchesPath(p) && m.matchesRest(head, queryStart, randomValue)) return route.select(head, randomValue);
    }
    return null;
  }
}

/** Compiles a RouteConfiguration; throws RouteConfigError (with the field path) on a config Envoy would reject. */
export function compileRouteConfig(cfg: RouteConfiguration, options: CompileOptions = {}): RouteTable {
  return new RouteTable(cfg, options.fieldPath ?? '', options.stats === undefined ? undefined : { stats: options.stats });
}
