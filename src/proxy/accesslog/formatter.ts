// Envoy's substitution format strings: parsed once at config time into parts, rendered per request.
// Used by access logs now, and later by the TCP proxy and local replies (nothing here is HTTP-only).
import type { StreamInfo } from '../http/stream-info.js';
import { AccessLogConfigError } from './errors.js';
import { FormatPart, LiteralPart } from './format-part.js';
import { makeCommandPart } from './operators.js';
import { scanFormat } from './command-syntax.js';

/** Envoy's default access-log format (one line, ending in a newline). */
export const DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ' +
  '%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ' +
  '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% ' +
  '"%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" ' +
  '"%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

/** Turns a StreamInfo into one log line (text or JSON). */
export interface Formatter {
  format(info: StreamInfo): string;
}

/** Parses a format string into parts; throws AccessLogConfigError with Envoy's message on bad input. */
export function parseFormat(format: string): FormatPart[] {
  const parts: FormatPart[] = [];
  try {
    for (const t of scanFormat(format)) parts.push('literal' in t ? new LiteralPart(t.literal) : makeCommandPart(t.command, t.sub, t.maxLength));
  } catch (e) {
    if (e instanceof AccessLogConfigError) throw e;
    throw new AccessLogConfigError((e as Error).message);
  }
  if (format === '') parts.push(new LiteralPart(''));
  return parts;
}

/** A text format: unset values print `-` (or nothing with omit_empty_values). */
export class TextFormatter implements Formatter {
  private readonly parts: FormatPart[];
  private readonly empty: string;

  constructor(readonly pattern: string, omitEmptyValues = false) {
    this.parts = parseFormat(pattern);
    this.empty = omitEmptyValues ? '' : '-';
  }

  format(info: StreamInfo): string {
    const parts = this.parts;
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      const t = parts[i].text(info);
      out += t === undefined ? this.empty : t;
    }
    return out;
  }
}

let defaultFormatter: TextFormatter | undefined;

/** The shared formatter for DEFAULT_FORMAT (stateless apart from its per-second time cache). */
export function defaultTextFormatter(): TextFormatter {
  defaultFormatter ??= new TextFormatter(DEFAULT_FORMAT);
  return defaultFormatter;
}
