// Reads multi-document YAML or JSON text into ConfigObjects with their source positions;
// a syntax error comes back as a file:line:col message per document, empty documents are skipped, Lists expanded.
import { LineCounter, isMap, isSeq, isScalar, Scalar, visit, type Node, type Document } from 'yaml';
import type { ConfigObject, ObjectMeta, SourcePosition } from './object.js';
import { parseAllDocumentsWithin, TOO_DEEP_MESSAGE } from '../../proxy/util/yaml-parse.js';

/** A YAML syntax error with its place. */
export interface LoadError {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** Result of loading one file. */
export interface LoadResult {
  objects: ConfigObject[];
  errors: LoadError[];
}

/** Splits `spec.http[0].route[0].weight` into keys and indices. */
export function parseFieldPath(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) parts.push(Number(m[2]));
    else if (m[1] !== undefined) parts.push(m[1]);
  }
  return parts;
}

/** The node at `path`; when part of it is missing, the key (or list item) of its deepest present part. */
function nodeAt(root: unknown, path: (string | number)[]): Node | undefined {
  let cur: unknown = root;
  let found: Node | undefined = isMap(root) || isSeq(root) ? (root as Node) : undefined;
  let anchor: Node | undefined;
  for (const key of path) {
    if (isMap(cur)) {
      const pair = cur.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return anchor ?? found;
      found = (pair.value as Node | null) ?? (pair.key as Node);
      if (pair.value === null && isScalar(pair.key)) return pair.key;
      anchor = pair.key as Node;
      cur = pair.value;
    } else if (isSeq(cur) && typeof key === 'number') {
      const item = cur.items[key] as Node | undefined;
      if (!item) return anchor ?? found;
      found = item;
      anchor = item;
      cur = item;
    } else return anchor ?? found;
  }
  return found;
}

function keyNodeAt(root: unknown, path: (string | number)[]): Node | undefined {
  // For a map key, prefer the key's own line (the value may start on a later line).
  const parent = nodeAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (parent && isMap(parent) && last !== undefined) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
    if (pair && isScalar(pair.key)) return pair.key;
  }
  return undefined;
}

function makeSource(file: string, counter: LineCounter, root: Node | undefined, base: (string | number)[], docLine: number): SourcePosition {
  const lineAtOffset = (off: number | undefined): number => (off === undefined ? docLine : counter.linePos(off).line);
  return {
    file,
    line: docLine,
    lineOf(path: string): number {
      const parts = [...base, ...parseFieldPath(path)];
      const full = nodeAt(root, parts);
      const key = keyNodeAt(root, parts);
      const n = key ?? full;
      return n?.range ? lineAtOffset(n.range[0]) : docLine;
    },
  };
}

/** Kinds whose top-level data fields the loader keeps under spec. */
const DATA_KINDS = new Set(['Secret', 'ConfigMap']);

function toObject(value: unknown, source: SourcePosition): ConfigObject | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const meta = (v['metadata'] && typeof v['metadata'] === 'object' ? v['metadata'] : {}) as ObjectMeta;
  const obj: ConfigObject = {
    apiVersion: typeof v['apiVersion'] === 'string' ? v['apiVersion'] : '',
    kind: typeof v['kind'] === 'string' ? v['kind'] : '',
    metadata: meta,
    spec: withoutNulls(DATA_KINDS.has(String(v['kind'])) ? pick(v, ['data', 'stringData', 'type']) : v['spec']),
    source: { ...source, document: v },
  };
  if (v['status'] !== undefined) obj.status = v['status'];
  return obj;
}

/** `v` without its null fields (`timeout:` with no value): the apiserver prunes them before anything reads the object. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
}

/** The document `o` was read from; for an object made in code, the document it stands for. */
export function documentOf(o: ConfigObject): Readonly<Record<string, unknown>> {
  if (o.source?.document) return o.source.document;
  const fields = DATA_KINDS.has(o.kind) ? { ...(o.spec as Record<string, unknown> | undefined) } : { spec: o.spec };
  return Object.fromEntries(Object.entries({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, ...fields, status: o.status })
    .filter(([, v]) => v !== undefined));
}

