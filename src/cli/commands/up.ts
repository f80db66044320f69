// `strait up [DIR]` and `strait down`: the whole mesh on this machine (pilot, gateways, a pod per
// Deployment replica), the built-in ch2 demo when no DIR is given; down stops a running one.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { port } from '../option-parsers.js';
import { CliError } from '../cli-error.js';
import { manifestFiles } from '../manifest-files.js';
import { DEFAULT_POD_NETWORK } from '../../mesh/local/addresses.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const DIST = join(ROOT, 'dist');

interface UpFlags { namespace: string; ingressPort: number; xdsPort: number; monitoringPort: number; podNetwork: number; addons: boolean }

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
  return /EADDRINUSE\D*((?:\d+\.){3}\d+:\d+)/.exec(String(err.message))?.[1]; // gRPC's bind error names it in the text
}

async function runUp(dir: string | undefined, flags: UpFlags): Promise<void> {
  const [{ LocalMesh }, { admit }, state, { startControlApi }, { packageInfo }, { installedProfile }] = await Promise.all([
    import('../../mesh/local/local-mesh.js'), import('../../mesh/local/admission.js'), import('../../mesh/local/state.js'),
    import('../../mesh/local/control-api.js'), import('../package-info.js'), import('../../mesh/local/profiles.js'),
  ]);
  const profile = installedProfile();
  const existing = (() => { try { return state.readMeshState(); } catch { return undefined; } })();
  if (existing) throw new CliError(`error: a local mesh is already running (process ${existing.pid}); stop it with \`strait down\``);
  const files = dir === undefined ? [join(ROOT, 'samples', 'demo', 'istioinaction.yaml')] : manifestFiles(dir, 'strait up');
  const namespace = dir === undefined ? 'istioinaction' : flags.namespace;
  const admissions = files.map((f) => admit(readFileSync(f, 'utf8'), f, namespace, new Set()));
  for (const w of admissions.flatMap((a) => a.warnings)) process.stderr.write(`${w}\n`);
  const refused = admissions.flatMap((a) => a.refused);
  if (refused.length > 0) throw new CliError(`${refused.join('\n')}\nerror: the mesh was not started: fix the manifests above`);
  const manifests = admissions.flatMap((a) => a.accepted);
  const started = Date.now();
  const out = (m: string): void => { process.stdout.write(`${m}\n`); };
  const mesh = new LocalMesh({
    runDir: state.runDir(), xdsPort: flags.xdsPort, monitoringPort: flags.monitoringPort,
    ingressHost: '127.0.0.1', ingressPort: flags.ingressPort, version: packageInfo().version, profile,
    podNetwork: flags.podNetwork, addons: flags.addons,
    paths: { node: process.execPath, straitBin: join(ROOT, 'bin', 'strait.js'), appEntry: join(DIST, 'src', 'mesh', 'local', 'app-process.js') },
    log: (level, msg) => { if (level === 'warn' || level === 'error') process.stderr.write(`${level}\t${msg}\n`); },
    progress: (m) => out(`  ✔ ${m}`),
  });
  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((r) => { markStopped = r; });
  const stop = (): Promise<void> => (stopping ??= (async () => {
    out('stopping the mesh ...');
    state.removeMeshState();
    await control?.close();
    await mesh.stop();
    out('mesh stopped');
    markStopped();
  })());
  process.once('SIGINT', () => { void stop(); });
  process.once('SIGTERM', () => { void stop(); });
  let control: Awaited<ReturnType<typeof startControlApi>> | undefined;
  out(`starting the mesh, profile ${profile.name} (${files.length} manifest file${files.length === 1 ? '' : 's'}, ${manifests.length} objects)`);
  try {
    await mesh.start(manifests);
    const stateOf = (url: string): ReturnType<typeof mesh.state> => mesh.state(process.pid, url);
    control = await startControlApi(mesh, stateOf, () => state.writeMeshState(stateOf(control!.url)), () => { void stop(); });
  } catch (e) {
    await stop();
    const where = inUse(e);
    if (where) throw new CliError(`error: ${where} is already in use; stop what holds it (\`ss -ltnp 'sport = :${where.slice(where.lastIndexOf(':') + 1)}'\` shows it) or choose another port`);
    throw new CliError(`error: the mesh did not start: ${(e as Error).message}`);
  }
  state.writeMeshState(mesh.state(process.pid, control.url));
  const ingress = mesh.ingressAddress ? `; ingress gateway on http://${mesh.ingressAddress}` : ' (no ingress gateway in this profile)';
  out(`mesh ready in ${((Date.now() - started) / 1000).toFixed(1)} s${ingress}`);
  if (dir === undefined && mesh.ingressAddress) out(`try: curl http://${mesh.ingressAddress}/api/catalog`);
  out('Ctrl-C or `strait down` stops it.');
  await stopped;
}

async function runDown(): Promise<void> {
  const { readMeshState } = await import('../../mesh/local/state.js');
  const s = readMeshState();
  await fetch(`${s.controlUrl}/down`, { method: 'POST' }).catch(() => undefined);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try { process.kill(s.pid, 0); } catch { process.stdout.write('mesh stopped\n'); return; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CliError(`error: the mesh (process ${s.pid}) did not stop in 15 s`);
}

/** Adds `up` and `down`. */
export function registerUpCommands(program: Command): void {
  program
    .command('up [dir]')
    .description('run the mesh on this machine: control plane, gateways, and a pod with a sidecar per Deployment in DIR (default: the book\'s ch2 demo)')
    .option('-n, --namespace <ns>', 'namespace of objects in DIR that name none', 'default')
    .option('--ingress-port <port>', 'where the ingress gateway\'s port 8080 is published on 127.0.0.1', port, 8080)
    .option('--xds-port <port>', 'control plane xDS port', port, 15010)
    .option('--monitoring-port <port>', 'control plane metrics and debug port', port, 15014)
    .option('--pod-network <127.N>', 'loopback /16 of the pods\' addresses (their apps use 127.N+1)', podNetwork, DEFAULT_POD_NETWORK)
    .option('--addons', 'also run the observability addons: the zipkin collector and, when it is on PATH, Prometheus', false)
    .action(runUp);
  program.command('down').description('stop the running local mesh').action(runDown);
}
