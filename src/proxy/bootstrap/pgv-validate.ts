// One generic protoc-gen-validate checker: walks any message with its descriptor, reads the
// `(validate.rules)` options Envoy's protos carry, and reports violations with field paths.
import { getOption, hasOption, type DescField, type DescMessage, type DescOneof, type Message, type Registry } from '@bufbuild/protobuf';
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

/** A field the walk must visit: it has rules, or its values may hold fields that do. */
interface FieldStep {
  readonly field: DescField;
  readonly rules: FieldRules | undefined;
  /** The kind of the field's value (singular) or of its items and values (list, map). */
  readonly kind: Kind;
}

/** What the walk does in one message type, made once per type. */
interface Plan {
  /** `(validate.disabled)`: nothing under it is checked. */
  readonly disabled: boolean;
  /** Oneofs with `(validate.required)`. */
  readonly requiredOneofs: readonly DescOneof[];
  readonly steps: readonly FieldStep[];
}

const plans = new WeakMap<DescMessage, Plan>();

function fieldRules(field: DescField): FieldRules | undefined {
  return hasOption(field, rulesExt) ? getOption(field, rulesExt) : undefined;
}

/** Message types whose values hold no rule of their own: checked, if at all, by the field's rules. */
const LEAF_TYPES = new Set([...OPAQUE, 'google.protobuf.Duration', 'google.protobuf.Timestamp', 'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue', 'google.protobuf.Int64Value', 'google.protobuf.UInt64Value', 'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value', 'google.protobuf.BoolValue', 'google.protobuf.StringValue', 'google.protobuf.BytesValue']);

function planOf(desc: DescMessage): Plan {
  let plan = plans.get(desc);
  if (plan !== undefined) return plan;
  const steps: FieldStep[] = [];
  for (const field of desc.fields) {
    const rules = fieldRules(field);
    const message = field.message;
    // A scalar, enum or well-known value without rules cannot report anything; other messages are walked.
    if (rules === undefined && (message === undefined || LEAF_TYPES.has(message.typeName))) continue;
    const fieldKind = field.fieldKind === 'list' ? field.listKind : field.fieldKind === 'map' ? field.mapKind : field.fieldKind;
    steps.push({ field, rules, kind: { fieldKind, field, message } });
  }
  plan = { disabled: getOption(desc, disabled), requiredOneofs: desc.oneofs.filter((o) => getOption(o, required)), steps };
  plans.set(desc, plan);
  return plan;
}

/** A field path built as the walk descends, made into an array only for an error. */
interface PathLink {
  readonly up: PathLink | null;
  readonly seg: PathSeg;
}

function pathOf(link: PathLink | null, base: readonly PathSeg[]): PathSeg[] {
  const segs: PathSeg[] = [];
  for (let l = link; l !== null; l = l.up) segs.push(l.seg);
  return [...base, ...segs.reverse()];
}

/** Validates a message (and everything under it, Any contents included); errors get paths under `path`. */
export function validateMessage(desc: DescMessage, msg: Message, path: PathSeg[], registry: Registry, errors: PathError[]): void {
  new PgvWalker(registry, errors, path).message(desc, msg, null);
}

class PgvWalker {
  constructor(private readonly registry: Registry, private readonly errors: PathError[], private readonly base: readonly PathSeg[]) {}

  private report(path: PathLink | null, message: string | undefined): void {
    if (message !== undefined) this.errors.push({ path: pathOf(path, this.base), message });
  }

  message(desc: DescMessage, msg: Message, path: PathLink | null): void {
    const plan = planOf(desc);
    if (plan.disabled) return;
    const m = msg as unknown as Record<string, unknown>;
    for (const oneof of plan.requiredOneofs) {
      const sel = m[oneof.localName] as { case: string | undefined };
      if (sel.case === undefined) this.report({ up: path, seg: oneof.name }, 'value is required');
    }
    for (const { field, rules, kind } of plan.steps) {
      const fpath: PathLink = { up: path, seg: field.name };
      if (field.oneof) {
        const sel = m[field.oneof.localName] as { case: string | undefined; value?: unknown };
        if (sel.case !== field.localName) continue;
        this.single(kind, rules, sel.value, fpath);
        continue;
      }
      const v = m[field.localName];
      switch (field.fieldKind) {
        case 'scalar':
          // proto3 `optional` scalars have presence: rules apply only when set.
          if (field.proto.proto3Optional && v === undefined) break;
          this.single(kind, rules, v, fpath);
          break;
        case 'enum':
        case 'message':
          this.single(kind, rules, v, fpath);
          break;
        case 'list':
          this.list(field, kind, rules, v as Value[], fpath);
          break;
        case 'map':
          this.map(kind, rules, v as Record<string, Value>, fpath);
          break;
      }
    }
  }

  private list(field: DescField & { fieldKind: 'list' }, kind: Kind, rules: FieldRules | undefined, items: Value[], path: PathLink): void {
    const r = rules?.type.case === 'repeated' ? rules.type.value : undefined;
    if (r && !(r.ignoreEmpty && items.length === 0)) {
      if (r.minItems > 0n && BigInt(items.length) < r.minItems) this.report(path, `value must contain at least ${r.minItems} item(s)`);
      if (r.maxItems > 0n && BigInt(items.length) > r.maxItems) this.report(path, `value must contain no more than ${r.maxItems} item(s)`);
      if (r.unique && field.listKind !== 'message') {
        const seen = new Set<unknown>();
        items.forEach((x, i) => {
          const k = x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x;
          if (seen.has(k)) this.report({ up: path, seg: i }, 'repeated value must contain unique items');
          seen.add(k);
        });
      }
    }
    for (let i = 0; i < items.length; i++) this.single(kind, r?.items, items[i], { up: path, seg: i });
  }

  private map(kind: Kind, rules: FieldRules | undefined, entries: Record<string, Value>, path: PathLink): void {
    const r = rules?.type.case === 'map' ? rules.type.value : undefined;
    const keys = Object.keys(entries);
    if (r && !(r.ignoreEmpty && keys.length === 0)) {
      if (r.minPairs > 0n && BigInt(keys.length) < r.minPairs) this.report(path, `value must contain at least ${r.minPairs} pair(s)`);
      if (r.maxPairs > 0n && BigInt(keys.length) > r.maxPairs) this.report(path, `value must contain no more than ${r.maxPairs} pair(s)`);
    }
    for (const k of keys) {
      const kpath: PathLink = { up: path, seg: { key: k } };
      if (r?.keys?.type.case === 'string') this.report(kpath, checkString(r.keys.type.value, k));
      this.single(kind, r?.values, entries[k], kpath);
    }
  }

  /** One value (a singular field, a list item or a map value) against its rules, then its contents. */
  private single(kind: Kind, rules: FieldRules | undefined, v: Value, path: PathLink): void {
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
