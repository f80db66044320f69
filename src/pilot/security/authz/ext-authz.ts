// istiod's CUSTOM authorization (pilot/pkg/security/authz/builder/extauthz.go): meshConfig's envoyExtAuthzHttp
// providers as Envoy ext_authz filters, enabled only where the RBAC shadow rules of the CUSTOM policies matched.
import type { EnvoyExtAuthzHttpProvider, ExtensionProvider } from '../../model/mesh-config.js';
import type { Service } from '../../registry/model.js';
import { StatusCode } from '../../../xds/gen/envoy/type/v3/http_status_pb.js';
import { outboundClusterName } from '../../translate/names.js';
import type { Json } from './matchers.js';

/** The HTTP ext_authz filter's name. */
export const HTTP_EXT_AUTHZ_FILTER = 'envoy.filters.http.ext_authz';
/** Policy names of CUSTOM rules start with this; the ext_authz filter runs when the matched one does. */
export const EXT_AUTHZ_MATCH_PREFIX = 'istio-ext-authz';
/** The RBAC shadow rules' stat prefix for CUSTOM (authzmodel.RBACExtAuthzShadowRulesStatPrefix). */
export const EXT_AUTHZ_SHADOW_STAT_PREFIX = 'istio_ext_authz_';

/** A provider resolved for a proxy: the ext_authz filter config (protobuf JSON), or why it cannot be served. */
export type ResolvedProvider = { readonly http: Json } | { readonly error: string };

/** The codes of Envoy's HttpStatus enum, ascending (what statusOnError may name). */
const SUPPORTED_STATUS: readonly number[] = Object.values(StatusCode).filter((v): v is number => typeof v === 'number' && v !== 0)
  .sort((a, b) => a - b);

/** istiod's extensionproviders.LookupCluster: `<namespace>/<hostname>`, or a hostname found in one namespace only. */
export function lookupCluster(services: readonly Service[], service: string, port: number): { hostname: string; cluster: string } {
  if (service === '') throw new Error('service must not be empty');
  const parts = service.split('/');
  let found: Service | undefined;
  if (parts.length === 2) {
    found = services.find((s) => s.hostname === parts[1] && s.namespace === parts[0]);
  } else {
    const matching = services.filter((s) => s.hostname === service);
    const namespaces = [...new Set(matching.map((s) => s.namespace))];
    if (namespaces.length > 1) {
      throw new Error(`found ${service} in multiple namespaces [${namespaces.join(' ')}], specify the namespace explicitly in the format of <Namespace>/<Hostname>`);
    }
    found = matching[0];
  }
  if (found === undefined) throw new Error(`could not find service ${service} in Istio service registry`);
  return { hostname: found.hostname, cluster: outboundClusterName(port, '', found.hostname) };
}

function parsePort(port: number): number {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return port;
  throw new Error(`port must be in the range [1, 65535], found: ${port}`);
}

function parseStatusOnError(status: string | undefined): Json | undefined {
  if (status === undefined || status === '') return undefined;
  if (!/^[+-]?\d+$/.test(status)) throw new Error(`invalid statusOnError "${status}": strconv.ParseInt: parsing "${status}": invalid syntax`);
  const code = Number(status);
  if (!SUPPORTED_STATUS.includes(code)) throw new Error(`unsupported statusOnError ${status}, supported values: [${SUPPORTED_STATUS.join(' ')}]`);
  return { code };
}

/** istiod's generateHeaders: `*x` a suffix, `x*` a prefix, else exact; all case-insensitive. */
function headers(list: readonly string[] | undefined): Json | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return { patterns: list.map((h): Json => h.startsWith('*') ? { suffix: h.slice(1), ignoreCase: true }
    : h.endsWith('*') ? { prefix: h.slice(0, -1), ignoreCase: true } : { exact: h, ignoreCase: true }) };
}

/** The ext_authz filter runs only where the CUSTOM shadow rules matched (istiod's generateFilterMatcher). */
const FILTER_ENABLED_METADATA: Json = {
  filter: 'envoy.filters.http.rbac', path: [{ key: `${EXT_AUTHZ_SHADOW_STAT_PREFIX}shadow_effective_policy_id` }],
  value: { stringMatch: { prefix: EXT_AUTHZ_MATCH_PREFIX } },
};

