// A local reply whose gRPC form carries a chosen grpc-status (fault grpc_status aborts, local rate
// limit's rate_limited_as_resource_exhausted) instead of the one mapped from the HTTP status.
import type { RequestHead } from '../../../http/headers.js';
import { buildLocalReply, isGrpcRequest } from '../../../http/local-reply.js';
import type { DecoderFilterCallbacks, LocalReply } from '../types.js';

/**
 * Sends `reply`; for a gRPC request with `grpcStatus` set, the trailers-only reply carries that
 * status (as Envoy's sendLocalReply with a grpc_status). Only valid before the response started.
 */
export function sendLocalReplyWithGrpcStatus(cb: DecoderFilterCallbacks, reply: LocalReply, grpcStatus: number | undefined,
  request: RequestHead): void {
  if (grpcStatus === undefined || !isGrpcRequest(request)) {
    cb.sendLocalReply(reply);
    return;
  }
  const info = cb.streamInfo;
  if (reply.flag !== undefined) info.setFlag(reply.flag);
  info.responseCodeDetails = reply.details;
  const { head } = buildLocalReply(reply.status, reply.body, request, reply.headers);
  head.headers.set('grpc-status', String(grpcStatus));
  cb.encodeHeaders(head, true);
}
