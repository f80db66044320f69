// Cluster name helpers on top of the shared translate/names.ts: building and parsing istiod's
// `<direction>|<port>|<subset>|<host>` names, and the ISTIO_MUTUAL SNI `outbound_.<port>_.<subset>_.<host>`.
import { inboundClusterName, outboundClusterName } from '../names.js';

export { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER, inboundClusterName, outboundClusterName } from '../names.js';

export type ClusterDirection = 'outbound' | 'inbound';

/** istiod's model.BuildSubsetKey. */
export function buildClusterName(direction: ClusterDirection, port: number, subset: string, host: string): string {
  return direction === 'outbound' ? outboundClusterName(port, subset, host) : subset === '' && host === '' ? inboundClusterName(port) : `inbound|${port}|${subset}|${host}`;
}

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
  if (parts[1] === '' || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { direction: parts[0], port, subset: parts[2], host: parts[3] };
}
