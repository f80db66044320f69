// RE2 syntax on top of JS RegExp: rejects what RE2 rejects (lookaround, backreferences, atomic
// groups, possessive repeats, unknown escapes) with RE2's error wording, and translates the rest.
// Used for safe_regex validation at config load and by whoever compiles RE2 patterns to RegExp.

/** A translated pattern: JS source and flags, or RE2's error text. */
export type Re2Translation = { ok: true; source: string; flags: string } | { ok: false; error: string };

const RE2_MAX_REPEAT = 1000;

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7f', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/** Characters that keep their backslash in a JS `u` pattern; other escaped punctuation becomes literal. */
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/-'.split(''));

class Re2SyntaxError extends Error {}

function fail(code: string, arg: string): never {
  throw new Re2SyntaxError(`${code}: ${arg}`);
}

function literal(ch: string, inClass = false): string {
  // `\-` is only valid inside a class in a JS `u` pattern.
  return JS_SYNTAX.has(ch) && (ch !== '-' || inClass) ? `\\${ch}` : ch;
}

function codePointEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** Matches `{n}`, `{n,}` or `{n,m}` at position i; RE2 treats any other `{` as a literal. */
function repeatAt(p: string, i: number): { text: string; min: number; max: number } | undefined {
  const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
  return { text: m[0], min, max };
}

/** Translates one escape starting at p[i] === '\\'; returns the JS text and the next index. */
function escape(p: string, i: number, inClass: boolean): [string, number] {
  const c = p[i + 1];
  if (c === undefined) fail('trailing \\', '');
  const here = p.slice(i, i + 2);
  if (/[0-7]/.test(c) && (c === '0' || /[0-7]/.test(p[i + 2] ?? ''))) {
    const m = /^[0-7]{1,3}/.exec(p.slice(i + 1))!;
    return [codePointEscape(parseInt(m[0], 8)), i + 1 + m[0].length];
  }
  if (/[1-9]/.test(c)) fail('invalid escape sequence', here);
  if (/[^0-9A-Za-z]/.test(c)) return [literal(c, inClass), i + 2];
  switch (c) {
    case 'd': case 'D': case 's': case 'S': case 'w': case 'W': case 'f': case 't': case 'n': case 'r': case 'v':
      return [here, i + 2];
    case 'a': return ['\\x07', i + 2];
    case 'b': case 'B':
      if (inClass) fail('invalid escape sequence', here);
      return [here, i + 2];
    case 'A':
      if (inClass) fail('invalid escape sequence', here);
      return ['^', i + 2];
    case 'z':
      if (inClass) fail('invalid escape sequence', here);
      return ['$', i + 2];
    case 'x': {
      const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(p.slice(i + 2));
      if (braced) {
        const cp = parseInt(braced[1]!, 16);
        if (cp > 0x10ffff) fail('invalid escape sequence', p.slice(i, i + 3 + braced[0].length - 1));
        return [codePointEscape(cp), i + 2 + braced[0].length];
      }
      const two = /^[0-9A-Fa-f]{2}/.exec(p.slice(i + 2));
      if (!two) fail('invalid escape sequence', p.slice(i, i + 4));
      return [`\\x${two[0]}`, i + 4];
    }
    case 'p': case 'P': {
      let name: string;
      let end: number;
      if (p[i + 2] === '{') {
        const close = p.indexOf('}', i + 3);
        if (close < 0) fail('invalid character class range', p.slice(i));
        name = p.slice(i + 3, close);
        end = close + 1;
      } else {
        if (p[i + 2] === undefined) fail('invalid character class range', here);
        name = p[i + 2]!;
        end = i + 3;
      }
      let neg = c === 'P';
      if (name.startsWith('^')) { neg = !neg; name = name.slice(1); }
      if (name === 'Any') return [neg ? '[^\\s\\S]' : '[\\s\\S]', end];
      // One- and two-letter names are general categories; longer ones are scripts.
      const prop = name.length <= 2 ? name : `Script=${name}`;
      const out = `\\${neg ? 'P' : 'p'}{${prop}}`;
      try { new RegExp(out, 'u'); } catch { fail('invalid character class range', p.slice(i, end)); }
      return [out, end];
    }
    case 'Q': {
      const e = p.indexOf('\\E', i + 2);
      const text = p.slice(i + 2, e < 0 ? p.length : e);
      return [[...text].map((t) => literal(t, inClass)).join(''), e < 0 ? p.length : e + 2];
    }
    case 'E': return ['', i + 2];
    case 'C': fail('invalid escape sequence', `${here} (matching single bytes is not supported by Strait)`);
    default: fail('invalid escape sequence', here);
  }
}

/** Translates a character class starting at p[i] === '['. */
function charClass(p: string, i: number): [string, number] {
  let out = '[';
  let j = i + 1;
  if (p[j] === '^') { out += '^'; j++; }
  if (p[j] === ']') { out += '\\]'; j++; }
  for (;;) {
    const ch = p[j];
    if (ch === undefined) fail('missing ]', p.slice(i));
    if (ch === ']') return [out + ']', j + 1];
    if (ch === '[' && p[j + 1] === ':') {
      const close = p.indexOf(':]', j + 2);
      if (close >= 0) {
        const name = p.slice(j + 2, close);
        const cls = POSIX_CLASSES[name];
        if (cls === undefined) fail('invalid character class range', p.slice(j, close + 2));
        out += cls;
        j = close + 2;
        continue;
      }
    }
    if (ch === '\\') {
      const [text, next] = escape(p, j, true);
      out += text;
      j = next;
      continue;
    }
    out += ch === '[' ? '\\[' : ch;
    j += ch.length;
  }
}

