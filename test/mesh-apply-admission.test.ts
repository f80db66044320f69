// `strait apply` is the validating webhook: against a local mesh (pilot and the control API in this
// process, no pods), a file with a valid and an invalid VirtualService applies the valid one, prints
// the refusal with file:line and field path and exits 1; pilot never sees the refused object. A YAML
// syntax error exits 1 naming file:line; delete still reads the file; validate, analyze and
// `strait up DIR` report the same errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildLedger } from '../src/mesh/local/child-ledger.js';
import { LocalMesh } from '../src/mesh/local/local-mesh.js';
import { startControlApi } from '../src/mesh/local/control-api.js';
import { PROFILES } from '../src/mesh/local/profiles.js';
import { straitWithHome } from './lib/strait-cli.js';
import { REPO_ROOT, STRAIT_BIN } from './lib/proxy-process.js';
import { catalogVirtualService as vs } from './lib/catalog-virtual-service.js';

const TWO = `${vs('good', '      weight: 100\n')}---\n${vs('bad', '      wieght: 100\n')}`;
const REFUSAL = 'VirtualService istioinaction/bad: spec.http[0].route[0].wieght: unknown field "spec.http[0].route[0].wieght"';

test('strait apply refuses invalid objects as Istio\'s webhook does and applies the valid ones', { timeout: 120_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'strait-admission-'));
  const logs: string[] = [];
  const mesh = new LocalMesh({
    runDir: join(home, 'run'), paths: { node: process.execPath, straitBin: STRAIT_BIN, appEntry: join(REPO_ROOT, 'dist', 'src', 'mesh', 'local', 'app-process.js') },
    caDir: join(home, 'ca'), caPort: 0, ledger: new ChildLedger(join(home, 'mesh.pids')),
    xdsPort: 0, monitoringPort: 0, dashboardPort: 0, ingressHost: '127.0.0.1', ingressPort: 0, version: 'test', profile: PROFILES['minimal']!, meshConfig: {},
    podNetwork: 91, addons: false, log: (level, msg) => logs.push(`${level} ${msg}`), progress: () => undefined,
  });
  t.after(async () => {
    await control?.close();
    await mesh.stop();
    rmSync(home, { recursive: true, force: true });
  });
  let control: Awaited<ReturnType<typeof startControlApi>> | undefined;
  await mesh.start([]);
  const writeState = (): void => writeFileSync(join(home, 'mesh.json'), JSON.stringify(mesh.state(process.pid, control!.url)));
  control = await startControlApi(mesh, (url) => mesh.state(process.pid, url), writeState, () => undefined);
  writeState();
  const strait = (args: string[]): ReturnType<typeof straitWithHome> => straitWithHome(home, args);
  const pilotConfigs = async (): Promise<string[]> => {
    const r = await fetch(`http://${mesh.state(process.pid, control!.url).monitoringAddress}/debug/configz`);
    return (await r.json() as { kind: string; metadata: { name: string; namespace?: string } }[])
      .filter((o) => o.kind === 'VirtualService').map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  };
  const file = (name: string, text: string): string => {
    const p = join(home, name);
    writeFileSync(p, text);
    return p;
  };

  const two = file('two.yaml', TWO);
  const applied = await strait(['apply', '-f', two, '-n', 'istioinaction']);
  assert.equal(applied.code, 1, applied.stderr);
  assert.equal(applied.stdout, 'virtualservice.networking.istio.io/good created\n');
  assert.equal(applied.stderr,
    `${two}:21: ${REFUSAL}\nError from server (BadRequest): error when creating "${two}": VirtualService in version "v1" cannot be handled ` +
    'as a VirtualService: strict decoding error: unknown field "spec.http[0].route[0].wieght"\n');
  const listed = await strait(['get', 'virtualservices', '-n', 'istioinaction']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, 'NAME   GATEWAYS   HOSTS\ngood   []         ["catalog"]\n');
  assert.deepEqual(await pilotConfigs(), ['istioinaction/good']);
  assert.deepEqual(readdirSync(mesh.configDir).filter((f) => f.startsWith('VirtualService')), ['VirtualService.istioinaction.good.yaml']);

  // A bad change to an applied object is refused and the object stays as it was (pilot keeps the old one).
  const change = file('change.yaml', vs('good', '    timeout: 3x\n    retries: {attempts: many}\n'));
  const changed = await strait(['apply', '-f', change, '-n', 'istioinaction']);
  assert.equal(changed.code, 1);
  assert.equal(changed.stdout, '');
  assert.match(changed.stderr, new RegExp(`^${change}:10: VirtualService istioinaction/good: spec\\.http\\[0\\]\\.timeout: Invalid value: "string": must be a valid duration greater than 1ms\n`));
  assert.match(changed.stderr, /:11: VirtualService istioinaction\/good: spec\.http\[0\]\.retries\.attempts: Invalid value: "string": spec\.http\[0\]\.retries\.attempts in body must be of type integer: "string"\n/);
  assert.match(changed.stderr, /\nThe VirtualService "good" is invalid: \n\* spec\.http\[0\]\.timeout: /);
  const webhook = file('webhook.yaml', vs('good', '      weight: -5\n'));
  const denied = await strait(['apply', '-f', webhook, '-n', 'istioinaction']);
  assert.equal(denied.code, 1);
  assert.equal(denied.stderr, `${webhook}:10: VirtualService istioinaction/good: spec.http[0].route[0].weight: weight -5 < 0\n` +
    `Error from server: error when patching "${webhook}": admission webhook "validation.istio.io" denied the request: configuration is invalid: weight -5 < 0\n`);
  const again = await strait(['apply', '-f', two, '-n', 'istioinaction']);
  assert.match(again.stdout, /^virtualservice\.networking\.istio\.io\/good unchanged\n$/);

  // A YAML syntax error: file:line, kubectl's words, exit 1, and nothing applied.
  const broken = file('broken.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\nspec:\n  ports: [{port: 80}\n  selector: {app: x}\n');
  const syntax = await strait(['apply', '-f', broken]);
  assert.equal(syntax.code, 1);
  assert.equal(syntax.stdout, '');
  assert.match(syntax.stderr, new RegExp(`^${broken}:7:\\d+: .+\nerror: error parsing ${broken}: error converting YAML to JSON: yaml: line 7: .+\n$`));
  assert.equal((await strait(['get', 'services'])).stdout, '');
  assert.ok(!logs.some((l) => /\bbad\b|broken/.test(l)), `pilot saw a refused object:\n${logs.join('\n')}`);

  // delete reads the same file without validating it: the applied one goes, the refused one was never there.
  const deleted = await strait(['delete', '-f', two, '-n', 'istioinaction']);
  assert.equal(deleted.code, 1);
  assert.equal(deleted.stdout, 'virtualservice.networking.istio.io/good deleted\n');
  assert.equal(deleted.stderr, `Error from server (NotFound): error when deleting "${two}": virtualservices.networking.istio.io "bad" not found\n`);
  assert.deepEqual(await pilotConfigs(), []);

  // validate and analyze report the same error for the same file.
  const validated = await strait(['validate', '-f', two]);
  assert.equal(validated.code, 1);
  assert.equal(validated.stderr, `Error: ${two}:21: VirtualService bad: spec.http[0].route[0].wieght: unknown field "spec.http[0].route[0].wieght"\n`);
  const analyzed = await strait(['analyze', '-f', two, '-n', 'istioinaction']);
  assert.equal(analyzed.code, 79);
  assert.match(analyzed.stdout, new RegExp(`^Error \\[IST0106\\] \\(VirtualService istioinaction/bad ${two}:21\\) Schema validation error: spec\\.http\\[0\\]\\.route\\[0\\]\\.wieght: unknown field`, 'm'));
});

test('strait up DIR with an invalid manifest does not start, naming file:line and the field', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'strait-admission-up-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const dir = join(home, 'manifests');
  mkdirSync(dir);
  writeFileSync(join(dir, 'two.yaml'), TWO);
  const r = await straitWithHome(home, ['up', dir, '-n', 'istioinaction', '--ingress-port', '0', '--xds-port', '0', '--monitoring-port', '0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^${join(dir, 'two.yaml')}:21: ${REFUSAL.replace(/[[\].]/g, '\\$&')}\n`));
  assert.match(r.stderr, /\nerror: the mesh was not started: fix the manifests above\n$/);
  assert.equal(existsSync(join(home, 'mesh.json')), false);
});
