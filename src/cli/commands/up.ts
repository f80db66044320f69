// `strait up [DIR]`, `strait down [--purge]` and `strait reset`: the whole mesh on this machine (pilot, gateways,
// a pod per Deployment replica) with the objects applied before (applied-objects.ts), DIR's, or the ch2 demo in a
// new home; one per $STRAIT_HOME (mesh-lock.ts); down stops a running one, or what one that died without stopping left.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { port } from '../option-parsers.js';
import { CliError } from '../cli-error.js';
import { manifestFiles } from '../manifest-files.js';
import { DEFAULT_POD_NETWORK } from '../../mesh/local/addresses.js';
import { forgetAppliedObjects, readAppliedObjects, writeAppliedObjects } from '../../mesh/local/applied-objects.js';
import { manifestKey, type Manifest } from '../../mesh/local/workloads.js';
import { describePublishedPorts } from '../../mesh/local/gateway-ports.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const DIST = join(ROOT, 'dist');

interface UpFlags { namespace: string; ingressPort: number; xdsPort: number; caPort?: number; monitoringPort: number; dashboardPort?: number; podNetwork: number;
  addons: boolean }

/** --pod-network: 127.N.0.0/16 for the pods (their apps on 127.N+1), N from 1 to 253. */
function podNetwork(value: string): number {
  const m = /^(?:127\.)?(\d{1,3})$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 253) throw new InvalidArgumentError('expected 127.N with N from 1 to 253 (pods on 127.N.x.y, apps on 127.N+1.x.y)');
  return Number(m[1]);
}

/** Where the port is held, for an EADDRINUSE message. */
function inUse(e: unknown): string | undefined {
  const err = e as { code?: string; address?: string; port?: number; message?: string };
  if (err.code === 'EADDRINUSE') return `${err.address}:${err.port}`;
  // gRPC's bind error and the proxies' (in a PodStartError) name it in the text, after EADDRINUSE or before it.
  const text = String(err.message);
  return (/EADDRINUSE\D*((?:\d+\.){3}\d+:\d+)/.exec(text) ?? /((?:\d+\.){3}\d+:\d+)\D*EADDRINUSE/.exec(text))?.[1];
}

/** Takes the mesh lock; a file-system failure there (STRAIT_HOME not writable ...) is a one-line error. */
function takeLock<T>(acquire: (file: string) => T, file: string): T {
  try {
    return acquire(file);
  } catch (e) {
    throw new CliError(`error: ${(e as Error).message}`);
  }
}

/** The `ss` line that shows who holds `where` (host:port). */
const whoHolds = (where: string): string => `\`ss -ltnp 'sport = :${where.slice(where.lastIndexOf(':') + 1)}'\` shows it`;

/** The objects in order, one per key (Kind/namespace/name): a later one replaces an earlier one in its place. */
function lastOfEachKey(objects: Manifest[]): Manifest[] {
  const byKey = new Map<string, Manifest>();
  for (const o of objects) byKey.set(manifestKey(o), o);
  return [...byKey.values()];
}

