// AuthorizationPolicy validation as Istio's webhook: the book's chapter 9 policies pass; each
// malformed source, operation, condition, selector and target is refused with its field path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadConfigText } from '../yaml-loader.js';
import { validateObject } from './validate-object.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', 'test', 'fixtures', 'book-ch9');

function findings(spec: unknown): { errors: string[]; warnings: string[] } {
  const text = stringify({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'p', namespace: 'ns' }, spec });
  const { objects } = loadConfigText(text, 'p.yaml');
  const r = validateObject(objects[0]);
  return { errors: r.errors.map((e) => `${e.path}: ${e.message}`), warnings: r.warnings.map((e) => `${e.path}: ${e.message}`) };
}

const errors = (spec: unknown): string[] => findings(spec).errors;

test('the chapter 9 policies validate without warnings (CUSTOM included)', () => {
  for (const f of readdirSync(FIXTURES).filter((x) => x.endsWith('.yaml'))) {
    const { objects, errors: parse } = loadConfigText(readFileSync(join(FIXTURES, f), 'utf8'), f);
    assert.deepEqual(parse, []);
    for (const o of objects) {
      const r = validateObject(o);
      assert.deepEqual(r.errors.map((e) => e.formatted), [], f);
      assert.deepEqual(r.warnings.map((e) => e.message), [], f);
    }
  }
});

