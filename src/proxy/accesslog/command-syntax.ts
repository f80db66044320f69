// Envoy's command operator syntax in format strings, `%COMMAND(SUBCOMMAND):LENGTH%` with `%%` for a
// percent sign: the one scanner access-log formats and header values are both compiled with.

/** A run of plain text, or one command operator. */
export type FormatToken = { literal: string } | { command: string; sub: string | undefined; maxLength: number };

/** COMMAND in [A-Z0-9_], no ')' in SUBCOMMAND. Sticky, used only while parsing config. */
const COMMAND_RE = /%([A-Z0-9_]+)(?:\((.*?)\))?(?::([0-9]+))?%/y;

/**
 * The format's text runs and commands in order (lazily, so a caller's error about one command comes
 * before a syntax error further on); throws Error with Envoy's message at a `%` that starts no command.
 */
export function* scanFormat(format: string): Generator<FormatToken> {
  let literal = '';
  let pos = 0;
  while (pos < format.length) {
    if (format.charCodeAt(pos) !== 37 /* % */) {
      literal += format[pos++];
      continue;
    }
    if (format.charCodeAt(pos + 1) === 37) {
      literal += '%';
      pos += 2;
      continue;
    }
    if (literal !== '') {
      yield { literal };
      literal = '';
    }
    COMMAND_RE.lastIndex = pos;
    const m = COMMAND_RE.exec(format);
    if (m === null) throw new Error(`Incorrect configuration: ${format}. Couldn't find valid command at position ${pos}`);
    yield { command: m[1]!, sub: m[2], maxLength: m[3] === undefined ? -1 : Number(m[3]) };
    pos = COMMAND_RE.lastIndex;
  }
  if (literal !== '') yield { literal };
}
