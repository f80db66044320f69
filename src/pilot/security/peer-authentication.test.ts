// PeerAuthentication resolution as istiod's: workload > namespace > mesh, the oldest policy of a scope,
// UNSET inheriting, port-level overrides, root-namespace selector policies ignored, namespace modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigObject } from '../config/object.js';
import type { PeerAuthenticationSpec } from '../config/kinds/peer-authentication.js';
import { configOrder } from '../model/config-index.js';
import { mtlsModeForPort, PeerAuthenticationIndex } from './peer-authentication.js';

const ROOT = 'istio-system';
let clock = 0;

/** A policy created after the previous one (creationTimestamp decides "oldest wins"). */
function pa(namespace: string, name: string, spec: PeerAuthenticationSpec, at?: number): ConfigObject<PeerAuthenticationSpec> {
  const t = at ?? ++clock;
  return {
    apiVersion: 'security.istio.io/v1beta1', kind: 'PeerAuthentication',
    metadata: { name, namespace, creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, t)).toISOString() }, spec,
  };
}

const index = (...ps: ConfigObject<PeerAuthenticationSpec>[]) => new PeerAuthenticationIndex([...ps].sort(configOrder), ROOT);
const WEB = { app: 'web' };

test('no policy: PERMISSIVE, and the namespace mode auto mTLS reads is UNKNOWN', () => {
  const i = index();
  assert.deepEqual(i.forWorkload('shop', WEB), { mode: 'PERMISSIVE', perPort: new Map() });
  assert.equal(i.namespaceMode('shop'), 'UNKNOWN');
});

test('workload beats namespace beats mesh', () => {
  const mesh = pa(ROOT, 'default', { mtls: { mode: 'STRICT' } });
  const ns = pa('shop', 'default', { mtls: { mode: 'DISABLE' } });
  const wl = pa('shop', 'web', { selector: { matchLabels: WEB }, mtls: { mode: 'PERMISSIVE' } });
  assert.equal(index(mesh).forWorkload('shop', WEB).mode, 'STRICT');
  assert.equal(index(mesh, ns).forWorkload('shop', WEB).mode, 'DISABLE');
  assert.equal(index(mesh, ns, wl).forWorkload('shop', WEB).mode, 'PERMISSIVE');
  // The workload policy selects by labels: another workload keeps the namespace's mode.
  assert.equal(index(mesh, ns, wl).forWorkload('shop', { app: 'db' }).mode, 'DISABLE');
  // Another namespace sees the mesh policy only.
  assert.equal(index(mesh, ns, wl).forWorkload('other', WEB).mode, 'STRICT');
});

test('UNSET (or no mtls) inherits from the scope above', () => {
  const mesh = pa(ROOT, 'default', { mtls: { mode: 'STRICT' } });
  const ns = pa('shop', 'default', { mtls: { mode: 'UNSET' } });
  const wl = pa('shop', 'web', { selector: { matchLabels: WEB } });
  assert.equal(index(mesh, ns, wl).forWorkload('shop', WEB).mode, 'STRICT');
  assert.equal(index(mesh, ns).namespaceMode('shop'), 'STRICT');
  // A mesh policy with UNSET is PERMISSIVE for the namespace mode.
  assert.equal(index(pa(ROOT, 'default', {})).namespaceMode('shop'), 'PERMISSIVE');
});

test('within a scope the oldest policy wins; a younger namespace policy is ignored altogether', () => {
  const older = pa('shop', 'b-old', { mtls: { mode: 'STRICT' } }, 100);
  const younger = pa('shop', 'a-young', { mtls: { mode: 'DISABLE' } }, 200);
  assert.equal(index(younger, older).forWorkload('shop', WEB).mode, 'STRICT');
  assert.equal(index(younger, older).namespaceMode('shop'), 'STRICT');
  const w1 = pa('shop', 'w-old', { selector: { matchLabels: WEB }, mtls: { mode: 'DISABLE' } }, 300);
  const w2 = pa('shop', 'w-new', { selector: { matchLabels: { ...WEB, tier: 'front' } }, mtls: { mode: 'STRICT' } }, 400);
  assert.equal(index(w2, w1).forWorkload('shop', { ...WEB, tier: 'front' }).mode, 'DISABLE');
  // Same creation time: config order (namespace, then name) decides.
  const sameA = pa('shop', 'a', { mtls: { mode: 'DISABLE' } }, 500);
  const sameB = pa('shop', 'b', { mtls: { mode: 'STRICT' } }, 500);
  assert.equal(index(sameB, sameA).forWorkload('shop', WEB).mode, 'DISABLE');
});

test('port-level settings override by target port; UNSET on a port takes the workload\'s resolved mode', () => {
  const ns = pa('shop', 'default', { mtls: { mode: 'DISABLE' } });
  const wl = pa('shop', 'web', { selector: { matchLabels: WEB }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'DISABLE' }, 9000: { mode: 'UNSET' } } });
  const m = index(ns, wl).forWorkload('shop', WEB);
  assert.deepEqual([mtlsModeForPort(m, 8080), mtlsModeForPort(m, 9000), mtlsModeForPort(m, 3000)], ['DISABLE', 'STRICT', 'STRICT']);
  const inherit = index(ns, pa('shop', 'web2', { selector: { matchLabels: WEB }, portLevelMtls: { 9000: { mode: 'PERMISSIVE' } } })).forWorkload('shop', WEB);
  assert.deepEqual([mtlsModeForPort(inherit, 9000), mtlsModeForPort(inherit, 3000)], ['PERMISSIVE', 'DISABLE']);
});

test('a selector policy in the root namespace is no workload policy; the root namespace\'s own workloads follow the mesh policy', () => {
  const mesh = pa(ROOT, 'default', { mtls: { mode: 'STRICT' } });
  const rootSelector = pa(ROOT, 'gw', { selector: { matchLabels: WEB }, mtls: { mode: 'DISABLE' } });
  assert.equal(index(mesh, rootSelector).forWorkload('shop', WEB).mode, 'STRICT');
  assert.equal(index(mesh, rootSelector).forWorkload(ROOT, WEB).mode, 'STRICT');
});

test('the version changes with any policy change', () => {
  const a = pa('shop', 'default', { mtls: { mode: 'STRICT' } }, 900);
  const b = pa('shop', 'default', { mtls: { mode: 'DISABLE' } }, 900);
  assert.notEqual(index(a).version, index(b).version);
  assert.equal(index(a).version, index({ ...a }).version);
});
