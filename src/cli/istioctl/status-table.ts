// `proxy-status` output, as istioctl's pilot status writer: one row per connected proxy from
// istiod's /debug/syncz (NAME, CLUSTER, CDS, LDS, EDS, RDS, ECDS, ISTIOD, VERSION), by name.
import { arr, obj, str, type Json } from './json-access.js';
import { tabulate } from './tab-writer.js';

/** istioctl's xdsStatus: NOT SENT, SYNCED, STALE (Never Acknowledged), STALE. */
export function xdsStatus(sent: string, acked: string): string {
  if (sent === '') return 'NOT SENT';
  if (sent === acked) return 'SYNCED';
  if (acked === '') return 'STALE (Never Acknowledged)';
  return 'STALE';
}

function typeStatus(row: Json, label: string): string {
  const state = str(row[`${label}_state`]);
  return state !== '' ? state : xdsStatus(str(row[`${label}_sent`]), str(row[`${label}_acked`]));
}

/** The proxy's `pod.namespace` from an istiod node id (`type~ip~pod.ns~domain`). */
export function proxyName(id: string): string {
  const parts = id.split('~');
  return parts.length === 4 ? parts[2] ?? id : id;
}

/** The table's rows, header first; `istiod` names the control plane instance. */
export function statusRows(syncz: unknown, istiod: string): string[][] {
  const rows = arr(syncz).map(obj).map((r) => [proxyName(str(r['proxy'])), str(r['cluster_id']),
    typeStatus(r, 'cluster'), typeStatus(r, 'listener'), typeStatus(r, 'endpoint'), typeStatus(r, 'route'),
    typeStatus(r, 'extension_config'), istiod, str(r['istio_version'])]);
  rows.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
  return [['NAME', 'CLUSTER', 'CDS', 'LDS', 'EDS', 'RDS', 'ECDS', 'ISTIOD', 'VERSION'], ...rows];
}

/** The table (tabwriter padding 5, as istioctl's status writer). */
export function statusTable(syncz: unknown, istiod: string): string {
  return tabulate(statusRows(syncz, istiod), 5);
}
