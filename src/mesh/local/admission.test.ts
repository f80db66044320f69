// Tests of the local mesh's admission: valid objects accepted with their namespace, each refusal
// as file:line: Kind ns/name: path: reason plus kubectl's words for the step that refused it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admit, readManifests } from './admission.js';
import { catalogVirtualService as vs } from '../../../test/lib/catalog-virtual-service.js';

test('one valid and one invalid VirtualService: the valid one is accepted, the other refused with its line and path', () => {
  const text = `${vs('good', '      weight: 100\n')}---\n${vs('bad', '      wieght: 100\n')}`;
  const a = admit(text, 'two.yaml', 'istioinaction', new Set());
  assert.deepEqual(a.accepted.map((m) => `${m.metadata.namespace}/${m.metadata.name}`), ['istioinaction/good']);
  assert.deepEqual(a.refused, [
    'two.yaml:21: VirtualService istioinaction/bad: spec.http[0].route[0].wieght: unknown field "spec.http[0].route[0].wieght"\n' +
    'Error from server (BadRequest): error when creating "two.yaml": VirtualService in version "v1" cannot be handled as a VirtualService: ' +
    'strict decoding error: unknown field "spec.http[0].route[0].wieght"',
  ]);
  assert.deepEqual(a.warnings, []);
});

test('schema and webhook refusals are told in kubectl\'s words for each; patching an existing object says so', () => {
  const schema = admit(vs('c', '    timeout: 3x\n    retries: {attempts: many}\n'), 'c.yaml', 'default', new Set());
  assert.equal(schema.refused[0],
    'c.yaml:10: VirtualService default/c: spec.http[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms\n' +
    'c.yaml:11: VirtualService default/c: spec.http[0].retries.attempts: Invalid value: "string": spec.http[0].retries.attempts in body must be of type integer: "string"\n' +
    'The VirtualService "c" is invalid: \n' +
    '* spec.http[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms\n' +
    '* spec.http[0].retries.attempts: Invalid value: "string": spec.http[0].retries.attempts in body must be of type integer: "string"');
  const webhook = admit(vs('c', '      weight: -1\n'), 'c.yaml', 'default', new Set(['VirtualService/default/c']));
  assert.equal(webhook.refused[0],
    'c.yaml:10: VirtualService default/c: spec.http[0].route[0].weight: weight -1 < 0\n' +
    'Error from server: error when patching "c.yaml": admission webhook "validation.istio.io" denied the request: configuration is invalid: weight -1 < 0');
  assert.deepEqual(webhook.accepted, []);
});

test('a YAML syntax error names file:line and keeps the other documents; kinds Strait does not read are kept with a warning', () => {
  const text = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: [}\n' +
    '---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: ro}\nspec: {replicas: 1}\n';
  const a = admit(text, 'mixed.yaml', 'default', new Set());
  assert.deepEqual(a.accepted.map((m) => `${m.kind}/${m.metadata.name}`), ['Namespace/ok', 'Rollout/ro']);
  assert.equal(a.refused.length, 1);
  assert.match(a.refused[0]!, /^mixed\.yaml:7:\d+: .+\nerror: error parsing mixed\.yaml: error converting YAML to JSON: yaml: line 7: .+$/);
  assert.deepEqual(a.warnings, [
    'Warning: mixed.yaml:10: Rollout default/ro: kind: Rollout (argoproj.io/v1alpha1) is not a kind Strait reads; kept, not validated',
  ]);
});

test('a document without kind or metadata.name cannot be read as an object', () => {
  assert.deepEqual(readManifests('kind: Service\nmetadata: {}\n', 'bad.yaml', 'default').errors,
    ['bad.yaml:2: Service: metadata.name: Required value']);
  assert.deepEqual(readManifests('metadata: {name: x}\n', 'bad.yaml', 'default').errors, ['bad.yaml:1: x: kind: Required value']);
});
