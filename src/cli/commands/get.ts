// `strait get TYPE [NAME]`: kubectl get against the running local mesh: the table (-o wide), -o name,
// -o json|yaml, -A, and -w (the table, then a line per change until interrupted).
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { readMeshState, type MeshState } from '../../mesh/local/state.js';
import type { Manifest } from '../../mesh/local/workloads.js';
import { CliError } from '../cli-error.js';
import { tabulate } from '../istioctl/tab-writer.js';
import { meshObjects, podObjects } from '../kubectl/mesh-objects.js';
import { nameLines, parseGetFormat, serialize, tableRows, type GetFormat, type RowContext } from '../kubectl/printers.js';
import { groupResource, resourceType, type ResourceType } from '../kubectl/resources.js';

interface GetFlags { namespace?: string; allNamespaces?: boolean; output?: string; watch?: boolean }

/** How often -w looks for changes. */
const WATCH_INTERVAL_MS = 1000;

async function items(r: ResourceType, s: MeshState, ns: string | undefined, name: string | undefined): Promise<Manifest[]> {
  const all = r.kind === 'Pod' ? await podObjects(s, ns)
    : (await meshObjects(s)).filter((o) => o.kind === r.kind && (ns === undefined || r.kind === 'Namespace' || o.metadata.namespace === ns));
  const found = all.filter((o) => name === undefined || o.metadata.name === name);
  if (name !== undefined && found.length === 0) throw new CliError(`Error from server (NotFound): ${groupResource(r)} "${name}" not found`);
  return found.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
}

const context = (s: MeshState): RowContext => ({
  now: Date.now(), runningPods: (ns, d) => s.pods.filter((p) => p.namespace === ns && p.deployment === d).length,
});

function print(r: ResourceType, list: Manifest[], format: GetFormat, o: { allNamespaces: boolean; header: boolean; single: boolean }, s: MeshState): string {
  if (format === 'name') return nameLines(r, list);
  if (format === 'json' || format === 'yaml') return serialize(list, format, o.single);
  return tabulate(tableRows(r, list, { wide: format === 'wide', ...o }, context(s)), 3); // kubectl's columns: 3 spaces apart
}

/** What a watch compares: the object without its clock-driven fields. */
const fingerprint = (o: Manifest): string => JSON.stringify({ ...o, status: { ...(o['status'] as object | undefined), startTime: undefined } });

async function watch(r: ResourceType, ns: string | undefined, name: string | undefined, format: GetFormat, allNamespaces: boolean,
  seen: Map<string, string>): Promise<never> {
  for (;;) {
    await sleep(WATCH_INTERVAL_MS);
    const s = readMeshState();
    const now = await items(r, s, ns, undefined);
    const changed = now.filter((o) => (name === undefined || o.metadata.name === name) && seen.get(`${o.metadata.namespace}/${o.metadata.name}`) !== fingerprint(o));
    for (const o of changed) seen.set(`${o.metadata.namespace}/${o.metadata.name}`, fingerprint(o));
    const keys = new Set(now.map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
    for (const k of [...seen.keys()].filter((k) => !keys.has(k))) seen.delete(k);
    // kubectl -w prints each changed object: a row, a name, or the object itself (YAML documents apart).
    if (format === 'json' || format === 'yaml') {
      for (const o of changed) process.stdout.write(`${format === 'yaml' ? '---\n' : ''}${print(r, [o], format, { allNamespaces, header: false, single: true }, s)}`);
    } else if (changed.length > 0) {
      process.stdout.write(print(r, changed, format, { allNamespaces, header: false, single: false }, s));
    }
  }
}

async function get(typeArg: string, name: string | undefined, flags: GetFlags): Promise<void> {
  const r = resourceType(typeArg);
  const format = parseGetFormat(flags.output);
  const s = readMeshState();
  const allNamespaces = Boolean(flags.allNamespaces);
  const ns = allNamespaces ? undefined : flags.namespace ?? 'default';
  const list = await items(r, s, ns, name);
  if (list.length === 0 && (format === 'table' || format === 'wide')) {
    process.stderr.write(ns ? `No resources found in ${ns} namespace.\n` : 'No resources found\n');
  } else {
    process.stdout.write(print(r, list, format, { allNamespaces, header: true, single: name !== undefined }, s));
  }
  if (flags.watch) await watch(r, ns, name, format, allNamespaces, new Map(list.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, fingerprint(o)])));
}

/** Adds `get`. */
export function registerGetCommand(program: Command): void {
  program.command('get <type> [name]')
    .description('list objects of a type in the running local mesh, as kubectl get (pods, services, deployments, virtualservices ...)')
    .option('-n, --namespace <ns>', 'namespace', 'default').option('-A, --all-namespaces', 'every namespace')
    .option('-o, --output <format>', 'json, yaml, wide or name')
    .option('-w, --watch', 'after the list, print a line for each change (until interrupted)')
    .action(get);
}
