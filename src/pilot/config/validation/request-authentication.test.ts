// RequestAuthentication validation as Istio's webhook: an inline jwks must parse as a JWK set (or
// one JWK), else the object is refused with the rule's path, so pilot never sends keys no proxy loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { loadConfigText } from '../yaml-loader.js';
import { validateObject } from './validate-object.js';

function errors(spec: unknown): string[] {
  const text = stringify({ apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'r', namespace: 'ns' }, spec });
  const { objects } = loadConfigText(text, 'r.yaml');
  return validateObject(objects[0]).errors.map((e) => `${e.path}: ${e.message}`);
}

test('jwks: a key set or one key passes; anything else is a jwks parse error', () => {
  const key = { kty: 'RSA', e: 'AQAB', n: 'xyz' };
  assert.deepEqual(errors({ jwtRules: [{ issuer: 'i', jwks: JSON.stringify({ keys: [key] }) }] }), []);
  assert.deepEqual(errors({ jwtRules: [{ issuer: 'i', jwks: JSON.stringify(key) }] }), []);
  assert.deepEqual(errors({ jwtRules: [{ issuer: 'i' }, { issuer: 'j', jwks: '{"keys": []}' }] }),
    ['spec.jwtRules[1].jwks: jwks parse error: Jwks does not have any keys']);
  assert.equal(errors({ jwtRules: [{ issuer: 'i', jwks: 'not json' }] }).length, 1);
  assert.match(errors({ jwtRules: [{ issuer: 'i', jwks: 'not json' }] })[0]!, /^spec\.jwtRules\[0\]\.jwks: jwks parse error: /);
});
