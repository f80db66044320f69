// Tests of validateObject: the book's configs validate clean, and bad inputs report the exact
// field path and source line in the formatted message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigText } from '../yaml-loader.js';
import { validateObject, isKnownKind } from './validate-object.js';
import { BOOK_DIR } from '../../../../samples/book-corpus.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const book = BOOK_DIR;

function errorsOf(text: string, file = 'bad.yaml'): string[] {
  const { objects, errors } = loadConfigText(text, file);
  assert.deepEqual(errors, []);
  return objects.flatMap((o) => validateObject(o).errors.map((e) => e.formatted));
}

test('every book config, sample and example validates with zero errors; non-Istio kinds are only unknown', () => {
  const problems: string[] = [];
  const unknown: string[] = [];
  const dirs = [...readdirSync(book).map((d) => join(book, d)), join(repo, 'samples'), join(repo, 'examples')];
  let checked = 0;
  for (const dir of dirs) {
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir, { recursive: true }).map(String)) {
      if (!/\.(ya?ml|json)$/.test(f)) continue;
      const r = loadConfigText(readFileSync(join(dir, f), 'utf8'), join(dir, f));
      checked += r.objects.length;
      problems.push(...r.errors.map((e) => e.message));
      for (const o of r.objects) {
        if (!isKnownKind(o)) unknown.push(o.kind);
        else problems.push(...validateObject(o).errors.map((e) => e.formatted));
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked > 700, `${checked} objects checked`);
  assert.ok(unknown.includes('IstioOperator'));
});

test('a negative weight names the path and the line of the weight field', () => {
  const yaml = [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata:',
    '  name: catalog',
    '  namespace: istioinaction',
    'spec:',
    '  hosts: [catalog]',
    '  http:',
    '  - route:',
    '    - destination:',
    '        host: catalog',
    '      weight: -1',
  ].join('\n');
  assert.deepEqual(errorsOf(yaml, 'ch2/bad.yaml'), [
    'ch2/bad.yaml:12: VirtualService istioinaction/catalog: spec.http[0].route[0].weight: weight -1 < 0',
  ]);
});

test('lines are counted per document in a multi-document file', () => {
  const yaml = [
    'apiVersion: v1', 'kind: Namespace', 'metadata: {name: ok}', '---',
    'apiVersion: networking.istio.io/v1beta1', 'kind: Gateway', 'metadata: {name: gw}', 'spec:', '  servers: []',
  ].join('\n');
  assert.deepEqual(errorsOf(yaml), ['bad.yaml:9: Gateway gw: spec.servers: gateway must have at least one server']);
});

test('destination rule, gateway TLS and duration errors carry their paths', () => {
  const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: dr}
spec:
  host: catalog
  trafficPolicy:
    loadBalancer:
      consistentHash: {httpHeaderName: x, useSourceIp: true}
  subsets:
  - labels: {version: v1}
`;
  // A missing required field refuses the object before Istio's checks run (as the apiserver's schema does).
  assert.deepEqual(errorsOf(dr), ['bad.yaml:10: DestinationRule dr: spec.subsets[0].name: Required value']);
  assert.deepEqual(errorsOf(dr.replace('- labels', '- name: v1\n    labels')), [
    'bad.yaml:8: DestinationRule dr: spec.trafficPolicy.loadBalancer.consistentHash: consistent hash must have exactly one hash key',
  ]);
  const gw = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  servers:
  - port: {number: 70000, name: https, protocol: HTTPS}
    hosts: ["a/b/c"]
    tls: {mode: SIMPLE, credentialName: cert}
`;
  assert.deepEqual(errorsOf(gw), [
    'bad.yaml:6: Gateway gw: spec.servers[0].port.number: port number 70000 must be in the range 1..65535',
    'bad.yaml:7: Gateway gw: spec.servers[0].hosts[0]: host must be of form namespace/dnsName: a/b/c',
  ]);
  const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: Bad_Name}
spec:
  hosts: [catalog]
  http:
  - route: [{destination: {host: catalog}}]
    timeout: 5 seconds
