// HTTPRetry -> Envoy RetryPolicy with istiod's defaults: 2 attempts on
// connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes, previous_hosts, 5 host picks.
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { RetryPolicy_RetryHostPredicateSchema, RetryPolicySchema, type RetryPolicy } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { PreviousHostsPredicateSchema } from '../../../xds/gen/envoy/extensions/retry/host/previous_hosts/v3/previous_hosts_pb.js';
import { duration } from './durations.js';
import type { HTTPRetry } from './inputs.js';

export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

function retryPolicy(numRetries: number, retryOn: string, codes: number[], consistentHash: boolean): RetryPolicy {
  const p = create(RetryPolicySchema, {
    retryOn, numRetries, retriableStatusCodes: codes, hostSelectionRetryMaxAttempts: 5n,
  });
  if (!consistentHash) {
    p.retryHostPredicate = [create(RetryPolicy_RetryHostPredicateSchema, { name: 'envoy.retry_host_predicates.previous_hosts',
      configType: { case: 'typedConfig', value: anyPack(PreviousHostsPredicateSchema, create(PreviousHostsPredicateSchema)) } })];
  }
  return p;
}

/**
 * The route's retry policy: Istio's default when `retries` is unset, none for `attempts: 0`, else the
 * VirtualService's (integers in retryOn become retriable status codes, as istiod parses them).
 */
export function retryPolicyFor(r: HTTPRetry | undefined, consistentHash = false): RetryPolicy | undefined {
  if (r === undefined) return retryPolicy(2, DEFAULT_RETRY_ON, [], consistentHash);
  if ((r.attempts ?? 0) === 0) return undefined;
  const on: string[] = [];
  const codes: number[] = [];
  for (const part of (r.retryOn ?? DEFAULT_RETRY_ON).split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (/^\d+$/.test(part)) codes.push(Number(part));
    else on.push(part);
  }
  if (codes.length > 0 && !on.includes('retriable-status-codes')) on.push('retriable-status-codes');
  const p = retryPolicy(r.attempts!, on.join(','), codes, consistentHash);
  if (r.perTryTimeout !== undefined) p.perTryTimeout = duration(r.perTryTimeout);
  return p;
}
