// `strait up` owns its $STRAIT_HOME through a lock: a second `up` refuses, naming the owner, and leaves
// the running mesh alone; what a SIGKILLed `up` left running is stopped by the next `up` or by
// `strait down`; a proxy that cannot bind its ports makes `up` fail naming the pod, not say ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { curl } from './lib/curl.js';
import { straitWithHome } from './lib/strait-cli.js';
import { isRunning, launchMesh, newHome, startMesh } from './lib/strait-up.js';
import { waitFor } from './lib/wait.js';

const MANIFESTS = `# The namespace labelled for injection, as \`kubectl label namespace default istio-injection=enabled\`.
apiVersion: v1
kind: Namespace
metadata: { name: default, labels: { istio-injection: enabled } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: echo }
spec:
  selector: { matchLabels: { app: echo } }
  template:
    metadata: { labels: { app: echo } }
    spec:
      containers:
      - name: echo
        image: hashicorp/http-echo
        args: ["-text=hello"]
        ports: [{ containerPort: 5678 }]
---
apiVersion: v1
kind: Service
metadata: { name: echo }
spec:
  selector: { app: echo }
  ports: [{ name: http, port: 80, targetPort: 5678 }]
---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: { name: echo-gateway }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: echo }
spec:
  hosts: ["*"]
  gateways: [echo-gateway]
  http: [{ route: [{ destination: { host: echo } }] }]
`;

/** A home with the default profile (the ingress gateway only) and the manifests' directory. */
async function meshHome(t: { after(fn: () => void): void }, prefix: string): Promise<{ home: string; dir: string }> {
  const home = newHome(prefix);
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const dir = join(home, 'manifests');
  mkdirSync(dir);
  writeFileSync(join(dir, 'echo.yaml'), MANIFESTS);
  const install = await straitWithHome(home, ['install', '--set', 'profile=default', '-y']);
  assert.equal(install.code, 0, install.stderr);
  return { home, dir };
}

/** `up` on DIR with pods on 127.N (the ingress gateway is the first pod: 127.N.0.2, echo the second: 127.N.0.3). */
const upArgs = (dir: string, network: string): string[] => [dir, '--pod-network', network, '--ingress-port', '0', '--xds-port', '0',
  '--monitoring-port', '0'];

/** The pids `up` recorded in $STRAIT_HOME/mesh.pids. */
const recordedPids = (home: string): number[] =>
  readFileSync(join(home, 'mesh.pids'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { pid: number }).pid);

/** Whether a process runs (a zombie does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Whether connecting to host:port is refused (nothing listens there any more). */
const refused = (host: string, port: number): Promise<boolean> => new Promise((resolve) => {
  const c = net.connect(port, host).once('connect', () => { c.destroy(); resolve(false); }).once('error', () => resolve(true));
});

const pgrep = (pattern: string): Promise<string> => new Promise((r) => execFile('pgrep', ['-f', pattern], (_e, so) => r(so.trim())));

const configFiles = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

const REFUSAL = (pid: number | undefined): string => `error: a local mesh is already running (process ${pid}); stop it with \`strait down\`\n`;

