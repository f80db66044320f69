// One generic protoc-gen-validate checker: walks any message with its descriptor, reads the
// `(validate.rules)` options Envoy's protos carry, and reports violations with field paths.
import { getOption, hasOption, type DescField, type DescMessage, type Message, type Registry } from '@bufbuild/protobuf';
import { anyUnpack, isWrapperDesc, type Any, type Duration, type Timestamp } from '@bufbuild/protobuf/wkt';
import { disabled, required, rules as rulesExt, type FieldRules } from '../../xds/gen/validate/validate_pb.js';
import type { PathError, PathSeg } from './config-error.js';
import {
  checkAny, checkBool, checkBytes, checkDuration, checkEnum, checkNumber, checkString, checkTimestamp,
} from './pgv-rules.js';

/** Messages whose contents are free-form or have no rules worth walking. */
const OPAQUE = new Set(['google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue',
  'google.protobuf.Empty', 'google.protobuf.FieldMask']);

type Value = unknown;

/** Element kind of a field, list item or map value, for the checks shared by all three. */
interface Kind {
  fieldKind: 'scalar' | 'enum' | 'message';
  field: DescField;
  message?: DescMessage;
}

const rulesCache = new WeakMap<DescField, FieldRules | null>();

function fieldRules(field: DescField): FieldRules | undefined {
  let r = rulesCache.get(field);
  if (r === undefined) {
    r = hasOption(field, rulesExt) ? getOption(field, rulesExt) : null;
    rulesCache.set(field, r);
  }
  return r ?? undefined;
}

/** Validates a message (and everything under it, Any contents included); errors get paths under `path`. */
export function validateMessage(desc: DescMessage, msg: Message, path: PathSeg[], registry: Registry, errors: PathError[]): void {
  new PgvWalker(registry, errors).message(desc, msg, path);
}

class PgvWalker {
  constructor(private readonly registry: Registry, private readonly errors: PathError[]) {}

  private report(path: PathSeg[], message: string | undefined): void {
    if (message !== undefined) this.errors.push({ path, message });
  }

  message(desc: DescMessage, msg: Message, path: PathSeg[]): void {
    if (getOption(desc, disabled)) return;
    const m = msg as unknown as Record<string, unknown>;
    for (const oneof of desc.oneofs) {
      const sel = m[oneof.localName] as { case: string | undefined };
      if (sel.case === undefined && getOption(oneof, required)) this.report([...path, oneof.name], 'value is required');
    }
    for (const field of desc.fields) {
      const rules = fieldRules(field);
      const fpath = [...path, field.name];
      if (field.oneof) {
        const sel = m[field.oneof.localName] as { case: string | undefined; value?: unknown };
        if (sel.case !== field.localName) continue;
        this.single({ fieldKind: field.fieldKind as Kind['fieldKind'], field, message: field.message }, rules, sel.value, fpath);
        continue;
      }
      const v = m[field.localName];
      switch (field.fieldKind) {
        case 'scalar':
          // proto3 `optional` scalars have presence: rules apply only when set.
          if (field.proto.proto3Optional && v === undefined) break;
          this.single({ fieldKind: 'scalar', field }, rules, v, fpath);
          break;
        case 'enum':
          this.single({ fieldKind: 'enum', field }, rules, v, fpath);
          break;
        case 'message':
          this.single({ fieldKind: 'message', field, message: field.message }, rules, v, fpath);
          break;
        case 'list':
          this.list(field, rules, v as Value[], fpath);
          break;
        case 'map':
          this.map(field, rules, v as Record<string, Value>, fpath);
          break;
      }
    }
  }

  private list(field: DescField & { fieldKind: 'list' }, rules: FieldRules | undefined, items: Value[], path: PathSeg[]): void {
    const r = rules?.type.case === 'repeated' ? rules.type.value : undefined;
    if (r && !(r.ignoreEmpty && items.length === 0)) {
      if (r.minItems > 0n && BigInt(items.length) < r.minItems) this.report(path, `value must contain at least ${r.minItems} item(s)`);
      if (r.maxItems > 0n && BigInt(items.length) > r.maxItems) this.report(path, `value must contain no more than ${r.maxItems} item(s)`);
      if (r.unique && field.listKind !== 'message') {
        const seen = new Set<unknown>();
        items.forEach((x, i) => {
          const k = x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x;
          if (seen.has(k)) this.report([...path, i], 'repeated value must contain unique items');
          seen.add(k);
        });
      }
    }
    const kind: Kind = { fieldKind: field.listKind, field, message: field.message };
    items.forEach((x, i) => this.single(kind, r?.items, x, [...path, i]));
  }

