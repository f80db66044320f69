// Header values with Envoy's command operators (%REQ(x)%, %DOWNSTREAM_REMOTE_ADDRESS%, %START_TIME% ...),
// parsed once; a value with no operator is a plain string and costs nothing per request.
import type { StreamInfo } from '../http/stream-info.js';
import type { HeaderMap, RequestHead } from '../http/headers.js';
import { makeCommandPart } from '../accesslog/operators.js';
import { scanFormat } from '../accesslog/command-syntax.js';
import type { FormatPart } from '../accesslog/format-part.js';

/**
 * What header values are rendered from: the stream's StreamInfo (addresses, protocol, start time,
 * upstream host ...). %REQ()% reads the request being mutated, %RESP()% the response headers.
 */
export type HeaderFormatterContext = StreamInfo;

/** One compiled piece of a header value. */
export abstract class ValuePart {
  /** The text; unset values render as '' (Envoy formats header values with omit_empty_values). */
  abstract text(req: RequestHead | undefined, resp: HeaderMap | undefined, info: HeaderFormatterContext): string;
}

class LiteralValue extends ValuePart {
  constructor(readonly literal: string) {
    super();
  }

  text(): string {
    return this.literal;
  }
}

/** Any StreamInfo operator of the access-log table (addresses, PROTOCOL, START_TIME, HOSTNAME ...). */
class StreamInfoValue extends ValuePart {
  constructor(private readonly part: FormatPart) {
    super();
  }

  text(_req: RequestHead | undefined, _resp: HeaderMap | undefined, info: HeaderFormatterContext): string {
    return this.part.text(info) ?? '';
  }
}

/** %REQ(X?Y):Z% and %RESP(X?Y):Z%. */
class HeaderValue extends ValuePart {
  constructor(private readonly response: boolean, private readonly main: string, private readonly alt: string,
    private readonly maxLength: number) {
    super();
  }

  text(req: RequestHead | undefined, resp: HeaderMap | undefined, info: HeaderFormatterContext): string {
    let v = this.lookup(this.main, req, resp, info);
    if (v === undefined && this.alt !== '') v = this.lookup(this.alt, req, resp, info);
    if (v === undefined) return '';
    return this.maxLength >= 0 && v.length > this.maxLength ? v.slice(0, this.maxLength) : v;
  }

  private lookup(name: string, req: RequestHead | undefined, resp: HeaderMap | undefined,
    info: HeaderFormatterContext): string | undefined {
    if (this.response) {
      if (name === ':status') {
        const s = info.responseHead?.status;
        return s === undefined || s <= 0 ? undefined : `${s}`;
      }
      return resp !== undefined ? resp.get(name) : info.responseHead?.headers.get(name);
    }
    const head = req ?? info.requestHead;
    if (head === undefined) return undefined;
    switch (name) {
      case ':method': return head.method || undefined;
      case ':path': return head.path || undefined;
      case ':authority': case 'host': return head.authority || undefined;
      case ':scheme': return head.scheme || undefined;
    }
    return name.startsWith(':') ? undefined : head.headers.get(name);
  }
}

/** An RFC 7230 token, optionally with a leading ':' for pseudo-headers. */
const HEADER_NAME = /^:?[!#$%&'*+\-.^_`|~0-9a-z]+$/;

function headerPart(response: boolean, sub: string, maxLength: number): ValuePart {
  const names = sub.split('?');
  if (names.length > 2) throw new Error(`More than 1 alternative header specified in token: ${sub}`);
  const main = names[0].toLowerCase();
  const alt = (names[1] ?? '').toLowerCase();
  if (!HEADER_NAME.test(main) || (alt !== '' && !HEADER_NAME.test(alt))) {
    throw new Error('Invalid header configuration. Format string contains invalid characters.');
  }
  return new HeaderValue(response, main, alt, maxLength);
}

/** A compiled header value: a constant, or parts rendered per request. */
export interface CompiledValue {
  /** The value when it has no operators, else null. */
  readonly literal: string | null;
  readonly parts: readonly ValuePart[];
}

/** Parses a header value; throws Error with Envoy's message on a bad operator. */
export function compileHeaderValue(format: string): CompiledValue {
  const parts: ValuePart[] = [];
  let literal = '';
  for (const t of scanFormat(format)) {
    if ('literal' in t) {
      literal += t.literal;
      continue;
    }
    if (literal !== '') {
      parts.push(new LiteralValue(literal));
      literal = '';
    }
    if (t.command === 'REQ' || t.command === 'RESP') {
      if (t.sub === undefined || t.sub === '') throw new Error(`${t.command} requires parameters`);
      parts.push(headerPart(t.command === 'RESP', t.sub, t.maxLength));
    } else {
      parts.push(new StreamInfoValue(makeCommandPart(t.command, t.sub, t.maxLength)));
    }
  }
  if (parts.length === 0) return { literal, parts };
  if (literal !== '') parts.push(new LiteralValue(literal));
  return { literal: null, parts };
}

/** Renders a compiled value. */
export function renderValue(v: CompiledValue, req: RequestHead | undefined, resp: HeaderMap | undefined,
  info: HeaderFormatterContext): string {
  if (v.literal !== null) return v.literal;
  const parts = v.parts;
  if (parts.length === 1) return parts[0].text(req, resp, info);
  let out = '';
  for (let i = 0; i < parts.length; i++) out += parts[i].text(req, resp, info);
  return out;
}
