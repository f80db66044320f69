// Request matchers on headers and query parameters (HeaderMatcher, QueryParameterMatcher), compiled
// once; pseudo-headers (:method, :path, :authority, :scheme) read the RequestHead fields.
import type { HeaderMatcher, QueryParameterMatcher } from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { HeaderMap, RequestHead } from '../http/headers.js';
import { fail } from './errors.js';
import { compileFullMatch, StringMatch } from './string-match.js';
import type { Re2 } from '../util/re2.js';
import { headerSource, SRC_AUTHORITY, SRC_HEADER, SRC_METHOD, SRC_PATH, SRC_SCHEME } from './header-source.js';

// Match types, as Envoy's HeaderMatchType.
const T_VALUE = 0;
const T_REGEX = 1;
const T_RANGE = 2;
const T_PRESENT = 3;
const T_PREFIX = 4;
const T_SUFFIX = 5;
const T_CONTAINS = 6;
const T_STRING = 7;

/** A header's value as Envoy's matchers see it: all values joined by ',', or undefined when absent. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const names = headers.names;
  const first = names.indexOf(name);
  if (first === -1) return undefined;
  if (names.indexOf(name, first + 1) === -1) return headers.values[first];
  return headers.getJoined(name);
}

/** absl::SimpleAtoi into int64 (surrounding whitespace and a sign allowed); undefined when invalid. */
function parseInt64(s: string): bigint | number | undefined {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  let i = start;
  if (i < end && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++;
  if (i === end) return undefined;
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return undefined;
  }
  const text = start === 0 && end === s.length ? s : s.slice(start, end);
  if (end - i <= 15) return Number(text);
  const big = BigInt(text);
  return big > 9223372036854775807n || big < -9223372036854775808n ? undefined : big;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** A compiled envoy.config.route.v3.HeaderMatcher. */
export class HeaderMatch {
  private readonly source: number;
  private type = T_PRESENT;
  private value = '';
  private regex: Re2 | null = null;
  private stringMatch: StringMatch | null = null;
  private rangeStart = 0n;
  private rangeEnd = 0n;
  private rangeStartNum = 0;
  private rangeEndNum = 0;
  private present = true;
  private readonly invert: boolean;
  private readonly missingAsEmpty: boolean;
  readonly name: string;

  constructor(m: HeaderMatcher, path: string) {
    this.name = m.name.toLowerCase();
    if (this.name === '') fail(`${path}.name`, 'a header name is required');
    this.source = headerSource(this.name);
    this.invert = m.invertMatch;
    this.missingAsEmpty = m.treatMissingHeaderAsEmpty;
    const s = m.headerMatchSpecifier;
    switch (s.case) {
      case 'exactMatch': this.type = T_VALUE; this.value = s.value; break;
      case 'safeRegexMatch': this.type = T_REGEX; this.regex = compileFullMatch(s.value, `${path}.safe_regex_match`); break;
      case 'rangeMatch':
        this.type = T_RANGE;
        this.rangeStart = s.value.start;
        this.rangeEnd = s.value.end;
        this.rangeStartNum = Number(s.value.start);
        this.rangeEndNum = Number(s.value.end);
        break;
      case 'presentMatch': this.type = T_PRESENT; this.present = s.value; break;
      case 'prefixMatch': this.type = T_PREFIX; this.value = s.value; break;
      case 'suffixMatch': this.type = T_SUFFIX; this.value = s.value; break;
      case 'containsMatch': this.type = T_CONTAINS; this.value = s.value; break;
      case 'stringMatch': this.type = T_STRING; this.stringMatch = StringMatch.compile(s.value, `${path}.string_match`); break;
      default: break; // no specifier: a presence match, as Envoy
    }
  }

  private read(head: RequestHead): string | undefined {
    switch (this.source) {
      case SRC_HEADER: return headerValue(head.headers, this.name);
      case SRC_METHOD: return head.method === '' ? undefined : head.method;
      case SRC_PATH: return head.path === '' ? undefined : head.path;
      case SRC_AUTHORITY: return head.authority === '' ? undefined : head.authority;
      case SRC_SCHEME: return head.scheme === '' ? undefined : head.scheme;
    }
    return undefined;
  }

  /** HeaderUtility::matchHeaders for one matcher. */
  matches(head: RequestHead): boolean {
    let v = this.read(head);
    if (v === undefined) {
      if (!this.missingAsEmpty) {
        // A missing header only satisfies present_match: false (or an inverted present_match: true).
        return this.type === T_PRESENT && (this.invert ? this.present : !this.present);
      }
      v = '';
    }
    let match: boolean;
    switch (this.type) {
      case T_VALUE: match = this.value === '' || v === this.value; break;
      case T_REGEX: match = this.regex!.fullMatch(v); break;
      case T_RANGE: {
        const n = parseInt64(v);
        if (n === undefined) {
          match = false;
        } else if (typeof n === 'number') {
          match = n >= this.rangeStartNum && n < this.rangeEndNum;
        } else {
          match = n >= this.rangeStart && n < this.rangeEnd;
        }
        break;
      }
      case T_PRESENT: match = this.present; break;
      case T_PREFIX: match = v.startsWith(this.value); break;
      case T_SUFFIX: match = v.endsWith(this.value); break;
      case T_CONTAINS: match = v.includes(this.value); break;
      default: match = this.stringMatch!.match(v); break;
    }
    return match !== this.invert;
  }
}

/** The first value of query parameter `name` in `path` (not decoded, as Envoy's route matching), or undefined. */
export function queryValue(path: string, queryStart: number, name: string): string | undefined {
  if (queryStart < 0) return undefined;
  let end = path.indexOf('#', queryStart);
  if (end === -1) end = path.length;
  let start = queryStart + 1;
  const n = name.length;
  while (start <= end) {
    let amp = path.indexOf('&', start);
    if (amp === -1 || amp > end) amp = end;
    if (path.startsWith(name, start)) {
      const after = start + n;
      if (after === amp) return '';
      if (after < amp && path.charCodeAt(after) === 61 /* = */) return path.slice(after + 1, amp);
    }
    start = amp + 1;
  }
  return undefined;
}

/** A compiled envoy.config.route.v3.QueryParameterMatcher. */
export class QueryParamMatch {
  private readonly name: string;
  private readonly present: boolean | undefined;
  private readonly matcher: StringMatch | null;

  constructor(m: QueryParameterMatcher, path: string) {
    this.name = m.name;
    if (this.name === '') fail(`${path}.name`, 'a query parameter name is required');
    const s = m.queryParameterMatchSpecifier;
    this.present = s.case === 'presentMatch' ? s.value : undefined;
    this.matcher = s.case === 'stringMatch' ? StringMatch.compile(s.value, `${path}.string_match`) : null;
  }

  /** Envoy's rule: only the first value of the parameter counts. */
  matches(path: string, queryStart: number): boolean {
    const v = queryValue(path, queryStart, this.name);
    if (this.present !== undefined) return (v !== undefined) === this.present;
    if (v === undefined) return false;
    return this.matcher === null || this.matcher.match(v);
  }
}
