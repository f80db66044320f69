// `strait proxy`'s entry: the same top level as main.ts with only the proxy subcommand, so a
// sidecar's start-up does not load the control plane's and the other commands' modules.
import { registerProxyCommand } from './commands/proxy.js';
import { buildCommandTree, runProgram } from './run.js';

/** Runs `strait proxy ...` (argv as process.argv, with argv[2] === 'proxy'). */
export async function run(argv: readonly string[]): Promise<number> {
  return runProgram(buildCommandTree(registerProxyCommand), argv);
}

export { installProcessGuards } from './run.js';
