// `strait describe pods|services [NAME]`: kubectl describe for the running local mesh's pods
// (POD[.NS] or deploy/NAME) and Services (with the pod addresses each port reaches).
import type { Command } from 'commander';
import { readMeshState } from '../../mesh/local/state.js';
import { CliError } from '../cli-error.js';
import { obj, type Json } from '../istioctl/json-access.js';
import { describePod, describeService } from '../kubectl/describe.js';
import { meshObjects, podObject, podStartTime } from '../kubectl/mesh-objects.js';
import { groupResource, resourceType } from '../kubectl/resources.js';
import { resolvePod } from '../pod-ref.js';
import { selects } from '../../pilot/registry/workload.js';

interface Flags { namespace?: string }

async function describe(typeArg: string, name: string | undefined, flags: Flags): Promise<void> {
  const r = resourceType(typeArg);
  const s = readMeshState();
  const ns = flags.namespace ?? 'default';
  let texts: string[];
  if (r.kind === 'Pod') {
    const pods = name === undefined ? s.pods.filter((p) => p.namespace === ns) : [resolvePod(s, name, ns)];
    texts = await Promise.all(pods.map(async (p) => describePod(podObject(p, await podStartTime(p)))));
  } else if (r.kind === 'Service') {
    const services = (await meshObjects(s)).filter((o) => o.kind === 'Service' && o.metadata.namespace === ns && (name === undefined || o.metadata.name === name));
    if (name !== undefined && services.length === 0) throw new CliError(`Error from server (NotFound): ${groupResource(r)} "${name}" not found`);
    texts = services.map((svc) => {
      const selector = obj(obj(svc.spec)['selector']) as Record<string, string>;
      const backends = Object.keys(selector).length === 0 ? [] : s.pods.filter((p) => p.namespace === ns && selects(selector, p.labels));
      const target = (port: Json): number => (typeof port['targetPort'] === 'number' ? port['targetPort'] : Number(port['port']));
      return describeService(svc, (port) => backends.map((p) => `${p.podIp}:${target(port)}`));
    });
  } else {
    throw new CliError(`error: strait describes pods and services only (not ${r.plural})`);
  }
  if (texts.length === 0) process.stderr.write(`No resources found in ${ns} namespace.\n`);
  process.stdout.write(texts.join('\n\n'));
}

/** Adds `describe`. */
export function registerDescribeCommand(program: Command): void {
  program.command('describe <type> [name]').description('show the details of a pod or Service in the running local mesh, as kubectl describe')
    .option('-n, --namespace <ns>', 'namespace').action(describe);
}
