// Envoy's uri_template path matcher (envoy.path.match.uri_template.uri_template_matcher): a
// template of literals, `*` (one segment), `**` (the rest) and {variables}, parsed and checked as
// Envoy's uri_template_lib, then matched as an RE2 full match on the path without query.
import { create } from '@bufbuild/protobuf';
import { StringMatcherSchema } from '../../../xds/gen/envoy/type/matcher/v3/string_pb.js';
import { fail } from '../../router/errors.js';
import { StringMatch } from '../../router/string-match.js';

/** RFC 3986 pchar without `/` and `*` (Envoy's kLiteral), as a character-class body. */
const LITERAL_CLASS = "a-zA-Z0-9\\-._~%!$&'()+,;:@=";
const VALID_LITERAL = new RegExp(`^[${LITERAL_CLASS}]+$`);
const VALID_VARIABLE = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const PRINTABLE = /^\/[\x21-\x7e]*$/;
const MAX_VARIABLES = 5;
const MAX_VARIABLE_NAME = 16;

type Operator = '*' | '**';
interface Literal { lit: string }
interface Variable { name: string; match: (Operator | Literal)[] }
type Segment = Operator | Literal | Variable;

class TemplateError extends Error {}

function parseOperator(s: string): [Operator, string] {
  if (s.startsWith('**')) return ['**', s.slice(2)];
  return ['*', s.slice(1)];
}

function parseLiteral(s: string): [Literal, string] {
  if (s[0] === '/') return [{ lit: '/' }, s.slice(1)];
  const slash = s.indexOf('/');
  let lit = slash === -1 ? s : s.slice(0, slash);
  const brace = lit.indexOf('{');
  if (brace !== -1) lit = lit.slice(0, brace);
  if (!VALID_LITERAL.test(lit)) throw new TemplateError(`Invalid literal: "${lit}"`);
  return [{ lit }, s.slice(lit.length)];
}

function parseVariable(s: string): [Variable, string] {
  const close = s.indexOf('}');
  if (close === -1) throw new TemplateError(`Unmatched variable bracket in "${s}"`);
  const body = s.slice(1, close);
  const rest = s.slice(close + 1);
  const eq = body.indexOf('=');
  const name = eq === -1 ? body : body.slice(0, eq);
  if (!VALID_VARIABLE.test(name)) throw new TemplateError(`Invalid variable name: "${name}"`);
  const v: Variable = { name, match: [] };
  if (eq === -1) return [v, rest];
  let item = body.slice(eq + 1);
  if (item === '') throw new TemplateError('Empty variable match');
  while (item !== '') {
    const last = v.match[v.match.length - 1];
    const afterOperator = last === '*' || last === '**';
    if (item[0] === '*' && !afterOperator) {
      const [op, r] = parseOperator(item);
      v.match.push(op);
      item = r;
    } else if (item[0] !== '/' && afterOperator) {
      throw new TemplateError('Invalid variable match, path cannot directly be prepended by operator, is a slash missing?');
    } else {
      const [lit, r] = parseLiteral(item);
      v.match.push(lit);
      item = r;
    }
  }
  return [v, rest];
}

function validate(segments: Segment[]): void {
  const names = new Set<string>();
  for (const s of segments) {
    if (typeof s !== 'object' || !('name' in s)) continue;
    if (names.size >= MAX_VARIABLES) throw new TemplateError(`Exceeded variable count limit (${MAX_VARIABLES})`);
    if (s.name.length > MAX_VARIABLE_NAME) {
      throw new TemplateError(`Invalid variable name length (length of "${s.name}" should be at least 1 and no more than ${MAX_VARIABLE_NAME})`);
    }
    if (names.has(s.name)) throw new TemplateError(`Repeated variable name: "${s.name}"`);
    names.add(s.name);
  }
  let textGlob = false;
  for (const s of segments) {
    if (typeof s === 'object' && 'name' in s && s.match.length === 0) {
      // A variable with no explicit match is a path glob.
      if (textGlob) throw new TemplateError('Implicit variable path glob after text glob.');
      continue;
    }
    const ops = typeof s === 'string' ? [s] : 'name' in s ? s.match.filter((x): x is Operator => typeof x === 'string') : [];
    for (const op of ops) {
      if (textGlob) throw new TemplateError('Glob after text glob.');
      textGlob = op === '**';
    }
  }
  let prevSlash = false;
  for (const s of segments) {
    const first = typeof s === 'object' ? ('lit' in s ? s : s.match[0]) : undefined;
    const slash = typeof first === 'object' && first.lit === '/';
    if (prevSlash && slash) throw new TemplateError('Double slashes (/) detected in uri_template, this is not allowed.');
    prevSlash = slash;
  }
}

const escapeLiteral = (s: string): string => s.replace(/[$()+.]/g, (c) => `\\${c}`);

function regexOf(x: Operator | Literal): string {
  if (x === '*') return `[${LITERAL_CLASS}]+`;
  if (x === '**') return `[${LITERAL_CLASS}/]*`;
  return escapeLiteral(x.lit);
}

/** The RE2 pattern of a path template; throws a TemplateError as Envoy's parser rejects it. */
function templateRegex(template: string): string {
  if (!PRINTABLE.test(template)) throw new TemplateError(`Invalid pattern: "${template}"`);
  const segments: Segment[] = [];
  let s = template;
  while (s !== '') {
    let seg: Segment;
    if (s[0] === '*') [seg, s] = parseOperator(s);
    else if (s[0] === '{') [seg, s] = parseVariable(s);
    else [seg, s] = parseLiteral(s);
    segments.push(seg);
  }
  validate(segments);
  return segments.map((x) => (typeof x === 'object' && 'name' in x
    ? `(?:${x.match.length === 0 ? regexOf('*') : x.match.map(regexOf).join('')})` : regexOf(x))).join('');
}

/** Strips `?query` and `#fragment` (Http::PathUtil::removeQueryAndFragment). */
export function pathWithoutQuery(path: string): string {
  let end = path.length;
  const q = path.indexOf('?');
  if (q !== -1) end = q;
  const h = path.indexOf('#');
  if (h !== -1 && h < end) end = h;
  return end === path.length ? path : path.slice(0, end);
}

/** A compiled path template; `path` names the template field in errors. */
export function compileUriTemplate(template: string, path: string): StringMatch {
  let regex: string;
  try {
    regex = templateRegex(template);
  } catch (e) {
    if (e instanceof TemplateError) fail(path, e.message);
    throw e;
  }
  return StringMatch.compile(create(StringMatcherSchema, { matchPattern: { case: 'safeRegex', value: { regex } } }), path);
}
