// `proxy-config clusters` short output, as istioctl's configdump cluster writer: SERVICE FQDN,
// PORT, SUBSET, DIRECTION, TYPE, DESTINATION RULE, from `direction|port|subset|fqdn` cluster names.
import { clustersOf } from './config-dump.js';
import { str, type Json } from './json-access.js';
import { describeManagement } from './management.js';
import { tabulate } from './tab-writer.js';

export interface ClusterFilter {
  fqdn?: string;
  port?: number;
  subset?: string;
  direction?: string;
}

interface Key {
  direction: string;
  port: number;
  subset: string;
  fqdn: string;
}

/** Parses an Istio subset key (`outbound|80|v1|host`); names of other clusters are the fqdn. */
function parseKey(name: string): Key & { istio: boolean } {
  const p = name.split('|');
  if (p.length > 3) return { direction: p[0] ?? '', port: Number(p[1]) || 0, subset: p[2] ?? '', fqdn: p[3] ?? '', istio: true };
  return { direction: '', port: 0, subset: '', fqdn: name, istio: false };
}

function verify(name: string, f: ClusterFilter): boolean {
  if (f.fqdn && !name.includes(f.fqdn)) return false;
  if (f.direction && !name.includes(f.direction)) return false;
  if (f.subset && !name.includes(f.subset)) return false;
  if (f.port && !name.includes(`|${f.port}|`)) return false;
  return true;
}

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/** The clusters that pass the filter, in istioctl's order (fqdn, subset, port, direction). */
export function filteredClusters(dump: unknown, filter: ClusterFilter = {}): Json[] {
  return clustersOf(dump).filter((c) => verify(str(c['name']), filter)).sort((a, b) => {
    const [x, y] = [parseKey(str(a['name'])), parseKey(str(b['name']))];
    return cmp(x.fqdn, y.fqdn) || cmp(x.subset, y.subset) || cmp(x.port, y.port) || cmp(x.direction, y.direction);
  });
}

/** The table's rows, header first. */
export function clusterRows(dump: unknown, filter: ClusterFilter = {}): string[][] {
  const rows = [['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE']];
  for (const c of filteredClusters(dump, filter)) {
    const k = parseKey(str(c['name']));
    const type = str(c['type']) || 'STATIC';
    const dr = describeManagement(c['metadata']);
    rows.push(k.istio ? [k.fqdn, String(k.port), k.subset || '-', k.direction, type, dr] : [k.fqdn, '-', '-', '-', type, dr]);
  }
  return rows;
}

/** The short table (tabwriter padding 5, as istioctl's cluster writer). */
export function clusterTable(dump: unknown, filter: ClusterFilter = {}): string {
  return tabulate(clusterRows(dump, filter), 5);
}
