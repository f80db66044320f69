// %REQ(X?Y):Z%, %RESP(X?Y):Z% and %TRAILER(X?Y):Z%: header values, with pseudo-headers read
// from the RequestHead/ResponseHead fields. Header names are lower-cased and classified at config time.
import type { StreamInfo } from '../http/stream-info.js';
import { AccessLogConfigError } from './errors.js';
import { FormatPart } from './format-part.js';

// Where a header lookup reads from: a plain header or one of the RequestHead/ResponseHead fields.
const H_HEADER = 0;
const H_METHOD = 1;
const H_PATH = 2;
const H_AUTHORITY = 3;
const H_SCHEME = 4;
const H_STATUS = 5;
const H_NONE = 6;

/** Which head a header operator reads. */
export enum HeaderSource {
  Request,
  Response,
  Trailer,
}

/** Maps a lower-case header name to how it is read from the given source. */
function headerKind(source: HeaderSource, name: string): number {
  if (source === HeaderSource.Request) {
    switch (name) {
      case ':method': return H_METHOD;
      case ':path': return H_PATH;
      // Envoy's header map aliases a legacy `host` header to :authority.
      case ':authority': case 'host': return H_AUTHORITY;
      case ':scheme': return H_SCHEME;
    }
  } else if (source === HeaderSource.Response && name === ':status') {
    return H_STATUS;
  }
  return name.startsWith(':') ? H_NONE : H_HEADER;
}

/** %REQ(X?Y):Z%, %RESP(X?Y):Z%, %TRAILER(X?Y):Z%: the first value of X, else of Y, cut to Z chars. */
class HeaderPart extends FormatPart {
  private readonly mainKind: number;
  private readonly altKind: number;

  constructor(private readonly source: HeaderSource, private readonly main: string, private readonly alt: string,
    private readonly maxLength: number) {
    super();
    this.mainKind = headerKind(source, main);
    this.altKind = alt === '' ? H_NONE : headerKind(source, alt);
  }

  text(info: StreamInfo): string | undefined {
    let v = this.lookup(info, this.mainKind, this.main);
    if (v === undefined) v = this.lookup(info, this.altKind, this.alt);
    if (v === undefined) return undefined;
    return this.maxLength >= 0 && v.length > this.maxLength ? v.slice(0, this.maxLength) : v;
  }

  private lookup(info: StreamInfo, kind: number, name: string): string | undefined {
    if (kind === H_NONE) return undefined;
    if (this.source === HeaderSource.Request) {
      const head = info.requestHead;
      if (head === undefined) return undefined;
      switch (kind) {
        case H_HEADER: return head.headers.get(name);
        case H_METHOD: return head.method === '' ? undefined : head.method;
        case H_PATH: return head.path === '' ? undefined : head.path;
        case H_AUTHORITY: return head.authority === '' ? undefined : head.authority;
        case H_SCHEME: return head.scheme === '' ? undefined : head.scheme;
      }
      return undefined;
    }
    if (this.source === HeaderSource.Response) {
      const head = info.responseHead;
      if (head === undefined) return undefined;
      if (kind === H_STATUS) return head.status > 0 ? `${head.status}` : undefined;
      return head.headers.get(name);
    }
    return info.responseTrailers === undefined ? undefined : info.responseTrailers.get(name);
  }
}

/** Builds a header part from `X?Y` (checked as Envoy does); maxLength is -1 when absent. */
export function makeHeaderPart(source: HeaderSource, sub: string, maxLength: number): FormatPart {
  const names = sub.split('?');
  if (names.length > 2) {
    throw new AccessLogConfigError(`More than 1 alternative header specified in token: ${sub}`);
  }
  const main = names[0].toLowerCase();
  const alt = (names[1] ?? '').toLowerCase();
  if (!validHeaderName(main) || (alt !== '' && !validHeaderName(alt))) {
    throw new AccessLogConfigError('Invalid header configuration. Format string contains invalid characters.');
  }
  return new HeaderPart(source, main, alt, maxLength);
}

/** An RFC 7230 token, optionally with a leading ':' for pseudo-headers. */
function validHeaderName(name: string): boolean {
  return /^:?[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name);
}
