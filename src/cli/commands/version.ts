// `strait version`: as istioctl version, the client's version and, when a local mesh runs, the
// control plane's and the data plane's (each connected proxy's, from pilot's /debug/syncz).
import type { Command } from 'commander';
import { packageInfo } from '../package-info.js';

interface SyncStatus { istio_version?: string }

async function remoteLines(): Promise<string[]> {
  const { readMeshState } = await import('../../mesh/local/state.js');
  let s;
  try {
    s = readMeshState();
  } catch {
    return ['no running mesh (start one with `strait up`)'];
  }
  const r = await fetch(`http://${s.monitoringAddress}/debug/syncz`).catch(() => undefined);
  if (!r?.ok) return ['control plane version: unreachable'];
  const proxies = await r.json() as SyncStatus[];
  const byVersion = new Map<string, number>();
  // Strait's proxies report the package version as their build; istioctl groups the same way.
  for (const p of proxies) {
    const v = p.istio_version && p.istio_version !== 'envoy' ? p.istio_version : packageInfo().version;
    byVersion.set(v, (byVersion.get(v) ?? 0) + 1);
  }
  const dp = [...byVersion].map(([v, n]) => `${v} (${n} prox${n === 1 ? 'y' : 'ies'})`).join(', ');
  return [`control plane version: ${packageInfo().version}`, `data plane version: ${dp || 'none (no proxies connected)'}`];
}

/** Adds the `version` subcommand. */
export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .description('print the version of strait; with a running mesh, also its control plane\'s and proxies\'')
    .option('--remote <bool>', 'also ask the running mesh (true|false)', 'true')
    .option('-s, --short', 'only the client version, as a bare number')
    .action(async (flags: { remote: string; short?: boolean }) => {
      if (flags.short) {
        process.stdout.write(`${packageInfo().version}\n`);
        return;
      }
      const lines = [`client version: ${packageInfo().version}`];
      if (flags.remote !== 'false') lines.push(...await remoteLines());
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
