// `strait x precheck`: as istioctl x precheck, checks that the local mesh can start here: Node's
// version, per-pod loopback addresses, the fixed ports (8080, 15010, 15014), $STRAIT_HOME.
import net from 'node:net';
import { accessSync, constants, mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { straitHome } from '../../mesh/local/state.js';

const canListen = (host: string, port: number): Promise<string | undefined> => new Promise((resolve) => {
  const s = net.createServer();
  s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  s.listen(port, host, () => s.close(() => resolve(undefined)));
});

async function precheck(): Promise<string[]> {
  const issues: string[] = [];
  // bin/strait.js refuses an older Node before any command runs; precheck says so too when run from the built CLI.
  if (!process.features.require_module) issues.push(`Node.js ${process.versions.node} is too old: Strait needs 20.19 or newer`);
  const pod = await canListen('127.77.0.1', 0);
  if (pod) issues.push(`cannot bind the pod address 127.77.0.1 (${pod}): the loopback interface must accept all of 127.0.0.0/8`);
  for (const port of [8080, 15010, 15014]) {
    const err = await canListen('127.0.0.1', port);
    if (err) issues.push(`127.0.0.1:${port} is not free (${err}); \`ss -ltnp 'sport = :${port}'\` shows what holds it`);
  }
  try {
    mkdirSync(straitHome(), { recursive: true });
    accessSync(straitHome(), constants.W_OK);
  } catch (e) {
    issues.push(`${straitHome()} is not writable (${(e as Error).message}); set STRAIT_HOME`);
  }
  return issues;
}

/** Adds `precheck` to istioctl's experimental group `x` (experimental.ts). */
export function registerPrecheckCommand(x: Command): void {
  x.command('precheck').description('check that the local mesh can be started on this machine').action(async () => {
    const issues = await precheck();
    if (issues.length === 0) {
      process.stdout.write('✔ No issues found when checking the machine. Strait is safe to start (strait up).\n');
      return;
    }
    for (const i of issues) process.stdout.write(`Error: ${i}\n`);
    process.exitCode = 1;
  });
}
