// Jaeger's search and trace views over the collector's Zipkin API: traces by service, operation, minimum
// duration and tags; one trace as a waterfall with each span's tags and the proxy's response flags.
import { useState } from 'preact/hooks';
import { fmt, getJson, usePoll, type ZipkinSpan } from './api';

interface Row { span: ZipkinSpan; depth: number }

/** Spans in tree order (each after its parent, siblings by start), with their depth. */
export function treeOrder(spans: ZipkinSpan[]): Row[] {
  const ids = new Set(spans.map((s) => s.id));
  const children = new Map<string, ZipkinSpan[]>();
  const roots: ZipkinSpan[] = [];
  for (const s of spans) {
    if (s.parentId && ids.has(s.parentId) && s.parentId !== s.id) children.set(s.parentId, [...children.get(s.parentId) ?? [], s]);
    else roots.push(s);
  }
  const byStart = (a: ZipkinSpan, b: ZipkinSpan): number => (a.timestamp ?? 0) - (b.timestamp ?? 0);
  const out: Row[] = [];
  const walk = (s: ZipkinSpan, depth: number): void => {
    out.push({ span: s, depth });
    for (const c of (children.get(s.id) ?? []).sort(byStart)) walk(c, depth + 1);
  };
  roots.sort(byStart).forEach((r) => walk(r, 0));
  return out;
}

const service = (s: ZipkinSpan): string => s.localEndpoint?.serviceName ?? '?';
const ms = (us: number | undefined): string => `${fmt((us ?? 0) / 1000, 2)} ms`;

function Waterfall({ spans }: { spans: ZipkinSpan[] }) {
  const rows = treeOrder(spans);
  const start = Math.min(...spans.map((s) => s.timestamp ?? Infinity));
  const end = Math.max(...spans.map((s) => (s.timestamp ?? 0) + (s.duration ?? 0)));
  const total = Math.max(end - start, 1);
  return (
    <div class="waterfall" data-testid="waterfall">
      <h3>Trace {spans[0]?.traceId} · {rows.length} spans · {ms(total)}</h3>
      {rows.map(({ span: s, depth }) => (
        <details class="span" data-service={service(s)} data-kind={s.kind ?? ''}>
          <summary>
            <span class="span-name" style={{ paddingLeft: `${depth * 14}px` }}>{service(s)} <small>{s.kind?.toLowerCase()} {s.name}</small></span>
            <span class="bar-track">
              <span class={`bar${s.tags?.['error'] !== undefined ? ' bar-error' : ''}`} style={{ left: `${(((s.timestamp ?? start) - start) / total) * 100}%`,
                width: `${Math.max(((s.duration ?? 0) / total) * 100, 0.5)}%` }} />
            </span>
            <span class="span-dur">{ms(s.duration)}</span>
            <span class="span-flags" title="response flags">{s.tags?.['response_flags'] ?? ''}</span>
          </summary>
          <table class="tags">
            <tbody>{Object.entries(s.tags ?? {}).sort().map(([k, v]) => <tr><th>{k}</th><td>{v}</td></tr>)}</tbody>
          </table>
        </details>
      ))}
    </div>
  );
}

export function TracesView() {
  const { data: services, error: svcError } = usePoll<string[]>('api/zipkin/services', 10_000);
  const [svc, setSvc] = useState('');
  const { data: ops } = usePoll<string[]>(svc ? `api/zipkin/spans?serviceName=${encodeURIComponent(svc)}` : undefined, 10_000);
  const [op, setOp] = useState('');
  const [minMs, setMinMs] = useState('');
  const [tags, setTags] = useState('');
  const [found, setFound] = useState<ZipkinSpan[][]>();
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<ZipkinSpan[]>();
  const search = async (e?: Event): Promise<void> => {
    e?.preventDefault();
    const q = new URLSearchParams({ limit: '20', lookback: String(3600_000) });
    if (svc) q.set('serviceName', svc);
    if (op) q.set('spanName', op);
    if (minMs) q.set('minDuration', String(Math.round(Number(minMs) * 1000)));
    if (tags.trim()) q.set('annotationQuery', tags.trim());
    try {
      setFound(await getJson<ZipkinSpan[][]>(`api/zipkin/traces?${q}`));
      setError(undefined);
    } catch (err) { setError((err as Error).message); }
  };
  return (
    <section class="view">
      <header class="toolbar">
        <h2>Traces</h2>
        <form class="search" onSubmit={(e) => { void search(e); }}>
          <select data-testid="service" value={svc} onChange={(e) => { setSvc(e.currentTarget.value); setOp(''); }}>
            <option value="">any service</option>{services?.map((s) => <option value={s}>{s}</option>)}
          </select>
          <select value={op} onChange={(e) => setOp(e.currentTarget.value)}>
            <option value="">any operation</option>{ops?.map((s) => <option value={s}>{s}</option>)}
          </select>
          <input type="number" min="0" step="any" placeholder="min duration (ms)" value={minMs} onInput={(e) => setMinMs(e.currentTarget.value)} />
          <input placeholder="tags: http.status_code=500 and error" value={tags} onInput={(e) => setTags(e.currentTarget.value)} size={32} />
          <button type="submit">Find traces</button>
        </form>
        {(error ?? svcError) && <span class="error">{error ?? svcError}</span>}
      </header>
      {found && (
        <table class="table" data-testid="trace-list">
          <thead><tr><th>Trace</th><th>Root</th><th>Services</th><th>Spans</th><th>Duration</th><th>Errors</th></tr></thead>
          <tbody>{found.map((t) => {
            const root = treeOrder(t)[0]?.span;
            const dur = Math.max(...t.map((s) => (s.timestamp ?? 0) + (s.duration ?? 0))) - Math.min(...t.map((s) => s.timestamp ?? Infinity));
            return (
              <tr class="clickable" data-trace={t[0]?.traceId} onClick={() => setOpen(t)}>
                <td><code>{t[0]?.traceId.slice(0, 16)}</code></td><td>{root ? `${service(root)}: ${root.name ?? ''}` : ''}</td>
                <td>{[...new Set(t.map(service))].join(', ')}</td><td>{t.length}</td><td>{ms(dur)}</td>
                <td>{t.filter((s) => s.tags?.['error'] !== undefined).length}</td>
              </tr>
            );
          })}</tbody>
        </table>
      )}
      {found?.length === 0 && <p class="empty">No traces match.</p>}
      {open && <Waterfall spans={open} />}
    </section>
  );
}
