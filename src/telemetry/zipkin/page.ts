// The collector's one-page dashboard at /zipkin/: the recent traces (service, root span, duration,
// span count), each linking to its JSON in Zipkin's API.
import { traceTimestamp } from './query.js';
import type { ZipkinSpan } from './span.js';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function row(spans: ZipkinSpan[]): string {
  const root = spans.find((s) => !s.parentId) ?? spans[0]!;
  const start = traceTimestamp(spans);
  const end = Math.max(...spans.map((s) => (s.timestamp ?? start) + (s.duration ?? 0)));
  const cells = [
    new Date(start / 1000).toISOString(), root.localEndpoint?.serviceName ?? '', root.name ?? '',
    `${((end - start) / 1000).toFixed(3)} ms`, String(spans.length),
  ].map((c) => `<td>${escape(c)}</td>`).join('');
  return `<tr>${cells}<td><a href="../api/v2/trace/${root.traceId}">${root.traceId}</a></td></tr>`;
}

/** The page listing `traces` (newest first). */
export function tracesPage(traces: ZipkinSpan[][], services: string[]): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Strait traces</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}</style>
</head><body>
<h1>Recent traces</h1>
<p>Services: ${services.map((s) => `<a href="../api/v2/traces?serviceName=${encodeURIComponent(s)}">${escape(s)}</a>`).join(', ') || 'none yet'}</p>
<table><tr><th>start</th><th>service</th><th>root span</th><th>duration</th><th>spans</th><th>trace</th></tr>
${traces.map(row).join('\n')}
</table></body></html>
`;
}
