// `proxy-config routes` short output, as istioctl's configdump route writer: one row per route of
// each virtual host (NAME, VHOST NAME, DOMAINS, MATCH, VIRTUAL SERVICE); an empty vhost shows /* 404.
import { routeConfigsOf } from './config-dump.js';
import { arr, obj, str, type Json } from './json-access.js';
import { describeManagement } from './management.js';
import { tabulate } from './tab-writer.js';

export interface RouteFilter {
  name?: string;
}

/** istioctl's describeRouteDomains: the only domain, or the shortest one not starting with a digit. */
export function describeRouteDomains(domains: readonly string[]): string {
  if (domains.length === 0) return '';
  if (domains.length === 1) return domains[0] ?? '';
  let candidate = domains[0] ?? '';
  for (const d of domains) {
    if (d === '' || (d[0] !== undefined && d[0] >= '1' && d[0] <= '9')) continue;
    if (d.length < candidate.length) candidate = d;
  }
  return candidate;
}

/** istioctl's describeRouteMatch: `PREFIX*`, the exact path, `regex R` (headers are not shown). */
export function describeRouteMatch(match: Json): string {
  const conds: string[] = [];
  if (str(match['prefix']) !== '') conds.push(`${str(match['prefix'])}*`);
  if (str(match['path_separated_prefix']) !== '') conds.push(`PathPrefix:${str(match['path_separated_prefix'])}`);
  if (str(match['path']) !== '') conds.push(str(match['path']));
  const regex = str(obj(match['safe_regex'])['regex']);
  if (regex !== '') conds.push(`regex ${regex}`);
  return conds.join(' ');
}

const isPassthrough = (r: Json): boolean => r['name'] === 'allow_any' || r['name'] === 'block_all';

/** The route configurations of the dump that pass the filter, numeric names in numeric order. */
export function filteredRoutes(dump: unknown, filter: RouteFilter = {}): Json[] {
  const routes = routeConfigsOf(dump).filter((r) => !filter.name || str(r['name']) === filter.name);
  return routes.sort((a, b) => {
    const [x, y] = [Number(str(a['name'])), Number(str(b['name']))];
    return str(a['name']) !== '' && str(b['name']) !== '' && Number.isInteger(x) && Number.isInteger(y) ? x - y : 0;
  });
}

/** The table's rows, header first. */
export function routeRows(dump: unknown, filter: RouteFilter = {}): string[][] {
  const rows = [['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE']];
  for (const rc of filteredRoutes(dump, filter)) {
    for (const vh of arr(rc['virtual_hosts']).map(obj)) {
      const domains = describeRouteDomains(arr(vh['domains']).map(str));
      const routes = arr(vh['routes']).map(obj);
      for (const r of routes) {
        if (isPassthrough(r)) continue;
        rows.push([str(rc['name']), str(vh['name']), domains, describeRouteMatch(obj(r['match'])), describeManagement(r['metadata'])]);
      }
      if (routes.length === 0) rows.push([str(rc['name']), str(vh['name']), domains, '/*', '404']);
    }
  }
  return rows;
}

/** The short table (tabwriter padding 5, as istioctl's route writer). */
export function routeTable(dump: unknown, filter: RouteFilter = {}): string {
  return tabulate(routeRows(dump, filter), 5);
}