`;
  assert.deepEqual(errorsOf(vs), [
    'bad.yaml:3: VirtualService Bad_Name: metadata.name: invalid name "Bad_Name": must be a valid DNS-1123 label',
    'bad.yaml:8: VirtualService Bad_Name: spec.http[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms',
  ]);
});

test('regexes RE2 refuses (lookahead, backreferences) are errors at their field, in Istio\'s words', () => {
  const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: re, namespace: istioinaction}
spec:
  hosts: [catalog]
  http:
  - match:
    - uri:
        regex: '/items/(?=x)'
      headers:
        x-token:
          regex: '(a)\\1'
      withoutHeaders:
        x-debug:
          regex: '*'
    - queryParams:
        v:
          regex: '^[0-9]+$'
      authority:
        regex: ''
    corsPolicy:
      allowOrigins:
      - regex: '(?<=https://).*'
    rewrite:
      uriRegexRewrite:
        match: '^/old/(.*)\\2$'
        rewrite: '/new/\\1'
    route: [{destination: {host: catalog}}]
`;
  const why = '; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)';
  const at = 'VirtualService istioinaction/re: spec.http[0]';
  assert.deepEqual(errorsOf(vs), [
    `bad.yaml:9: ${at}.match[0].uri.regex: "uri": error parsing regexp: invalid or unsupported Perl syntax: \`(?=\`${why}`,
    `bad.yaml:12: ${at}.match[0].headers.x-token.regex: "headers": error parsing regexp: invalid escape sequence: \`\\1\`${why}`,
    `bad.yaml:20: ${at}.match[1].authority.regex: "authority": regex string match should not be empty`,
    `bad.yaml:23: ${at}.corsPolicy.allowOrigins[0].regex: "corsPolicy.allowOrigins": error parsing regexp: invalid named capture: \`(?<=https://).*\`${why}`,
    `bad.yaml:26: ${at}.rewrite.uriRegexRewrite.match: "HTTPRewrite.UriRegexRewrite.Match": error parsing regexp: invalid escape sequence: \`\\2\`${why}`,
  ]);
  const long = vs.replace("regex: '/items/(?=x)'", `regex: '/${'a'.repeat(1024)}'`);
  assert.match(errorsOf(long)[0] ?? '', /uri\.regex: "uri": regex is too large, max length allowed is 1024$/);
});

test('a YAML syntax error reports file:line:col; List items are expanded; empty documents skipped', () => {
  const bad = loadConfigText('a: b\n  c: [\n', 'x.yaml');
  assert.ok(bad.errors.length > 0);
  assert.match(`${bad.errors[0]?.file}:${bad.errors[0]?.line}`, /^x\.yaml:\d+$/);
  const list = loadConfigText('---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: b}\n', 'l.yaml');
  assert.deepEqual(list.objects.map((o) => [o.metadata.name, o.source?.line]), [['a', 6], ['b', 7]]);
});

test('an unknown kind is an error of validateObject and not a known kind', () => {
  const { objects } = loadConfigText('apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: c}\n', 'c.yaml');
  const o = objects[0];
  assert.ok(o);
  assert.equal(isKnownKind(o), false);
  assert.match(validateObject(o).errors[0]?.message ?? '', /unknown kind Canary/);
});

test('ProxyConfig: Istio\'s schema and rules, and a warning that it has no effect in Strait', () => {
  const doc = (spec: string): string => `apiVersion: networking.istio.io/v1beta1\nkind: ProxyConfig\nmetadata:\n  name: pc\n  namespace: apps\nspec:\n${spec}`;
  const { objects } = loadConfigText(doc('  concurrency: 2\n  environmentVariables: {A: b}\n  image: {imageType: distroless}\n'), 'pc.yaml');
  const ok = validateObject(objects[0]!);
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.warnings.map((w) => w.formatted), ['pc.yaml:2: ProxyConfig apps/pc: kind: ProxyConfig has no effect in Strait: it is validated and kept, but nothing applies it']);
  assert.equal(errorsOf(doc('  concurrency: -1\n')).length, 1);
  assert.match(errorsOf(doc('  concurrency: -1\n'))[0]!, /spec\.concurrency/);
  assert.match(errorsOf(doc('  selector:\n    matchLabels: {"": x}\n'))[0]!, /empty key is not supported in selector/);
  assert.match(errorsOf(doc('  concurency: 2\n'))[0]!, /unknown field "spec\.concurency"/);
});

