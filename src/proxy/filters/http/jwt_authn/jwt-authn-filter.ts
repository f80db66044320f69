// Envoy's jwt_authn HTTP filter: finds the requirement for the request (per-route requirement_name,
// else the first matching rule), verifies, and answers 401/403 with Envoy's body and www-authenticate.
import { PerRouteConfigSchema, type JwtAuthentication, type PerRouteConfig } from '../../../../xds/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js';
import { HeaderMap, type RequestHead } from '../../../http/headers.js';
import type { Counter } from '../../../stats/store.js';
import type { ClusterManager } from '../../../upstream/types.js';
import type { HttpFilterContext } from '../registry.js';
import { FilterStatus, type DecoderFilterCallbacks, type HttpFilterFactory, type StreamDecoderFilter } from '../types.js';
import { compiledAs, mostSpecificPerFilterConfig, perRouteNames } from '../per-route.js';
import { compileJwtAuthn, type JwtAuthnSettings, type Requirement } from './config.js';
import { RequestVerifier } from './verifier.js';
import { JWT_STATUS, denialDetails, type JwtStatus } from './status.js';

export const JWT_AUTHN_FILTER_NAME = 'envoy.filters.http.jwt_authn';

/** The filter's stats, `http.<stat_prefix>.jwt_authn.*`. */
interface JwtAuthnStats {
  readonly allowed: Counter;
  readonly denied: Counter;
  readonly corsPreflightBypassed: Counter;
  readonly jwksFetchSuccess: Counter;
  readonly jwksFetchFailed: Counter;
}

const NO_CLUSTERS: ClusterManager = {
  get: () => undefined, clusters: () => [], addOrUpdateCluster: () => Promise.resolve(false), removeCluster: () => false,
};

function originalUri(head: RequestHead): string {
  const q = head.path.indexOf('?');
  const path = q < 0 ? head.path : head.path.slice(0, q);
  const proto = head.headers.get('x-forwarded-proto') ?? head.scheme;
  return `${proto}://${head.authority}${path}`.slice(0, 256);
}

function isCorsPreflight(head: RequestHead): boolean {
  return head.method === 'OPTIONS' && (head.headers.get('origin') ?? '') !== ''
    && (head.headers.get('access-control-request-method') ?? '') !== '';
}

/** Makes a filter per stream; holds the compiled config and its stats. */
export class JwtAuthnFilterFactory implements HttpFilterFactory {
  readonly name = JWT_AUTHN_FILTER_NAME;
  readonly settings: JwtAuthnSettings;
  readonly stats: JwtAuthnStats;
  readonly names: readonly string[];

  constructor(proto: JwtAuthentication, ctx: HttpFilterContext) {
    const scope = ctx.stats.scope(`http.${ctx.statPrefix}.jwt_authn`);
    this.stats = {
      allowed: scope.counter('allowed'), denied: scope.counter('denied'),
      corsPreflightBypassed: scope.counter('cors_preflight_bypassed'),
      jwksFetchSuccess: scope.counter('jwks_fetch_success'), jwksFetchFailed: scope.counter('jwks_fetch_failed'),
    };
    const fetchStats = { fetchSuccess: () => this.stats.jwksFetchSuccess.inc(), fetchFailed: () => this.stats.jwksFetchFailed.inc() };
    this.settings = compileJwtAuthn(proto, ctx.fieldPath, ctx.clusterManager ?? NO_CLUSTERS, fetchStats);
    this.names = perRouteNames(ctx.filterName, JWT_AUTHN_FILTER_NAME);
  }

  create(callbacks: DecoderFilterCallbacks): { decoder: JwtAuthnFilter } {
    return { decoder: new JwtAuthnFilter(this, callbacks) };
  }
}

/** What the route says: a requirement, none (disabled), or an unknown requirement_name. */
type Choice = { requirement: Requirement | null } | { error: string };

/** The filter for one stream. */
export class JwtAuthnFilter implements StreamDecoderFilter {
  private state: 'init' | 'calling' | 'complete' | 'responded' | 'destroyed' = 'init';
  private stopped = false;

