// Prometheus' text exposition format, read: the lines a proxy serves on /stats/prometheus as
// (name, labels, value) samples, for the dashboard's scraper. Comments and malformed lines are skipped.

export interface Sample { name: string; labels: Record<string, string>; value: number }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Parses `{a="x",b="y\"z"}` starting at `i` (the `{`); returns the labels and the index after `}`, or undefined. */
function parseLabels(line: string, i: number): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  i++;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const m = NAME.exec(line.slice(i));
    if (!m || line[i + m[0].length] !== '=' || line[i + m[0].length + 1] !== '"') return undefined;
    i += m[0].length + 2;
    let v = '';
    for (; i < line.length && line[i] !== '"'; i++) {
      if (line[i] === '\\') {
        const c = line[++i];
        v += c === 'n' ? '\n' : c ?? '';
      } else v += line[i];
    }
    if (line[i] !== '"') return undefined;
    labels[m[0]] = v;
    i++;
  }
  return undefined;
}

/** The samples of an exposition whose metric name `keep` accepts. */
export function parsePrometheusText(text: string, keep: (name: string) => boolean = () => true): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = NAME.exec(line);
    if (!m || !keep(m[0])) continue;
    let labels: Record<string, string> = {};
    let i = m[0].length;
    if (line[i] === '{') {
      const l = parseLabels(line, i);
      if (!l) continue;
      labels = l.labels;
      i = l.end;
    }
    const value = Number(line.slice(i).trim().split(/\s+/)[0]);
    if (line.slice(i).trim() === '' || Number.isNaN(value)) continue;
    out.push({ name: m[0], labels, value });
  }
  return out;
}
