// Routes the router answers itself: direct_response and redirect, with the route's response
// header mutations applied as Envoy's finalizeResponseHeaders does.
import { HeaderMap, type RequestHead } from '../../../http/headers.js';
import type { DirectResponseAction, RedirectAction, RouteMatchResult } from '../../../router/types.js';
import { applyMutations } from '../../../router/header-mutation.js';
import { redirectLocation } from '../../../router/rewrite.js';
import type { DecoderFilterCallbacks } from '../types.js';

/** Answers with the route's direct_response (status and body). */
export function sendDirectResponse(cb: DecoderFilterCallbacks, match: RouteMatchResult, action: DirectResponseAction,
  head: RequestHead): void {
  const headers = new HeaderMap();
  if (action.body !== null) {
    headers.set('content-length', String(action.body.length));
    headers.set('content-type', 'text/plain');
  } else {
    headers.set('content-length', '0');
  }
  applyMutations(match.responseMutations, headers, head, headers, cb.streamInfo);
  cb.streamInfo.responseCodeDetails = 'direct_response';
  const body = head.method === 'HEAD' ? null : action.body;
  cb.encodeHeaders({ status: action.status, headers }, body === null);
  if (body !== null) cb.encodeData(body, true);
}

/** Answers with the route's redirect (Location computed from the request). */
export function sendRedirect(cb: DecoderFilterCallbacks, match: RouteMatchResult, action: RedirectAction,
  head: RequestHead): void {
  const headers = new HeaderMap();
  headers.set('location', redirectLocation(match.route, head));
  applyMutations(match.responseMutations, headers, head, headers, cb.streamInfo);
  cb.sendLocalReply({ status: action.status, body: '', details: 'direct_response', headers });
}
