// The ext_authz filter's config (envoy.extensions.filters.http.ext_authz.v3.ExtAuthz with an http_service) and its
// per-route config (ExtAuthzPerRoute), compiled once: header matchers, buffering, enabling and failure settings.
import type { ListStringMatcher } from '../../../../xds/gen/envoy/type/matcher/v3/string_pb.js';
import type { BufferSettings, ExtAuthz, ExtAuthzPerRoute } from '../../../../xds/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js';
import { fail } from '../../../router/errors.js';
import { StringMatch } from '../../../router/string-match.js';
import { durationMs } from '../../../util/duration.js';
import { compileMetadataMatcher, type MetadataMatch } from '../../rbac/metadata-match.js';
import { RuntimeFraction } from '../fault/fractional-percent.js';

/** A header-name matcher (Envoy's HeaderKeyMatcher / NotHeaderKeyMatcher). */
export type HeaderKeyMatch = (name: string) => boolean;

/** with_request_body. */
export interface BodySettings {
  readonly maxBytes: number;
  readonly allowPartial: boolean;
}

/** What the HTTP authorization client needs. */
export interface HttpServiceSettings {
  readonly cluster: string;
  readonly timeoutMs: number;
  readonly pathPrefix: string;
  /** Request headers copied into the check request (:authority, :method, :path and authorization always). */
  readonly requestHeaders: HeaderKeyMatch;
  /** authorization_request.headers_to_add: set on every check request. */
  readonly headersToAdd: readonly (readonly [string, string])[];
  /** allowed_upstream_headers: set on the request when allowed. */
  readonly upstreamHeaders: HeaderKeyMatch;
  /** allowed_upstream_headers_to_append: appended to the request's existing ones when allowed. */
  readonly upstreamHeadersToAppend: HeaderKeyMatch;
  /** allowed_client_headers: sent to the client with a denial. */
  readonly clientHeaders: HeaderKeyMatch;
  /** allowed_client_headers_on_success: added to the response of an allowed request. */
  readonly clientHeadersOnSuccess: HeaderKeyMatch;
  /** dynamic_metadata_from_headers: emitted as the filter's dynamic metadata. */
  readonly metadataHeaders: HeaderKeyMatch;
}

/** The compiled filter config. */
export interface ExtAuthzSettings {
  readonly http: HttpServiceSettings;
  readonly failureModeAllow: boolean;
  readonly failureModeAllowHeaderAdd: boolean;
  readonly clearRouteCache: boolean;
  readonly statusOnError: number;
  readonly body: BodySettings | null;
  readonly filterEnabled: RuntimeFraction | null;
  readonly filterEnabledMetadata: MetadataMatch | null;
  readonly denyAtDisable: { readonly key: string; readonly dflt: boolean } | null;
  readonly statPrefix: string;
}

/** A route's ExtAuthzPerRoute. */
export interface ExtAuthzRouteSettings {
  readonly disabled: boolean;
  /** check_settings.with_request_body, or null to keep the filter's. */
  readonly body: BodySettings | null;
  readonly disableBodyBuffering: boolean;
}

const never: HeaderKeyMatch = () => false;

function matchers(list: ListStringMatcher | undefined, path: string): StringMatch[] {
  return (list?.patterns ?? []).map((m, i) => StringMatch.compile(m, `${path}.patterns[${i}]`));
}

function anyOf(ms: readonly StringMatch[]): HeaderKeyMatch {
  return ms.length === 0 ? never : (name) => ms.some((m) => m.match(name));
}

/** Headers every check request carries (Envoy's ClientConfig::toRequestMatchers). */
const ALWAYS_SENT = new Set([':authority', ':method', ':path', 'authorization']);
/** Headers a denial always passes on when allowed_client_headers lists any (toClientMatchers). */
const ALWAYS_TO_CLIENT = new Set([':status', 'content-length', 'www-authenticate', 'location']);

/** Envoy's toErrorCode: a code of the HTTP range, else 403. */
function errorCode(code: number): number {
  return code >= 100 && code <= 511 ? code : 403;
}

function bodySettings(b: BufferSettings | undefined): BodySettings | null {
  return b === undefined ? null : { maxBytes: b.maxRequestBytes, allowPartial: b.allowPartialMessage };
}

