// Every proxy's xDS sync status (pilot's /debug/syncz, as `strait proxy-status`) and one proxy's listeners,
// routes, clusters and endpoints (its admin /config_dump and /clusters), browsable.
import { useState } from 'preact/hooks';
import { usePoll, type Proxy, type ProxyConfig } from './api';

const TYPES = ['cluster', 'listener', 'endpoint', 'route'] as const;

export function ProxiesView() {
  const { data: proxies, error } = usePoll<Proxy[]>('api/proxies', 5000);
  const [sel, setSel] = useState<string>();
  const { data: cfg, error: cfgError } = usePoll<ProxyConfig>(sel ? `api/proxies/${encodeURIComponent(sel)}/config` : undefined, 0);
  const [tab, setTab] = useState<keyof ProxyConfig>('listeners');
  return (
    <section class="view">
      <header class="toolbar"><h2>Proxies and config</h2>{(error ?? cfgError) && <span class="error">{error ?? cfgError}</span>}</header>
      <table class="table" data-testid="proxy-list">
        <thead><tr><th>Proxy</th><th>Type</th><th>Address</th>{TYPES.map((t) => <th>{t.toUpperCase()[0]}{t.slice(1)}s</th>)}</tr></thead>
        <tbody>{proxies?.map((p) => (
          <tr class={`clickable${sel === `${p.name}.${p.namespace}` ? ' selected' : ''}`} onClick={() => setSel(`${p.name}.${p.namespace}`)}>
            <td>{p.name}.{p.namespace}</td><td>{p.type}</td><td>{p.podIp}</td>
            {TYPES.map((t) => <td class={`sync-${(p.sync?.[`${t}_state`] ?? 'NOT CONNECTED').replace(' ', '-')}`} title={p.sync?.[`${t}_error`] ?? ''}>{p.sync?.[`${t}_state`] ?? 'NOT CONNECTED'}</td>)}
          </tr>
        ))}</tbody>
      </table>
      {sel && cfg && (
        <div class="config">
          <nav class="tabs">{(['listeners', 'routes', 'clusters', 'endpoints'] as const).map((t) => (
            <button class={tab === t ? 'active' : ''} onClick={() => setTab(t)}>{t} ({cfg[t].length})</button>))}
          </nav>
          <table class="table">
            <tbody>
              {tab === 'listeners' && cfg.listeners.map((l) => <tr><td>{l.name}</td><td>{l.address}</td></tr>)}
              {tab === 'routes' && cfg.routes.map((r) => <tr><td>{r.name}</td><td>{r.virtualHosts.join(', ')}</td></tr>)}
              {tab === 'clusters' && cfg.clusters.map((c) => <tr><td>{c.name}</td><td>{c.type}</td></tr>)}
              {tab === 'endpoints' && cfg.endpoints.map((e) => <tr><td>{e.address}</td><td>{e.health}</td><td>{e.cluster}</td></tr>)}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