test('sources: serviceAccounts, IP blocks, empty values, empty sources, unknown fields', () => {
  assert.deepEqual(errors({ rules: [{ from: [{ source: { serviceAccounts: ['sa'], namespaces: ['ns'] } }] }] }),
    ['spec.rules[0].from[0].source: cannot set serviceAccounts with namespaces or principals, found at rule 0']);
  assert.deepEqual(errors({ rules: [{ from: [{ source: { serviceAccounts: ['ns/*'] } }] }] }),
    ['spec.rules[0].from[0].source.serviceAccounts: wildcard not allowed, found in ServiceAccounts']);
  assert.deepEqual(errors({ rules: [{ from: [{ source: { notServiceAccounts: ['a/b/c'] } }] }] }),
    ["spec.rules[0].from[0].source.notServiceAccounts: expected format 'serviceAccount' or 'namespace/serviceAccount', found \"a/b/c\" in NotServiceAccounts"]);
  assert.deepEqual(errors({ rules: [{ from: [{ source: { serviceAccounts: Array.from({ length: 17 }, (_, i) => `sa${i}`) } }] }] }),
    ['spec.rules[0].from[0].source.serviceAccounts: may not have more than 16 values']);
  assert.deepEqual(errors({ rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/33', '1.2.3'], remoteIpBlocks: ['::1/128'] } }] }] }),
    ['spec.rules[0].from[0].source.ipBlocks: bad CIDR range (10.0.0.0/33)', 'spec.rules[0].from[0].source.ipBlocks: bad IP address (1.2.3)']);
  assert.deepEqual(errors({ rules: [{ from: [{ source: { principals: [''] } }] }] }),
    ['spec.rules[0].from[0].source.principals: empty value not allowed, found in Principals']);
  assert.deepEqual(errors({ rules: [{ from: [{ source: {} }] }] }), ['spec.rules[0].from[0].source: `from.source` must not be empty, found at rule 0']);
  assert.deepEqual(errors({ rules: [{ from: [{}] }] }), ['spec.rules[0].from[0].source: `from.source` must not be nil, found at rule 0']);
  assert.deepEqual(errors({ rules: [{ from: [{ source: { principal: ['x'] } }] }] }), [
    'spec.rules[0].from[0].source.principal: unknown field "spec.rules[0].from[0].source.principal"']);
});

test('operations: ports, empty operations, path templates', () => {
  assert.deepEqual(errors({ rules: [{ to: [{ operation: { ports: ['80', '70000', 'http'] } }] }] }),
    ['spec.rules[0].to[0].operation.ports: bad port (70000)', 'spec.rules[0].to[0].operation.ports: bad port (http)']);
  assert.deepEqual(errors({ rules: [{ to: [{ operation: {} }] }] }), ['spec.rules[0].to[0].operation: `to.operation` must not be empty, found at rule 0']);
  assert.deepEqual(errors({ rules: [{ to: [{ operation: { paths: ['/a/{**}/b/{*}'] } }] }] }),
    ['spec.rules[0].to[0].operation.paths: invalid or unsupported path a/{**}/b/{*}, found in Paths. {**} is not the last operator']);
  assert.deepEqual(errors({ rules: [{ to: [{ operation: { notPaths: ['/a/{id}'] } }] }] }),
    ["spec.rules[0].to[0].operation.notPaths: invalid or unsupported path a/{id}, found in NotPaths. Contains '{' or '}' beyond a supported path template"]);
  assert.deepEqual(errors({ rules: [{ to: [{ operation: { paths: ['/a/{*}/b c'] } }] }] }),
    ['spec.rules[0].to[0].operation.paths: invalid or unsupported path a/{*}/b c, found in Paths. Contains segment b c with invalid string literal']);
  assert.deepEqual(errors({ rules: [{ to: [{ operation: { paths: ['/api/{*}/items', '/static/{**}'] } }] }] }), []);
});

test('conditions: keys Istio knows, their value formats, values required', () => {
  assert.deepEqual(errors({ rules: [{ when: [{ key: 'request.auth.claims[group]', values: ['admin'] }, { key: 'source.ip', values: ['10.0.0.0/8'] },
    { key: 'destination.port', notValues: ['8080'] }, { key: 'experimental.envoy.filters.a.b[c]', values: ['x'] }] }] }), []);
  // As Istio, the key is checked with the values and again with the (empty) notValues.
  assert.deepEqual(errors({ rules: [{ when: [{ key: 'request.auth.claims', values: ['x'] }] }] }), [
    'spec.rules[0].when[0].values: invalid `value` for `key` request.auth.claims: bad key (request.auth.claims): should have format a[b]',
    'spec.rules[0].when[0].notValues: invalid `notValue` for `key` request.auth.claims: bad key (request.auth.claims): should have format a[b]']);
  assert.deepEqual(errors({ rules: [{ when: [{ key: 'source.ip', notValues: ['nope'] }] }] }),
    ['spec.rules[0].when[0].notValues: invalid `notValue` for `key` source.ip: bad IP address (nope)']);
  assert.deepEqual(errors({ rules: [{ when: [{ key: 'destination.labels[app]', values: ['x'] }] }] })[0],
    'spec.rules[0].when[0].values: invalid `value` for `key` destination.labels[app]: attribute destination.labels[app] is replaced by the workload selector');
  assert.deepEqual(errors({ rules: [{ when: [{ key: 'source.color', values: ['x'] }] }] })[0],
    'spec.rules[0].when[0].values: invalid `value` for `key` source.color: unknown attribute: source.color');
  assert.deepEqual(errors({ rules: [{ when: [{ key: 'source.ip' }] }] }),
    ['spec.rules[0].when[0]: at least one of `values` or `notValues` must be set for key source.ip']);
  assert.deepEqual(errors({ rules: [{ when: [{ values: ['x'] }] }] }), ['spec.rules[0].when[0].key: Required value']);
});

test('actions, providers, selectors and targets', () => {
  assert.deepEqual(errors({ action: 'DENY' }),
    ['spec.rules: DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request']);
  assert.deepEqual(errors({ action: 'CUSTOM' }),
    ['spec.rules: CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request']);
  assert.deepEqual(errors({ action: 'CUSTOM', rules: [{ from: [{ source: { principals: ['a'] } }] }] }), [
    'spec.provider.name: `provider.name` must not be empty', 'spec.rules[0].from[0].source.principals: From.Principals is currently not supported with CUSTOM action']);
  assert.deepEqual(errors({ action: 'ALLOW', provider: { name: 'x' } }), ['spec.provider: `provider` must not be with non CUSTOM action, found ALLOW']);
  assert.deepEqual(errors({ action: 'PERMIT' }), ['spec.action: Unsupported value: "PERMIT": supported values: "ALLOW", "DENY", "AUDIT", "CUSTOM"']);
  assert.deepEqual(errors({ selector: { matchLabels: { app: 'web*' } }, targetRefs: [{ kind: 'Service', name: 'web' }] }), [
    'spec: only one of targetRefs or workloadSelector can be set', 'spec.selector.matchLabels.app: wildcard is not supported in selector: "app=web*"']);
  assert.deepEqual(errors({ targetRef: { kind: 'Deployment', name: 'web', namespace: 'other' } }), [
    'spec.targetRef.namespace: targetRef namespace must not be set; cross namespace referencing is not supported',
    'spec.targetRef.kind: targetRef must be to one of Service, ServiceEntry, Gateway (gateway.networking.k8s.io), GatewayClass but was /Deployment']);
  assert.deepEqual(errors({ targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }] }), []);
  assert.deepEqual(findings({ selector: {} }).warnings, ['spec.selector: workload selector specified without labels']);
  assert.deepEqual(findings({ action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] }).warnings, [
    'spec.rules[0]: configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port']);
  assert.deepEqual(findings({ action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], ports: ['8080'] } }] }] }).warnings, []);
});
