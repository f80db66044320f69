// A listener filter's filter_disabled (Envoy's ListenerFilterChainMatchPredicate): and/or/not sets,
// any_match and destination_port_range, compiled to a test of the connection's local port.
import type { ListenerFilterChainMatchPredicate as Predicate } from '../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { listenerFail } from './errors.js';

/** Whether the predicate matches a connection to `localPort` (a match disables the filter). */
export type PortPredicate = (localPort: number) => boolean;

/** Compiles `p`; `path` is its field path (`...listener_filters[1].filter_disabled`) for errors. */
export function compilePredicate(p: Predicate, path: string): PortPredicate {
  const rule = p.rule;
  switch (rule.case) {
    case 'anyMatch':
      return () => true;
    case 'destinationPortRange': {
      const { start, end } = rule.value;
      // Int32Range: start inclusive, end exclusive.
      return (port) => port >= start && port < end;
    }
    case 'notMatch': {
      const inner = compilePredicate(rule.value, `${path}.not_match`);
      return (port) => !inner(port);
    }
    case 'andMatch':
    case 'orMatch': {
      const field = rule.case === 'andMatch' ? 'and_match' : 'or_match';
      const rules = rule.value.rules;
      if (rules.length < 2) listenerFail(`${path}.${field}.rules`, 'value must contain at least 2 item(s)');
      const parts = rules.map((r, i) => compilePredicate(r, `${path}.${field}.rules[${i}]`));
      return rule.case === 'andMatch' ? (port) => parts.every((m) => m(port)) : (port) => parts.some((m) => m(port));
    }
    default:
      return listenerFail(path, 'value is required (one of or_match, and_match, not_match, any_match, destination_port_range)');
  }
}
