// The protobuf type registry: every generated Envoy/xDS message, for Any and JSON resolution.
// Lazy: a generated module's descriptors are loaded on the first lookup of one of its types.
import { createRequire } from 'node:module';
import { createMutableRegistry, type DescExtension, type DescFile, type DescMessage, type Registry } from '@bufbuild/protobuf';
import { nestedTypes } from '@bufbuild/protobuf/reflect';
import { file_google_protobuf_any, file_google_protobuf_duration, file_google_protobuf_struct,
  file_google_protobuf_timestamp, file_google_protobuf_wrappers, file_google_protobuf_empty,
  file_google_protobuf_descriptor } from '@bufbuild/protobuf/wkt';
import { TYPE_INDEX } from './gen/type-index.js';

// Importing every generated file costs about a second of CPU and 20 MB at start-up
// (docs/performance.md), and a proxy uses a few dozen of them: modules are loaded on demand,
// synchronously (require of an ES module, Node >= 20.19: bin/strait.js checks). No module that a
// lazily required one imports may use top-level await.
const requireModule = createRequire(import.meta.url);

/** Module (relative to this directory's gen/) by the message or enum name it defines. */
const moduleOfType = new Map<string, string>();
for (const [module, types] of TYPE_INDEX) for (const t of types) moduleOfType.set(t, module);

const loaded = createMutableRegistry(
  file_google_protobuf_any, file_google_protobuf_duration, file_google_protobuf_struct,
  file_google_protobuf_timestamp, file_google_protobuf_wrappers, file_google_protobuf_empty,
  file_google_protobuf_descriptor);
const loadedModules = new Set<string>();
let allLoaded = false;

function addFile(file: DescFile): void {
  for (const type of nestedTypes(file)) loaded.add(type);
}

/** Loads the generated module that defines `typeName`, if any and not loaded yet. */
function loadTypeModule(typeName: string): void {
  const module = moduleOfType.get(typeName);
  if (module === undefined || loadedModules.has(module)) return;
  loadedModules.add(module);
  const exports = requireModule(`./gen/${module.slice(2)}`) as Record<string, unknown>;
  for (const value of Object.values(exports)) {
    if ((value as { kind?: unknown } | null)?.kind === 'file') addFile(value as DescFile);
  }
}

/** Loads every generated file: for the lookups that are not by a message or enum name. */
function loadAll(): void {
  if (allLoaded) return;
  allLoaded = true;
  const { ALL_FILES } = requireModule('./gen/all-files.js') as { ALL_FILES: DescFile[] };
  for (const file of ALL_FILES) addFile(file);
}

function lookup<T>(typeName: string, get: (name: string) => T | undefined): T | undefined {
  const found = get(typeName);
  if (found !== undefined || allLoaded) return found;
  loadTypeModule(typeName);
  return get(typeName);
}

/** The registry of every message Strait knows, including the well-known types. */
export const registry: Registry = {
  kind: 'registry',
  [Symbol.iterator]() {
    loadAll();
    return loaded[Symbol.iterator]();
  },
  get(typeName: string) {
    const found = lookup(typeName, (n) => loaded.get(n));
    if (found !== undefined || moduleOfType.has(typeName)) return found;
    loadAll(); // an extension or a service
    return loaded.get(typeName);
  },
  getMessage: (typeName) => lookup(typeName, (n) => loaded.getMessage(n)),
  getEnum: (typeName) => lookup(typeName, (n) => loaded.getEnum(n)),
  getExtension(typeName: string): DescExtension | undefined {
    loadAll();
    return loaded.getExtension(typeName);
  },
  getExtensionFor(extendee: DescMessage, no: number): DescExtension | undefined {
    // Asked by toJson for every unknown field: all generated extensions extend descriptor
    // options (google.protobuf.*Options), so other messages need no loading.
    if (!extendee.typeName.startsWith('google.protobuf.')) return loaded.getExtensionFor(extendee, no);
    loadAll();
    return loaded.getExtensionFor(extendee, no);
  },
  getService(typeName: string) {
    loadAll();
    return loaded.getService(typeName);
  },
};
