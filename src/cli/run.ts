// Runs a `strait` command tree: the top level shared by the full CLI and the proxy's fast path,
// turning every failure into a message and an exit code (no stack traces unless STRAIT_DEBUG).
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { packageInfo } from './package-info.js';

const DEBUG_HINT = 'set STRAIT_DEBUG=1 to print the stack trace (and please report it: it is a bug in strait)';

/** The `strait` program with its top-level settings; `register` adds the subcommands. */
export function buildCommandTree(register: (program: Command) => void): Command {
  const program = new Command();
  program
    .name('strait')
    .description('A service mesh that speaks Envoy\'s and Istio\'s own languages')
    .version(packageInfo().version, '-V, --version', 'print the version of strait')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  register(program);
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

/** Runs `program` on `argv` (as process.argv); resolves to the exit code. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv]);
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