test('WasmPlugin: Istio\'s schema and rules, and a warning that it has no effect in Strait', () => {
  const doc = (spec: string): string => `apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: wp\nspec:\n${spec}`;
  const { objects } = loadConfigText(doc('  url: oci://example.com/filter:1\n  phase: AUTHN\n'), 'wp.yaml');
  const ok = validateObject(objects[0]!);
  assert.deepEqual(ok.errors, []);
  assert.match(ok.warnings[0]!.formatted, /WasmPlugin has no effect in Strait/);
  assert.match(errorsOf(doc('  url: ftp://example.com/f.wasm\n'))[0]!, /spec\.url: url must have schema one of/);
  assert.match(errorsOf(doc('  url: http://x\n  sha256: ABC\n'))[0]!, /spec\.sha256/);
  assert.match(errorsOf(doc('  url: http://x\n  vmConfig: {env: [{name: a, valueFrom: HOST, value: b}]}\n'))[0]!, /value may only be set when valueFrom is INLINE/);
  assert.match(errorsOf(doc('  phase: AUTHN\n'))[0]!, /spec\.url/);
});

test('EnvoyFilter: Istio\'s webhook rules, the patch value read as Envoy config, and a no-effect warning', () => {
  const doc = (patch: string): string => 'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: ef\n'
    + `  namespace: istioinaction\nspec:\n  configPatches:\n  - ${patch}\n`;
  const { objects } = loadConfigText(doc('applyTo: CLUSTER\n    patch: {operation: ADD, value: {name: extra, connect_timeout: 500ms}}'), 'ef.yaml');
  const ok = validateObject(objects[0]!);
  assert.deepEqual(ok.errors, []);
  assert.ok(ok.warnings.some((w) => /EnvoyFilter has no effect in Strait/.test(w.formatted)));
  assert.deepEqual(errorsOf(doc('applyTo: HTTP_FILTER\n    match: {cluster: {name: x}}\n    patch: {operation: REMOVE}'), 'ef.yaml'),
    ['ef.yaml:9: EnvoyFilter istioinaction/ef: spec.configPatches[0].match: Envoy filter: applyTo for listener class objects cannot have non listener match']);
  assert.match(errorsOf(doc('applyTo: CLUSTER\n    patch: {operation: ADD, value: {name: x, connect_timeout: forever}}'))[0]!,
    /spec\.configPatches\[0\]\.patch\.value: Envoy filter: .*Duration/);
  assert.match(errorsOf(doc('applyTo: LISTENER\n    patch: {operation: MERGE}'))[0]!, /missing patch value for non-remove operation/);
  // A type Strait has no descriptor for is left to the proxy that knows it; a v2 type is refused, as by Istio.
  assert.deepEqual(errorsOf(doc('applyTo: HTTP_FILTER\n    patch: {operation: INSERT_FIRST, value: {name: lua, typed_config: '
    + '{"@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua, inline_code: x}}}')), []);
  assert.match(errorsOf(doc('applyTo: HTTP_FILTER\n    patch: {operation: INSERT_FIRST, value: {name: lua, typed_config: '
    + '{"@type": type.googleapis.com/envoy.config.filter.http.lua.v2.Lua}}}'))[0]!, /referenced type unknown \(hint: try using the v3 XDS API\)/);
});

test('VirtualService rules no request reaches are warned, as Istio\'s webhook does', () => {
  const { objects } = loadConfigText('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\nspec:\n'
    + '  hosts: [catalog]\n  http:\n  - match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: catalog}}]\n'
    + '  - match: [{uri: {prefix: /api/items}}]\n    route: [{destination: {host: catalog}}]\n'
    + '  - route: [{destination: {host: catalog}}]\n  - route: [{destination: {host: catalog}}]\n', 'vs.yaml');
  const r = validateObject(objects[0]!);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings.map((w) => w.message), [
    'virtualService rule #3 not used (only the last rule can have no matches)',
    'virtualService rule #1 match #0 of prefix /api/items is not used (duplicate/overlapping match in rule #0 of prefix /api on #0)',
  ]);
});
