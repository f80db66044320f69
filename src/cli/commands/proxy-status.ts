// `strait proxy-status`: like istioctl proxy-status, the xDS sync state of every proxy connected
// to the local mesh's pilot, from its /debug/syncz on the monitoring port.
import type { Command } from 'commander';
import { readMeshState } from '../../mesh/local/state.js';
import { baseUrl, fetchJson } from '../istioctl/admin-client.js';
import { parseOutput, render } from '../istioctl/output.js';
import { statusTable } from '../istioctl/status-table.js';

/** Adds the `proxy-status` (`ps`) command. */
export function registerProxyStatusCommand(program: Command): void {
  program.command('proxy-status').alias('ps')
    .description('the xDS sync status of each proxy in the local mesh (like istioctl proxy-status)')
    .option('-o, --output <format>', 'output format: short, json or yaml', 'short')
    .action(async (o: { output?: string }) => {
      const format = parseOutput(o.output);
      const state = readMeshState();
      const syncz = await fetchJson(`${baseUrl(state.monitoringAddress)}/debug/syncz`, 'pilot');
      process.stdout.write(format === 'short' ? statusTable(syncz, 'pilot') : render(syncz, format));
    });
}
