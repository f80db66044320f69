// JSON text exactly as httpbin's Python writes it: Flask's jsonify (2-space indent, sorted
// keys, ASCII-only) and plain json.dumps (", " and ": " separators, insertion order).

/** A JSON value as httpbin builds it. */
export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };

/** Flask jsonify: pretty, sorted keys, trailing newline (httpbin appends it). */
export function jsonify(value: PyValue): string {
  return dumps(value, true, '') + '\n';
}

/** Python json.dumps(value) with its defaults: one line, keys in insertion order. */
export function pyDumps(value: PyValue): string {
  return dumps(value, false, '');
}

function dumps(value: PyValue, pretty: boolean, indent: string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string') return quote(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => dumps(v, pretty, inner));
    return pretty ? `[\n${inner}${items.join(`,\n${inner}`)}\n${indent}]` : `[${items.join(', ')}]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  if (pretty) keys.sort();
  const items = keys.map((k) => `${quote(k)}: ${dumps(value[k]!, pretty, inner)}`);
  return pretty ? `{\n${inner}${items.join(`,\n${inner}`)}\n${indent}}` : `{${items.join(', ')}}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f',
};

/** Python's ensure_ascii quoting: everything outside space..~ becomes \uXXXX. */
function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}