function pick(v: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (v[k] !== undefined) out[k] = v[k];
  return out;
}

function docObjects(file: string, doc: Document.Parsed, counter: LineCounter): ConfigObject[] {
  const root = doc.contents as Node | null;
  if (!root) return [];
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return [];
  const docLine = root.range ? counter.linePos(root.range[0]).line : 1;
  const v = value as Record<string, unknown>;
  if (v['kind'] === 'List' && Array.isArray(v['items'])) {
    const out: ConfigObject[] = [];
    v['items'].forEach((item: unknown, i: number) => {
      const itemNode = nodeAt(root, ['items', i]);
      const line = itemNode?.range ? counter.linePos(itemNode.range[0]).line : docLine;
      const o = toObject(item, makeSource(file, counter, root, ['items', i], line));
      if (o) out.push(o);
    });
    return out;
  }
  const o = toObject(value, makeSource(file, counter, root, [], docLine));
  return o ? [o] : [];
}

/**
 * Reads a flow sequence item such as `2001:db8::` (in `[1.2.3.4, 2001:db8::]`) as kubectl's YAML reader
 * (libyaml) does: a `:` directly followed by `,` or `]` is part of a plain scalar there, while YAML 1.2
 * (the `yaml` package) ends a one-pair map's key with it. Only that shape is read again: a plain key, the
 * `:` right after it, an empty value.
 */
function flowColonsAsKubectl(doc: Document, text: string): void {
  visit(doc, {
    Seq(_, seq) {
      if (!seq.flow) return;
      seq.items.forEach((item, i) => {
        if (!isMap(item) || item.items.length !== 1) return;
        const { key, value } = item.items[0]!;
        if (!isScalar(key) || key.type !== 'PLAIN' || !key.range || !isScalar(value) || value.value !== null) return;
        const end = key.range[1];
        if (text[end] !== ':' || (text[end + 1] !== ',' && text[end + 1] !== ']')) return;
        const plain = new Scalar(text.slice(key.range[0], end + 1));
        plain.range = [key.range[0], end + 1, end + 1];
        seq.items[i] = plain;
      });
    },
  });
}

/** Loads every document of `text` (YAML or JSON; JSON is YAML) read from `file`. */
export function loadConfigText(text: string, file: string): LoadResult {
  const counter = new LineCounter();
  const parsed = parseAllDocumentsWithin(text, { lineCounter: counter, prettyErrors: false });
  if ('tooDeep' in parsed) {
    return { objects: [], errors: [{ file, line: parsed.tooDeep.line, col: parsed.tooDeep.col, message: TOO_DEEP_MESSAGE }] };
  }
  const list = parsed.docs;
  const objects: ConfigObject[] = [];
  const errors: LoadError[] = [];
  for (const doc of list) {
    const e = doc.errors[0];
    if (e) {
      // the first error of a document, as a YAML decoder that stops there reports it (later ones follow from it)
      const pos = counter.linePos(e.pos[0]);
      errors.push({ file, line: pos.line, col: pos.col, message: e.message.split('\n')[0] ?? e.message });
      continue;
    }
    flowColonsAsKubectl(doc, text);
    try {
      objects.push(...docObjects(file, doc, counter));
    } catch (e) {
      // toJS refuses alias expansions that would blow up ("billion laughs"): an error of this document.
      if (!(e instanceof ReferenceError)) throw e;
      const pos = counter.linePos(doc.range[0]);
      errors.push({ file, line: pos.line, col: pos.col, message: `YAML error: ${(e as Error).message}` });
    }
  }
  return { objects, errors };
}

/** Formats a load error as `file:line:col: message`. */
export function formatLoadError(e: LoadError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.message}`;
}
