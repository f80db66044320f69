// Tests of the lazy type registry: every generated type resolves by name, from the module the
// generated index names, and Any/JSON round trips work without loading everything first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '@bufbuild/protobuf';
import { nestedTypes } from '@bufbuild/protobuf/reflect';
import { ALL_FILES } from './gen/all-files.js';
import { TYPE_INDEX } from './gen/type-index.js';
import { registry } from './registry.js';

const everything = createRegistry(...ALL_FILES);

test('the index names every generated message and enum with the module that defines it', () => {
  const moduleOf = new Map<string, string>();
  for (const [module, types] of TYPE_INDEX) for (const t of types) moduleOf.set(t, module);
  let count = 0;
  for (const file of ALL_FILES) {
    for (const type of nestedTypes(file)) {
      if (type.kind !== 'message' && type.kind !== 'enum') continue;
      count++;
      assert.equal(moduleOf.get(type.typeName), `./${file.proto.name.replace(/\.proto$/, '_pb.js')}`, type.typeName);
    }
  }
  assert.equal(moduleOf.size, count);
});

test('every type of every generated file resolves by name, as the same descriptor', () => {
  for (const type of everything) {
    assert.equal(registry.get(type.typeName), type, type.typeName);
    if (type.kind === 'message') assert.equal(registry.getMessage(type.typeName), type);
    if (type.kind === 'enum') assert.equal(registry.getEnum(type.typeName), type);
    if (type.kind === 'extension') {
      assert.equal(registry.getExtension(type.typeName), type);
      assert.equal(registry.getExtensionFor(type.extendee, type.number), type);
    }
  }
  assert.equal(registry.getMessage('envoy.no.such.Type'), undefined);
});

// In a fresh process, so nothing is loaded yet: an Any and a TypedStruct in a bootstrap's JSON.
const FRESH = `
import { fromJson, toJson } from '@bufbuild/protobuf';
import { registry } from './registry.js';
const Bootstrap = registry.getMessage('envoy.config.bootstrap.v3.Bootstrap');
const json = { static_resources: { listeners: [{ name: 'l', filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
  '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  stat_prefix: 'p', http_filters: [
    { name: 'ts', typed_config: { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', type_url: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors', value: {} } },
    { name: 'rbac', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC', rules: { action: 'DENY' } } }] } }] }] }] } };
const msg = fromJson(Bootstrap, json, { registry });
process.stdout.write(JSON.stringify(toJson(Bootstrap, msg, { registry })));
`;

test('a fresh process resolves nested Anys in JSON and writes them back', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', FRESH], {
    cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = JSON.parse(r.stdout) as { staticResources: { listeners: { filterChains: { filters: { typedConfig: Record<string, unknown> }[] }[] }[] } };
  const hcm = out.staticResources.listeners[0]!.filterChains[0]!.filters[0]!.typedConfig as
    { '@type': string; httpFilters: { typedConfig: Record<string, unknown> }[] };
  assert.equal(hcm['@type'], 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
  assert.equal(hcm.httpFilters[0]!.typedConfig['typeUrl'], 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors');
  assert.deepEqual(hcm.httpFilters[1]!.typedConfig, { '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC', rules: { action: 'DENY' } });
});

test('generated files keep their real dependencies, in import order (file-desc.ts)', () => {
  for (const file of ALL_FILES) {
    assert.deepEqual(file.dependencies.map((d) => d.proto.name), file.proto.dependency, file.proto.name);
  }
});
