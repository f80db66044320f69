// `strait apply/delete/label/chaos/exec` against the running local mesh (kubectl's jobs, and
// the book's bin/chaos.sh), through the control API and the pods that mesh.json names.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { fetchControl } from '../control-api.js';
import { manifestFiles } from '../manifest-files.js';
import { httpProxyOf, readMeshState, type MeshState } from '../../mesh/local/state.js';
import { resolvePod } from '../pod-ref.js';

function readInputs(paths: readonly string[]): { source: string; text: string }[] {
  return paths.flatMap((p) => manifestFiles(p, 'error')).map((f) => ({ source: f === '-' ? 'stdin' : f, text: readFileSync(f === '-' ? 0 : f, 'utf8') }));
}

interface ControlAnswer { lines?: string[]; warnings?: string[]; errors?: string[] }

async function send(s: MeshState, path: string, body: string): Promise<ControlAnswer> {
  const r = await fetchControl(s, path, { method: 'POST', body });
  return await r.json() as ControlAnswer;
}

async function change(action: 'apply' | 'delete', flags: { filename: string[]; namespace?: string }): Promise<void> {
  if (!flags.filename?.length) throw new CliError(`error: must specify one of -f and -k`);
  const s = readMeshState();
  let failed = false;
  for (const input of readInputs(flags.filename)) {
    const q = new URLSearchParams({ namespace: flags.namespace ?? 'default', source: input.source });
    const a = await send(s, `/${action}?${q}`, input.text);
    for (const l of a.lines ?? []) process.stdout.write(`${l}\n`);
    for (const w of a.warnings ?? []) process.stderr.write(`${w}\n`);
    for (const e of a.errors ?? []) { process.stderr.write(`${e}\n`); failed = true; }
  }
  if (failed) process.exitCode = 1;
}

/** kubectl's `label namespace NAME key=value|key- ...` (namespaces only: what injection reads). */
async function label(kindArg: string, name: string, changes: string[], flags: { overwrite?: boolean }): Promise<void> {
  if (!['ns', 'namespace', 'namespaces'].includes(kindArg.toLowerCase())) {
    throw new CliError('error: strait label changes namespaces only (as `strait label namespace NAME istio-injection=enabled`)');
  }
  if (changes.length === 0) throw new CliError('error: at least one label update is required');
  const s = readMeshState();
  const q = new URLSearchParams({ name, overwrite: String(flags.overwrite === true) });
  for (const c of changes) q.append('label', c);
  const a = await send(s, `/label?${q}`, '');
  for (const l of a.lines ?? []) process.stdout.write(`${l}\n`);
  for (const e of a.errors ?? []) { process.stderr.write(`${e}\n`); process.exitCode = 1; }
}

async function chaos(service: string, args: string[], flags: { namespace?: string }): Promise<void> {
  const { parseChaosArgs, sendChaos } = await import('../../../samples/catalog/chaos-client.js');
  let command;
  try {
    command = parseChaosArgs(args);
  } catch (e) {
    throw new CliError(`error: ${(e as Error).message}`);
  }
  const s = readMeshState();
  const pods = s.pods.filter((p) => p.labels['app'] === service && (!flags.namespace || p.namespace === flags.namespace) && p.appPorts.length > 0);
  if (pods.length === 0) throw new CliError(`error: no pods of app "${service}" are running`);
  const answers = await sendChaos(command, pods.map((p) => `http://${p.appAddress}:${p.appPorts[0]}`));
  pods.forEach((p, i) => process.stdout.write(`${p.name}: ${answers[i]!.status}\n`));
}

async function exec(ref: string, command: string[], flags: { namespace?: string }): Promise<void> {
  if (command.length === 0) throw new CliError('error: you must specify at least one command for the container');
  const pod = resolvePod(readMeshState(), ref, flags.namespace);
  // Its sidecar's explicit proxy, or for a pod with no sidecar the mesh's service proxy (cluster DNS + kube-proxy).
  const proxy = httpProxyOf(pod);
  const env = proxy ? { ...process.env, HTTP_PROXY: proxy, http_proxy: proxy, NO_PROXY: 'localhost', no_proxy: 'localhost' } : process.env;
  const code = await new Promise<number>((resolve) => {
    const c = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
    c.once('error', (e) => { process.stderr.write(`error: ${e.message}\n`); resolve(127); });
    c.once('exit', (code) => resolve(code ?? 1));
  });
  process.exitCode = code;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Adds apply, delete, label, chaos and exec. */
export function registerMeshClientCommands(program: Command): void {
  for (const action of ['apply', 'delete'] as const) {
    program.command(action).description(`${action === 'apply' ? 'apply' : 'delete'} manifests in the running local mesh (as kubectl ${action} -f)`)
      .option('-f, --filename <file>', 'file, directory or - for stdin (repeatable)', collect)
      .option('-n, --namespace <ns>', 'namespace of objects that name none', 'default')
      .action((flags: { filename: string[]; namespace?: string }) => change(action, flags));
  }
  program.command('label <kind> <name> <labels...>').description('add, change (--overwrite) or remove (key-) a namespace\'s labels, as `strait label namespace default istio-injection=enabled`; pods created afterwards follow them')
    .option('--overwrite', 'allow changing a label\'s value').action(label);
  program.command('chaos <service> <args...>').description('the book\'s bin/chaos.sh: `chaos catalog 500 50`, `chaos catalog 500 delete`, `chaos catalog latency 1000`')
    .option('-n, --namespace <ns>', 'namespace of the service').action(chaos);
  program.command('exec <pod> <command...>').description('run a command "in" a pod: with HTTP_PROXY set to its sidecar (or, with none, the mesh\'s service proxy), as `strait exec deploy/sleep -- curl http://catalog/items`')
    .option('-n, --namespace <ns>', 'namespace').action(exec);
}