test('a second up refuses and leaves the mesh serving; after a SIGKILL, up and down stop what it left', { timeout: 150_000 }, async (t) => {
  const { home, dir } = await meshHome(t, 'strait-uplock-');
  const gatewayAnswers = async (ingressAddress: string): Promise<void> => {
    const r = await curl(`http://${ingressAddress}/`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body.trim(), 'hello');
  };

  // 1. A second `up` while the first is starting, then while it runs: exit 1, the owner's pid, nothing touched.
  const launched = launchMesh(t, home, upArgs(dir, '127.41'));
  await waitFor('the first up to take the lock', 20_000, () => (existsSync(join(home, 'mesh.lock')) ? true : undefined));
  const whileStarting = await straitWithHome(home, ['up', ...upArgs(dir, '127.43')]);
  assert.equal(whileStarting.code, 1);
  assert.equal(whileStarting.stderr, REFUSAL(launched.proc.pid));
  const first = await launched.ready(90_000);
  const meshJson = readFileSync(join(home, 'mesh.json'), 'utf8');
  const config = configFiles(first.state.configDir);
  assert.ok(Object.keys(config).some((f) => f.startsWith('VirtualService.')), Object.keys(config).join(' '));
  const whileRunning = await straitWithHome(home, ['up', ...upArgs(dir, '127.43')]);
  assert.equal(whileRunning.code, 1);
  assert.equal(whileRunning.stderr, REFUSAL(launched.proc.pid));
  assert.equal(whileRunning.stdout, '');
  assert.deepEqual(configFiles(first.state.configDir), config);
  assert.equal(readFileSync(join(home, 'mesh.json'), 'utf8'), meshJson);
  assert.doesNotMatch(first.output(), /stopping/);
  await gatewayAnswers(first.state.ingressAddress);

  // 2. SIGKILL: its proxies and app run on as orphans; the next `up` stops them first, then serves.
  const orphans = recordedPids(home);
  assert.equal(orphans.length, 3, 'two proxies and an app');
  first.proc.kill('SIGKILL');
  await waitFor('the first up to die', 5000, () => (isRunning(first.proc) ? undefined : true));
  assert.deepEqual(orphans.filter(running), orphans);
  const second = await startMesh(t, home, upArgs(dir, '127.41'), 90_000);
  assert.match(second.output(), new RegExp(`stopped 3 processes left running by a mesh that exited without stopping \\(process ${first.proc.pid}\\)`));
  assert.deepEqual(orphans.filter(running), []);
  await gatewayAnswers(second.state.ingressAddress);

  // 3. SIGKILL again: `strait down` stops the orphans.
  const orphans2 = recordedPids(home);
  assert.equal(orphans2.length, 3);
  second.proc.kill('SIGKILL');
  await waitFor('the second up to die', 5000, () => (isRunning(second.proc) ? undefined : true));
  const down = await straitWithHome(home, ['down']);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(down.stdout, `the mesh (process ${second.proc.pid}) had exited without stopping; stopped the 3 processes it left running\n`);
  assert.deepEqual(orphans2.filter(running), []);
  assert.equal(await pgrep(home), '', 'no process of the mesh is left');
  for (const f of ['mesh.lock', 'mesh.json', 'mesh.pids']) assert.equal(existsSync(join(home, f)), false, f);
  const again = await straitWithHome(home, ['down']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^no local mesh is running/);
});

test('a proxy that cannot bind its ports makes up fail, naming the pod and the cause', { timeout: 120_000 }, async (t) => {
  const { home, dir } = await meshHome(t, 'strait-upbind-');
  const hold = async (host: string, port: number, s: net.Server = net.createServer()): Promise<net.Server> => {
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, host, resolve));
    t.after(() => new Promise<void>((r) => s.close(() => r())));
    return s;
  };
  /** Runs `up`, which must exit 1 without saying ready; returns its last line. */
  const upFails = async (): Promise<string> => {
    const up = launchMesh(t, home, upArgs(dir, '127.45'));
    const said = await up.ready(90_000).then(() => 'ready', (e: Error) => e.message);
    assert.match(said, /^strait up exited before it was ready/, said);
    assert.equal(up.proc.exitCode, 1, up.output());
    assert.doesNotMatch(up.output(), /^\s+at /m, 'no stack trace');
    // Everything it started is stopped (the proxies' admins and the app no longer answer), and the next `up` may run.
    assert.equal(await pgrep(home), '', 'no proxy of the mesh is left');
    for (const [host, port] of [['127.45.0.2', 15000], ['127.45.0.3', 15090], ['127.46.0.3', 5678]] as const) {
      assert.ok(await refused(host, port), `${host}:${port} still answers`);
    }
    for (const f of ['mesh.lock', 'mesh.json', 'mesh.pids']) assert.equal(existsSync(join(home, f)), false, f);
    return up.output().trim().split('\n').at(-1)!;
  };

  // The gateway's 8080 (a listener from LDS): its proxy runs on, but `up` must not call it ready.
  const gateway = await hold('127.45.0.2', 8080);
  assert.match(await upFails(), new RegExp('^error: the mesh did not start: pod istio-ingressgateway-\\w+\\.istio-system: listener 0\\.0\\.0\\.0_8080 ' +
    'failed: listen EADDRINUSE: address already in use 127\\.45\\.0\\.2:8080 \\(log: \\S+\\); stop what holds 127\\.45\\.0\\.2:8080'));
  await new Promise<void>((r) => gateway.close(() => r()));

  // The echo pod's admin port, held by what answers like a LIVE proxy of another pod (as one a killed
  // mesh left would): it is not taken for this pod's proxy, which exits at startup.
  await hold('127.45.0.3', 15000, http.createServer((_req, res) => {
    res.end(JSON.stringify({ state: 'LIVE', node: { id: 'sidecar~127.45.0.3~echo-old.default~default.svc.cluster.local' } }));
  }));
  assert.match(await upFails(), new RegExp('^error: the mesh did not start: pod echo-\\w+\\.default: its proxy exited: ' +
    'cannot bind admin address 127\\.45\\.0\\.3:15000: EADDRINUSE \\(log: \\S+\\); stop what holds 127\\.45\\.0\\.3:15000'));
});
