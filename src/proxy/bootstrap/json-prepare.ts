// Schema-guided walk over a config's JSON value before fromJson: applies Envoy's leniencies
// (case-insensitive enum names, TypedStruct expansion) and finds each bad field with its path.
import { fromJson, ScalarType, type DescEnum, type DescField, type DescMessage, type JsonValue, type Registry } from '@bufbuild/protobuf';
import type { PathError, PathSeg } from './config-error.js';

/** Well-known types whose JSON form is not a plain object of fields. */
const SPECIAL_JSON = new Set([
  'google.protobuf.Duration', 'google.protobuf.Timestamp', 'google.protobuf.FieldMask',
  'google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue',
  'google.protobuf.DoubleValue', 'google.protobuf.FloatValue', 'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value', 'google.protobuf.Int32Value', 'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue', 'google.protobuf.StringValue', 'google.protobuf.BytesValue',
]);

/** Type names of the two TypedStruct messages Envoy unwraps into the message they describe. */
export const TYPED_STRUCT_TYPES = new Set(['udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct']);

const ANY = 'google.protobuf.Any';

function typeNameOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

type Obj = Record<string, unknown>;

/** Walk state: the registry for Any types, the errors found, and whether to check leaf values. */
export interface PrepareContext {
  registry: Registry;
  errors: PathError[];
  /** Try each scalar with fromJson too (slower; only needed to locate a fromJson failure). */
  checkLeaves: boolean;
}

const fieldIndex = new WeakMap<DescMessage, Map<string, DescField>>();

/** Finds a field by proto name or JSON name, as the proto3 JSON mapping accepts both. */
export function fieldByJsonKey(desc: DescMessage, key: string): DescField | undefined {
  let idx = fieldIndex.get(desc);
  if (!idx) {
    idx = new Map();
    for (const f of desc.fields) { idx.set(f.name, f); idx.set(f.jsonName, f); }
    fieldIndex.set(desc, idx);
  }
  return idx.get(key);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v) ?? String(v);
}

/** Turns fromJson's `cannot decode X from JSON: detail` into a short message. */
export function cleanFromJsonMessage(msg: string): string {
  const m = /^cannot decode (field|message|enum|oneof) (\S+) from JSON: (.*)$/s.exec(msg);
  if (!m) return msg;
  const [, kind, name, detail] = m as unknown as [string, string, string, string];
  if (kind === 'message' && name === 'google.protobuf.Duration') return `invalid duration ${detail}`;
  if (kind === 'message' && name === 'google.protobuf.Timestamp') return `invalid timestamp ${detail}`;
  if (kind === 'message' && name === 'google.protobuf.FieldMask') return `invalid field mask ${detail}`;
  if (kind === 'enum') return `unknown value ${detail} for enum ${name}`;
  return detail;
}

/** Envoy parses enum names case-insensitively: keep an exact name, else try upper case. */
function normalizeEnum(e: DescEnum, v: unknown): unknown {
  if (typeof v !== 'string' || e.values.some((x) => x.name === v)) return v;
  const up = v.toUpperCase();
  return e.values.some((x) => x.name === up) ? up : v;
}

function err(ctx: PrepareContext, path: PathSeg[], message: string, atKey = false): void {
  ctx.errors.push(atKey ? { path, message, atKey } : { path, message });
}

/** Checks one field's value by decoding the parent with just that field. */
function leaf(ctx: PrepareContext, parent: DescMessage, key: string, value: unknown, path: PathSeg[]): void {
  if (!ctx.checkLeaves) return;
  try {
    fromJson(parent, { [key]: value } as JsonValue, { registry: ctx.registry });
  } catch (e) {
    err(ctx, path, cleanFromJsonMessage((e as Error).message));
  }
}

/** Prepares a message's JSON: returns the normalised copy; errors go to ctx. */
export function prepareMessage(desc: DescMessage, json: unknown, path: PathSeg[], ctx: PrepareContext): unknown {
  if (json === null) return null;
  if (desc.typeName === ANY) return prepareAny(json, path, ctx, undefined);
  if (SPECIAL_JSON.has(desc.typeName)) {
    try {
      fromJson(desc, json as JsonValue, { registry: ctx.registry });
    } catch (e) {
      err(ctx, path, cleanFromJsonMessage((e as Error).message));
    }
    return json;
  }
  if (!isObj(json)) {
    err(ctx, path, `expected an object (${desc.typeName}), got ${describe(json)}`);
    return json;
  }
  const out: Obj = {};
  const oneofSeen = new Map<string, string>();
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByJsonKey(desc, key);
    if (!field) {
      err(ctx, [...path, key], 'unknown field', true);
      continue;
    }
    const fpath = [...path, field.name];
    if (field.oneof && value !== null) {
      const prev = oneofSeen.get(field.oneof.name);
      if (prev !== undefined) {
        err(ctx, fpath, `only one of '${prev}' and '${field.name}' may be set (oneof '${field.oneof.name}')`, true);
      }
      oneofSeen.set(field.oneof.name, field.name);
    }
    out[key] = prepareField(desc, field, key, value, fpath, ctx, json);
  }
  return out;
}

