// The `strait` command's kubectl and istioctl habits against one running `strait up`, as a user runs
// them: get -o wide|name|json|yaml and -w, logs --tail and -f, describe, x describe pod, proxy-config
// all|bootstrap, istioctl's POD.NS and deploy/NAME.NS forms, and kubectl's errors and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BOOK_DIR } from '../samples/book-corpus.js';
import { curl } from './lib/curl.js';
import { STRAIT_BIN, terminate } from './lib/proxy-process.js';
import { isRunning, newHome, startMesh } from './lib/strait-up.js';
import { waitFor } from './lib/wait.js';

type TestContext = { after(fn: () => Promise<void>): void };

/** A long-running `strait ARGS` (get -w, logs -f): its output so far; stopped as a user's Ctrl-C would, or when the test ends. */
function background(t: TestContext, home: string, args: string[]): { proc: ChildProcess; out(): string } {
  const proc = spawn(process.execPath, [STRAIT_BIN, ...args], { env: { ...process.env, STRAIT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  t.after(async () => { if (isRunning(proc)) await terminate(proc); });
  return { proc, out: () => out };
}

const NS = 'istioinaction';
const POLICIES = `apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: catalog-strict
spec:
  selector:
    matchLabels:
      app: catalog
  mtls:
    mode: STRICT
---
apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata:
  name: catalog-from-webapp
spec:
  selector:
    matchLabels:
      app: catalog
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/istioinaction/sa/webapp"]
`;

test('kubectl\'s and istioctl\'s everyday forms against strait up', { timeout: 175_000 }, async (t) => {
  const home = newHome('strait-up-cli-');
  const mesh = await startMesh(t, home, ['--ingress-port', '0', '--xds-port', '0', '--monitoring-port', '0'], 100_000);
  const run = mesh.run;
  const ok = async (args: string[]): Promise<string> => {
    const r = await run(args);
    assert.equal(r.code, 0, `strait ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const catalog = mesh.state.pods.find((p) => p.deployment === 'catalog')!;

  // get: the table, -o wide, -o name, -o json (kubectl's List), -o yaml of one named object.
  const wide = (await ok(['get', 'pods', '-n', NS, '-o', 'wide'])).split('\n');
  assert.match(wide[0]!, /^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$/);
  assert.match(wide.find((l) => l.startsWith(catalog.name))!, new RegExp(`^${catalog.name} +2/2 +Running +0 +\\d+s +${catalog.podIp.replace(/\./g, '\\.')} +\\S+ +<none> +<none>$`));
  const names = (await ok(['get', 'pods', '-n', NS, '-o', 'name'])).trim().split('\n');
  assert.deepEqual(names, mesh.state.pods.filter((p) => p.namespace === NS).map((p) => `pod/${p.name}`).sort());
  const list = JSON.parse(await ok(['get', 'svc', '-n', NS, '-o', 'json'])) as { kind: string; apiVersion: string; metadata: unknown; items: { metadata: { name: string } }[] };
  assert.deepEqual([list.apiVersion, list.kind, list.metadata], ['v1', 'List', { resourceVersion: '' }]);
  assert.ok(list.items.some((i) => i.metadata.name === 'catalog'));
  const one = parse(await ok(['get', `pod`, catalog.name, '-n', NS, '-o', 'yaml'])) as { kind: string; status: { podIP: string } };
  assert.deepEqual([one.kind, one.status.podIP], ['Pod', catalog.podIp]);

  // kubectl's errors and exit codes.
  const unknown = await run(['get', 'UNKNOWN']);
  assert.deepEqual([unknown.code, unknown.stderr], [1, 'error: the server doesn\'t have a resource type "UNKNOWN"\n']);
  const missing = await run(['logs', 'no-such-pod', '-n', NS]);
  assert.deepEqual([missing.code, missing.stderr], [1, 'Error from server (NotFound): pods "no-such-pod" not found\n']);
  assert.equal((await run(['proxy-config', 'clusters', `${catalog.name}.default`])).stderr, `Error from server (NotFound): pods "${catalog.name}" not found\n`);

  // istioctl's forms in every pod-taking command: deploy/NAME.NS and POD.NS, without -n.
  assert.match(await ok(['proxy-config', 'cluster', `deploy/catalog.${NS}`]), /^SERVICE FQDN +PORT +SUBSET +DIRECTION +TYPE +DESTINATION RULE$/m);
  assert.equal((await ok(['dashboard', 'envoy', `${catalog.name}.${NS}`])).trim(), `http://${catalog.podIp}:${catalog.adminPort}`);
  const status = (await ok(['proxy-status', `deploy/catalog.${NS}`])).trim().split('\n');
  assert.equal(status.length, 2, status.join('\n'));
  assert.match(status[1]!, new RegExp(`^${catalog.name}\\.${NS} +Kubernetes +SYNCED`));
  assert.match(await ok(['exec', `deploy/webapp.${NS}`, '--', 'curl', '-s', `http://catalog.${NS}/items`]), /"id":\s*1/);

  // proxy-config all: istioctl's five sections; bootstrap as YAML.
  const all = await ok(['pc', 'all', `deploy/catalog.${NS}`]);
  for (const header of [/^SERVICE FQDN +PORT/m, /^ADDRESSES +PORT +MATCH +DESTINATION$/m, /^NAME +VHOST NAME +DOMAINS +MATCH +VIRTUAL SERVICE$/m,
    /^ENDPOINT +STATUS +OUTLIER CHECK +CLUSTER$/m, /^RESOURCE NAME +TYPE +STATUS/m]) assert.match(all, header);
  const bootstrap = parse(await ok(['pc', 'bootstrap', `${catalog.name}.${NS}`, '-o', 'yaml'])) as { bootstrap: { node: { id: string } } };
  assert.match(bootstrap.bootstrap.node.id, new RegExp(`~${catalog.name}\\.${NS}~`));

  // describe: kubectl's layout.
  const described = await ok(['describe', 'pod', `deploy/catalog.${NS}`]);
  assert.match(described, new RegExp(`^Name: +${catalog.name}\\nNamespace: +${NS}\\n`));
  assert.match(described, new RegExp(`^IP: +${catalog.podIp.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(await ok(['describe', 'svc', 'catalog', '-n', NS]), new RegExp(`^Endpoints: +${catalog.podIp.replace(/\./g, '\\.')}:3000$`, 'm'));

  // get -w: the table, then a line for the pod a new Deployment brings; stopped as Ctrl-C would.
  const watch = background(t, home, ['get', 'pods', '-n', NS, '-w']);
  await waitFor('the watch\'s table', 20_000, () => (watch.out().includes(catalog.name) ? true : undefined));
  await ok(['apply', '-f', join(BOOK_DIR, 'services/catalog/kubernetes/catalog-deployment-v2.yaml'), '-n', NS]);
  await ok(['apply', '-f', join(BOOK_DIR, 'ch2/catalog-destinationrule.yaml'), '-n', NS]);
  await waitFor('the watch to print the new pod', 20_000, () => (/\ncatalog-v2-\w+ +2\/2 +Running +0 +\d+s\n/.test(watch.out()) ? true : undefined), 100);
  assert.equal(watch.out().match(/^NAME /gm)?.length, 1, 'one header');
  await terminate(watch.proc);

  // x describe pod: the Service, the DestinationRule's subsets, PeerAuthentication and the proxy's RBAC policies.
  const policies = join(home, 'catalog-policies.yaml');
  writeFileSync(policies, POLICIES);
  await ok(['apply', '-f', policies, '-n', NS]);
  const described2 = await waitFor('x describe to show the pushed RBAC policy', 20_000, async () => {
    const r = await run(['experimental', 'describe', 'pod', `deploy/catalog.${NS}`]);
    return /^RBAC policies: /m.test(r.stdout) ? r.stdout : undefined;
  }, 200);
  assert.match(described2, new RegExp(`^Pod: ${catalog.name}\\.${NS}\\n {3}Pod Revision: default\\n {3}Pod Ports: 3000 \\(catalog\\), 15000 \\(istio-proxy\\)\\n`));
  assert.match(described2, /^Service: catalog\.istioinaction\n {3}Port: http 80\/HTTP targets pod port 3000\nDestinationRule: catalog\.istioinaction for "catalog"\n {3}Matching subsets: version-v1\n {6}\(Non-matching subsets version-v2\)\n {3}No Traffic Policy\n/m);
  assert.match(described2, /^RBAC policies: ns\[istioinaction\]-policy\[catalog-from-webapp\]-rule\[0\]$/m);
  assert.match(described2, /^Effective PeerAuthentication:\n {3}Workload mTLS mode: STRICT\nApplied PeerAuthentication:\n {3}catalog-strict\.istioinaction\n$/m);

  // logs: --tail, then -f follows the gateway's access log as a request goes through.
  const tail = await ok(['logs', `deploy/istio-ingressgateway.istio-system`, '--tail', '1']);
  assert.equal(tail.split('\n').filter(Boolean).length, 1, tail);
  const follow = background(t, home, ['logs', '-f', 'deploy/istio-ingressgateway.istio-system', '--tail', '0']);
  // A request per try: the ones before logs -f has read the file's end are (rightly) not printed.
  await waitFor('logs -f to print a request', 20_000, async () => {
    assert.equal((await curl(`http://${mesh.state.ingressAddress}/api/catalog?from=follow`)).status, 200);
    return follow.out().includes('/api/catalog?from=follow') ? true : undefined;
  }, 300);
  assert.ok(isRunning(follow.proc), 'logs -f keeps running');
  await terminate(follow.proc);
});
