// Envoy's StringMatcher and RE2 regexes, compiled once: exact/prefix/suffix/contains (ASCII
// ignore_case, as absl's) and safe_regex as a full match; regex rewrites with RE2's \1 syntax.
import type { RegexMatcher, RegexMatchAndSubstitute } from '../../xds/gen/envoy/type/matcher/v3/regex_pb.js';
import type { StringMatcher } from '../../xds/gen/envoy/type/matcher/v3/string_pb.js';
import { Re2, Re2SyntaxError, type Re2Rewrite } from '../util/re2.js';
import { fail } from './errors.js';

const ASCII_UPPER = /[A-Z]+/g;

function lowerMatch(m: string): string {
  return m.toLowerCase();
}

/** Lower-cases ASCII letters only (absl::AsciiStrToLower); returns `s` itself when nothing changes. */
export function asciiLower(s: string): string {
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) upper = true;
    else if (c >= 128) return s.replace(ASCII_UPPER, lowerMatch);
  }
  // Pure ASCII: the native lower-casing is the same, and fast.
  return upper ? s.toLowerCase() : s;
}

/** Whether s[offset ..] starts with `lower` (already lower-case), ignoring ASCII case. */
export function startsWithIgnoreCase(s: string, lower: string, offset = 0): boolean {
  const n = lower.length;
  if (offset < 0 || offset + n > s.length) return false;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(offset + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** An RE2 pattern compiled for a full match (Envoy's safe_regex semantics). */
export function compileFullMatch(m: RegexMatcher | undefined, path: string): Re2 {
  if (m === undefined) fail(path, 'a regex is required');
  return compileRe2(m.regex, `${path}.regex`);
}

function compileRe2(pattern: string, path: string): Re2 {
  try {
    return Re2.compile(pattern);
  } catch (e) {
    if (e instanceof Re2SyntaxError) fail(path, e.message);
    throw e;
  }
}

/** A compiled regex_rewrite: every match of the pattern replaced by the substitution. */
export class RegexRewrite {
  constructor(private readonly re: Re2, private readonly replacement: Re2Rewrite) {}

  /** RE2::GlobalReplace on `s`. */
  apply(s: string): string {
    return this.re.globalReplace(s, this.replacement);
  }
}

/** Compiles a RegexMatchAndSubstitute; the substitution's `\N` group references are checked against the pattern. */
export function compileRegexRewrite(r: RegexMatchAndSubstitute, path: string): RegexRewrite {
  if (r.pattern === undefined) fail(`${path}.pattern`, 'a regex is required');
  const re = compileRe2(r.pattern.regex, `${path}.pattern.regex`);
  try {
    return new RegexRewrite(re, re.rewrite(r.substitution));
  } catch (e) {
    return fail(`${path}.substitution`, (e as Error).message);
  }
}

const EXACT = 0;
const PREFIX = 1;
const SUFFIX = 2;
const CONTAINS = 3;
const REGEX = 4;

/** A compiled envoy.type.matcher.v3.StringMatcher. */
export class StringMatch {
  private constructor(private readonly kind: number, private readonly value: string,
    private readonly ignoreCase: boolean, private readonly regex: Re2 | null) {}

  /** Compiles a StringMatcher; `path` is its field path for errors. */
  static compile(m: StringMatcher, path: string): StringMatch {
    const p = m.matchPattern;
    const ic = m.ignoreCase;
    switch (p.case) {
      case 'exact': return new StringMatch(EXACT, ic ? asciiLower(p.value) : p.value, ic, null);
      case 'prefix': return new StringMatch(PREFIX, ic ? asciiLower(p.value) : p.value, ic, null);
      case 'suffix': return new StringMatch(SUFFIX, ic ? asciiLower(p.value) : p.value, ic, null);
      case 'contains': return new StringMatch(CONTAINS, ic ? asciiLower(p.value) : p.value, ic, null);
      case 'safeRegex':
        if (ic) fail(`${path}.ignore_case`, 'ignore_case has no effect for safe_regex.');
        return new StringMatch(REGEX, '', false, compileFullMatch(p.value, `${path}.safe_regex`));
      case 'custom':
        return fail(`${path}.custom`, 'custom string matchers are not supported by Strait');
      default:
        return fail(path, 'one of exact, prefix, suffix, contains or safe_regex is required');
    }
  }

  match(v: string): boolean {
    const want = this.value;
    switch (this.kind) {
      case EXACT:
        return this.ignoreCase ? v.length === want.length && startsWithIgnoreCase(v, want) : v === want;
      case PREFIX:
        return this.ignoreCase ? startsWithIgnoreCase(v, want) : v.startsWith(want);
      case SUFFIX:
        return this.ignoreCase ? startsWithIgnoreCase(v, want, v.length - want.length) : v.endsWith(want);
      case CONTAINS:
        return (this.ignoreCase ? asciiLower(v) : v).includes(want);
      default:
        return this.regex!.fullMatch(v);
    }
  }
}
