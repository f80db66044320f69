// YAML/JSON config text kept with its node ranges, so a field path found on the parsed value
// can be mapped back to a line and column (also across --config-path + --config-yaml merges).
import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from 'yaml';
import type { ConfigError, PathSeg } from './config-error.js';
import { parseDocumentWithin, TOO_DEEP_MESSAGE } from '../util/yaml-parse.js';

/** Parsed config text with the positions of its nodes. */
export interface YamlSource {
  /** How errors name this source: the file path as given, or `--config-yaml`. */
  label: string;
  doc: Document;
  lineCounter: LineCounter;
  /** The plain JS value (YAML 1.2 core schema, `<<` merge keys resolved). */
  value: unknown;
}

/** A position in a source. */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

/** Parses YAML (or JSON, which is YAML) keeping node ranges; syntax errors come back with lines. */
export function parseYamlSource(text: string, label: string):
    { ok: true; source: YamlSource } | { ok: false; errors: ConfigError[] } {
  const lineCounter = new LineCounter();
  const parsed = parseDocumentWithin(text, { lineCounter, prettyErrors: false, merge: true });
  if ('tooDeep' in parsed) {
    const deep = parsed.tooDeep;
    return { ok: false, errors: [{ file: label, line: deep.line, column: deep.col, path: '', message: `YAML error: ${TOO_DEEP_MESSAGE}` }] };
  }
  const doc = parsed.doc;
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file: label, line: pos.line, column: pos.col, path: '', message: `YAML syntax error: ${firstLine(e.message)}` };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return { ok: false, errors: [{ file: label, path: '', message: `YAML error: ${(e as Error).message}` }] };
  }
  return { ok: true, source: { label, doc, lineCounter, value: value ?? {} } };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

/** A proto field name's JSON (lowerCamelCase) spelling, which the proto3 JSON mapping also accepts. */
function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function findPair(map: Node, seg: string, exact: boolean): Pair | undefined {
  if (!isMap(map)) return undefined;
  const alt = exact ? seg : camel(seg);
  for (const item of map.items) {
    if (!isPair(item)) continue;
    const k = isScalar(item.key) ? item.key.value : item.key;
    if (k === seg || k === alt) return item as Pair;
  }
  return undefined;
}

interface Cursor {
  node: Node | undefined;
  /** Deepest pair/element reached and how many path segments it covers. */
  keyNode: Node | undefined;
  valueNode: Node | undefined;
  depth: number;
}

/**
 * Maps a field path to a position. With several sources (a file then --config-yaml merged over
 * it) lists are walked as concatenated, as proto merge appends repeated fields; the source that
 * resolves the path furthest wins, the later one on a tie (its scalars override).
 */
export function locate(sources: readonly YamlSource[], path: readonly PathSeg[], atKey = false): SourcePos | undefined {
  const cursors: Cursor[] = sources.map((s) => ({ node: s.doc.contents ?? undefined, keyNode: undefined, valueNode: undefined, depth: 0 }));
  for (let d = 0; d < path.length; d++) {
    const seg = path[d]!;
    let offset = 0;
    for (const c of cursors) {
      if (c.node === undefined) continue;
      let next: Node | undefined;
      let key: Node | undefined;
      if (typeof seg === 'number') {
        const len = isSeq(c.node) ? c.node.items.length : 0;
        const i = seg - offset;
        offset += len;
        if (isSeq(c.node) && i >= 0 && i < len) next = c.node.items[i] as Node;
        key = next;
      } else {
        const name = typeof seg === 'string' ? seg : seg.key;
        let pair = findPair(c.node, name, typeof seg !== 'string');
        // An expanded TypedStruct: its fields live under `value`.
        if (!pair && typeof seg === 'string' && (findPair(c.node, 'type_url', false))) {
          const inner = findPair(c.node, 'value', true);
          if (inner && isMap(inner.value)) pair = findPair(inner.value as Node, name, false);
        }
        if (pair) {
          key = pair.key as Node;
          next = (pair.value as Node | null) ?? undefined;
          if (next === undefined) { c.keyNode = key; c.valueNode = key; c.depth = d + 1; c.node = undefined; continue; }
        }
      }
      if (next === undefined) { c.node = undefined; continue; }
      c.node = next;
      c.keyNode = key ?? next;
      c.valueNode = next;
      c.depth = d + 1;
    }
  }
  let best = -1;
  for (let i = 0; i < cursors.length; i++) {
    if (best < 0 || cursors[i]!.depth >= cursors[best]!.depth) best = i;
  }
  if (best < 0) return undefined;
  const c = cursors[best]!;
  const src = sources[best]!;
  const full = c.depth === path.length;
  const node = c.depth === 0 ? (src.doc.contents ?? undefined) : (atKey || !full ? c.keyNode : c.valueNode);
  const offset = node?.range?.[0];
  if (offset === undefined) return { file: src.label, line: 1, column: 1 };
  const pos = src.lineCounter.linePos(offset);
  return { file: src.label, line: pos.line, column: pos.col };
}
