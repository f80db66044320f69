// The protobuf type registry: every generated Envoy/xDS message, for Any and JSON resolution.
// Built once at start-up; lookups by type URL go through it.
import { createRegistry, type Registry } from '@bufbuild/protobuf';
import { file_google_protobuf_any, file_google_protobuf_duration, file_google_protobuf_struct,
  file_google_protobuf_timestamp, file_google_protobuf_wrappers, file_google_protobuf_empty,
  file_google_protobuf_descriptor } from '@bufbuild/protobuf/wkt';
import { ALL_FILES } from './gen/all-files.js';

/** The registry of every message Strait knows, including the well-known types. */
export const registry: Registry = createRegistry(
  file_google_protobuf_any, file_google_protobuf_duration, file_google_protobuf_struct,
  file_google_protobuf_timestamp, file_google_protobuf_wrappers, file_google_protobuf_empty,
  file_google_protobuf_descriptor, ...ALL_FILES);
