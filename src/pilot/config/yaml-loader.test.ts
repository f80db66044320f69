// Tests of the config loader's YAML reading where it follows kubectl's reader rather than YAML 1.2:
// a `:` directly before `,` or `]` in a flow sequence stays part of the item (IPv6 addresses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from './yaml-loader.js';

const entry = (addresses: string): unknown => loadConfigText(
  `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se}\nspec:\n  hosts: [x.example]\n  addresses: ${addresses}\n`,
  'se.yaml').objects[0]?.spec;

test('an IPv6 address ending in `::` inside a flow sequence is one string, as kubectl reads it', () => {
  assert.deepEqual((entry('[1.2.3.4, 2001:db8::]') as { addresses: unknown }).addresses, ['1.2.3.4', '2001:db8::']);
  assert.deepEqual((entry('[2001:db8::, "::1"]') as { addresses: unknown }).addresses, ['2001:db8::', '::1']);
});

test('a key followed by a blank or a value is still a map item, as in every YAML reader', () => {
  assert.deepEqual((entry('[a: b]') as { addresses: unknown }).addresses, [{ a: 'b' }]);
  // (its null value pruned, as the apiserver prunes nulls)
  assert.deepEqual((entry('[a: ]') as { addresses: unknown }).addresses, [{}]);
});
