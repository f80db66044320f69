// Unpacks an extension's typed_config Any, looking through xds/udpa TypedStruct wrappers:
// a known inner type becomes its message, an unknown one (Istio's own configs) stays JSON.
import { fromJson, type JsonObject, type Message } from '@bufbuild/protobuf';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { registry } from '../../xds/registry.js';

const TYPED_STRUCTS = new Set(['udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct']);

/** A typed_config's message type and content: a message when protobuf knows it, else the JSON value. */
export interface TypedConfig {
  readonly typeName: string;
  readonly message?: Message;
  readonly json?: JsonObject;
}

function typeNameOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/** The type named by the Any, or by the TypedStruct inside it. */
export function typedConfigType(any: Any): string {
  return unpackTypedConfig(any).typeName;
}

/** Unpacks the Any (expanding a TypedStruct); throws on a malformed payload. */
export function unpackTypedConfig(any: Any): TypedConfig {
  const outer = typeNameOf(any.typeUrl);
  if (!TYPED_STRUCTS.has(outer)) {
    const message = registry.getMessage(outer) === undefined ? undefined : anyUnpack(any, registry);
    return { typeName: outer, message };
  }
  const ts = anyUnpack(any, registry) as unknown as { typeUrl: string; value?: JsonObject };
  const typeName = typeNameOf(ts.typeUrl);
  const json = ts.value ?? {};
  const schema = registry.getMessage(typeName);
  return schema === undefined ? { typeName, json } : { typeName, message: fromJson(schema, json, { registry }) };
}
