// `strait version`: prints Strait's version (the package version).
// Kept as its own command as istioctl has one; `strait --version` prints the same.
import type { Command } from 'commander';
import { packageInfo } from '../package-info.js';

/** Adds the `version` subcommand. */
export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .description('print the version of strait')
    .action(() => {
      process.stdout.write(`${packageInfo().version}\n`);
    });
}
