// Finds every RE2 regex in a config (RegexMatcher messages anywhere, Any contents included)
// and reports the ones RE2 would reject, with RE2's error text.
import type { DescMessage, Message, Registry } from '@bufbuild/protobuf';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import type { PathError, PathSeg } from './config-error.js';
import { re2Error } from '../util/re2.js';

/** Messages that hold an RE2 pattern in their `regex` field. */
const REGEX_MATCHERS = new Set(['envoy.type.matcher.v3.RegexMatcher', 'xds.type.matcher.v3.RegexMatcher']);

const SKIP = new Set(['google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue']);

/** Reports invalid RE2 patterns under a message. */
export function checkRegexes(desc: DescMessage, msg: Message, registry: Registry): PathError[] {
  const errors: PathError[] = [];
  walk(desc, msg, [], registry, errors);
  return errors;
}

function walk(desc: DescMessage, msg: Message, path: PathSeg[], registry: Registry, errors: PathError[]): void {
  const m = msg as unknown as Record<string, unknown>;
  if (desc.typeName === 'google.protobuf.Any') {
    const any = msg as Any;
    const inner = registry.getMessage(any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1));
    let unpacked: Message | undefined;
    try {
      unpacked = inner ? anyUnpack(any, registry) : undefined;
    } catch {
      return; // bytes that do not decode: the schema checks report them with their path
    }
    if (inner && unpacked) walk(inner, unpacked, path, registry, errors);
    return;
  }
  if (REGEX_MATCHERS.has(desc.typeName) && typeof m['regex'] === 'string') {
    const e = re2Error(m['regex']);
    if (e !== undefined) errors.push({ path: [...path, 'regex'], message: e });
  }
  for (const field of desc.fields) {
    if (!field.message || SKIP.has(field.message.typeName)) continue;
    let v: unknown;
    if (field.oneof) {
      const sel = m[field.oneof.localName] as { case: string | undefined; value?: unknown };
      v = sel.case === field.localName ? sel.value : undefined;
    } else {
      v = m[field.localName];
    }
    if (v === undefined || v === null) continue;
    const fpath = [...path, field.name];
    if (field.fieldKind === 'list') {
      (v as Message[]).forEach((x, i) => { if (typeof x === 'object') walk(field.message, x, [...fpath, i], registry, errors); });
    } else if (field.fieldKind === 'map') {
      for (const [k, x] of Object.entries(v as Record<string, Message>)) {
        if (typeof x === 'object') walk(field.message, x, [...fpath, { key: k }], registry, errors);
      }
    } else if (typeof v === 'object') {
      walk(field.message, v as Message, fpath, registry, errors);
    }
  }
}
