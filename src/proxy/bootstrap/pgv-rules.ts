// protoc-gen-validate rules for single values (numbers, strings, bytes, enums, durations, Any
// type URLs), with PGV's error wording. The walk over messages is in pgv-validate.ts.
import { isFieldSet, type DescEnum, type DescMessage, type Message } from '@bufbuild/protobuf';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { Any, Duration, Timestamp } from '@bufbuild/protobuf/wkt';
import {
  file_validate_validate, KnownRegex, type AnyRules, type BoolRules, type BytesRules, type DurationRules,
  type EnumRules, type StringRules, type TimestampRules,
} from '../../xds/gen/validate/validate_pb.js';
import { Re2, Re2SyntaxError } from '../util/re2.js';

const RULE_SCHEMAS = new Map<string, DescMessage>(file_validate_validate.messages.map((m) => [m.typeName, m]));

/** Whether a proto2 rule field is set (unset ones read as their defaults). */
function has(rules: Message, localName: string): boolean {
  const field = RULE_SCHEMAS.get(rules.$typeName)?.fields.find((f) => f.localName === localName);
  return field !== undefined && isFieldSet(rules, field);
}

type Num = number | bigint;

/** The numeric rule messages all share these fields. */
interface NumericRules extends Message {
  ignoreEmpty: boolean;
  const: Num;
  lt: Num;
  lte: Num;
  gt: Num;
  gte: Num;
  in: Num[];
  notIn: Num[];
}

