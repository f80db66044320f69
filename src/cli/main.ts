// The `strait` command: every subcommand on commander, run by run.ts's top level (one message
// and an exit code per failure). bin/strait.js takes proxy-main.ts's path for `strait proxy`.
import type { Command } from 'commander';
import { buildCommandTree, runProgram } from './run.js';
import { registerProxyCommand } from './commands/proxy.js';
import { registerVersionCommand } from './commands/version.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerPilotCommand } from './commands/pilot.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerAnalyzeCommand } from './commands/analyze.js';
import { registerUpCommands } from './commands/up.js';
import { registerInstallCommands } from './commands/install.js';
import { registerDashboardCommand } from './commands/dashboard.js';
import { registerExperimentalCommands } from './commands/experimental.js';
import { registerMeshClientCommands } from './commands/mesh-client.js';
import { registerGetCommand } from './commands/get.js';
import { registerLogsCommand } from './commands/logs.js';
import { registerDescribeCommand } from './commands/describe.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerProxyConfigCommand } from './commands/proxy-config.js';
import { registerProxyStatusCommand } from './commands/proxy-status.js';
import { registerZipkinCommand } from './commands/zipkin.js';

/** Builds the command tree (exported for tests and for help generation). */
export function buildProgram(): Command {
  return buildCommandTree((program) => {
    registerProxyCommand(program);
    registerVersionCommand(program);
    registerDemoCommand(program);
    registerPilotCommand(program);
    registerValidateCommand(program);
    registerAnalyzeCommand(program);
    registerUpCommands(program);
    registerInstallCommands(program);
    registerDashboardCommand(program);
    registerExperimentalCommands(program);
    registerMeshClientCommands(program);
    registerGetCommand(program);
    registerLogsCommand(program);
    registerDescribeCommand(program);
    registerProxyConfigCommand(program);
    registerProxyStatusCommand(program);
    registerZipkinCommand(program);
    registerCompletionCommand(program);
  });
}

/** Runs the CLI on `argv` (as process.argv); resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}

export { installProcessGuards } from './run.js';
