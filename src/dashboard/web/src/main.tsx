// The dashboard page: one view per hash (#/graph as Kiali, #/signals as Istio's Grafana dashboards,
// #/traces as Jaeger, #/istio as Kiali's Istio Config, #/proxies), rendered by Preact.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ConfigView } from './config-view';
import { GraphView } from './graph-view';
import { ProxiesView } from './proxies-view';
import { SignalsView } from './signals-view';
import { TracesView } from './traces-view';
import './style.css';

const VIEWS = { graph: ['Graph', GraphView], signals: ['Golden signals', SignalsView], traces: ['Traces', TracesView], istio: ['Istio config', ConfigView], proxies: ['Proxies', ProxiesView] } as const;
type ViewName = keyof typeof VIEWS;

const current = (): ViewName => {
  const v = location.hash.replace(/^#\/?/, '');
  return v in VIEWS ? v as ViewName : 'graph';
};

function App() {
  const [view, setView] = useState(current());
  useEffect(() => {
    const on = (): void => setView(current());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const View = VIEWS[view][1];
  return (
    <>
      <nav class="top">
        <b>Strait</b>
        {(Object.keys(VIEWS) as ViewName[]).map((v) => <a href={`#/${v}`} class={v === view ? 'active' : ''}>{VIEWS[v][0]}</a>)}
      </nav>
      <main><View /></main>
    </>
  );
}

// index.html paints a header at once (first paint does not wait for the bundle); the app replaces it.
const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
