// The router's global timeout for one request, as Envoy's FilterUtility::finalTimeout: the route's timeout;
// a gRPC request's grpc-timeout under max_grpc_timeout; none once the route sets max_stream_duration.
import type { RequestHead } from '../../../http/headers.js';
import { isGrpcRequest } from '../../../http/local-reply.js';
import { parseGrpcTimeout } from '../../../http/grpc-timeout.js';
import type { ForwardAction } from '../../../router/types.js';

/** The global timeout in ms (0 = none) before x-envoy-upstream-rq-timeout-ms is considered. */
export function routeTimeoutMs(action: ForwardAction, head: RequestHead): number {
  // With max_stream_duration ("new timeouts") the connection manager's stream duration bounds the request.
  if (action.streamDuration !== null) return 0;
  const max = action.maxGrpcTimeoutMs;
  if (max === undefined || !isGrpcRequest(head)) return action.timeoutMs;
  let timeout = parseGrpcTimeout(head.headers.get('grpc-timeout')) ?? 0;
  // The offset applies only if it leaves a positive timeout (0 would mean none).
  const offset = action.grpcTimeoutOffsetMs;
  if (offset !== undefined && offset < timeout) timeout -= offset;
  // Capped by max_grpc_timeout, where 0 means no cap (and no grpc-timeout means no timeout).
  if (max !== 0 && (timeout === 0 || timeout > max)) timeout = max;
  return timeout;
}
