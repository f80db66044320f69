// Kiali's Istio Config list: every Istio resource of the mesh with its validation status and the messages
// `strait analyze` reports on it (IST codes); a click shows the resource's messages and its YAML.
import { useState } from 'preact/hooks';
import { usePoll, type IstioConfig, type IstioConfigItem, type ValidationStatus } from './api';

const STATUS_COLOUR: Record<ValidationStatus, string> = { valid: '#3f9c35', info: '#0066cc', warning: '#ec7a08', error: '#cc0000' };
const refOf = (r: IstioConfigItem): string => `${r.kind} ${r.namespace}/${r.name}`;

export function ConfigView() {
  const { data, error } = usePoll<IstioConfig>('api/istio-config', 5000);
  const [kind, setKind] = useState('');
  const [sel, setSel] = useState<IstioConfigItem>();
  const { data: detail, error: yamlError } = usePoll<{ yaml: string }>(
    sel ? `api/istio-config/${[sel.namespace, sel.kind, sel.name].map(encodeURIComponent).join('/')}` : undefined, 0);
  const kinds = [...new Set(data?.resources.map((r) => r.kind))].sort();
  const shown = data?.resources.filter((r) => !kind || r.kind === kind) ?? [];
  // The selected resource as the latest answer has it (its messages change as the config does).
  const current = sel && data?.resources.find((r) => refOf(r) === refOf(sel));
  return (
    <section class="view">
      <header class="toolbar">
        <h2>Istio config</h2>
        <label>Type <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
          <option value="">all</option>{kinds.map((k) => <option value={k}>{k}</option>)}
        </select></label>
        <span class="legend">{(Object.keys(STATUS_COLOUR) as ValidationStatus[]).map((s) => <span><i style={{ background: STATUS_COLOUR[s] }} />{s}</span>)}</span>
        {(error ?? data?.pilotError) && <span class="error">{error ?? data?.pilotError}</span>}
      </header>
      <table class="table" data-testid="config-list">
        <thead><tr><th>Name</th><th>Namespace</th><th>Type</th><th>Configuration</th></tr></thead>
        <tbody>{shown.map((r) => (
          <tr class={`clickable${current && refOf(current) === refOf(r) ? ' selected' : ''}`} data-resource={refOf(r)} data-status={r.status} onClick={() => setSel(r)}>
            <td>{r.name}</td><td>{r.namespace}</td><td>{r.kind}</td>
            <td><span class="dot" style={{ background: STATUS_COLOUR[r.status] }} />{r.status}{r.messages.length > 0 && ` (${[...new Set(r.messages.map((m) => m.code))].join(', ')})`}</td>
          </tr>
        ))}</tbody>
      </table>
      {data && shown.length === 0 && <p class="empty">No Istio resources in the mesh: `strait apply -f` adds some.</p>}
      {current && (
        <div class="config" data-testid="config-detail">
          <h3>{current.kind} {current.namespace}/{current.name}</h3>
          <ul class="messages">{current.messages.map((m) => (
            <li><b style={{ color: STATUS_COLOUR[m.level === 'Error' ? 'error' : m.level === 'Warning' ? 'warning' : 'info'] }}>{m.level} [{m.code}]</b> {m.name}: {m.text}</li>
          ))}</ul>
          {current.messages.length === 0 && <p>No validation issues.</p>}
          {yamlError ? <p class="error">{yamlError}</p> : <pre class="yaml" data-testid="config-yaml">{detail?.yaml ?? ''}</pre>}
        </div>
      )}
    </section>
  );
}
