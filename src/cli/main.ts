// The `strait` command: subcommands on commander, and the top level that turns every failure
// into a message and an exit code (no stack traces unless STRAIT_DEBUG is set).
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
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
import { packageInfo } from './package-info.js';

const DEBUG_HINT = 'set STRAIT_DEBUG=1 to print the stack trace (and please report it: it is a bug in strait)';

/** Builds the command tree (exported for tests and for help generation). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('strait')
    .description('A service mesh that speaks Envoy\'s and Istio\'s own languages')
    .version(packageInfo().version, '-V, --version', 'print the version of strait')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
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
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/** A system error (EADDRINUSE, EACCES ...) is the environment's doing, not a bug. */
function isSystemError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

function internalError(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  const debug = Boolean(process.env['STRAIT_DEBUG']);
  if (isSystemError(e)) {
    process.stderr.write(`strait: ${msg}\n`);
  } else {
    process.stderr.write(`strait: internal error: ${msg}\n`);
    if (!debug) process.stderr.write(`strait: ${DEBUG_HINT}\n`);
  }
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
}

/** Runs the CLI on `argv` (as process.argv); resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander already printed help/errors
    if (e instanceof CliError) {
      process.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    internalError(e);
    return 1;
  }
}

/** Process-level guards: a stray async failure also ends in one line, not a stack trace. */
export function installProcessGuards(): void {
  const die = (e: unknown): void => {
    internalError(e);
    process.exit(1);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}