async function runUp(dir: string | undefined, flags: UpFlags): Promise<void> {
  const [{ LocalMesh }, { admit }, state, { startControlApi }, { packageInfo }, { installedProfile, installedMeshConfig }, { acquireMeshLock },
    { ChildLedger }, { PodStartError }, { meshConfigOverrides }] = await Promise.all([
    import('../../mesh/local/local-mesh.js'), import('../../mesh/local/admission.js'), import('../../mesh/local/state.js'),
    import('../../mesh/local/control-api.js'), import('../package-info.js'), import('../../mesh/local/profiles.js'),
    import('../../mesh/local/mesh-lock.js'), import('../../mesh/local/child-ledger.js'), import('../../mesh/local/pod.js'),
    import('../../pilot/model/mesh-config-input.js'),
  ]);
  const profile = installedProfile();
  const installed = meshConfigOverrides(installedMeshConfig());
  if (installed.errors.length > 0) {
    throw new CliError(`${installed.errors.map((e) => `Error: ${state.straitHome()}/install.json: meshConfig.${e.path}: ${e.message}`).join('\n')}\n` +
      'error: the mesh was not started: run `strait install` again');
  }
  // What was applied before `strait down` comes back first; the demo is applied only to a mesh that never kept any.
  const appliedFile = state.appliedObjectsFile();
  const keptText = readAppliedObjects(appliedFile);
  const files = dir !== undefined ? manifestFiles(dir, 'strait up') : keptText === undefined ? [join(ROOT, 'samples', 'demo', 'istioinaction.yaml')] : [];
  const namespace = dir === undefined ? 'istioinaction' : flags.namespace;
  const kept = keptText === undefined ? undefined : admit(keptText, appliedFile, 'default', new Set());
  for (const r of kept?.refused ?? []) process.stderr.write(`Warning: an object applied before is refused now and left out:\n${r}\n`);
  const admissions = files.map((f) => admit(readFileSync(f, 'utf8'), f, namespace, new Set()));
  for (const w of admissions.flatMap((a) => a.warnings)) process.stderr.write(`${w}\n`);
  const refused = admissions.flatMap((a) => a.refused);
  if (refused.length > 0) throw new CliError(`${refused.join('\n')}\nerror: the mesh was not started: fix the manifests above`);
  const manifests = lastOfEachKey([...kept?.accepted ?? [], ...admissions.flatMap((a) => a.accepted)]);
  // Nothing of a running mesh (its config directory, mesh.json, processes) is touched before this.
  const attempt = takeLock(acquireMeshLock, state.lockFile());
  if ('owner' in attempt) throw new CliError(`error: a local mesh is already running (process ${attempt.owner}); stop it with \`strait down\``);
  const { lock } = attempt;
  const ledger = new ChildLedger(state.ledgerFile());
  const started = Date.now();
  const out = (m: string): void => { process.stdout.write(`${m}\n`); };
  const mesh = new LocalMesh({
    runDir: state.runDir(), caDir: join(state.straitHome(), 'ca'), xdsPort: flags.xdsPort, monitoringPort: flags.monitoringPort,
    // With a picked xDS port (--xds-port 0), the CA picks its own too, so meshes side by side never collide.
    caPort: flags.caPort ?? (flags.xdsPort === 0 ? 0 : 15012),
    dashboardPort: flags.dashboardPort ?? (flags.xdsPort === 0 ? 0 : 20001),
    ingressHost: '127.0.0.1', ingressPort: flags.ingressPort, version: packageInfo().version, profile, meshConfig: installed.overrides,
    podNetwork: flags.podNetwork, addons: flags.addons, ledger,
    paths: { node: process.execPath, straitBin: join(ROOT, 'bin', 'strait.js'), appEntry: join(DIST, 'src', 'mesh', 'local', 'app-process.js') },
    log: (level, msg) => { if (level === 'warn' || level === 'error') process.stderr.write(`${level}\t${msg}\n`); },
    progress: (m) => out(`  ✔ ${m}`),
  });
  let control: Awaited<ReturnType<typeof startControlApi>> | undefined;
  const startup = (async () => {
    // What an `up` that died without stopping left: its processes (holding the pods' addresses) and its mesh.json.
    const left = await ledger.stopLeftovers();
    state.removeMeshState();
    const which = lock.previousOwner === undefined ? '' : ` (process ${lock.previousOwner})`;
    if (left.length > 0) out(`  ✔ stopped ${left.length} processes left running by a mesh that exited without stopping${which}`);
    const inputs = [
      ...kept ? [`${kept.accepted.length} objects applied before, from ${appliedFile}`] : [],
      ...files.length > 0 || !kept ? [`${files.length} manifest file${files.length === 1 ? '' : 's'}`] : [],
    ];
    out(`starting the mesh, profile ${profile.name} (${inputs.join(', ')}: ${manifests.length} objects)`);
    await mesh.start(manifests);
    const stateOf = (url: string): ReturnType<typeof mesh.state> => mesh.state(process.pid, url);
    const saveState = (): void => {
      writeAppliedObjects(appliedFile, mesh.applied());
      state.writeMeshState(stateOf(control!.url));
    };
    control = await startControlApi(mesh, stateOf, saveState, () => { void stop(); });
    writeAppliedObjects(appliedFile, mesh.applied());
  })();
  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((r) => { markStopped = r; });
  // Stops once the startup has settled (so nothing starts after the stop), then lets the next `up` in.
  const stop = (): Promise<void> => (stopping ??= (async () => {
    await startup.catch(() => undefined);
    out('stopping the mesh ...');
    state.removeMeshState();
    await control?.close();
    await mesh.stop();
    ledger.clear();
    lock.release();
    out('mesh stopped');
    markStopped();
  })());
  process.once('SIGINT', () => { void stop(); });
  process.once('SIGTERM', () => { void stop(); });
  try {
    await startup;
  } catch (e) {
    await stop();
    const where = inUse(e);
    if (e instanceof PodStartError) {
      throw new CliError(`error: the mesh did not start: ${e.message}${where ? `; stop what holds ${where} (${whoHolds(where)}) or choose another --pod-network` : ''}`);
    }
    if (where) throw new CliError(`error: ${where} is already in use; stop what holds it (${whoHolds(where)}) or choose another port`);
    throw new CliError(`error: the mesh did not start: ${(e as Error).message}`);
  }
  if (stopping) return stopped; // asked to stop while it was starting
  state.writeMeshState(mesh.state(process.pid, control!.url));
  const ingress = mesh.ingressAddress ? `; ingress gateway on http://${mesh.ingressAddress}` : ' (no ingress gateway in this profile)';
  // Before "mesh ready", which is what scripts and tests wait for: everything said with it is out by then.
  if (mesh.ingressPorts.length > 0) out(`ingress gateway ports published on 127.0.0.1: ${describePublishedPorts(mesh.ingressPorts)}`);
  out(`mesh ready in ${((Date.now() - started) / 1000).toFixed(1)} s${ingress}`);
  if (dir === undefined && mesh.ingressAddress) out(`try: curl http://${mesh.ingressAddress}/api/catalog`);
  out('Ctrl-C or `strait down` stops it.');
  await stopped;
}

