// `proxy-status` output, as istioctl's pilot status writer: one row per connected proxy from
// istiod's /debug/syncz (NAME, CLUSTER, CDS, LDS, EDS, RDS, ECDS, ISTIOD, VERSION), by name;
// then notes on why a proxy is not at the latest push and which objects pilot left out.
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

const TYPES: [string, string][] = [['cluster', 'CDS'], ['listener', 'LDS'], ['endpoint', 'EDS'], ['route', 'RDS']];

/**
 * One line per reason a proxy lacks the latest config: a type pilot could not build for it or the
 * proxy rejected (syncz `<type>_error`), and each object pilot left out (push_status `configErrors`).
 */
export function statusNotes(syncz: unknown, pushStatus: unknown): string[] {
  const out: string[] = [];
  for (const r of arr(syncz).map(obj).sort((a, b) => str(a['proxy']).localeCompare(str(b['proxy'])))) {
    for (const [label, short] of TYPES) {
      const why = str(r[`${label}_error`]);
      if (why !== '') out.push(`${proxyName(str(r['proxy']))}: ${short} ${typeStatus(r, label)}: ${why}`);
    }
  }
  for (const e of arr(obj(pushStatus)['configErrors']).map(obj)) {
    const ns = str(e['namespace']);
    const file = str(e['file']);
    out.push(`${str(e['kind'])} ${ns === '' ? '' : `${ns}/`}${str(e['name'])}${file === '' ? '' : ` (${file}:${str(e['line']) || '1'})`}: ` +
      `left out of the config pushed to proxies: ${str(e['message'])}`);
  }
  return out;
}
