// Per-object isolation of translation: one object's contribution to a proxy's config is built, and
// encoded once as a check, on its own, so an object that cannot be translated is left out (and
// recorded in the push context), never the rest of the push.
import { toBinary, type DescMessage, type Message, type MessageShape } from '@bufbuild/protobuf';
import { reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import type { ConfigObject } from '../config/object.js';
import type { PushContext } from '../model/push-context.js';

/**
 * `build()`: what `obj` gives the proxy's config. When it throws, or `check` throws on what it built,
 * `fallback()` (the config without `obj`) is used instead and the push records `obj` as left out.
 */
export function isolated<T>(push: PushContext, obj: ConfigObject, build: () => T, fallback: () => T,
  check?: (built: T) => void): T {
  try {
    const built = build();
    check?.(built);
    return built;
  } catch (e) {
    // When the config without `obj` fails too, `obj` is not (alone) to blame: that error goes up.
    const without = fallback();
    push.reportConfigError(obj, e);
    return without;
  }
}

/**
 * A check that messages encode: protobuf-es checks field types and ranges only then (a string in
 * a uint32 field fails as `invalid uint32: NaN`), which would otherwise fail a whole resource.
 */
export function encodes<Desc extends DescMessage>(schema: Desc): (msgs: readonly MessageShape<Desc>[]) => void {
  return (msgs) => {
    for (const m of msgs) encode(schema, m);
  };
}

/** toBinary, whose error names the field path of the value that cannot be encoded (`route.retry_policy.num_retries: ...`). */
export function encode(schema: DescMessage, msg: Message): Uint8Array {
  try {
    return toBinary(schema, msg);
  } catch (e) {
    const path = failingPath(reflect(schema, msg));
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(path.length > 0 ? `${path.join('.')}: ${message}` : message);
  }
}

const encodesAlone = (m: ReflectMessage): boolean => {
  try {
    toBinary(m.desc, m.message);
    return true;
  } catch {
    return false;
  }
};

/** The path to the innermost message field of `m` that does not encode (empty when it is `m`'s own scalar). */
function failingPath(m: ReflectMessage): string[] {
  for (const f of m.fields) {
    if (!m.isSet(f)) continue;
    const subs: [string, ReflectMessage][] = [];
    if (f.fieldKind === 'message') subs.push([f.name, m.get(f)]);
    else if (f.fieldKind === 'list' && f.listKind === 'message') [...m.get(f)].forEach((v, i) => subs.push([`${f.name}[${i}]`, v as ReflectMessage]));
    else if (f.fieldKind === 'map' && f.mapKind === 'message') for (const [k, v] of m.get(f)) subs.push([`${f.name}[${String(k)}]`, v as ReflectMessage]);
    const bad = subs.find(([, sub]) => !encodesAlone(sub));
    if (bad !== undefined) return [bad[0], ...failingPath(bad[1])];
  }
  return [];
}