function prepareField(desc: DescMessage, field: DescField, key: string, value: unknown, fpath: PathSeg[],
  ctx: PrepareContext, parent: Obj): unknown {
  if (value === null) return null;
  switch (field.fieldKind) {
    case 'scalar': {
      // Envoy's protobuf JSON parser takes quoted booleans ("true"), as the book's ch8 custom bootstrap writes them.
      const v = field.scalar === ScalarType.BOOL && (value === 'true' || value === 'false') ? value === 'true' : value;
      leaf(ctx, desc, key, v, fpath);
      return v;
    }
    case 'enum': {
      const v = normalizeEnum(field.enum, value);
      leaf(ctx, desc, key, v, fpath);
      return v;
    }
    case 'message':
      if (field.message.typeName === ANY) {
        return prepareAny(value, fpath, ctx, typeof parent['name'] === 'string' ? parent['name'] : undefined);
      }
      return prepareMessage(field.message, value, fpath, ctx);
    case 'list': {
      if (!Array.isArray(value)) {
        err(ctx, fpath, `expected a list, got ${describe(value)}`);
        return value;
      }
      return value.map((item, i) => {
        const ipath = [...fpath, i];
        if (field.listKind === 'message') return prepareMessage(field.message, item, ipath, ctx);
        const v = field.listKind === 'enum' ? normalizeEnum(field.enum, item) : item;
        leaf(ctx, desc, key, [v], ipath);
        return v;
      });
    }
    case 'map': {
      if (!isObj(value)) {
        err(ctx, fpath, `expected a map, got ${describe(value)}`);
        return value;
      }
      const m: Obj = {};
      for (const [k, item] of Object.entries(value)) {
        const kpath = [...fpath, { key: k }];
        let v = item;
        if (field.mapKind === 'message') {
          // typed_per_filter_config and the like: the map key names the extension.
          v = field.message.typeName === ANY ? prepareAny(item, kpath, ctx, k) : prepareMessage(field.message, item, kpath, ctx);
        } else {
          if (field.mapKind === 'enum') v = normalizeEnum(field.enum, item);
          leaf(ctx, desc, key, { [k]: v }, kpath);
        }
        m[k] = v;
      }
      return m;
    }
  }
}

/**
 * An Any in JSON: `{"@type": url, ...fields}`. A TypedStruct is unwrapped to the message its
 * type_url names; the contents are walked with the message the registry knows for `@type`.
 * `extName` is the enclosing extension's `name`, for Envoy's "no registered implementation" wording.
 */
function prepareAny(json: unknown, path: PathSeg[], ctx: PrepareContext, extName: string | undefined): unknown {
  if (!isObj(json)) {
    err(ctx, path, `expected an object with "@type", got ${describe(json)}`);
    return json;
  }
  const url = json['@type'];
  if (typeof url !== 'string' || url === '') {
    err(ctx, path, 'missing "@type": a typed config names its message type with "@type"');
    return json;
  }
  const typeName = url.slice(url.lastIndexOf('/') + 1);
  if (TYPED_STRUCT_TYPES.has(typeName)) {
    const inner = json['type_url'] ?? json['typeUrl'];
    // A type protobuf does not know (Istio's stats.PluginConfig ...) stays a TypedStruct: its filter reads
    // the JSON value, and the extension checks name the inner type when no filter implements it.
    if (typeof inner === 'string' && inner !== '' && ctx.registry.getMessage(typeNameOf(inner)) === undefined) return json;
    return prepareAny(expandTypedStruct(json, path, ctx), path, ctx, extName);
  }
  const desc = ctx.registry.getMessage(typeName);
  if (!desc) {
    const message = extName !== undefined
      ? `Didn't find a registered implementation for '${extName}' with type URL: '${typeName}'`
      : `invalid type URL, unknown type: ${typeName}`;
    err(ctx, [...path, { key: '@type' }], message);
    return json;
  }
  if (desc.typeName === ANY || SPECIAL_JSON.has(desc.typeName)) {
    // These carry their JSON under "value".
    try {
      fromJson(ctx.registry.getMessage(ANY) ?? desc, json as JsonValue, { registry: ctx.registry });
    } catch (e) {
      err(ctx, path, cleanFromJsonMessage((e as Error).message));
    }
    return json;
  }
  const { ['@type']: _type, ...rest } = json;
  const prepared = prepareMessage(desc, rest, path, ctx);
  return isObj(prepared) ? { '@type': url, ...prepared } : json;
}

/** `{"@type": TypedStruct, type_url, value}` -> `{"@type": type_url, ...value}`. */
function expandTypedStruct(json: Obj, path: PathSeg[], ctx: PrepareContext): Obj {
  const inner = json['type_url'] ?? json['typeUrl'];
  const value = json['value'] ?? {};
  for (const k of Object.keys(json)) {
    if (k !== '@type' && k !== 'type_url' && k !== 'typeUrl' && k !== 'value') err(ctx, [...path, k], 'unknown field', true);
  }
  if (typeof inner !== 'string' || inner === '') {
    err(ctx, [...path, 'type_url'], 'a TypedStruct needs a type_url naming the message it holds');
    return { '@type': 'type.googleapis.com/google.protobuf.Empty' };
  }
  if (!isObj(value)) {
    err(ctx, [...path, 'value'], `expected an object, got ${describe(value)}`);
    return { '@type': inner };
  }
  return { ...value, '@type': inner };
}
