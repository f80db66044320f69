// Envoy's MetadataMatcher and ValueMatcher (null, double, string, bool, present, list one_of, or),
// compiled once and run against a stream's dynamic metadata, as Envoy's Matchers::MetadataMatcher.
import type { MetadataMatcher } from '../../../xds/gen/envoy/type/matcher/v3/metadata_pb.js';
import type { ValueMatcher } from '../../../xds/gen/envoy/type/matcher/v3/value_pb.js';
import type { DynamicMetadata } from '../../http/stream-info.js';
import { fail } from '../../router/errors.js';
import { StringMatch } from '../../router/string-match.js';

/** A compiled ValueMatcher over a JSON value (undefined = no value, Envoy's KIND_NOT_SET). */
export type ValueMatch = (v: unknown) => boolean;

/** Compiles a ValueMatcher; `path` names it in errors. */
export function compileValueMatcher(m: ValueMatcher | undefined, path: string): ValueMatch {
  const p = m?.matchPattern;
  switch (p?.case) {
    case 'nullMatch': return (v) => v === null;
    case 'doubleMatch': {
      const d = p.value.matchPattern;
      if (d.case === 'range') {
        const { start, end } = d.value;
        return (v) => typeof v === 'number' && start <= v && v < end;
      }
      if (d.case === 'exact') {
        const exact = d.value;
        return (v) => typeof v === 'number' && v === exact;
      }
      return fail(`${path}.double_match`, 'one of range or exact is required');
    }
    case 'stringMatch': {
      const s = StringMatch.compile(p.value, `${path}.string_match`);
      return (v) => typeof v === 'string' && s.match(v);
    }
    case 'boolMatch': {
      const b = p.value;
      return (v) => typeof v === 'boolean' && v === b;
    }
    case 'presentMatch': {
      const present = p.value;
      return (v) => present && v !== undefined;
    }
    case 'listMatch': {
      if (p.value.matchPattern.case !== 'oneOf') return fail(`${path}.list_match`, 'one_of is required');
      const one = compileValueMatcher(p.value.matchPattern.value, `${path}.list_match.one_of`);
      return (v) => Array.isArray(v) && v.some(one);
    }
    case 'orMatch': {
      const all = p.value.valueMatchers.map((x, i) => compileValueMatcher(x, `${path}.or_match.value_matchers[${i}]`));
      return (v) => all.some((f) => f(v));
    }
    default:
      return fail(path, 'one of null_match, double_match, string_match, bool_match, present_match, list_match or or_match is required');
  }
}

/** A compiled MetadataMatcher: the value at filter + key path, matched (and inverted when asked). */
export type MetadataMatch = (md: DynamicMetadata) => boolean;

/** The value at `keys` under the namespace `filter`; undefined when a step is missing or not a Struct. */
export function metadataValue(md: DynamicMetadata, filter: string, keys: readonly string[]): unknown {
  let cur: unknown = md[filter];
  if (cur === undefined) return undefined;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
    if (cur === undefined) return undefined;
  }
  return keys.length === 0 ? undefined : cur;
}

/** Compiles a MetadataMatcher; `path` names it in errors. */
export function compileMetadataMatcher(m: MetadataMatcher, path: string): MetadataMatch {
  if (m.filter === '') fail(`${path}.filter`, 'a filter namespace is required');
  if (m.path.length === 0) fail(`${path}.path`, 'at least one path segment is required');
  const keys = m.path.map((s, i) => {
    if (s.segment.case !== 'key' || s.segment.value === '') fail(`${path}.path[${i}].key`, 'a key is required');
    return s.segment.value;
  });
  if (m.value === undefined) fail(`${path}.value`, 'a value matcher is required');
  const value = compileValueMatcher(m.value, `${path}.value`);
  const filter = m.filter;
  const invert = m.invert;
  return (md) => value(metadataValue(md, filter, keys)) !== invert;
}
