// ext_authz's raw HTTP client, as Envoy's RawHttpClientImpl: the check request (the original method, path_prefix +
// path, allowed headers, Content-Length of the buffered body) and the reading of the authorization server's answer.
import { HeaderMap, type RequestHead } from '../../../http/headers.js';
import { clusterProtocol, sendAsyncRequest, type AsyncOutcome } from '../../../upstream/async-request.js';
import type { Cancellable, ClusterManager } from '../../../upstream/types.js';
import type { HttpServiceSettings } from './config.js';

/** What the authorization server decided. */
export type CheckResult =
  | {
    readonly kind: 'ok';
    /** Set on the request (allowed_upstream_headers). */
    readonly headersToSet: readonly (readonly [string, string])[];
    /** Appended to existing request headers (allowed_upstream_headers_to_append). */
    readonly headersToAppend: readonly (readonly [string, string])[];
    /** Added to the response (allowed_client_headers_on_success). */
    readonly responseHeadersToAdd: readonly (readonly [string, string])[];
    /** Removed from the request (x-envoy-auth-headers-to-remove). */
    readonly headersToRemove: readonly string[];
    readonly metadata: Record<string, string>;
  }
  | {
    readonly kind: 'denied';
    readonly status: number;
    readonly body: string;
    /** Sent to the client (allowed_client_headers). */
    readonly headers: readonly (readonly [string, string])[];
    readonly metadata: Record<string, string>;
  }
  | { readonly kind: 'error' };

/** The response header naming request headers to remove on OK (Envoy's EnvoyAuthHeadersToRemove). */
const HEADERS_TO_REMOVE = 'x-envoy-auth-headers-to-remove';

/** The check request's head for an original request (Envoy's RawHttpClientImpl::check). */
export function checkRequestHead(s: HttpServiceSettings, original: RequestHead, bodyLength: number,
  protocol: RequestHead['protocol']): RequestHead {
  const headers = new HeaderMap();
  headers.set('content-length', String(bodyLength));
  const src = original.headers;
  for (let i = 0; i < src.names.length; i++) {
    const name = src.names[i];
    if (name === 'content-length' || name === 'host' || !s.requestHeaders(name)) continue;
    headers.add(name, src.values[i]);
  }
  for (const [k, v] of s.headersToAdd) headers.set(k, v);
  return { method: original.method, path: `${s.pathPrefix}${original.path}`, authority: original.authority,
    scheme: 'http', protocol, headers };
}

function pick(h: HeaderMap, match: (name: string) => boolean): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < h.names.length; i++) if (match(h.names[i])) out.push([h.names[i], h.values[i]]);
  return out;
}

function metadataOf(s: HttpServiceSettings, h: HeaderMap): Record<string, string> {
  const md: Record<string, string> = {};
  for (const [k, v] of pick(h, s.metadataHeaders)) md[k] = v;
  return md;
}

/** Envoy's RawHttpClientImpl::toResponse: 200 allows, 5xx and failures are errors, any other status denies. */
export function toCheckResult(s: HttpServiceSettings, o: AsyncOutcome): CheckResult {
  if (!('status' in o) || o.status >= 500) return { kind: 'error' };
  const h = o.headers;
  if (o.status === 200) {
    const headersToRemove = h.getAll(HEADERS_TO_REMOVE).flatMap((v) => v.split(',')).map((x) => x.trim().toLowerCase())
      .filter((x) => x !== '');
    h.remove(HEADERS_TO_REMOVE);
    return {
      kind: 'ok', headersToSet: pick(h, s.upstreamHeaders), headersToAppend: pick(h, s.upstreamHeadersToAppend),
      responseHeadersToAdd: pick(h, s.clientHeadersOnSuccess), headersToRemove, metadata: metadataOf(s, h),
    };
  }
  h.remove(HEADERS_TO_REMOVE);
  return { kind: 'denied', status: o.status, body: o.body.toString('utf8'), headers: pick(h, s.clientHeaders), metadata: metadataOf(s, h) };
}

/** Sends the check for `original` (with `body`, possibly empty); `onResult` gets the decision unless cancelled. */
export function check(cm: ClusterManager, s: HttpServiceSettings, original: RequestHead, body: Buffer,
  onResult: (r: CheckResult) => void): Cancellable {
  const head = checkRequestHead(s, original, body.length, clusterProtocol(cm, s.cluster));
  return sendAsyncRequest(cm, s.cluster, head, body.length > 0 ? body : null, s.timeoutMs, (o) => onResult(toCheckResult(s, o)));
}
