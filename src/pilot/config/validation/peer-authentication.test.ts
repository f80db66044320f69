// PeerAuthentication through validateObject, as Istio's webhook judges it: the book's chapter 9
// policies pass; port level without a selector, an empty or out-of-range port map, bad modes and
// selector labels are refused with their field path and line; a selector without labels warns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../yaml-loader.js';
import { validateObject } from './validate-object.js';

function check(spec: string): { errors: string[]; warnings: string[] } {
  const { objects, errors } = loadConfigText(`apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: { name: p, namespace: istioinaction }
spec:
${spec}`, 'pa.yaml');
  assert.deepEqual(errors, []);
  const r = validateObject(objects[0]);
  return { errors: r.errors.map((e) => e.formatted), warnings: r.warnings.map((e) => e.formatted) };
}

test('the book\'s policies validate: mesh STRICT, workload PERMISSIVE, port-level DISABLE with a selector', () => {
  assert.deepEqual(check('  mtls: { mode: STRICT }'), { errors: [], warnings: [] });
  assert.deepEqual(check('  selector: { matchLabels: { app: webapp } }\n  mtls: { mode: PERMISSIVE }'), { errors: [], warnings: [] });
  assert.deepEqual(check('  selector: { matchLabels: { app: webapp } }\n  portLevelMtls:\n    8080: { mode: DISABLE }\n    9090: {}'), { errors: [], warnings: [] });
});

test('port-level mTLS needs a workload selector, at least one port, and ports in 1..65535', () => {
  assert.deepEqual(check('  portLevelMtls:\n    8080: { mode: DISABLE }').errors,
    ['pa.yaml:5: PeerAuthentication istioinaction/p: spec.portLevelMtls: mesh/namespace peer authentication cannot have port level mTLS']);
  assert.deepEqual(check('  selector: { matchLabels: { app: a } }\n  portLevelMtls: {}').errors,
    ['pa.yaml:6: PeerAuthentication istioinaction/p: spec.portLevelMtls: port level mTLS, if defined, must have at least one element']);
  assert.deepEqual(check('  selector: { matchLabels: { app: a } }\n  portLevelMtls:\n    0: { mode: STRICT }\n    70000: { mode: STRICT }').errors, [
    'pa.yaml:7: PeerAuthentication istioinaction/p: spec.portLevelMtls.0: port must be in range 1..65535',
    'pa.yaml:8: PeerAuthentication istioinaction/p: spec.portLevelMtls.70000: port must be in range 1..65535',
  ]);
});

test('unknown modes, empty or wildcard selector labels are errors; a selector without labels warns', () => {
  assert.deepEqual(check('  mtls: { mode: STRICTER }').errors, ['pa.yaml:5: PeerAuthentication istioinaction/p: spec.mtls.mode: Unsupported value: "STRICTER": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"']);
  assert.deepEqual(check('  selector: { matchLabels: { app: "web*" } }').errors,
    ['pa.yaml:5: PeerAuthentication istioinaction/p: spec.selector.matchLabels.app: wildcard is not supported in selector: "app=web*"']);
  assert.deepEqual(check('  selector: { matchLabels: { "": x } }').errors,
    ['pa.yaml:5: PeerAuthentication istioinaction/p: spec.selector.matchLabels: empty key is not supported in selector: "=x"']);
  assert.deepEqual(check('  selector: {}\n  mtls: { mode: STRICT }'),
    { errors: [], warnings: ['pa.yaml:5: PeerAuthentication istioinaction/p: spec.selector: workload selector specified without labels'] });
});
