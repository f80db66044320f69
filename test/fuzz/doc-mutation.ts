// Mutations of config documents for the fuzz targets: edits of the parsed value (delete, replace
// with wrong types or odd strings, rename, copy, deep nesting) and of its YAML/JSON text.
import fc from 'fast-check';
import { stringify } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A value nested `depth` levels deep, written out as text (too deep to build or stringify). */
export class Deep {
  constructor(readonly depth: number, readonly kind: 'array' | 'object') {}
}

type Doc = Json | Deep | Doc[] | { [k: string]: Doc };

/** One edit of a parsed document; `at` picks a node (taken modulo the node count). */
export type Edit =
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: Json }
  | { op: 'rename'; at: number; key: string }
  | { op: 'copy'; at: number; from: number }
  | { op: 'duplicate'; at: number }
  | { op: 'nest'; at: number; depth: number; kind: 'array' | 'object' };

/** One edit of the document's text; `at` is a position (modulo the length). */
export type TextEdit =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'cut'; at: number; length: number };

const ODD_STRINGS = ['', ' ', '*', '.', '-1', '0', '1e400', 'NaN', 'Infinity', '99999999999999999999', '1.5s', '-5s',
  '0.000000001s', '315576000001s', '1h', 'true', 'null', '~', '\u0000', '\ud800', 'é', '\r\n', '[', '{', '(a+)+$', '(?P<x>',
  '(?i)a', '\\', '%', '%zz', '127.0.0.1', '::1', '0.0.0.0', '256.1.1.1', 'localhost', 'a'.repeat(300), '-', '_', '~1',
  'type.googleapis.com/', 'type.googleapis.com/google.protobuf.Struct', 'envoy.filters.http.router', '/', '//', '/a/../b',
  'x-envoy-foo', ':authority', 'Host', 'UNKNOWN_ENUM', 'ROUND_ROBIN', 'STRICT_DNS', '*.example.com', 'a..b', '10.0.0.0/8',
  '1.2.3.4/33', 'https://x', 'tcp://127.0.0.1:1'];
const ODD_NUMBERS = [0, -1, 1, 0.5, -0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, -(2 ** 31) - 1, 2 ** 53, 1e308, -1e308, 65535,
  65536, 4294967295, 100, 101];
const ODD_KEYS = ['', 'name', 'unknown_field', '@type', 'typed_config', 'value', 'spec', 'metadata', 'x'.repeat(100), '<<',
  'kind', 'apiVersion', 'camelCase', 'hosts'];

/** Values of every JSON type, biased to the edges configs trip on. */
export const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(...ODD_STRINGS),
  fc.constantFrom(...ODD_NUMBERS),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant([] as Json[]),
  fc.constant({} as Record<string, Json>),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

const at = fc.nat();

export const edit: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('delete' as const), at }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('replace' as const), at, value: oddValue }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('rename' as const), at, key: fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 12 })) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('copy' as const), at, from: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('duplicate' as const), at }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('nest' as const), at, depth: fc.oneof(fc.integer({ min: 50, max: 3000 }), fc.constantFrom(240, 250, 255, 256, 257)),
    kind: fc.constantFrom('array' as const, 'object' as const) }), weight: 1 },
);

/** A YAML block that expands to about 9^6 nodes through aliases ("billion laughs"). */
export const ALIAS_BOMB = ['b0: &b0 [x, x, x, x, x, x, x, x, x]',
  ...[1, 2, 3, 4, 5, 6].map((i) => `b${i}: &b${i} [${Array(9).fill(`*b${i - 1}`).join(', ')}]`), ''].join('\n');

const SNIPPETS = ['\n', ': ', '- ', '&a ', '*a', '*missing', '<<: *a\n', '!!binary ', '!!float ', '!custom ', '{', '}', '[', ']',
  '"', "'", '\t', '---\n', '...\n', '%YAML 1.1\n', '? ', '\ufeff', '#', '|\n', '>-\n', '\\u0000', ALIAS_BOMB];

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at }),
  { arbitrary: fc.record({ op: fc.constant('insert' as const), at, text: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 8 })) }), weight: 3 },
  fc.record({ op: fc.constant('cut' as const), at, length: fc.integer({ min: 1, max: 40 }) }),
);

type Path = (string | number)[];

/** Every node's path, root first, in document order. */
function paths(doc: Doc): Path[] {
  const out: Path[] = [];
  const walk = (v: Doc, p: Path): void => {
    out.push(p);
    if (v instanceof Deep || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) v.forEach((c, i) => walk(c, [...p, i]));
    else for (const [k, c] of Object.entries(v)) walk(c, [...p, k]);
  };
  walk(doc, []);
  return out;
}

function get(doc: Doc, p: Path): Doc {
  let v: Doc = doc;
  for (const k of p) v = (v as Record<string | number, Doc>)[k]!;
  return v;
}

function clone(v: Doc): Doc {
  if (v instanceof Deep || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(clone);
  return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, clone(c)]));
}

