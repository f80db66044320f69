// Chapter 9's external authorization on `strait up`: Istio's sample authorizer deployed in the mesh, its provider
// added through the istio ConfigMap of istio-system, and the book's CUSTOM policy on webapp: through the ingress
// gateway a request without `x-ext-authz: allow` gets the sample's 403, one with it reaches the catalog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { curl } from './lib/curl.js';
import { newHome, startMesh } from './lib/strait-up.js';
import { waitFor } from './lib/wait.js';
import { EXT_AUTHZ_DENY_BODY } from '../samples/ext-authz/main.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures');

test('CUSTOM authorization with the ext-authz sample through strait up', { timeout: 170_000 }, async (t) => {
  const home = newHome('strait-up-extauthz-');
  const mesh = await startMesh(t, home, ['--ingress-port', '0', '--xds-port', '0', '--monitoring-port', '0'], 100_000);
  const url = `http://${mesh.state.ingressAddress}/api/catalog`;
  const apply = async (file: string): Promise<void> => {
    const r = await mesh.run(['apply', '-f', file, '-n', 'istioinaction']);
    assert.equal(r.code, 0, `apply ${file}: ${r.stderr}`);
  };
  assert.equal((await curl(url)).status, 200);

  await apply(join(FIXTURES, 'ext-authz', 'ext-authz.yaml'));
  await apply(join(FIXTURES, 'ext-authz', 'mesh-configmap.yaml'));
  await apply(join(FIXTURES, 'book-ch9', 'custom-authorization-policy.yaml'));
  const denied = await waitFor('the CUSTOM policy to deny', 30_000, async () => {
    const r = await curl(url);
    return r.status === 403 ? r : undefined;
  }, 200);
  assert.equal(denied.body, EXT_AUTHZ_DENY_BODY);
  assert.equal(denied.headers['x-ext-authz-check-result'], 'denied');
  const allowed = await curl(url, ['-H', 'x-ext-authz: allow']);
  assert.equal(allowed.status, 200, allowed.body);
  assert.equal((JSON.parse(allowed.body) as unknown[]).length, 4);

  // A ConfigMap Strait cannot run is refused at apply, naming the field; the mesh keeps its config.
  const badFile = join(home, 'bad-mesh.yaml');
  writeFileSync(badFile, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\n' +
    'data:\n  mesh: |-\n    outboundTrafficPolicy: {mode: BLOCK}\n');
  const bad = await mesh.run(['apply', '-f', badFile]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /ConfigMap istio-system\/istio: data\.mesh\.outboundTrafficPolicy\.mode: unsupported value "BLOCK" \(supported: ALLOW_ANY, REGISTRY_ONLY\)/);
  assert.equal((await curl(url)).status, 403);
  assert.equal((await curl(url, ['-H', 'x-ext-authz: allow'])).status, 200);
});
