// HCM and route custom_tags (envoy.type.tracing.v3.CustomTag): literal, environment (read once at
// config time, as Envoy), request_header with default_value; metadata tags give their default_value.
import type { CustomTag } from '../../xds/gen/envoy/type/tracing/v3/custom_tag_pb.js';
import type { HeaderMap } from '../http/headers.js';

/** One compiled tag: its name and its value for a request ('' = not set, as Envoy skips empty values). */
export interface CompiledCustomTag {
  readonly tag: string;
  value(headers: HeaderMap): string;
}

/** Compiles custom_tags. */
export function compileCustomTags(tags: readonly CustomTag[]): CompiledCustomTag[] {
  return tags.map((t): CompiledCustomTag => {
    const type = t.type;
    switch (type.case) {
      case 'literal': {
        const v = type.value.value;
        return { tag: t.tag, value: () => v };
      }
      case 'environment': {
        const v = process.env[type.value.name] ?? type.value.defaultValue;
        return { tag: t.tag, value: () => v };
      }
      case 'requestHeader': {
        const name = type.value.name.toLowerCase();
        const dflt = type.value.defaultValue;
        return { tag: t.tag, value: (h) => h.getJoined(name) ?? dflt };
      }
      case 'metadata': {
        const dflt = type.value.defaultValue;
        return { tag: t.tag, value: () => dflt };
      }
      default:
        return { tag: t.tag, value: () => '' };
    }
  });
}
