// `strait proxy-status`: like istioctl proxy-status, the xDS sync state of every proxy connected
// to the local mesh's pilot, from its /debug/syncz on the monitoring port; on stderr, why a proxy
// is not at the latest push and which objects pilot left out (its /debug/push_status).
import type { Command } from 'commander';
import { readMeshState } from '../../mesh/local/state.js';
import { baseUrl, fetchJson } from '../istioctl/admin-client.js';
import { parseOutput, render } from '../istioctl/output.js';
import { arr, obj, str } from '../istioctl/json-access.js';
import { proxyName, statusNotes, statusTable } from '../istioctl/status-table.js';
import { resolvePod } from '../pod-ref.js';

/** Adds the `proxy-status` (`ps`) command. */
export function registerProxyStatusCommand(program: Command): void {
  program.command('proxy-status [pod]').alias('ps')
    .description('the xDS sync status of each proxy in the local mesh, or of one pod\'s (like istioctl proxy-status)')
    .option('-n, --namespace <ns>', 'the pod\'s namespace')
    .option('-o, --output <format>', 'output format: short, json or yaml', 'short')
    .action(async (ref: string | undefined, o: { namespace?: string; output?: string }) => {
      const format = parseOutput(o.output);
      const state = readMeshState();
      const pod = ref === undefined ? undefined : resolvePod(state, ref, o.namespace);
      const pilot = baseUrl(state.monitoringAddress);
      const all = await fetchJson(`${pilot}/debug/syncz`, 'pilot');
      const syncz = pod ? arr(all).filter((r) => proxyName(str(obj(r)['proxy'])) === `${pod.name}.${pod.namespace}`) : all;
      if (format !== 'short') {
        process.stdout.write(render(syncz, format));
        return;
      }
      process.stdout.write(statusTable(syncz, 'pilot'));
      const pushStatus = await fetchJson(`${pilot}/debug/push_status`, 'pilot').catch(() => ({}));
      for (const note of statusNotes(syncz, pushStatus)) process.stderr.write(`${note}\n`);
    });
}