  constructor(private readonly f: JwtAuthnFilterFactory, private readonly cb: DecoderFilterCallbacks) {}

  private choose(head: RequestHead): Choice {
    const per = mostSpecificPerFilterConfig(this.cb.route(), this.f.names);
    // The route table holds the PerRouteConfig message itself (jwt_authn compiles nothing from it).
    const prc = per === null ? undefined : compiledAs<PerRouteConfig>(per, PerRouteConfigSchema.typeName);
    if (prc !== undefined) {
      const spec = prc.requirementSpecifier;
      if (spec.case === 'disabled' && spec.value) return { requirement: null };
      if (spec.case === 'requirementName') {
        const r = this.f.settings.requirementMap.get(spec.value);
        return r === undefined ? { error: `Wrong requirement_name: ${spec.value}. It should be one of [requirement_map]` } : { requirement: r };
      }
    }
    const q = head.path.indexOf('?');
    const path = q < 0 ? head.path : head.path.slice(0, q);
    for (const rule of this.f.settings.rules) {
      if (rule.match.matchesPath(path) && rule.match.matchesRest(head, q, Math.random())) return { requirement: rule.requirement };
    }
    return { requirement: null };
  }

  decodeHeaders(head: RequestHead, _endStream: boolean): FilterStatus {
    const s = this.f.settings;
    if (s.bypassCorsPreflight && isCorsPreflight(head)) {
      this.f.stats.corsPreflightBypassed.inc();
      this.f.stats.allowed.inc();
      return FilterStatus.Continue;
    }
    const choice = this.choose(head);
    if ('error' in choice) {
      this.f.stats.denied.inc();
      this.state = 'responded';
      this.cb.sendLocalReply({ status: 403, body: s.stripFailureResponse ? '' : `Failed JWT authentication: ${choice.error}`,
        details: `jwt_authn_access_denied{${choice.error.replace(/ /g, '_')}}` });
      return FilterStatus.StopIteration;
    }
    if (choice.requirement === null) {
      this.f.stats.allowed.inc();
      return FilterStatus.Continue;
    }
    this.state = 'calling';
    const uri = originalUri(head);
    const verifier = new RequestVerifier(head, (k, v) => this.cb.streamInfo.setDynamicMetadata(JWT_AUTHN_FILTER_NAME, { [k]: v }),
      s.providers, Math.floor(Date.now() / 1000));
    verifier.evaluate(choice.requirement).then((status) => {
      if (verifier.routeChanged) this.cb.clearRouteCache();
      this.complete(status, uri);
    }, () => this.complete('JwtVerificationFail', uri));
    if (this.state === 'calling') {
      this.stopped = true;
      return FilterStatus.StopIteration;
    }
    return FilterStatus.Continue;
  }

  private complete(status: JwtStatus, uri: string): void {
    if (this.state !== 'calling') return;
    if (status !== 'Ok') {
      this.f.stats.denied.inc();
      this.state = 'responded';
      const code = status === 'JwtAudienceNotAllowed' ? 403 : 401;
      if (this.f.settings.stripFailureResponse) {
        this.cb.sendLocalReply({ status: code, body: '', details: denialDetails(status) });
        return;
      }
      const headers = new HeaderMap();
      headers.set('www-authenticate', `Bearer realm="${uri}"${status === 'JwtMissed' ? '' : ', error="invalid_token"'}`);
      this.cb.sendLocalReply({ status: code, body: JWT_STATUS[status], details: denialDetails(status), headers });
      return;
    }
    this.f.stats.allowed.inc();
    this.state = 'complete';
    if (this.stopped) this.cb.continueDecoding();
  }

  decodeData(): FilterStatus {
    return this.state === 'calling' ? FilterStatus.StopIteration : FilterStatus.Continue;
  }

  decodeTrailers(): FilterStatus {
    return this.state === 'calling' ? FilterStatus.StopIteration : FilterStatus.Continue;
  }

  onDestroy(): void {
    this.state = 'destroyed';
  }
}
