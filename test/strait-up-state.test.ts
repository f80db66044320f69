// `strait up`, `down` and `up` again with the CLI: the applied objects come back (a deleted one stays
// deleted, the demo is not applied twice), `down --purge` forgets them; every ingress gateway port is
// published (TCP 31400 to the book's tcp-echo); analyze reads the running mesh; controlz answers; precheck fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { curl } from './lib/curl.js';
import { newHome, startMesh } from './lib/strait-up.js';
import { straitWithHome } from './lib/strait-cli.js';
import { waitFor } from './lib/wait.js';
import type { MeshState } from '../src/mesh/local/state.js';
import { BOOK_DIR } from '../samples/book-corpus.js';

const PORTS = ['--ingress-port', '0', '--xds-port', '0', '--monitoring-port', '0'];

/** Where the gateway's target port is published. */
const published = (s: MeshState, targetPort: number): string => {
  const p = s.ingressPorts.find((x) => x.targetPort === targetPort);
  assert.ok(p, `target port ${targetPort} is published: ${JSON.stringify(s.ingressPorts)}`);
  return p.address;
};

/** Sends a line through the published TCP port and resolves with what came back once it holds the line. */
function tcpEcho(address: string, line: string): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    let got = '';
    const s = net.connect(port, host, () => s.write(`${line}\n`));
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no echo of "${line}" from ${address}; got ${JSON.stringify(got)}`)); }, 5000);
    s.on('data', (d) => {
      got += d;
      if (got.includes(line)) { clearTimeout(timer); s.end(); resolve(got); }
    });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.on('close', () => { clearTimeout(timer); if (!got.includes(line)) reject(new Error(`${address} closed; got ${JSON.stringify(got)}`)); });
  });
}

/** Holds 127.0.0.1:port (or finds it held already) while `fn` runs. */
async function withPortHeld<T>(port: number, fn: () => Promise<T>): Promise<T> {
  const server = net.createServer();
  const held = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  try {
    return await fn();
  } finally {
    if (held) await new Promise((r) => server.close(r));
  }
}

test('applied objects survive strait down and up; down --purge forgets them; every gateway port is published', { timeout: 170_000 }, async (t) => {
  const home = newHome('strait-up-state-');
  const book = (f: string): string => join(BOOK_DIR, f);
  const first = await startMesh(t, home, PORTS, 60_000);
  const run = first.run;
  assert.match(first.output(), /starting the mesh, profile demo \(1 manifest file: \d+ objects\)/);
  assert.match(first.output(), /ingress gateway ports published on 127\.0\.0\.1: 15021 \(status-port\) on 127\.0\.0\.1:\d+, 8080 \(http2\) on [\d.:]+, 8443 \(https\) on [\d.:]+, 31400 \(tcp\) on [\d.:]+, 15443 \(tls\) on [\d.:]+\n/);
  assert.deepEqual(first.state.ingressPorts.map((p) => p.targetPort), [15021, 8080, 8443, 31400, 15443]);
  const ready = await curl(`http://${published(first.state, 15021)}/healthz/ready`);
  assert.equal(ready.status, 200, 'the status port answers through its forward');

  // The mesh's objects are analyzed with the files: ch2's hosts exist in the mesh; files alone do not have them.
  const withMesh = await run(['analyze', '-f', book('ch2/catalog-virtualservice.yaml'), '-f', book('ch2/ingress-gateway.yaml'), '-n', 'istioinaction']);
  assert.equal(withMesh.code, 0, withMesh.stdout + withMesh.stderr);
  assert.doesNotMatch(withMesh.stdout, /IST0101/);
  const filesOnly = await run(['analyze', '--use-kube=false', '-f', book('ch2/catalog-virtualservice.yaml'), '-n', 'istioinaction']);
  assert.equal(filesOnly.code, 79, filesOnly.stderr);
  assert.match(filesOnly.stdout, /IST0101.*Referenced host not found: "catalog"/);

  // controlz gives a page that answers; precheck exits 1 when it prints an error (a port it needs is held).
  const controlz = await run(['dashboard', 'controlz']);
  assert.equal(controlz.code, 0, controlz.stderr);
  const page = await fetch(controlz.stdout.trim());
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /href="\/debug\/syncz"/);
  const precheck = await withPortHeld(15014, () => run(['x', 'precheck']));
  assert.equal(precheck.code, 1, precheck.stdout);
  assert.match(precheck.stdout, /^Error: 127\.0\.0\.1:15014 is not free/m);

  // Changes: a VirtualService and the book's TCP echo behind the gateway's 31400; forum deleted.
  for (const f of ['ch2/catalog-virtualservice.yaml', 'ch4/echo.yaml', 'ch4/gateway-tcp.yaml', 'ch4/echo-vs.yaml']) {
    const r = await run(['apply', '-f', book(f), '-n', 'istioinaction']);
    assert.equal(r.code, 0, `apply ${f}: ${r.stderr}`);
  }
  const forum = join(home, 'forum.yaml');
  writeFileSync(forum, 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: forum\n  namespace: istioinaction\n');
  const del = await run(['delete', '-f', forum]);
  assert.equal(del.code, 0, del.stderr);
  await waitFor('the tcp echo through 31400', 20_000, () => tcpEcho(published(first.state, 31400), 'before').then(() => true, () => undefined), 200);
  const down = await run(['down']);
  assert.equal(down.code, 0, down.stderr);
  const kept = readFileSync(join(home, 'objects.yaml'), 'utf8');
  assert.match(kept, /name: tcp-echo-vs-from-gw/);

  // Up again: the same objects, pods for their Deployments, and no forum (deleted) nor a second demo.
  const second = await startMesh(t, home, PORTS, 60_000);
  assert.match(second.output(), /\(\d+ objects applied before, from .*objects\.yaml: \d+ objects\)/);
  const vs = await second.run(['get', 'virtualservices', '-n', 'istioinaction']);
  assert.match(vs.stdout, /^catalog\b/m, vs.stdout);
  assert.match(vs.stdout, /^tcp-echo-vs-from-gw\b/m, vs.stdout);
  assert.deepEqual(second.state.pods.filter((p) => p.type === 'sidecar').map((p) => p.deployment).sort(), ['catalog', 'tcp-echo-deployment', 'webapp']);
  const catalog = await curl(`http://${second.state.ingressAddress}/api/catalog`);
  assert.equal(catalog.status, 200, catalog.body);
  assert.match(await tcpEcho(published(second.state, 31400), 'after'), /after/);

  // down --purge forgets them (and a second purge says there was nothing).
  const purge = await second.run(['down', '--purge']);
  assert.equal(purge.code, 0, purge.stderr);
  assert.match(purge.stdout, /mesh stopped\nforgot the applied objects/);
  assert.equal(existsSync(join(home, 'objects.yaml')), false);
  const reset = await straitWithHome(home, ['reset']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(reset.stdout, 'no applied objects were kept\n');
});
