// One proxy's config for the dashboard's proxies view: the names of its listeners, routes and clusters
// from its admin /config_dump, and each cluster's endpoints with their health from /clusters?format=json.

export interface ProxyConfigSummary {
  listeners: Array<{ name: string; address: string }>;
  routes: Array<{ name: string; virtualHosts: string[] }>;
  clusters: Array<{ name: string; type: string }>;
  endpoints: Array<{ cluster: string; address: string; health: string }>;
}

type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v as Obj[] : []);
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? v as Obj : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : String(v));

function socketAddress(a: unknown): string {
  const s = obj(obj(a)['socket_address']);
  return s['address'] !== undefined ? `${str(s['address'])}:${str(s['port_value'])}` : str(obj(obj(a)['pipe'])['path']);
}

/** Reads a config_dump and a /clusters?format=json answer into the view's tables. */
export function summarizeProxyConfig(configDump: unknown, clusters: unknown): ProxyConfigSummary {
  const out: ProxyConfigSummary = { listeners: [], routes: [], clusters: [], endpoints: [] };
  for (const c of arr(obj(configDump)['configs'])) {
    const type = str(c['@type']);
    if (type.endsWith('ListenersConfigDump')) {
      for (const l of [...arr(c['static_listeners']), ...arr(c['dynamic_listeners']).map((d) => obj(d['active_state']))]) {
        const listener = obj(l['listener']);
        if (listener['name'] !== undefined) out.listeners.push({ name: str(listener['name']), address: socketAddress(listener['address']) });
      }
    } else if (type.endsWith('RoutesConfigDump')) {
      for (const r of [...arr(c['static_route_configs']), ...arr(c['dynamic_route_configs'])]) {
        const rc = obj(r['route_config']);
        out.routes.push({ name: str(rc['name']), virtualHosts: arr(rc['virtual_hosts']).map((v) => str(v['name'])) });
      }
    } else if (type.endsWith('ClustersConfigDump')) {
      for (const k of [...arr(c['static_clusters']), ...arr(c['dynamic_active_clusters'])]) {
        const cl = obj(k['cluster']);
        out.clusters.push({ name: str(cl['name']), type: str(cl['type'] ?? (cl['cluster_type'] ? 'custom' : 'EDS')) });
      }
    }
  }
  for (const c of arr(obj(clusters)['cluster_statuses'])) {
    for (const h of arr(c['host_statuses'])) {
      const hs = obj(h['health_status']);
      out.endpoints.push({ cluster: str(c['name']), address: socketAddress(h['address']), health: str(hs['eds_health_status'] ?? 'HEALTHY') });
    }
  }
  return out;
}
