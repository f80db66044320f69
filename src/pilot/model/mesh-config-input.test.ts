// meshConfig as user input: the istio ConfigMap's `mesh` text and IstioOperator-style objects become MeshConfig
// overrides (types as protobuf JSON takes them), applied over the defaults as istiod does; what Strait does not
// implement is refused with its path and the list of what is supported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { applyMeshConfig, meshConfigFromYaml, meshConfigOverrides } from './mesh-config-input.js';
import { isMeshConfigMap, meshConfigOfMapData } from './mesh-config-map.js';
import { defaultMeshConfig } from './mesh-config.js';
import { validateObject } from '../config/validation/validate-object.js';
import type { ConfigObject } from '../config/object.js';
import { BOOK_DIR } from '../../../samples/book-corpus.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'test', 'fixtures', 'ext-authz', 'mesh-configmap.yaml');

test("the chapter 9 ConfigMap: the provider (port as text, as the book writes it) merges with the default providers", () => {
  const cm = parse(readFileSync(FIXTURE, 'utf8')) as { kind: string; metadata: { name: string; namespace: string }; data: unknown };
  assert.equal(isMeshConfigMap(cm), true);
  const { overrides, errors } = meshConfigOfMapData(cm.data);
  assert.deepEqual(errors, []);
  const mesh = applyMeshConfig(defaultMeshConfig(), overrides);
  assert.equal(mesh.accessLogFile, '/dev/stdout');
  assert.deepEqual(mesh.extensionProviders.map((p) => p.name), ['prometheus', 'envoy', 'sample-ext-authz-http']);
  assert.deepEqual(mesh.extensionProviders[2], { name: 'sample-ext-authz-http', envoyExtAuthzHttp: {
    service: 'ext-authz.istioinaction.svc.cluster.local', port: 8000, includeRequestHeadersInCheck: ['x-ext-authz'] } });
  assert.equal(isMeshConfigMap({ ...cm, metadata: { name: 'istio', namespace: 'default' } }), false);
});

test("the book's chapter 7 ConfigMap (an installed mesh config, REGISTRY_ONLY) is taken as it is", () => {
  const cm = parse(readFileSync(join(BOOK_DIR, 'ch7', 'istio-cm.yaml'), 'utf8')) as { data: unknown };
  const { overrides, errors } = meshConfigOfMapData(cm.data);
  assert.deepEqual(errors, []);
  assert.deepEqual(overrides, { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, accessLogFile: '/dev/stdout', rootNamespace: 'istio-system',
    trustDomain: 'cluster.local' });
  const other = meshConfigOfMapData({ mesh: 'defaultConfig: {tracing: {zipkin: {address: "collector.example:9411"}}}' });
  assert.deepEqual(other.errors, [{ path: 'data.mesh.defaultConfig.tracing.zipkin.address',
    message: 'unsupported value "collector.example:9411" (Strait accepts zipkin.istio-system:9411, where strait up --addons runs its collector)' }]);
});

test('the supported fields map onto MeshConfig', () => {
  const { overrides, errors } = meshConfigOverrides({
    outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, accessLogEncoding: 'JSON', enableTracing: false, connectTimeout: '2.5s',
    defaultConfig: { tracing: { sampling: 25 } }, defaultProviders: { accessLogging: ['envoy'] }, trustDomain: 'example.org',
  });
  assert.deepEqual(errors, []);
  const mesh = applyMeshConfig(defaultMeshConfig(), overrides);
  assert.deepEqual(mesh.outboundTrafficPolicy, { mode: 'REGISTRY_ONLY' });
  assert.equal(mesh.accessLogEncoding, 'JSON');
  assert.equal(mesh.enableTracing, false);
  assert.equal(mesh.connectTimeoutMs, 2500);
  assert.equal(mesh.tracingSampling, 25);
  assert.equal(mesh.trustDomain, 'example.org');
  assert.deepEqual(mesh.defaultProviders, { metrics: ['prometheus'], tracing: [], accessLogging: ['envoy'] });
});

test('unsupported fields and bad values are refused with their path and what is supported; nothing is applied', () => {
  const { overrides, errors } = meshConfigFromYaml([
    'enableEnvoyAccessLogService: true',
    'enablePrometheusMerge: false',
    'outboundTrafficPolicy: {mode: BLOCK}',
    'defaultConfig: {tracing: {sampling: 200}, holdApplicationUntilProxyStarts: true}',
    'extensionProviders:',
    '- name: sky',
    '  skywalking: {service: s, port: 1}',
    '- name: authz',
    '  envoyExtAuthzHttp: {service: ext-authz.foo.svc.cluster.local, port: "80x", timeout: 1m, unknownKnob: 1}',
    '- envoyExtAuthzGrpc: {service: a}',
  ].join('\n'));
  assert.deepEqual(overrides, {});
  const by = new Map(errors.map((e) => [e.path, e.message]));
  assert.match(by.get('enableEnvoyAccessLogService')!, /^unsupported meshConfig field \(Strait supports outboundTrafficPolicy\.mode, connectTimeout, .*defaultConfig\.tracing\.sampling.*extensionProviders\[\] \(envoyExtAuthzHttp, envoyExtAuthzGrpc, zipkin/);
  assert.equal(by.get('enablePrometheusMerge'), 'unsupported value false (Strait accepts true, Istio\'s default)');
  assert.equal(by.get('outboundTrafficPolicy.mode'), 'unsupported value "BLOCK" (supported: ALLOW_ANY, REGISTRY_ONLY)');
  assert.equal(by.get('defaultConfig.tracing.sampling'), 'cannot use 200 as a percentage from 0 to 100');
  assert.match(by.get('defaultConfig.holdApplicationUntilProxyStarts')!, /^unsupported meshConfig field/);
  assert.match(by.get('extensionProviders[0].skywalking')!, /^unsupported meshConfig field/);
  assert.equal(by.get('extensionProviders[1].envoyExtAuthzHttp.port'), 'cannot use "80x" as an unsigned integer');
  assert.equal(by.get('extensionProviders[1].envoyExtAuthzHttp.timeout'), 'cannot use "1m" as a duration ("10s", "0.5s")');
  assert.match(by.get('extensionProviders[1].envoyExtAuthzHttp.unknownKnob')!, /^unsupported meshConfig field/);
  assert.equal(by.get('extensionProviders[2].name'), 'a provider needs a name');
  assert.equal(by.get('extensionProviders[2].envoyExtAuthzGrpc.port'), 'required field is missing');
  assert.match(meshConfigFromYaml('a: [').errors[0]!.message, /^invalid YAML/);
});

test('applying a refused istio ConfigMap fails validation naming data.mesh and the field', () => {
  const cm: ConfigObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' },
    spec: { data: { mesh: 'outboundTrafficPolicy: {mode: NOPE}' } } };
  const r = validateObject(cm);
  assert.deepEqual(r.errors.map((e) => `${e.path}: ${e.message}`), ['data.mesh.outboundTrafficPolicy.mode: unsupported value "NOPE" (supported: ALLOW_ANY, REGISTRY_ONLY)']);
  assert.deepEqual(validateObject({ ...cm, metadata: { name: 'other', namespace: 'istio-system' } }).errors, []);
});
