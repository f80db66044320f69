// fileDesc for the generated protos (scripts/gen-protos.mjs points them here): the library's,
// without re-adding every transitive dependency's types to each file's registry.
import { createFileRegistry, fromBinary, type DescFile } from '@bufbuild/protobuf';
import { protoCamelCase } from '@bufbuild/protobuf/reflect';
import { base64Decode } from '@bufbuild/protobuf/wire';
import { FileDescriptorProtoSchema, type DescriptorProto } from '@bufbuild/protobuf/wkt';

// The library's fileDesc builds each file's registry with all its dependencies' types,
// transitively: quadratic in the depth of Envoy's import graph (a quarter of the proxy's
// start-up CPU and 8 MB: docs/performance.md). A file's fields and extensions can only name
// types of its direct imports and of what those re-export (`import public`), so those suffice.

/** Fills in json_name as protoc does (the embedded descriptors leave it out). */
function restoreJsonNames(message: DescriptorProto): void {
  for (const f of message.field) {
    if (!Object.prototype.hasOwnProperty.call(f, 'jsonName') || f.jsonName === undefined) f.jsonName = protoCamelCase(f.name);
  }
  message.nestedType.forEach(restoreJsonNames);
}

/** `dep` with only its public imports as dependencies: what a file importing it can see. */
function visibleOf(dep: DescFile): DescFile {
  return { ...dep, dependencies: dep.proto.publicDependency.map((i) => visibleOf(dep.dependencies[i]!)) };
}

/** Hydrates a generated file's embedded descriptor (same contract as codegenv2's fileDesc). */
export function fileDesc(b64: string, imports: DescFile[] = []): DescFile {
  const root = fromBinary(FileDescriptorProtoSchema, base64Decode(b64));
  root.messageType.forEach(restoreJsonNames);
  root.dependency = imports.map((f) => f.proto.name);
  const reg = createFileRegistry(root, (name) => {
    const dep = imports.find((f) => f.proto.name === name);
    return dep && visibleOf(dep);
  });
  const file = reg.getFile(root.name)!;
  // The registry recorded the trimmed views; the file's dependencies are the real ones.
  (file as { dependencies: DescFile[] }).dependencies = imports;
  return file;
}