/** Asks the live `strait up` (process `pid`) to stop: through its control API once it runs, by SIGTERM while it starts. */
async function stopOwner(pid: number, controlUrl: string | undefined): Promise<void> {
  if (controlUrl) await fetch(`${controlUrl}/down`, { method: 'POST' }).catch(() => undefined);
  else process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try { process.kill(pid, 0); } catch { process.stdout.write('mesh stopped\n'); return; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CliError(`error: the mesh (process ${pid}) did not stop in 30 s`);
}

/** Forgets what the mesh kept for the next `up`: the applied objects and the run directory (config, logs). */
function purge(state: typeof import('../../mesh/local/state.js')): void {
  const had = forgetAppliedObjects(state.appliedObjectsFile());
  rmSync(state.runDir(), { recursive: true, force: true });
  process.stdout.write(had ? `forgot the applied objects (${state.appliedObjectsFile()}): the next \`strait up\` starts afresh\n`
    : 'no applied objects were kept\n');
}

async function runDown(flags: { purge?: boolean }): Promise<void> {
  const [state, { acquireMeshLock }, { ChildLedger }] = await Promise.all([
    import('../../mesh/local/state.js'), import('../../mesh/local/mesh-lock.js'), import('../../mesh/local/child-ledger.js'),
  ]);
  const attempt = takeLock(acquireMeshLock, state.lockFile());
  if ('owner' in attempt) {
    const running = (() => { try { return state.readMeshState(); } catch { return undefined; } })();
    await stopOwner(attempt.owner, running?.pid === attempt.owner ? running.controlUrl : undefined);
    if (flags.purge) purge(state);
    return;
  }
  // No live `up`: stop what one that died without stopping left running.
  const { lock } = attempt;
  try {
    const left = await new ChildLedger(state.ledgerFile()).stopLeftovers();
    state.removeMeshState();
    if (lock.previousOwner === undefined && left.length === 0) {
      if (!flags.purge) throw new CliError('no local mesh is running (start one with `strait up`)');
    } else {
      const which = lock.previousOwner === undefined ? 'a mesh' : `the mesh (process ${lock.previousOwner})`;
      const what = left.length > 0 ? `stopped the ${left.length} processes it left running` : 'none of its processes was still running';
      process.stdout.write(`${which} had exited without stopping; ${what}\n`);
    }
    if (flags.purge) purge(state);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`error: ${(e as Error).message}`);
  } finally {
    lock.release();
  }
}

/** Adds `up` and `down`. */
export function registerUpCommands(program: Command): void {
  program
    .command('up [dir]')
    .description('run the mesh on this machine: control plane, gateways, and a pod with a sidecar per Deployment in DIR (default: the book\'s ch2 demo)')
    .option('-n, --namespace <ns>', 'namespace of objects in DIR that name none', 'default')
    .option('--ingress-port <port>', 'where the ingress gateway\'s port 8080 is published on 127.0.0.1 (its other ports at their own numbers when free; 0 picks free ports for all)', port, 8080)
    .option('--xds-port <port>', 'control plane xDS port', port, 15010)
    .option('--ca-port <port>', 'the certificate authority\'s gRPC port (TLS; default 15012, or a free one with --xds-port 0)', port)
    .option('--monitoring-port <port>', 'control plane metrics and debug port', port, 15014)
    .option('--dashboard-port <port>', 'the dashboard\'s port on 127.0.0.1 (default 20001, Kiali\'s, or a free one with --xds-port 0; `strait dashboard` prints its URL)', port)
    .option('--pod-network <127.N>', 'loopback /16 of the pods\' addresses (their apps use 127.N+1)', podNetwork, DEFAULT_POD_NETWORK)
    .option('--addons', 'also run the observability addons: the zipkin collector and, when it is on PATH, Prometheus', false)
    .action(runUp);
  program.command('down').description('stop the running local mesh (the applied objects are kept for the next `strait up`)')
    .option('--purge', 'also forget the applied objects and the logs: the next `strait up` starts afresh')
    .action(runDown);
  program.command('reset').description('stop the local mesh if it runs and forget its applied objects and logs (strait down --purge)')
    .action(() => runDown({ purge: true }));
}