/** Compiles an ExtAuthz message; `path` names it in errors (thrown as RouteConfigError). */
export function compileExtAuthz(c: ExtAuthz, path: string): ExtAuthzSettings {
  if (c.services.case !== 'httpService') {
    return fail(path, 'one of grpc_service or http_service is required (Strait implements http_service)');
  }
  const s = c.services.value;
  const sp = `${path}.http_service`;
  const uri = s.serverUri;
  if (uri === undefined) return fail(`${sp}.server_uri`, 'server_uri is required');
  if (uri.httpUpstreamType.case !== 'cluster' || uri.httpUpstreamType.value === '') {
    return fail(`${sp}.server_uri.cluster`, 'a cluster is required');
  }
  const allowed = [...matchers(s.authorizationRequest?.allowedHeaders, `${sp}.authorization_request.allowed_headers`),
    ...matchers(c.allowedHeaders, `${path}.allowed_headers`)];
  const disallowed = matchers(c.disallowedHeaders, `${path}.disallowed_headers`);
  const client = matchers(s.authorizationResponse?.allowedClientHeaders, `${sp}.authorization_response.allowed_client_headers`);
  const rp = `${sp}.authorization_response`;
  return {
    http: {
      cluster: uri.httpUpstreamType.value,
      timeoutMs: durationMs(uri.timeout, 200),
      pathPrefix: s.pathPrefix,
      requestHeaders: (name) => (ALWAYS_SENT.has(name) || allowed.some((m) => m.match(name))) && !disallowed.some((m) => m.match(name)),
      headersToAdd: (s.authorizationRequest?.headersToAdd ?? []).map((h) => [h.key.toLowerCase(), h.value] as const),
      upstreamHeaders: anyOf(matchers(s.authorizationResponse?.allowedUpstreamHeaders, `${rp}.allowed_upstream_headers`)),
      upstreamHeadersToAppend: anyOf(matchers(s.authorizationResponse?.allowedUpstreamHeadersToAppend,
        `${rp}.allowed_upstream_headers_to_append`)),
      // Unset: every header of the authorization response but Host goes to the client.
      clientHeaders: client.length === 0
        ? (name) => name !== ':authority' && name !== 'host'
        : (name) => ALWAYS_TO_CLIENT.has(name) || client.some((m) => m.match(name)),
      clientHeadersOnSuccess: anyOf(matchers(s.authorizationResponse?.allowedClientHeadersOnSuccess,
        `${rp}.allowed_client_headers_on_success`)),
      metadataHeaders: anyOf(matchers(s.authorizationResponse?.dynamicMetadataFromHeaders, `${rp}.dynamic_metadata_from_headers`)),
    },
    failureModeAllow: c.failureModeAllow,
    failureModeAllowHeaderAdd: c.failureModeAllowHeaderAdd,
    clearRouteCache: c.clearRouteCache,
    statusOnError: errorCode(c.statusOnError?.code ?? 0),
    body: bodySettings(c.withRequestBody),
    filterEnabled: c.filterEnabled === undefined ? null : RuntimeFraction.of(c.filterEnabled),
    filterEnabledMetadata: c.filterEnabledMetadata === undefined ? null
      : compileMetadataMatcher(c.filterEnabledMetadata, `${path}.filter_enabled_metadata`),
    denyAtDisable: c.denyAtDisable === undefined ? null
      : { key: c.denyAtDisable.runtimeKey, dflt: c.denyAtDisable.defaultValue ?? false },
    statPrefix: c.statPrefix,
  };
}

/** Compiles an ExtAuthzPerRoute. */
export function compileExtAuthzPerRoute(c: ExtAuthzPerRoute, path: string): ExtAuthzRouteSettings {
  const o = c.override;
  if (o.case === 'disabled') return { disabled: true, body: null, disableBodyBuffering: false };
  if (o.case === 'checkSettings') {
    return { disabled: false, body: bodySettings(o.value.withRequestBody), disableBodyBuffering: o.value.disableRequestBodyBuffering };
  }
  return fail(path, 'one of disabled or check_settings is required');
}
