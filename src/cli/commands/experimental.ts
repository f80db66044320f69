// istioctl's experimental group, `strait x` (alias experimental): precheck, and `describe pod`, which
// tells which Services, routing rules and policies apply to a local mesh pod.
import type { Command } from 'commander';
import { readMeshState } from '../../mesh/local/state.js';
import { fetchJson } from '../istioctl/admin-client.js';
import { describePodText, inboundRbacPolicies } from '../istioctl/describe-pod.js';
import { meshObjects } from '../kubectl/mesh-objects.js';
import { resolvePod } from '../pod-ref.js';
import { registerPrecheckCommand } from './precheck.js';

async function describePod(ref: string, flags: { namespace?: string }): Promise<void> {
  const s = readMeshState();
  const pod = resolvePod(s, ref, flags.namespace);
  const dump = await fetchJson(`http://${pod.podIp}:${pod.adminPort}/config_dump`, `the proxy of ${pod.name}.${pod.namespace}`);
  const ports = [...(pod.type === 'sidecar' ? pod.appPorts.map((port) => ({ port, container: pod.deployment })) : []), { port: pod.adminPort, container: 'istio-proxy' }];
  process.stdout.write(describePodText({ name: pod.name, namespace: pod.namespace, labels: pod.labels, ports }, await meshObjects(s),
    inboundRbacPolicies(dump), flags.namespace ?? 'default'));
}

/** Adds `x` (alias experimental) with precheck and describe pod. */
export function registerExperimentalCommands(program: Command): void {
  const x = program.command('x').alias('experimental').description('experimental commands, as istioctl x');
  registerPrecheckCommand(x);
  const describe = x.command('describe').description('describe a resource and the Istio configuration that applies to it');
  describe.command('pod <pod>').alias('po').description('the Services, VirtualServices, DestinationRules and policies that apply to a pod (POD[.NS], deploy/NAME)')
    .option('-n, --namespace <ns>', 'the pod\'s namespace').action(describePod);
  [...x.commands, ...describe.commands].forEach((c) => c.exitOverride());
}
