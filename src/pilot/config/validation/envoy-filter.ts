// Validation of networking.istio.io EnvoyFilter after Istio's webhook (ValidateEnvoyFilter): each patch's
// applyTo, operation and value, its match against the applyTo, and the patch value read as Envoy config.
import { fromJson, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import { registry } from '../../../xds/registry.js';
import { goRegexpError } from '../../../proxy/util/re2.js';
import { Findings } from './field-error.js';
import { asArr, asObj, isObj, type Obj } from './common.js';
import { checkSelectorLabels } from './security.js';

/** The Envoy message a patch value is read as, by applyTo (Istio's BuildXDSObjectFromStruct). */
const PATCH_TYPES: Readonly<Record<string, string>> = {
  CLUSTER: 'envoy.config.cluster.v3.Cluster',
  LISTENER: 'envoy.config.listener.v3.Listener',
  ROUTE_CONFIGURATION: 'envoy.config.route.v3.RouteConfiguration',
  FILTER_CHAIN: 'envoy.config.listener.v3.FilterChain',
  HTTP_FILTER: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
  NETWORK_FILTER: 'envoy.config.listener.v3.Filter',
  VIRTUAL_HOST: 'envoy.config.route.v3.VirtualHost',
  HTTP_ROUTE: 'envoy.config.route.v3.Route',
  EXTENSION_CONFIG: 'envoy.config.core.v3.TypedExtensionConfig',
  BOOTSTRAP: 'envoy.config.bootstrap.v3.Bootstrap',
  LISTENER_FILTER: 'envoy.config.listener.v3.ListenerFilter',
};

const LISTENER_CLASS = new Set(['LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER']);
const ROUTE_CLASS = new Set(['ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE']);
const MATCH_KINDS = ['listener', 'routeConfiguration', 'cluster', 'waypoint'];
const HCM = 'envoy.filters.network.http_connection_manager';

/** Istio's deprecated filter names and the canonical names to use instead (its ReverseDeprecatedFilterNames). */
const DEPRECATED_FILTER_NAMES: ReadonlyMap<string, string> = new Map([
  ['envoy.buffer', 'envoy.filters.http.buffer'], ['envoy.cors', 'envoy.filters.http.cors'],
  ['envoy.csrf', 'envoy.filters.http.csrf'], ['envoy.http_dynamo_filter', 'envoy.filters.http.dynamo'],
  ['envoy.ext_authz', 'envoy.filters.http.ext_authz'], ['envoy.fault', 'envoy.filters.http.fault'],
  ['envoy.grpc_http1_bridge', 'envoy.filters.http.grpc_http1_bridge'],
  ['envoy.grpc_json_transcoder', 'envoy.filters.http.grpc_json_transcoder'], ['envoy.grpc_web', 'envoy.filters.http.grpc_web'],
  ['envoy.gzip', 'envoy.filters.http.gzip'], ['envoy.health_check', 'envoy.filters.http.health_check'],
  ['envoy.ip_tagging', 'envoy.filters.http.ip_tagging'], ['envoy.lua', 'envoy.filters.http.lua'],
  ['envoy.rate_limit', 'envoy.filters.http.ratelimit'], ['envoy.router', 'envoy.filters.http.router'],
  ['envoy.squash', 'envoy.filters.http.squash'], ['envoy.listener.http_inspector', 'envoy.filters.listener.http_inspector'],
  ['envoy.listener.original_dst', 'envoy.filters.listener.original_dst'],
  ['envoy.listener.original_src', 'envoy.filters.listener.original_src'],
  ['envoy.listener.proxy_protocol', 'envoy.filters.listener.proxy_protocol'],
  ['envoy.listener.tls_inspector', 'envoy.filters.listener.tls_inspector'],
  ['envoy.client_ssl_auth', 'envoy.filters.network.client_ssl_auth'], ['envoy.http_connection_manager', HCM],
  ['envoy.mongo_proxy', 'envoy.filters.network.mongo_proxy'], ['envoy.ratelimit', 'envoy.filters.network.ratelimit'],
  ['envoy.redis_proxy', 'envoy.filters.network.redis_proxy'], ['envoy.tcp_proxy', 'envoy.filters.network.tcp_proxy'],
]);

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function warnDeprecatedName(name: string, at: string, f: Findings): void {
  const canonical = DEPRECATED_FILTER_NAMES.get(name);
  if (canonical !== undefined) f.warn(at, `using deprecated filter name "${name}"; use "${canonical}" instead`);
}

/** The CRD's rules on a match: one object type at most; a waypoint match exactly when the context is WAYPOINT. */
function checkMatchShape(match: Obj, at: string, f: Findings): boolean {
  if (MATCH_KINDS.filter((k) => match[k] !== undefined).length > 1) {
    f.error(at, 'Invalid value: "object": must validate one and only one schema (oneOf)');
    return false;
  }
  const waypoint = asObj(match['waypoint']);
  if ((match['context'] === 'WAYPOINT') !== (waypoint !== undefined)) {
    f.error(at, 'Invalid value: "object": only support waypointMatch when context is WAYPOINT');
    return false;
  }
  const port = waypoint?.['portNumber'];
  if (typeof port === 'number' && !(port > 0 && port <= 65535)) {
    f.error(`${at}.waypoint.portNumber`, 'Invalid value: "integer": port must be between 1-65535');
    return false;
  }
  return true;
}

/**
 * Checks that the match fits the applyTo, as Istio's webhook; returns false when the patch is refused.
 * `match` is the patch's match object (already structurally checked).
 */
function checkMatch(applyTo: string, match: Obj, at: string, f: Findings): boolean {
  const kind = MATCH_KINDS.find((k) => match[k] !== undefined);
  // A waypoint match names its own filter and route: the sidecar classes do not apply.
  if (kind === undefined || kind === 'waypoint') return true;
  if (LISTENER_CLASS.has(applyTo)) {
    if (kind !== 'listener') {
      f.error(at, 'Envoy filter: applyTo for listener class objects cannot have non listener match');
      return false;
    }
    const filter = asObj(asObj(asObj(match['listener'])?.['filterChain'])?.['filter']);
    if (filter === undefined) return true;
    const fat = `${at}.listener.filterChain.filter`;
    if (applyTo === 'LISTENER' || applyTo === 'FILTER_CHAIN') f.warn(fat, `Envoy filter: filter match has no effect when used with ${applyTo}`);
    const name = str(filter['name']);
    if (name === '') {
      f.error(fat, 'Envoy filter: filter match has no name to match on');
      return false;
    }
    const sub = asObj(filter['subFilter']);
    if (sub !== undefined) {
      if (applyTo !== 'HTTP_FILTER') {
        f.error(`${fat}.subFilter`, 'Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only');
        return false;
      }
      if (name !== HCM && name !== 'envoy.http_connection_manager') {
        f.error(`${fat}.subFilter`, `Envoy filter: subfilter match requires filter match with ${HCM}`);
        return false;
      }
      if (str(sub['name']) === '') {
        f.error(`${fat}.subFilter`, 'Envoy filter: subfilter match has no name to match on');
        return false;
      }
    }
    warnDeprecatedName(name, `${fat}.name`, f);
    warnDeprecatedName(str(sub?.['name']), `${fat}.subFilter.name`, f);
  } else if (ROUTE_CLASS.has(applyTo) && kind !== 'routeConfiguration') {
    f.error(at, 'Envoy filter: applyTo for http route class objects cannot have non route configuration match');
  } else if (applyTo === 'CLUSTER' && kind !== 'cluster') {
    f.error(at, 'Envoy filter: applyTo for cluster class objects cannot have non cluster match');
  }
  return true;
}

const GO_DURATION = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|\u00b5s|ms|s|m|h)/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { ns: 1e-9, us: 1e-6, '\u00b5s': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration ("500ms", "1m30s") as protobuf JSON seconds ("0.5s"), or undefined when it is not one. */
function goDurationJson(v: string): string | undefined {
  let rest = v;
  let seconds = 0;
  while (rest !== '') {
    const m = GO_DURATION.exec(rest);
    if (m === null) return undefined;
    seconds += Number(m[1]) * UNIT_SECONDS[m[3]!]!;
    rest = rest.slice(m[0].length);
  }
  return v === '' ? undefined : `${Number(seconds.toFixed(9))}s`;
}

/**
 * The patch value as protobuf JSON of `desc`, read the way Istio's webhook reads it: durations may be
 * written as Go durations, and an `Any` of a type Strait has no descriptor for is left unchecked (Istio
 * knows more extensions than Strait generates) unless it is a v2 type, which Istio no longer knows either
 * (collected in `v2Types`).
 */
function asProtoJson(desc: DescMessage, v: unknown, v2Types: string[]): unknown {
  if (!isObj(v)) return v;
  if (desc.typeName === 'google.protobuf.Any') {
    const url = typeof v['@type'] === 'string' ? v['@type'] : '';
    const inner = registry.getMessage(url.slice(url.lastIndexOf('/') + 1));
    if (inner === undefined) {
      if (url.includes('.v2.')) v2Types.push(url);
      return { '@type': 'type.googleapis.com/google.protobuf.Empty' };
    }
    return { ...(asProtoJson(inner, v, v2Types) as Obj), '@type': url };
  }
  if (desc.typeName === 'google.protobuf.Struct' || desc.typeName === 'google.protobuf.Value') return v;
  const out: Obj = { ...v };
  for (const field of desc.fields) {
    const key = field.name in v ? field.name : field.jsonName;
    const x = v[key];
    if (x === undefined || x === null || field.message === undefined) continue;
    const m = field.message;
    const one = (y: unknown): unknown => (m.typeName === 'google.protobuf.Duration' && typeof y === 'string'
      ? goDurationJson(y) ?? y : asProtoJson(m, y, v2Types));
    if (field.fieldKind === 'list') out[key] = asArr(x).map(one);
    else if (field.fieldKind === 'map') out[key] = Object.fromEntries(Object.entries(asObj(x) ?? {}).map(([k, y]) => [k, one(y)]));
    else out[key] = one(x);
  }
  return out;
}

/** Names of messages that have a typed_config field but set neither it nor config_discovery (Istio's recurseMissingTypedConfig). */
function missingTypedConfig(desc: DescMessage, json: Obj, out: string[]): void {
  const value = (name: string, jsonName: string): unknown => json[name] ?? json[jsonName];
  let requires = false;
  let has = false;
  for (const field of desc.fields) {
    const v = value(field.name, field.jsonName);
    if (field.name === 'typed_config') requires = true;
    if ((field.name === 'typed_config' || field.name === 'config_discovery') && v !== undefined && v !== null) has = true;
    if (v === undefined || v === null || field.message === undefined || field.message.typeName === 'google.protobuf.Any') continue;
    const m = field.message;
    const items = field.fieldKind === 'list' ? asArr(v) : field.fieldKind === 'map' ? Object.values(asObj(v) ?? {}) : [v];
    for (const item of items) if (isObj(item)) missingTypedConfig(m, item, out);
  }
  if (requires && !has) out.push(str(value('name', 'name')));
}

/** Reads the patch value as the applyTo's Envoy message, as Istio's webhook does (lenient, then strict for warnings). */
function checkPatchValue(applyTo: string, value: unknown, at: string, f: Findings): void {
  const typeName = PATCH_TYPES[applyTo];
  const desc = typeName === undefined ? undefined : registry.getMessage(typeName);
  if (desc === undefined) {
    f.error(at, `Envoy filter: unknown object type for applyTo ${applyTo}`);
    return;
  }
  const v2Types: string[] = [];
  const json = asProtoJson(desc, value, v2Types) as JsonValue;
  if (v2Types.length > 0) {
    f.error(at, `referenced type unknown (hint: try using the v3 XDS API): ${v2Types.join(', ')}`);
    return;
  }
  try {
    fromJson(desc, json, { registry, ignoreUnknownFields: true });
  } catch (e) {
    f.error(at, `Envoy filter: ${(e as Error).message}`);
    return;
  }
  try {
    fromJson(desc, json, { registry });
  } catch (e) {
    f.warn(at, `Envoy filter: ${(e as Error).message}`);
  }
  const missing: string[] = [];
  if (isObj(json)) missingTypedConfig(desc, json, missing);
  if (missing.length > 0) f.warn(at, `using deprecated types by name without typed_config; ${missing.join(', ')}`);
}

/** EnvoyFilter, as Istio's ValidateEnvoyFilter (its no-effect warning comes from the kinds table). */
export function validateEnvoyFilter(spec: Obj, f: Findings): void {
  f.warn('spec', 'EnvoyFilter exposes internal implementation details that may change at any time. '
    + 'Prefer other APIs if possible, and exercise extreme caution, especially around upgrades.');
  const selector = asObj(spec['workloadSelector']);
  const refs = asArr(spec['targetRefs']);
  if (selector !== undefined && spec['targetRefs'] !== undefined) f.error('spec', 'only one of targetRefs or workloadSelector can be set');
  refs.forEach((r, i) => {
    if (str(asObj(r)?.['namespace']) !== '') f.error(`spec.targetRefs[${i}].namespace`, 'cross namespace referencing is not currently supported');
  });
  if (selector !== undefined) {
    const labels = asObj(selector['labels']) ?? {};
    checkSelectorLabels(labels, 'spec.workloadSelector.labels', f);
    if (Object.keys(labels).length === 0) {
      f.warn('spec.workloadSelector', 'Envoy filter: workload selector specified without labels, will be applied to all services in namespace');
    }
  }
  asArr(spec['configPatches']).forEach((raw, i) => {
    const at = `spec.configPatches[${i}]`;
    const cp = asObj(raw);
    if (cp === undefined) return f.error(at, 'Envoy filter: null config patch');
    const applyTo = str(cp['applyTo']);
    if (applyTo === '' || applyTo === 'INVALID') return f.error(`${at}.applyTo`, 'Envoy filter: missing applyTo');
    const patch = asObj(cp['patch']);
    if (patch === undefined) return f.error(`${at}.patch`, 'Envoy filter: missing patch');
    const op = str(patch['operation']);
    if (op === '' || op === 'INVALID') return f.error(`${at}.patch.operation`, 'Envoy filter: missing patch operation');
    if (op !== 'REMOVE' && patch['value'] === undefined) {
      return f.error(`${at}.patch.value`, 'Envoy filter: missing patch value for non-remove operation');
    }
    const match = asObj(cp['match']);
    if (match !== undefined && !checkMatchShape(match, `${at}.match`, f)) return;
    const version = str(asObj(match?.['proxy'])?.['proxyVersion']);
    const reErr = version === '' ? undefined : goRegexpError(version);
    if (reErr !== undefined) return f.error(`${at}.match.proxy.proxyVersion`, `Envoy filter: invalid regex for proxy version, [${reErr}]`);
    if (match !== undefined && !checkMatch(applyTo, match, `${at}.match`, f)) return;
    if (patch['value'] !== undefined) checkPatchValue(applyTo, patch['value'], `${at}.patch.value`, f);
  });
}
