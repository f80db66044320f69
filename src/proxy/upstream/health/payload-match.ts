// Envoy's PayloadMatcher: the expected segments must all appear in the received bytes, in order,
// each after the previous one (TCP health checks and http_health_check.receive).

/** Whether `data` holds every segment of `expected`, in order (an empty list always matches). */
export function payloadMatches(expected: readonly Buffer[], data: Buffer): boolean {
  let from = 0;
  for (const segment of expected) {
    const at = data.indexOf(segment, from);
    if (at === -1) return false;
    from = at + segment.length;
  }
  return true;
}
