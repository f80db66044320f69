// Per-object isolation of translation: one object's contribution to a proxy's config is built, and
// encoded once as a check, on its own, so an object that cannot be translated is left out (and
// recorded in the push context), never the rest of the push.
import { toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { ConfigObject } from '../config/object.js';
import type { ProxyNode } from '../model/proxy.js';
import type { PushContext } from '../model/push-context.js';

/**
 * `build()`: what `obj` gives `proxy`'s config. When it throws, or `check` throws on what it built,
 * `fallback()` (the config without `obj`) is used instead and the push records `obj` as left out.
 */
export function isolated<T>(push: PushContext, proxy: ProxyNode, obj: ConfigObject, build: () => T, fallback: () => T,
  check?: (built: T) => void): T {
  try {
    const built = build();
    check?.(built);
    return built;
  } catch (e) {
    // When the config without `obj` fails too, `obj` is not (alone) to blame: that error goes up.
    const without = fallback();
    push.reportConfigError(obj, proxy, e);
    return without;
  }
}

/**
 * A check that messages encode: protobuf-es checks field types and ranges only then (a string in
 * a uint32 field fails as `invalid uint32: NaN`), which would otherwise fail a whole resource.
 */
export function encodes<Desc extends DescMessage>(schema: Desc): (msgs: readonly MessageShape<Desc>[]) => void {
  return (msgs) => {
    for (const m of msgs) toBinary(schema, m);
  };
}