/** Translates a `(?...` group opener at p[i]; returns the JS text, the next index and any global flags. */
function groupOpen(p: string, i: number, flags: Set<string>): [string, number] {
  const rest = p.slice(i + 2);
  if (rest.startsWith(':')) return ['(?:', i + 3];
  const named = /^P?<([A-Za-z0-9_]+)>/.exec(rest);
  if (named) return [`(?<${named[1]}>`, i + 2 + named[0].length];
  if (rest.startsWith('P<') || (rest.startsWith('<') && !/^<[=!]/.test(rest)) || rest.startsWith('P=') || rest.startsWith('P>')) {
    const end = p.indexOf('>', i);
    fail('invalid named capture group', p.slice(i, end < 0 ? p.length : end + 1));
  }
  const f = /^(-?[imsU]+|[imsU]+-[imsU]*)(:|\))/.exec(rest);
  if (f) {
    // Flags apply to the whole pattern here: good enough for full-match checks, where a local
    // (?i:...) differs only if the rest of the pattern has letters.
    if (!f[1]!.startsWith('-')) for (const ch of f[1]!.split('-')[0]!) if (ch !== 'U') flags.add(ch);
    return [f[2] === ':' ? '(?:' : '', i + 2 + f[0].length];
  }
  fail('invalid perl operator', p.slice(i, i + 3 + (rest[1] === '=' || rest[1] === '!' ? 1 : 0)));
}

/** Translates an RE2 pattern to a JS RegExp source (with the `u` flag), or returns RE2's error text. */
export function translateRe2(pattern: string): Re2Translation {
  const flags = new Set<string>(['u']);
  let out = '';
  let i = 0;
  try {
    while (i < pattern.length) {
      const ch = pattern[i]!;
      if (ch === '\\') {
        const [text, next] = escape(pattern, i, false);
        out += text;
        i = next;
      } else if (ch === '[') {
        const [text, next] = charClass(pattern, i);
        out += text;
        i = next;
      } else if (ch === '(' && pattern[i + 1] === '?') {
        const [text, next] = groupOpen(pattern, i, flags);
        out += text;
        i = next;
      } else if (ch === '*' || ch === '+' || ch === '?' || (ch === '{' && repeatAt(pattern, i))) {
        const rep = ch === '{' ? repeatAt(pattern, i)! : undefined;
        if (rep && (rep.min > RE2_MAX_REPEAT || rep.max > RE2_MAX_REPEAT || (rep.max >= 0 && rep.max < rep.min))) {
          fail('bad repetition operator', rep.text);
        }
        let j = i + (rep ? rep.text.length : 1);
        if (pattern[j] === '?') j++;
        const next = pattern[j];
        if (next === '*' || next === '+' || next === '?' || (next === '{' && repeatAt(pattern, j))) {
          fail('bad repetition operator', pattern.slice(i, j + 1));
        }
        out += pattern.slice(i, j);
        i = j;
      } else if (ch === '{' || ch === '}' || ch === ']') {
        out += `\\${ch}`;
        i++;
      } else {
        out += ch;
        i++;
      }
    }
  } catch (e) {
    if (e instanceof Re2SyntaxError) return { ok: false, error: e.message };
    throw e;
  }
  const flagStr = [...flags].sort().join('');
  try {
    new RegExp(out, flagStr);
  } catch (e) {
    return { ok: false, error: jsErrorToRe2((e as Error).message, pattern) };
  }
  return { ok: true, source: out, flags: flagStr };
}

/** RE2's wording for the errors left to the JS engine to find. */
function jsErrorToRe2(msg: string, pattern: string): string {
  const detail = msg.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  if (/Unterminated group/.test(detail)) return `missing ): ${pattern}`;
  if (/Unmatched '\)'/.test(detail)) return `unexpected ): ${pattern}`;
  if (/Nothing to repeat/.test(detail)) return `missing argument to repetition operator: ${pattern}`;
  if (/out of order in \{\}/.test(detail)) return `bad repetition operator: ${pattern}`;
  if (/Range out of order|Invalid character class/.test(detail)) return `invalid character class range: ${pattern}`;
  if (/capture group name/.test(detail)) return `invalid named capture group: ${pattern}`;
  return `invalid regex: ${detail}`;
}

/** RE2's error text for a pattern, or undefined when RE2 would accept it. */
export function re2Error(pattern: string): string | undefined {
  const t = translateRe2(pattern);
  return t.ok ? undefined : t.error;
}

/** Compiles an RE2 pattern for a full match (as Envoy's safe_regex matches), or throws with RE2's error text. */
export function compileRe2FullMatch(pattern: string): RegExp {
  const t = translateRe2(pattern);
  if (!t.ok) throw new Error(t.error);
  return new RegExp(`^(?:${t.source})$`, t.flags);
}
