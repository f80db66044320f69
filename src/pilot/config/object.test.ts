// splitApiVersion against the apiVersion forms Istio and Kubernetes resources use.
// Core-group kinds (Service, Pod) carry a bare version; everything else is group/version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitApiVersion } from './object.js';

test('splitApiVersion: group/version and the core group', () => {
  assert.deepEqual(splitApiVersion('networking.istio.io/v1beta1'), { group: 'networking.istio.io', version: 'v1beta1' });
  assert.deepEqual(splitApiVersion('apps/v1'), { group: 'apps', version: 'v1' });
  assert.deepEqual(splitApiVersion('v1'), { group: '', version: 'v1' });
});
