// `strait proxy-config|pc all|routes|clusters|listeners|endpoints|secret|bootstrap|log POD[.NS]`: like
// istioctl proxy-config, reads a local mesh pod's proxy admin API and prints istioctl's tables.
import type { Command } from 'commander';
import { port } from '../option-parsers.js';
import { readMeshState, type PodState } from '../../mesh/local/state.js';
import { resolveProxyPod } from '../pod-ref.js';
import { fetchJson, fetchText } from '../istioctl/admin-client.js';
import { filteredClusters, clusterTable } from '../istioctl/cluster-table.js';
import { bootstrapOf, section } from '../istioctl/config-dump.js';
import { endpointTable, rowsFromClusters } from '../istioctl/endpoint-table.js';
import { arr, obj, withoutType } from '../istioctl/json-access.js';
import { filteredListeners, listenerTable } from '../istioctl/listener-table.js';
import { parseOutput, render } from '../istioctl/output.js';
import { filteredRoutes, routeTable } from '../istioctl/route-table.js';
import { secretTable } from '../istioctl/secret-table.js';

interface Common {
  namespace?: string;
  output?: string;
}

function podOf(ref: string, opts: Common): { pod: PodState; admin: string } {
  const pod = resolveProxyPod(readMeshState(), ref, opts.namespace);
  return { pod, admin: `http://${pod.podIp}:${pod.adminPort}` };
}

async function configDump(ref: string, opts: Common): Promise<unknown> {
  const { pod, admin } = podOf(ref, opts);
  return fetchJson(`${admin}/config_dump`, `the proxy of ${pod.name}.${pod.namespace}`);
}

/** Prints the table, or the resources as JSON/YAML. */
function emit(opts: Common, table: () => string, resources: () => unknown): void {
  const format = parseOutput(opts.output);
  process.stdout.write(format === 'short' ? table() : render(resources(), format));
}

function sub(parent: Command, name: string, alias: string, description: string): Command {
  return parent.command(`${name} <pod>`).alias(alias).description(description)
    .option('-n, --namespace <ns>', 'the pod\'s namespace')
    .option('-o, --output <format>', 'output format: short, json or yaml', 'short');
}

/** Adds the `proxy-config` (`pc`) command and its subcommands. */
export function registerProxyConfigCommand(program: Command): void {
  const pc = program.command('proxy-config').alias('pc')
    .description('retrieve information about a local mesh proxy\'s configuration (like istioctl proxy-config)');

  sub(pc, 'all', 'a', 'the clusters, listeners, routes, endpoints and secrets of a pod\'s proxy (-o json|yaml: its /config_dump)')
    .action(async (ref: string, o: Common) => {
      const { pod, admin } = podOf(ref, o);
      const what = `the proxy of ${pod.name}.${pod.namespace}`;
      const dump = await fetchJson(`${admin}/config_dump`, what);
      if (parseOutput(o.output) !== 'short') {
        emit(o, () => '', () => dump);
        return;
      }
      const clusters = await fetchJson(`${admin}/clusters?format=json`, what);
      process.stdout.write([clusterTable(dump, {}), listenerTable(dump, {}), routeTable(dump, {}),
        endpointTable(rowsFromClusters(clusters), {}), secretTable(dump)].join('\n'));
    });

  sub(pc, 'routes', 'route', 'the route configurations of a pod\'s proxy')
    .option('--name <name>', 'only the route configuration of this name')
    .action(async (ref: string, o: Common & { name?: string }) => {
      const dump = await configDump(ref, o);
      emit(o, () => routeTable(dump, o), () => filteredRoutes(dump, o).map(withoutType));
    });

  sub(pc, 'clusters', 'cluster', 'the clusters of a pod\'s proxy')
    .option('--fqdn <fqdn>', 'only clusters of this service FQDN')
    .option('--port <port>', 'only clusters of this port', port)
    .option('--subset <subset>', 'only clusters of this subset')
    .option('--direction <dir>', 'only inbound or outbound clusters')
    .action(async (ref: string, o: Common & { fqdn?: string; port?: number; subset?: string; direction?: string }) => {
      const dump = await configDump(ref, o);
      emit(o, () => clusterTable(dump, o), () => filteredClusters(dump, o).map(withoutType));
    });

  sub(pc, 'listeners', 'listener', 'the listeners of a pod\'s proxy')
    .option('--address <ip>', 'only listeners on this address')
    .option('--port <port>', 'only listeners on this port', port)
    .action(async (ref: string, o: Common & { address?: string; port?: number }) => {
      const dump = await configDump(ref, o);
      emit(o, () => listenerTable(dump, o), () => filteredListeners(dump, o).map(withoutType));
    });

  sub(pc, 'endpoints', 'endpoint', 'the endpoints of a pod\'s proxy, from its /clusters')
    .option('--cluster <name>', 'only endpoints of this cluster')
    .option('--address <ip>', 'only endpoints of this address')
    .option('--port <port>', 'only endpoints of this port', port)
    .option('--status <status>', 'only endpoints of this status (HEALTHY, UNHEALTHY ...)')
    .action(async (ref: string, o: Common & { cluster?: string; address?: string; port?: number; status?: string }) => {
      const { pod, admin } = podOf(ref, o);
      const clusters = await fetchJson(`${admin}/clusters?format=json`, `the proxy of ${pod.name}.${pod.namespace}`);
      emit(o, () => endpointTable(rowsFromClusters(clusters), o),
        () => arr(obj(clusters)['cluster_statuses']).filter((c) => !o.cluster || obj(c)['name'] === o.cluster));
    });

  sub(pc, 'secret', 'secrets', 'the secrets (workload certificate and root) of a pod\'s proxy')
    .action(async (ref: string, o: Common) => {
      const dump = await configDump(ref, o);
      emit(o, () => secretTable(dump), () => withoutType(section(dump, 'SecretsConfigDump')));
    });

  pc.command('bootstrap <pod>').alias('b').description('the bootstrap of a pod\'s proxy')
    .option('-n, --namespace <ns>', 'the pod\'s namespace')
    .option('-o, --output <format>', 'output format: json or yaml', 'json')
    .action(async (ref: string, o: Common) => {
      const dump = await configDump(ref, o);
      const format = parseOutput(o.output);
      const bootstrap = Object.keys(bootstrapOf(dump)).length > 0 ? withoutType(section(dump, 'BootstrapConfigDump')) : {};
      process.stdout.write(render(bootstrap, format === 'yaml' ? 'yaml' : 'json'));
    });

  pc.command('log <pod>').description('the logger levels of a pod\'s proxy; --level changes them')
    .option('-n, --namespace <ns>', 'the pod\'s namespace')
    .option('--level <level>', 'set every logger (or name:level,name:level) to this level')
    .action(async (ref: string, o: Common & { level?: string }) => {
      const { pod, admin } = podOf(ref, o);
      const q = o.level === undefined ? '' : o.level.includes(':') ? `?paths=${encodeURIComponent(o.level)}` : `?level=${encodeURIComponent(o.level)}`;
      process.stdout.write(await fetchText(`${admin}/logging${q}`, `the proxy of ${pod.name}.${pod.namespace}`, 'POST'));
    });
}
