// `proxy-config endpoints` short output, as istioctl's clusters writer: ENDPOINT, STATUS,
// OUTLIER CHECK, CLUSTER, from /clusters?format=json or, lacking it, an EDS config dump.
import { endpointConfigsOf } from './config-dump.js';
import { arr, obj, str, type Json } from './json-access.js';
import { tabulate } from './tab-writer.js';

export interface EndpointFilter {
  cluster?: string;
  address?: string;
  port?: number;
  status?: string;
}

interface Row {
  address: string;
  port: number;
  status: string;
  outlier: string;
  cluster: string;
}

function addressOf(a: Json): { address: string; port: number } {
  const sock = obj(a['socket_address']);
  if (Object.keys(sock).length > 0) return { address: str(sock['address']), port: Number(sock['port_value'] ?? 0) || 0 };
  const pipe = str(obj(a['pipe'])['path']);
  return { address: pipe === '' ? '' : `unix://${pipe}`, port: 0 };
}

/** Rows of an admin /clusters?format=json document (envoy.admin.v3.Clusters). */
export function rowsFromClusters(clusters: unknown): Row[] {
  return arr(obj(clusters)['cluster_statuses']).map(obj).flatMap((c) => arr(c['host_statuses']).map(obj).map((h) => {
    const hs = obj(h['health_status']);
    return { ...addressOf(obj(h['address'])), status: str(hs['eds_health_status']) || 'HEALTHY',
      outlier: hs['failed_outlier_check'] === true ? 'FAILED' : 'OK', cluster: str(c['name']) };
  }));
}

/** Rows of a config dump's EndpointsConfigDump (no outlier state there: OK). */
export function rowsFromEds(dump: unknown): Row[] {
  return endpointConfigsOf(dump).flatMap((cla) => arr(cla['endpoints']).map(obj).flatMap((le) =>
    arr(le['lb_endpoints']).map(obj).map((lb) => ({
      ...addressOf(obj(obj(obj(lb['endpoint'])['address']))), status: str(lb['health_status']) || 'HEALTHY',
      outlier: 'OK', cluster: str(cla['cluster_name']),
    }))));
}

function verify(r: Row, f: EndpointFilter): boolean {
  return (!f.cluster || r.cluster === f.cluster) && (!f.address || r.address === f.address) &&
    (!f.port || r.port === f.port) && (!f.status || r.status === f.status);
}

/** The short table of the rows (tabwriter padding 5), by cluster then address. */
export function endpointTable(rows: readonly Row[], filter: EndpointFilter = {}): string {
  const sorted = rows.filter((r) => verify(r, filter))
    .sort((a, b) => a.cluster.localeCompare(b.cluster) || a.address.localeCompare(b.address) || a.port - b.port);
  const cells = sorted.map((r) => [r.port > 0 ? `${r.address}:${r.port}` : r.address, r.status, r.outlier, r.cluster]);
  return tabulate([['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'], ...cells], 5);
}