function buildHttp(c: EnvoyExtAuthzHttpProvider, services: readonly Service[]): Json {
  const errors: string[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      errors.push((e as Error).message);
      return undefined;
    }
  };
  const port = attempt(() => parsePort(c.port));
  const target = port === undefined ? undefined : attempt(() => lookupCluster(services, c.service, port));
  const status = attempt(() => parseStatusOnError(c.statusOnError));
  const prefix = c.pathPrefix ?? '';
  if (prefix !== '' && !prefix.startsWith('/')) errors.push(`pathPrefix must begin with \`/\`, found: "${prefix}"`);
  const wildcard = (field: string, values: readonly string[] | undefined): void => {
    if (values?.includes('*') === true) {
      errors.push(`a single wildcard ("*") is not supported, change it to either prefix or suffix match: ${field}`);
    }
  };
  wildcard('IncludeRequestHeadersInCheck', c.includeRequestHeadersInCheck);
  wildcard('IncludeHeadersInCheck', c.includeHeadersInCheck);
  wildcard('HeadersToDownstreamOnDeny', c.headersToDownstreamOnDeny);
  wildcard('HeadersToDownstreamOnAllow', c.headersToDownstreamOnAllow);
  wildcard('HeadersToUpstreamOnAllow', c.headersToUpstreamOnAllow);
  const body = c.includeRequestBodyInCheck;
  if (body !== undefined && !((body.maxRequestBytes ?? 0) > 0)) errors.push('includeRequestBodyInCheck.maxRequestBytes must be greater than 0');
  if (errors.length > 0 || target === undefined) throw new Error(errors.join('; '));

  const service: Json = {
    pathPrefix: prefix,
    serverUri: { uri: `http://${target.hostname}`, cluster: target.cluster, timeout: c.timeout ?? '600s' },
  };
  const allowed = headers(c.includeRequestHeadersInCheck) ?? headers(c.includeHeadersInCheck);
  const additional = Object.keys(c.includeAdditionalHeadersInCheck ?? {}).sort()
    .map((k): Json => ({ key: k, value: c.includeAdditionalHeadersInCheck![k] }));
  if (allowed !== undefined || additional.length > 0) {
    service['authorizationRequest'] = { ...(allowed !== undefined ? { allowedHeaders: allowed } : {}),
      ...(additional.length > 0 ? { headersToAdd: additional } : {}) };
  }
  const response: Json = {};
  for (const [key, list] of [['allowedUpstreamHeaders', c.headersToUpstreamOnAllow], ['allowedClientHeaders', c.headersToDownstreamOnDeny],
    ['allowedClientHeadersOnSuccess', c.headersToDownstreamOnAllow]] as const) {
    const h = headers(list);
    if (h !== undefined) response[key] = h;
  }
  if (Object.keys(response).length > 0) service['authorizationResponse'] = response;
  return {
    ...(status !== undefined ? { statusOnError: status } : {}),
    failureModeAllow: c.failOpen ?? false,
    transportApiVersion: 'V3',
    httpService: service,
    filterEnabledMetadata: FILTER_ENABLED_METADATA,
    // pack_as_bytes only shapes gRPC check requests: an HTTP service never reads it.
    ...(body !== undefined ? { withRequestBody: { maxRequestBytes: body.maxRequestBytes!, allowPartialMessage: body.allowPartialMessage ?? false } } : {}),
  };
}

/** istiod's processExtensionProvider and getExtAuthz for one provider name: its filter, or the reason it fails closed. */
export function resolveProvider(providers: readonly ExtensionProvider[], name: string, services: readonly Service[]): ResolvedProvider {
  const matching = providers.filter((p) => p.name === name);
  const authz = providers.filter((p) => p.envoyExtAuthzHttp !== undefined || p.envoyExtAuthzGrpc !== undefined).map((p) => p.name);
  const p = matching.find((x) => x.envoyExtAuthzHttp !== undefined || x.envoyExtAuthzGrpc !== undefined);
  if (p === undefined) return { error: `available providers are [${authz.join(' ')}] but found "${name}"` };
  if (matching.length > 1) return { error: `found errors in provider ${name}: extension provider name must be unique, found duplicate: ${name}` };
  if (p.envoyExtAuthzGrpc !== undefined) {
    return { error: `found errors in provider ${name}: envoyExtAuthzGrpc is not supported by Strait (its proxy has no gRPC ext_authz client); use envoyExtAuthzHttp` };
  }
  try {
    return { http: buildHttp(p.envoyExtAuthzHttp!, services) };
  } catch (e) {
    return { error: `found errors in provider ${name}: failed to parse extension provider "${name}": ${(e as Error).message}` };
  }
}
