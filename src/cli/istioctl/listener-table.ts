// `proxy-config listeners` short output, as istioctl's configdump listener writer: one row per
// filter chain (ADDRESSES, PORT, MATCH, DESTINATION), listeners in port then address order.
import { listenersOf } from './config-dump.js';
import { arr, obj, str, type Json } from './json-access.js';
import { describeRouteDomains, describeRouteMatch } from './route-table.js';
import { tabulate } from './tab-writer.js';

const HCM = 'envoy.filters.network.http_connection_manager';
const TCP = 'envoy.filters.network.tcp_proxy';

export interface ListenerFilter {
  address?: string;
  port?: number;
}

function socketOf(l: Json): Json {
  return obj(obj(l['address'])['socket_address']);
}

function addressesOf(l: Json): string[] {
  const extra = arr(l['additional_addresses']).map((a) => str(obj(obj(obj(a)['address'])['socket_address'])['address']));
  return [...new Set([str(socketOf(l)['address']), ...extra])];
}

const portOf = (l: Json): number => Number(socketOf(l)['port_value'] ?? 0) || 0;

/** istioctl's filter chain match description (SNI, transport, ALPN, destination address/port). */
export function describeChainMatch(m: Json): string {
  const d: string[] = [];
  const names = arr(m['server_names']).map(str);
  if (names.length > 0) d.push(`SNI: ${names.join(',')}`);
  if (str(m['transport_protocol']) !== '') d.push(`Trans: ${str(m['transport_protocol'])}`);
  const alpn = arr(m['application_protocols']).map(str);
  if (alpn.length > 0) d.push(`App: ${alpn.join(',')}`);
  const port = m['destination_port'] !== undefined ? `:${str(m['destination_port'])}` : '';
  const ranges = arr(m['prefix_ranges']).map(obj);
  if (ranges.length > 0) d.push(`Addr: ${ranges.map((r) => `${str(r['address_prefix'])}/${str(r['prefix_len']) || '0'}`).join(',')}${port}`);
  else if (port !== '') d.push(`Addr: *${port}`);
  return d.length === 0 ? 'ALL' : d.join('; ');
}

function describeInlineRoutes(rc: Json): string {
  const vhosts = arr(rc['virtual_hosts']).map(obj).map((vh) => {
    const domains = describeRouteDomains(arr(vh['domains']).map(str));
    const routes = arr(vh['routes']).map((r) => describeRouteMatch(obj(obj(r)['match']))).join(', ');
    return domains === '' ? routes : `${domains} ${routes}`;
  });
  return `Inline Route: ${vhosts.join('; ')}`;
}

/** istioctl's getFilterType: where a filter chain sends its traffic. */
export function describeDestination(filters: readonly Json[]): string {
  for (const f of filters) {
    const cfg = obj(f['typed_config']);
    if (f['name'] === HCM) {
      if (Object.keys(obj(cfg['route_config'])).length > 0) return describeInlineRoutes(obj(cfg['route_config']));
      const rds = str(obj(cfg['rds'])['route_config_name']);
      return rds !== '' ? `Route: ${rds}` : 'HTTP';
    }
    if (f['name'] === TCP) {
      const cluster = str(cfg['cluster']);
      if (cluster === 'PassthroughCluster') return 'PassthroughCluster';
      return cluster.includes('Cluster') ? cluster : `Cluster: ${cluster}`;
    }
  }
  return 'Non-HTTP/Non-TCP';
}

/** The listeners that pass the filter, by port then address. */
export function filteredListeners(dump: unknown, filter: ListenerFilter = {}): Json[] {
  return listenersOf(dump)
    .filter((l) => (!filter.address || addressesOf(l).includes(filter.address)) && (!filter.port || portOf(l) === filter.port))
    .sort((a, b) => portOf(a) - portOf(b) || str(socketOf(a)['address']).localeCompare(str(socketOf(b)['address'])));
}

/** The table's rows, header first. */
export function listenerRows(dump: unknown, filter: ListenerFilter = {}): string[][] {
  const rows = [['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION']];
  for (const l of filteredListeners(dump, filter)) {
    const chains = arr(l['filter_chains']).map(obj);
    if (l['default_filter_chain'] !== undefined) chains.push(obj(l['default_filter_chain']));
    const matches = chains.map((c) => ({ match: describeChainMatch(obj(c['filter_chain_match'])), dest: describeDestination(arr(c['filters']).map(obj)) }));
    for (const m of matches) rows.push([addressesOf(l).join(','), String(portOf(l)), m.match, m.dest]);
  }
  return rows;
}

/** The short table (tabwriter padding 1, as istioctl's listener writer). */
export function listenerTable(dump: unknown, filter: ListenerFilter = {}): string {
  return tabulate(listenerRows(dump, filter), 1);
}