  private map(field: DescField & { fieldKind: 'map' }, rules: FieldRules | undefined, entries: Record<string, Value>, path: PathSeg[]): void {
    const r = rules?.type.case === 'map' ? rules.type.value : undefined;
    const keys = Object.keys(entries);
    if (r && !(r.ignoreEmpty && keys.length === 0)) {
      if (r.minPairs > 0n && BigInt(keys.length) < r.minPairs) this.report(path, `value must contain at least ${r.minPairs} pair(s)`);
      if (r.maxPairs > 0n && BigInt(keys.length) > r.maxPairs) this.report(path, `value must contain no more than ${r.maxPairs} pair(s)`);
    }
    const kind: Kind = { fieldKind: field.mapKind, field, message: field.message };
    for (const k of keys) {
      const kpath = [...path, { key: k }];
      if (r?.keys?.type.case === 'string') this.report(kpath, checkString(r.keys.type.value, k));
      this.single(kind, r?.values, entries[k], kpath);
    }
  }

  /** One value (a singular field, a list item or a map value) against its rules, then its contents. */
  private single(kind: Kind, rules: FieldRules | undefined, v: Value, path: PathSeg[]): void {
    const t = rules?.type;
    if (kind.fieldKind === 'scalar' || (kind.message && isWrapperDesc(kind.message))) {
      // Singular wrapper fields come unboxed; wrappers in lists and maps do not.
      if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) v = (v as { value: unknown }).value;
      if (v === undefined) {
        if (rules?.message?.required) this.report(path, 'value is required');
        return;
      }
      this.report(path, scalarRule(t, v));
      return;
    }
    if (kind.fieldKind === 'enum') {
      if (t?.case === 'enum') this.report(path, checkEnum(t.value, v as number, kind.field.enum!));
      return;
    }
    const desc = kind.message!;
    if (v === undefined) {
      const req = rules?.message?.required
        || (t?.case === 'duration' && t.value.required) || (t?.case === 'timestamp' && t.value.required)
        || (t?.case === 'any' && t.value.required);
      if (req) this.report(path, 'value is required');
      return;
    }
    if (rules?.message?.skip) return;
    switch (desc.typeName) {
      case 'google.protobuf.Duration':
        if (t?.case === 'duration') this.report(path, checkDuration(t.value, v as Duration));
        return;
      case 'google.protobuf.Timestamp':
        if (t?.case === 'timestamp') this.report(path, checkTimestamp(t.value, v as Timestamp));
        return;
      case 'google.protobuf.Any': {
        if (t?.case === 'any') this.report(path, checkAny(t.value, v as Any));
        const any = v as Any;
        const inner = this.registry.getMessage(any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1));
        if (!inner) return;
        let unpacked: Message | undefined;
        try {
          unpacked = anyUnpack(any, this.registry);
        } catch (e) {
          this.report(path, `cannot decode ${any.typeUrl}: ${(e as Error).message}`);
          return;
        }
        if (unpacked) this.message(inner, unpacked, path);
        return;
      }
    }
    if (OPAQUE.has(desc.typeName)) return;
    this.message(desc, v as Message, path);
  }
}

/** Applies scalar (or wrapped scalar) rules by the rule kind. */
function scalarRule(t: FieldRules['type'] | undefined, v: Value): string | undefined {
  if (!t || t.case === undefined) return undefined;
  switch (t.case) {
    case 'string': return typeof v === 'string' ? checkString(t.value, v) : undefined;
    case 'bytes': return v instanceof Uint8Array ? checkBytes(t.value, v) : undefined;
    case 'bool': return typeof v === 'boolean' ? checkBool(t.value, v) : undefined;
    case 'float': case 'double': case 'int32': case 'int64': case 'uint32': case 'uint64': case 'sint32':
    case 'sint64': case 'fixed32': case 'fixed64': case 'sfixed32': case 'sfixed64':
      if (typeof v === 'string') return checkNumber(t.value as never, BigInt(v));
      return typeof v === 'number' || typeof v === 'bigint' ? checkNumber(t.value as never, v) : undefined;
    default: return undefined;
  }
}
