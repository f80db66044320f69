// RE2 regexes from config (Envoy's safe_regex and regex rewrites, Istio's StringMatch regex), on
// re2js: linear-time matching, and syntax errors in RE2's wording (Envoy) or Go's (Istio).
import { RE2JS, RE2JSSyntaxException } from 're2js';

/** A pattern RE2 refuses: `message` in RE2's (Envoy's) wording, `goMessage` in Go regexp's (Istio's). */
export class Re2SyntaxError extends Error {
  constructor(message: string, readonly goMessage: string) {
    super(message);
  }
}

/** Go regexp's error codes (re2js reports these) -> RE2's own, as Envoy prints them. */
const RE2_CODE: Record<string, string> = {
  'invalid or unsupported Perl syntax': 'invalid perl operator',
  'invalid nested repetition operator': 'bad repetition operator',
  'invalid repeat count': 'invalid repetition size',
  'missing argument to repetition operator': 'no argument for repetition operator',
  'missing closing )': 'missing )',
  'missing closing ]': 'missing ]',
  'trailing backslash at end of expression': 'trailing \\',
  'invalid named capture': 'invalid named capture group',
  'duplicate capture group name': 'invalid named capture group',
};

function syntaxError(e: RE2JSSyntaxException): Re2SyntaxError {
  const code = e.getDescription();
  const arg = e.getPattern() ?? '';
  const go = `error parsing regexp: ${code}: \`${arg}\``;
  let re2 = `${RE2_CODE[code] ?? code}${arg === '' ? '' : `: ${arg}`}`;
  // Go reads `(?<` as the start of a group name; RE2 reports lookbehind as a Perl operator.
  if (code === 'invalid named capture' && /^\(\?<[=!]/.test(arg)) re2 = 'invalid perl operator: (?<';
  if (arg === '\\C') re2 += ' (matching single bytes is not supported by Strait)';
  return new Re2SyntaxError(re2, go);
}

/** Bytes of short inputs, re-used: re2js reads its input only during the call. */
const SCRATCH = new Uint8Array(8192);

/**
 * What re2js should read for a string from a codec, where each char is one byte (latin1):
 * ASCII as is; other bytes as UTF-8, as RE2 reads them in Envoy. A string with a char above
 * U+00FF cannot be such a byte string, so it is read as text. One difference from Google's RE2
 * stays: a byte that is not valid UTF-8 reads as U+FFFD (as in Go), which `.` and `[^x]` match.
 */
function wireInput(s: string): string | Uint8Array {
  const n = s.length;
  let i = 0;
  while (i < n && s.charCodeAt(i) < 0x80) i++;
  if (i === n) return s;
  const bytes = n <= SCRATCH.length ? SCRATCH.subarray(0, n) : new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c > 0xff) return s;
    bytes[k] = c;
  }
  return bytes;
}

/** Length of the UTF-8 sequence at `i` of `bytes`, or 1 when it is not a valid one (RE2 skips one byte). */
function utf8Length(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 1;
  if (n === 1 || i + n > bytes.length) return 1;
  for (let k = 1; k < n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 1;
  return n;
}

/** A checked RE2 rewrite string: literal text and `\N` group numbers, in order. */
export type Re2Rewrite = readonly (string | number)[];

/** An RE2 pattern compiled once. Match and replace inputs are strings as the codecs give them. */
export class Re2 {
  private constructor(private readonly re: RE2JS) {}

  /** Compiles `pattern` (RE2 syntax, case-sensitive, UTF-8); throws Re2SyntaxError. */
  static compile(pattern: string): Re2 {
    try {
      return new Re2(RE2JS.compile(pattern));
    } catch (e) {
      if (e instanceof RE2JSSyntaxException) throw syntaxError(e);
      throw e;
    }
  }

  /** The number of capturing groups. */
  get groups(): number {
    return this.re.groupCount();
  }

  /** RE2::FullMatch: the whole string matches (Envoy's safe_regex). */
  fullMatch(s: string): boolean {
    return this.re.testExact(wireInput(s));
  }

  /** RE2::PartialMatch on JS text (stat names, config strings): some part of it matches. */
  partialMatchText(s: string): boolean {
    return this.re.test(s);
  }

  /** Checks an RE2 rewrite string (`\0`..`\9`, `\\`) as RE2::CheckRewriteString does; throws Error. */
  rewrite(text: string): Re2Rewrite {
    const parts: (string | number)[] = [];
    let lit = '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch !== '\\') {
        lit += ch;
        continue;
      }
      const next = text[++i];
      if (next === '\\') {
        lit += '\\';
      } else if (next !== undefined && next >= '0' && next <= '9') {
        const n = next.charCodeAt(0) - 48;
        if (n > this.groups) {
          throw new Error(`requested group ${n} in regexp ${this.re.pattern()} which has only ${this.groups} groups`);
        }
        if (lit !== '') parts.push(lit);
        lit = '';
        parts.push(n);
      } else {
        throw new Error(`invalid rewrite pattern: ${text}`);
      }
    }
    if (lit !== '') parts.push(lit);
    return parts;
  }

  /** RE2::GlobalReplace: every non-overlapping match replaced by `rw`; an empty match right after a match is skipped. */
  globalReplace(s: string, rw: Re2Rewrite): string {
    const input = wireInput(s);
    const bytes = typeof input === 'string' ? null : input;
    const m = this.re.matcher(input);
    const end = s.length;
    let out = '';
    let p = 0;
    let lastEnd = -1;
    let count = 0;
    while (p <= end && m.find(p)) {
      const start = m.start(0);
      const stop = m.end(0);
      out += s.slice(p, start);
      if (start === lastEnd && start === stop) {
        // Step over one character (a UTF-8 sequence, or a UTF-16 code point) and try again.
        const n = p >= end ? 1 : bytes ? utf8Length(bytes, p) : (s.codePointAt(p)! > 0xffff ? 2 : 1);
        out += s.slice(p, p + n);
        p += n;
        continue;
      }
      for (const part of rw) {
        if (typeof part === 'string') out += part;
        else if (m.start(part) >= 0) out += s.slice(m.start(part), m.end(part));
      }
      p = lastEnd = stop;
      count++;
    }
    return count === 0 ? s : out + s.slice(p);
  }
}

/** RE2's error text for a pattern (Envoy's wording), or undefined when RE2 accepts it. */
export function re2Error(pattern: string): string | undefined {
  try {
    Re2.compile(pattern);
    return undefined;
  } catch (e) {
    if (e instanceof Re2SyntaxError) return e.message;
    throw e;
  }
}

/** Go regexp's error text for a pattern (what Istio's validation quotes), or undefined when Go accepts it. */
export function goRegexpError(pattern: string): string | undefined {
  try {
    Re2.compile(pattern);
    return undefined;
  } catch (e) {
    if (e instanceof Re2SyntaxError) return e.goMessage;
    throw e;
  }
}
