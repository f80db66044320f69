// Kiali's graph: workloads (rounded boxes) and services (triangles) as cytoscape nodes, requests as edges
// labelled with request rate, error rate and p99, coloured by health, a lock where mTLS; a click shows a node's detail.
import cytoscape from 'cytoscape';
import { useEffect, useRef, useState } from 'preact/hooks';
import { trimLabelCaches } from './cytoscape-caches';
import { fmt, pct, usePoll, type Graph, type GraphEdge, type Health } from './api';

export const HEALTH_COLOUR: Record<Health, string> = { healthy: '#3f9c35', degraded: '#ec7a08', failure: '#cc0000', idle: '#8a8d90' };

const label = (id: string, g: Graph): string => {
  const n = g.nodes.find((x) => x.id === id);
  return n ? `${n.name}.${n.namespace}` : id;
};
const kindOf = (id: string): string => id.slice(0, id.indexOf(':'));
const edgeLabel = (e: GraphEdge): string => (e.rps > 0
  ? `${e.mtls ? 'mTLS · ' : ''}${fmt(e.rps)} rps${e.errorRate > 0 ? ` ${pct(e.errorRate)} err` : ''}${e.p99 !== null && Number.isFinite(e.p99) ? ` p99 ${fmt(e.p99, 0)} ms` : ''}`
  : e.tcpBps > 0 ? `${e.mtls ? 'mTLS · ' : ''}${fmt(e.tcpBps / 1024, 1)} KiB/s` : '');

const STYLE: cytoscape.StylesheetJson = [
  { selector: 'node', style: { label: 'data(label)', 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 4, 'text-wrap': 'wrap', 'background-color': '#fff',
    'border-width': 2, 'border-color': 'data(colour)', width: 34, height: 34 } },
  { selector: 'node[kind = "workload"]', style: { shape: 'round-rectangle' } },
  { selector: 'node[kind = "service"]', style: { shape: 'triangle' } },
  { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#0066cc' } },
  { selector: 'edge', style: { width: 2, 'line-color': 'data(colour)', 'target-arrow-color': 'data(colour)', 'target-arrow-shape': 'triangle',
    'curve-style': 'bezier', label: 'data(label)', 'font-size': 10, 'text-margin-y': -8, 'text-background-color': '#fff',
    'text-background-opacity': 1, 'text-background-padding': '1px' } },
];

export function GraphView() {
  const [minutes, setMinutes] = useState(0.5);
  const { data: g, error } = usePoll<Graph>(`api/graph?minutes=${minutes}`);
  const box = useRef<HTMLDivElement>(null);
  const cy = useRef<cytoscape.Core | undefined>(undefined);
  const [selected, setSelected] = useState<string>();

  useEffect(() => {
    cy.current = cytoscape({ container: box.current, style: STYLE, minZoom: 0.3, maxZoom: 1.2 });
    cy.current.on('tap', 'node', (ev) => setSelected(ev.target.id() as string));
    cy.current.on('tap', (ev) => { if (ev.target === cy.current) setSelected(undefined); });
    return () => cy.current?.destroy();
  }, []);

  useEffect(() => {
    const c = cy.current;
    if (!c || !g) return;
    const want = new Set([...g.nodes.map((n) => n.id), ...g.edges.map((e) => e.id)]);
    let added = false;
    c.batch(() => {
      c.elements().filter((el) => !want.has(el.id())).remove();
      for (const n of g.nodes) {
        const data = { id: n.id, kind: n.kind, label: `${n.name}\n${n.namespace}`, colour: HEALTH_COLOUR[n.health] };
        const el = c.getElementById(n.id);
        if (el.empty()) { c.add({ group: 'nodes', data }); added = true; } else el.data(data);
      }
      for (const e of g.edges) {
        const data = { id: e.id, source: e.source, target: e.target, label: edgeLabel(e), colour: HEALTH_COLOUR[e.health] };
        const el = c.getElementById(e.id);
        if (el.empty()) { c.add({ group: 'edges', data }); added = true; } else el.data(data);
      }
    });
    trimLabelCaches(c);
    // Kiali's left-to-right flow: breadthfirst's levels, turned on their side.
    if (added) c.layout({ name: 'breadthfirst', directed: true, spacingFactor: 1.1, padding: 30,
      transform: (_n: unknown, p: { x: number; y: number }) => ({ x: p.y * 2.2, y: p.x }) } as cytoscape.LayoutOptions).run();
  }, [g]);

  const node = g?.nodes.find((n) => n.id === selected);
  return (
    <section class="view graph-view">
      <header class="toolbar">
        <h2>Graph</h2>
        <label>Traffic over the last <select value={minutes} onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
          {[0.5, 1, 5, 15, 60].map((m) => <option value={m}>{m < 1 ? `${m * 60} s` : `${m} min`}</option>)}
        </select></label>
        <span class="legend">{(Object.keys(HEALTH_COLOUR) as Health[]).map((h) => <span><i style={{ background: HEALTH_COLOUR[h] }} />{h}</span>)}<span>mTLS: both sides' certificates</span></span>
        {error && <span class="error">{error}</span>}
      </header>
      <div class="graph-body">
        <div class="cy" ref={box} data-testid="graph-canvas" />
        {node && g && (
          <aside class="detail" data-testid="node-detail">
            <h3>{node.kind} {node.name}.{node.namespace}</h3>
            <p>health: <b style={{ color: HEALTH_COLOUR[node.health] }}>{node.health}</b></p>
            <EdgeTable g={g} edges={g.edges.filter((e) => e.source === node.id || e.target === node.id)} />
          </aside>
        )}
      </div>
      {g && <EdgeTable g={g} edges={g.edges} testid="edge-table" />}
      {g && g.edges.length === 0 && <p class="empty">No requests seen yet: the proxies are scraped every 2 s.</p>}
    </section>
  );
}

function EdgeTable({ g, edges, testid }: { g: Graph; edges: GraphEdge[]; testid?: string }) {
  return (
    <table class="table" data-testid={testid}>
      <thead><tr><th>From</th><th>To</th><th>Requests/s</th><th>Errors</th><th>p99 (ms)</th><th>TCP KiB/s</th><th>mTLS</th><th>Health</th></tr></thead>
      <tbody>
        {edges.map((e) => (
          <tr data-edge={`${label(e.source, g)} -> ${label(e.target, g)}`} data-health={e.health} data-rps={e.rps}>
            <td><small>{kindOf(e.source)}</small> {label(e.source, g)}</td><td><small>{kindOf(e.target)}</small> {label(e.target, g)}</td><td>{fmt(e.rps)}</td><td>{pct(e.errorRate)}</td>
            <td>{fmt(e.p99, 1)}</td><td>{fmt(e.tcpBps / 1024, 1)}</td><td title={e.mtls === null ? 'no server-side report yet' : undefined}>{e.mtls === null ? '–' : e.mtls ? 'yes' : 'no'}</td>
            <td><span class="dot" style={{ background: HEALTH_COLOUR[e.health] }} />{e.health}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
