// Expected failures of a `strait` command (bad input, bad config): a message for stderr and
// an exit code, never a stack trace. Anything else reaching the top level is an internal error.

/** A failure the user can fix; main prints `message` as is and exits with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}
