// DestinationRule policy selection as istiod's GetPortLevelTrafficPolicy/MergeSubsetTrafficPolicy: a port's
// portLevelSettings replace the whole policy; a subset replaces the components it sets (all, on a port match).
import type { DestinationRuleSpec, PortTrafficPolicy, TrafficPolicy } from '../../config/kinds/destination-rule.js';

/** The four components a cluster is built from (portLevelSettings already resolved). */
export type ResolvedPolicy = Omit<TrafficPolicy, 'portLevelSettings'>;

const components = (p: TrafficPolicy | PortTrafficPolicy): ResolvedPolicy => ({
  loadBalancer: p.loadBalancer, connectionPool: p.connectionPool, outlierDetection: p.outlierDetection, tls: p.tls,
});

/**
 * The policy for one port: the port's portLevelSettings entry if any (fields it omits fall back to
 * defaults, not to the top level), else the top-level components.
 */
export function portLevelPolicy(policy: TrafficPolicy | undefined, port: number): { policy?: ResolvedPolicy; portLevel: boolean } {
  if (policy === undefined) return { portLevel: false };
  const match = (policy.portLevelSettings ?? []).find((p) => p.port?.number === port);
  return match !== undefined ? { policy: components(match), portLevel: true } : { policy: components(policy), portLevel: false };
}

/** The DestinationRule's policy for a port and, with `subset`, that subset's merged policy. */
export function policyFor(dr: DestinationRuleSpec | undefined, port: number, subset = ''): ResolvedPolicy | undefined {
  const top = portLevelPolicy(dr?.trafficPolicy, port).policy;
  if (subset === '') return top;
  const sub = dr?.subsets?.find((s) => s.name === subset)?.trafficPolicy;
  if (sub === undefined) return top;
  const { policy: subPolicy, portLevel } = portLevelPolicy(sub, port);
  if (top === undefined) return subPolicy;
  const merged: ResolvedPolicy = { ...top };
  const s = subPolicy ?? {};
  if (s.connectionPool !== undefined || portLevel) merged.connectionPool = s.connectionPool;
  if (s.outlierDetection !== undefined || portLevel) merged.outlierDetection = s.outlierDetection;
  if (s.loadBalancer !== undefined || portLevel) merged.loadBalancer = s.loadBalancer;
  if (s.tls !== undefined || portLevel) merged.tls = s.tls;
  return merged;
}