/** Applies one edit in place; returns the (possibly new) root. */
function applyEdit(doc: Doc, e: Edit): Doc {
  const all = paths(doc);
  const p = all[e.at % all.length]!;
  const parent = p.length === 0 ? undefined : (get(doc, p.slice(0, -1)) as Record<string | number, Doc> | Doc[]);
  const key = p[p.length - 1];
  const set = (v: Doc): Doc => {
    if (parent === undefined) return v;
    (parent as Record<string | number, Doc>)[key!] = v;
    return doc;
  };
  switch (e.op) {
    case 'delete':
      if (parent === undefined) return doc;
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string, Doc>)[key as string];
      return doc;
    case 'replace':
      return set(e.value);
    case 'rename':
      if (parent === undefined || Array.isArray(parent)) return doc;
      (parent as Record<string, Doc>)[e.key] = (parent as Record<string, Doc>)[key as string]!;
      if (e.key !== key) delete (parent as Record<string, Doc>)[key as string];
      return doc;
    case 'copy':
      return set(clone(get(doc, all[e.from % all.length]!)));
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(key as number, 0, clone(get(doc, p)));
      return doc;
    case 'nest':
      return set(new Deep(e.depth, e.kind));
  }
}

/** The seed with the edits applied (the seed itself is not changed). */
export function applyEdits(seed: Json, edits: readonly Edit[]): Doc {
  let doc = clone(seed);
  for (const e of edits) doc = applyEdit(doc, e);
  return doc;
}

function hasDeep(v: Doc): boolean {
  if (v instanceof Deep) return true;
  if (v === null || typeof v !== 'object') return false;
  return Object.values(v).some(hasDeep);
}

/** JSON text, with Deep values spelled out as nested brackets. */
function toJsonText(v: Doc): string {
  if (v instanceof Deep) {
    return v.kind === 'array' ? '['.repeat(v.depth) + ']'.repeat(v.depth) : '{"a":'.repeat(v.depth) + '1' + '}'.repeat(v.depth);
  }
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  return `{${Object.entries(v).map(([k, c]) => `${JSON.stringify(k)}:${toJsonText(c)}`).join(',')}}`;
}

/** The document as YAML (block style) or JSON text; deep nesting is always written as JSON (which YAML reads). */
export function docText(doc: Doc, format: 'yaml' | 'json'): string {
  return format === 'json' || hasDeep(doc) ? toJsonText(doc) : stringify(doc, { aliasDuplicateObjects: false });
}

/** The text with the text edits applied. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  let t = text;
  for (const e of edits) {
    let i = t.length === 0 ? 0 : e.at % (t.length + 1);
    // Whole lines (a document marker, an anchored block) go in at a line start.
    if (e.op === 'insert' && e.text.endsWith('\n')) i = t.lastIndexOf('\n', i - 1) + 1;
    if (e.op === 'truncate') t = t.slice(0, i);
    else if (e.op === 'insert') t = t.slice(0, i) + e.text + t.slice(i);
    else t = t.slice(0, i) + t.slice(i + e.length);
  }
  return t;
}

/** A mutated document: which seed, its edits, the text format and the text edits. */
export interface DocCase {
  seed: number;
  edits: Edit[];
  format: 'yaml' | 'json';
  textEdits: TextEdit[];
}

/** Regression cases found by fuzzing the YAML loaders: deep nesting (twice: the second aborted node) and an alias bomb. */
export const YAML_REGRESSIONS: DocCase[] = [
  { seed: 0, edits: [{ op: 'nest', at: 1, depth: 3000, kind: 'array' }], format: 'json', textEdits: [] },
  { seed: 0, edits: [{ op: 'nest', at: 2, depth: 3000, kind: 'object' }], format: 'json', textEdits: [] },
  { seed: 0, edits: [], format: 'yaml', textEdits: [{ op: 'insert', at: 0, text: ALIAS_BOMB }] },
];

/** Cases over `seedCount` seeds: mostly value edits, sometimes text edits too. */
export function docCase(seedCount: number): fc.Arbitrary<DocCase> {
  return fc.record({
    seed: fc.nat({ max: seedCount - 1 }),
    edits: fc.array(edit, { maxLength: 6 }),
    format: fc.constantFrom('yaml' as const, 'json' as const),
    textEdits: fc.oneof({ arbitrary: fc.constant([] as TextEdit[]), weight: 3 }, fc.array(textEdit, { minLength: 1, maxLength: 3 })),
  });
}

/** The text of a case over `seeds`. */
export function caseText(seeds: readonly Json[], c: DocCase): string {
  return applyTextEdits(docText(applyEdits(seeds[c.seed % seeds.length]!, c.edits), c.format), c.textEdits);
}

/**
 * Messages that betray a JavaScript failure caught and passed on as a config error, instead of
 * an error the code meant to report.
 */
export const INTERNAL_ERROR = /Cannot read propert|is not a function|is not iterable|Maximum call stack|undefined is not|of undefined|of null|Cannot convert|Invalid array length/;
