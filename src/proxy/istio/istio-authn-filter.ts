// Istio's istio_authn HTTP filter (origin part): turns the JWT payloads jwt_authn verified into the
// `istio_authn` dynamic metadata that authorization reads (request.auth.principal/audiences/presenter/claims).
import type { HttpFilterContext } from '../filters/http/registry.js';
import { FilterStatus, type DecoderFilterCallbacks, type HttpFilterFactory, type StreamDecoderFilter } from '../filters/http/types.js';
import type { StreamInfo } from '../http/stream-info.js';
import { PassThroughFilter } from '../filters/http/pass-through.js';

/** The filter's config type (Istio's authn FilterConfig; sent as a TypedStruct). */
/** Its metadata namespace. */
export const ISTIO_AUTHN_NAMESPACE = 'istio_authn';
const JWT_AUTHN_NAMESPACE = 'envoy.filters.http.jwt_authn';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A claim as Istio's list of strings: strings as one item, string lists kept, others as their JSON. */
function claimValues(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  return [JSON.stringify(v)];
}

/**
 * The `request.auth.*` attributes of the verified payload whose issuer sorts first (Istio picks by
 * issuer order when several tokens verified); null when jwt_authn verified none.
 */
export function requestAuthAttributes(info: StreamInfo): Record<string, unknown> | null {
  const md = info.dynamicMetadata[JWT_AUTHN_NAMESPACE];
  if (md === undefined) return null;
  const payloads = Object.values(md).filter((p): p is Record<string, unknown> => isObject(p) && typeof p.iss === 'string');
  if (payloads.length === 0) return null;
  payloads.sort((a, b) => (a.iss as string).localeCompare(b.iss as string));
  const p = payloads[0];
  const out: Record<string, unknown> = {};
  const sub = typeof p.sub === 'string' ? p.sub : '';
  out['request.auth.principal'] = `${p.iss as string}/${sub}`;
  const aud = p.aud === undefined ? [] : claimValues(p.aud);
  if (aud.length > 0) out['request.auth.audiences'] = aud.join(',');
  if (typeof p.azp === 'string') out['request.auth.presenter'] = p.azp;
  const claims: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(p)) claims[k] = claimValues(v);
  out['request.auth.claims'] = claims;
  out['request.auth.raw_claims'] = JSON.stringify(p);
  return out;
}

class IstioAuthnFilter extends PassThroughFilter {
  constructor(private readonly cb: DecoderFilterCallbacks) {
    super();
  }

  override decodeHeaders(): FilterStatus {
    const attrs = requestAuthAttributes(this.cb.streamInfo);
    if (attrs !== null) this.cb.streamInfo.setDynamicMetadata(ISTIO_AUTHN_NAMESPACE, attrs);
    return FilterStatus.Continue;
  }
}

/** Makes the filter per stream; it never rejects a request. */
export class IstioAuthnFilterFactory implements HttpFilterFactory {
  readonly name = 'istio_authn';
  create(cb: DecoderFilterCallbacks): { decoder: StreamDecoderFilter } {
    return { decoder: new IstioAuthnFilter(cb) };
  }
}

/** Builds the factory; the config (a TypedStruct) may only be empty: no policy fields are implemented. */
export function makeIstioAuthnFilterFactory(config: unknown, ctx: HttpFilterContext): IstioAuthnFilterFactory {
  if (isObject(config) && Object.keys(config).length > 0) {
    throw new Error(`${ctx.fieldPath}.value.${Object.keys(config)[0]}: not supported by Strait (istio_authn takes an empty config)`);
  }
  return new IstioAuthnFilterFactory();
}