function cmp(a: Num, b: Num): number {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function list(values: readonly unknown[], fmt: (v: never) => string = String): string {
  return `[${values.map((v) => fmt(v as never)).join(' ')}]`;
}

/**
 * Range rules shared by numbers and durations: with both bounds and lower < upper the value
 * must be inside; with lower > upper it must be outside (PGV's exclusive ranges).
 */
function checkRange<T>(v: T, r: { lt?: T; lte?: T; gt?: T; gte?: T }, c: (a: T, b: T) => number, f: (v: T) => string): string | undefined {
  const upper = r.lt !== undefined ? { v: r.lt, incl: false } : r.lte !== undefined ? { v: r.lte, incl: true } : undefined;
  const lower = r.gt !== undefined ? { v: r.gt, incl: false } : r.gte !== undefined ? { v: r.gte, incl: true } : undefined;
  const belowUpper = upper && (upper.incl ? c(v, upper.v) <= 0 : c(v, upper.v) < 0);
  const aboveLower = lower && (lower.incl ? c(v, lower.v) >= 0 : c(v, lower.v) > 0);
  if (upper && lower) {
    const range = `${lower.incl ? '[' : '('}${f(lower.v)}, ${f(upper.v)}${upper.incl ? ']' : ')'}`;
    if (c(lower.v, upper.v) < 0) return belowUpper && aboveLower ? undefined : `value must be inside range ${range}`;
    return belowUpper || aboveLower ? undefined : `value must be outside range ${range}`;
  }
  if (upper && !belowUpper) return `value must be less than ${upper.incl ? 'or equal to ' : ''}${f(upper.v)}`;
  if (lower && !aboveLower) return `value must be greater than ${lower.incl ? 'or equal to ' : ''}${f(lower.v)}`;
  return undefined;
}

/** Numeric rules (int32 ... double): const, lt/lte/gt/gte, in, not_in. */
export function checkNumber(rules: NumericRules, v: Num): string | undefined {
  if (rules.ignoreEmpty && cmp(v, 0) === 0) return undefined;
  if (has(rules, 'const') && cmp(v, rules.const) !== 0) return `value must equal ${rules.const}`;
  const r = {
    lt: has(rules, 'lt') ? rules.lt : undefined, lte: has(rules, 'lte') ? rules.lte : undefined,
    gt: has(rules, 'gt') ? rules.gt : undefined, gte: has(rules, 'gte') ? rules.gte : undefined,
  };
  const range = checkRange<Num>(v, r, cmp, String);
  if (range) return range;
  if (rules.in.length > 0 && !rules.in.some((x) => cmp(v, x) === 0)) return `value must be in list ${list(rules.in)}`;
  if (rules.notIn.some((x) => cmp(v, x) === 0)) return `value must not be in list ${list(rules.notIn)}`;
  return undefined;
}

/** bool const. */
export function checkBool(rules: BoolRules, v: boolean): string | undefined {
  return has(rules, 'const') && v !== rules.const ? `value must equal ${rules.const}` : undefined;
}

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function isHostname(s: string): boolean {
  const h = s.endsWith('.') ? s.slice(0, -1) : s;
  if (h.length === 0 || h.length > 253) return false;
  return h.split('.').every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

function wellKnown(rules: StringRules, s: string): string | undefined {
  const wk = rules.wellKnown;
  switch (wk.case) {
    case 'hostname': return wk.value && !isHostname(s) ? 'value must be a valid hostname' : undefined;
    case 'ip': return wk.value && isIP(s) === 0 ? 'value must be a valid IP address' : undefined;
    case 'ipv4': return wk.value && !isIPv4(s) ? 'value must be a valid IPv4 address' : undefined;
    case 'ipv6': return wk.value && !isIPv6(s) ? 'value must be a valid IPv6 address' : undefined;
    case 'address': return wk.value && isIP(s) === 0 && !isHostname(s) ? 'value must be a valid hostname, or ip address' : undefined;
    case 'email': return wk.value && !/^[^@\s]+@[^@\s]+$/.test(s) ? 'value must be a valid email address' : undefined;
    case 'uri': return wk.value && !URL.canParse(s) ? 'value must be a valid URI' : undefined;
    case 'uuid': return wk.value && !UUID.test(s) ? 'value must be a valid UUID' : undefined;
    case 'wellKnownRegex': {
      const strict = rules.strict;
      if (wk.value === KnownRegex.HTTP_HEADER_NAME) {
        const re = strict ? HEADER_NAME_STRICT : HEADER_LOOSE;
        return re.test(s) ? undefined : `value does not match regex pattern "${re.source}"`;
      }
      if (wk.value === KnownRegex.HTTP_HEADER_VALUE) {
        const re = strict ? HEADER_VALUE_STRICT : HEADER_LOOSE;
        return re.test(s) ? undefined : `value does not match regex pattern "${re.source}"`;
      }
      return undefined;
    }
    default: return undefined;
  }
}

const patternCache = new Map<string, Re2 | null>();

function pattern(src: string): Re2 | null {
  let re = patternCache.get(src);
  if (re === undefined) {
    try {
      re = Re2.compile(src);
    } catch (e) {
      if (!(e instanceof Re2SyntaxError)) throw e;
      re = null;
    }
    patternCache.set(src, re);
  }
  return re;
}

/** String rules: lengths in characters and bytes, const/in, affixes, pattern, well-known formats. */
export function checkString(rules: StringRules, s: string): string | undefined {
  if (rules.ignoreEmpty && s === '') return undefined;
  const q = JSON.stringify;
  if (has(rules, 'const') && s !== rules.const) return `value must equal ${q(rules.const)}`;
  const runes = [...s].length;
  if (has(rules, 'len') && BigInt(runes) !== rules.len) return `value length must be ${rules.len} characters`;
  if (has(rules, 'minLen') && BigInt(runes) < rules.minLen) return `value length must be at least ${rules.minLen} characters`;
  if (has(rules, 'maxLen') && BigInt(runes) > rules.maxLen) return `value length must be at most ${rules.maxLen} characters`;
  const bytes = BigInt(Buffer.byteLength(s, 'utf8'));
  if (has(rules, 'lenBytes') && bytes !== rules.lenBytes) return `value length must be ${rules.lenBytes} bytes`;
  if (has(rules, 'minBytes') && bytes < rules.minBytes) return `value length must be at least ${rules.minBytes} bytes`;
  if (has(rules, 'maxBytes') && bytes > rules.maxBytes) return `value length must be at most ${rules.maxBytes} bytes`;
  if (has(rules, 'pattern')) {
    const re = pattern(rules.pattern);
    if (re && !re.partialMatchText(s)) return `value does not match regex pattern ${q(rules.pattern)}`;
  }
  if (has(rules, 'prefix') && !s.startsWith(rules.prefix)) return `value does not have prefix ${q(rules.prefix)}`;
  if (has(rules, 'suffix') && !s.endsWith(rules.suffix)) return `value does not have suffix ${q(rules.suffix)}`;
  if (has(rules, 'contains') && !s.includes(rules.contains)) return `value does not contain substring ${q(rules.contains)}`;
  if (has(rules, 'notContains') && s.includes(rules.notContains)) return `value contains substring ${q(rules.notContains)}`;
  if (rules.in.length > 0 && !rules.in.includes(s)) return `value must be in list ${list(rules.in, q)}`;
  if (rules.notIn.includes(s)) return `value must not be in list ${list(rules.notIn, q)}`;
  return wellKnown(rules, s);
}

/** Bytes rules: lengths, const/in, affixes, IP formats. */
export function checkBytes(rules: BytesRules, b: Uint8Array): string | undefined {
  if (rules.ignoreEmpty && b.length === 0) return undefined;
  const n = BigInt(b.length);
  const eq = (x: Uint8Array, y: Uint8Array): boolean => Buffer.compare(x, y) === 0;
  if (has(rules, 'const') && !eq(b, rules.const)) return 'value must equal the configured bytes';
  if (has(rules, 'len') && n !== rules.len) return `value length must be ${rules.len} bytes`;
  if (has(rules, 'minLen') && n < rules.minLen) return `value length must be at least ${rules.minLen} bytes`;
  if (has(rules, 'maxLen') && n > rules.maxLen) return `value length must be at most ${rules.maxLen} bytes`;
  const buf = Buffer.from(b);
  if (has(rules, 'prefix') && !buf.subarray(0, rules.prefix.length).equals(rules.prefix)) return 'value does not have the required prefix';
  if (has(rules, 'suffix') && !buf.subarray(buf.length - rules.suffix.length).equals(rules.suffix)) return 'value does not have the required suffix';
  if (has(rules, 'contains') && buf.indexOf(rules.contains) < 0) return 'value does not contain the required bytes';
  if (rules.in.length > 0 && !rules.in.some((x) => eq(b, x))) return 'value must be in the configured list';
  if (rules.notIn.some((x) => eq(b, x))) return 'value must not be in the configured list';
  const wk = rules.wellKnown;
  if (wk.case === 'ip' && wk.value && b.length !== 4 && b.length !== 16) return 'value must be a valid IP address';
  if (wk.case === 'ipv4' && wk.value && b.length !== 4) return 'value must be a valid IPv4 address';
  if (wk.case === 'ipv6' && wk.value && b.length !== 16) return 'value must be a valid IPv6 address';
  return undefined;
}

/** Enum rules: const, defined_only, in, not_in. */
export function checkEnum(rules: EnumRules, v: number, e: DescEnum): string | undefined {
  if (has(rules, 'const') && v !== rules.const) return `value must equal ${rules.const}`;
  if (rules.definedOnly && !e.values.some((x) => x.number === v)) return 'value must be one of the defined enum values';
  if (rules.in.length > 0 && !rules.in.includes(v)) return `value must be in list ${list(rules.in)}`;
  if (rules.notIn.includes(v)) return `value must not be in list ${list(rules.notIn)}`;
  return undefined;
}

function nanos(d: Duration): bigint {
  return d.seconds * 1_000_000_000n + BigInt(d.nanos);
}

/** Formats a duration as the proto JSON mapping does (`0s`, `1.5s`). */
export function formatDuration(d: Duration): string {
  const n = nanos(d);
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const secs = abs / 1_000_000_000n;
  const frac = abs % 1_000_000_000n;
  const fracStr = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${neg ? '-' : ''}${secs}${fracStr}s`;
}

/** Duration rules (the field is set): const, lt/lte/gt/gte, in, not_in. */
export function checkDuration(rules: DurationRules, d: Duration): string | undefined {
  const c = (a: Duration, b: Duration): number => { const x = nanos(a); const y = nanos(b); return x < y ? -1 : x > y ? 1 : 0; };
  if (rules.const && c(d, rules.const) !== 0) return `value must equal ${formatDuration(rules.const)}`;
  const range = checkRange<Duration>(d, { lt: rules.lt, lte: rules.lte, gt: rules.gt, gte: rules.gte }, c, formatDuration);
  if (range) return range;
  if (rules.in.length > 0 && !rules.in.some((x) => c(d, x) === 0)) return `value must be in list ${list(rules.in, formatDuration)}`;
  if (rules.notIn.some((x) => c(d, x) === 0)) return `value must not be in list ${list(rules.notIn, formatDuration)}`;
  return undefined;
}

/** Timestamp rules (the field is set): lt/lte/gt/gte against fixed times. */
export function checkTimestamp(rules: TimestampRules, t: Timestamp): string | undefined {
  const ns = (x: Timestamp): bigint => x.seconds * 1_000_000_000n + BigInt(x.nanos);
  const c = (a: Timestamp, b: Timestamp): number => { const x = ns(a); const y = ns(b); return x < y ? -1 : x > y ? 1 : 0; };
  const f = (x: Timestamp): string => new Date(Number(ns(x) / 1_000_000n)).toISOString();
  if (rules.const && c(t, rules.const) !== 0) return `value must equal ${f(rules.const)}`;
  return checkRange<Timestamp>(t, { lt: rules.lt, lte: rules.lte, gt: rules.gt, gte: rules.gte }, c, f);
}

/** Any rules (the field is set): in / not_in on the type URL. */
export function checkAny(rules: AnyRules, a: Any): string | undefined {
  if (rules.in.length > 0 && !rules.in.includes(a.typeUrl)) return `type URL must be in list ${list(rules.in)}`;
  if (rules.notIn.includes(a.typeUrl)) return `type URL must not be in list ${list(rules.notIn)}`;
  return undefined;
}
