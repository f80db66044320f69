// HTTPMatchRequest -> Envoy RouteMatch as istiod builds it: uri as path/prefix/safe_regex,
// ignoreUriCase, method/scheme/authority as pseudo-header matchers, headers, withoutHeaders, queryParams.
import { create } from '@bufbuild/protobuf';
import {
  HeaderMatcherSchema, QueryParameterMatcherSchema, RouteMatchSchema, type HeaderMatcher, type RouteMatch,
} from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { StringMatcherSchema, type StringMatcher } from '../../../xds/gen/envoy/type/matcher/v3/string_pb.js';
import { RegexMatcherSchema } from '../../../xds/gen/envoy/type/matcher/v3/regex_pb.js';
import type { HTTPMatchRequest, IstioStringMatch } from './inputs.js';

/** An Istio StringMatch as an Envoy StringMatcher; undefined for an empty one. */
export function stringMatcher(m: IstioStringMatch, ignoreCase = false): StringMatcher | undefined {
  if (m.exact !== undefined) return create(StringMatcherSchema, { matchPattern: { case: 'exact', value: m.exact }, ignoreCase });
  if (m.prefix !== undefined) return create(StringMatcherSchema, { matchPattern: { case: 'prefix', value: m.prefix }, ignoreCase });
  if (m.regex !== undefined) {
    return create(StringMatcherSchema, { matchPattern: { case: 'safeRegex', value: { regex: m.regex } } });
  }
  return undefined;
}

/** A header matcher; an empty StringMatch means "present" (as istiod: any value). */
function headerMatcher(name: string, m: IstioStringMatch, invert: boolean): HeaderMatcher {
  const sm = stringMatcher(m);
  if (sm === undefined) {
    return create(HeaderMatcherSchema, { name, invertMatch: invert, headerMatchSpecifier: { case: 'presentMatch', value: true } });
  }
  return create(HeaderMatcherSchema, { name, invertMatch: invert, headerMatchSpecifier: { case: 'stringMatch', value: sm } });
}

/** The Envoy match of one HTTPMatchRequest (undefined = match everything on "/"). */
export function routeMatch(m: HTTPMatchRequest | undefined): RouteMatch {
  const out = create(RouteMatchSchema, { pathSpecifier: { case: 'prefix', value: '/' } });
  if (m === undefined) return out;
  const uri = m.uri;
  if (uri?.exact !== undefined) out.pathSpecifier = { case: 'path', value: uri.exact };
  else if (uri?.prefix !== undefined) out.pathSpecifier = { case: 'prefix', value: uri.prefix };
  else if (uri?.regex !== undefined) out.pathSpecifier = { case: 'safeRegex', value: create(RegexMatcherSchema, { regex: uri.regex }) };
  if (m.ignoreUriCase === true) out.caseSensitive = false;
  const pseudo: [string, IstioStringMatch | undefined][] = [[':method', m.method], [':scheme', m.scheme], [':authority', m.authority]];
  for (const [name, sm] of pseudo) if (sm !== undefined) out.headers.push(headerMatcher(name, sm, false));
  for (const [name, sm] of Object.entries(m.headers ?? {})) out.headers.push(headerMatcher(name.toLowerCase(), sm, false));
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) out.headers.push(headerMatcher(name.toLowerCase(), sm, true));
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) {
    const matcher = stringMatcher(sm);
    out.queryParameters.push(create(QueryParameterMatcherSchema, matcher === undefined
      ? { name, queryParameterMatchSpecifier: { case: 'presentMatch', value: true } }
      : { name, queryParameterMatchSpecifier: { case: 'stringMatch', value: matcher } }));
  }
  return out;
}
