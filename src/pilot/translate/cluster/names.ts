// Istio's cluster names (`outbound|<port>|<subset>|<host>`, `inbound|<port>||`), the ISTIO_MUTUAL
// SNI form (`outbound_.<port>_.<subset>_.<host>`) and the names of the fixed clusters.

export type ClusterDirection = 'outbound' | 'inbound';

export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';

/** istiod's model.BuildSubsetKey. */
export function buildClusterName(direction: ClusterDirection, port: number, subset: string, host: string): string {
  return `${direction}|${port}|${subset}|${host}`;
}

/** istiod's BuildInboundSubsetKey: `inbound|<port>||`. */
export const inboundClusterName = (port: number): string => buildClusterName('inbound', port, '', '');

/** istiod's BuildDNSSrvSubsetKey: the SNI an ISTIO_MUTUAL client sends. */
export function istioMtlsSni(port: number, subset: string, host: string): string {
  return `outbound_.${port}_.${subset}_.${host}`;
}

export interface ClusterName { direction: ClusterDirection; port: number; subset: string; host: string }

/** The parts of a `<direction>|<port>|<subset>|<host>` name; undefined for any other name. */
export function parseClusterName(name: string): ClusterName | undefined {
  const parts = name.split('|');
  if (parts.length !== 4 || (parts[0] !== 'outbound' && parts[0] !== 'inbound')) return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || parts[1] === '') return undefined;
  return { direction: parts[0], port, subset: parts[2], host: parts[3] };
}
