// Local replies: responses the proxy makes itself (404 NR, 503 UH, 504 UT ...), as Envoy shapes them.
// gRPC requests get a trailers-only reply with grpc-status mapped from the HTTP status.
import { HeaderMap, type RequestHead, type ResponseHead } from './headers.js';

/** Envoy's Utility::httpToGrpcStatus. */
export function httpToGrpcStatus(status: number): number {
  switch (status) {
    case 400: return 13;
    case 401: return 16;
    case 403: return 7;
    case 404: return 12;
    case 429: case 502: case 503: case 504: return 14;
    default: return 2;
  }
}

/** Whether the request is gRPC (content-type application/grpc*). */
export function isGrpcRequest(head: RequestHead | undefined): boolean {
  const ct = head?.headers.get('content-type');
  return ct !== undefined && ct.startsWith('application/grpc');
}

/** Builds the head (and body) of a local reply; `grpcStatus` overrides the one mapped from `status`. */
export function buildLocalReply(status: number, body: string, request: RequestHead | undefined,
  extra?: HeaderMap, grpcStatus?: number): { head: ResponseHead; body: Buffer | null } {
  const headers = extra ? extra.clone() : new HeaderMap();
  if (isGrpcRequest(request)) {
    headers.set('content-type', 'application/grpc');
    headers.set('grpc-status', String(grpcStatus ?? httpToGrpcStatus(status)));
    if (body !== '') headers.set('grpc-message', encodeURIComponent(body).replace(/%20/g, ' '));
    return { head: { status: 200, headers }, body: null };
  }
  if (body === '') {
    headers.set('content-length', '0');
    return { head: { status, headers }, body: null };
  }
  const buf = Buffer.from(body);
  headers.set('content-length', String(buf.length));
  headers.set('content-type', 'text/plain');
  return { head: { status, headers }, body: request?.method === 'HEAD' ? null : buf };
}
