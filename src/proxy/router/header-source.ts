// Where a header matcher or hash policy reads a header's value: pseudo-headers (:method, :path,
// :authority, :scheme) are RequestHead fields, other names are ordinary headers.

export const SRC_HEADER = 0;
export const SRC_METHOD = 1;
export const SRC_PATH = 2;
export const SRC_AUTHORITY = 3;
export const SRC_SCHEME = 4;
/** An unknown pseudo-header: never present. */
export const SRC_NONE = 5;

/** The source of a header name (lower case). */
export function headerSource(name: string): number {
  switch (name) {
    case ':method': return SRC_METHOD;
    case ':path': return SRC_PATH;
    // Envoy's header map aliases the HTTP/1 Host header to :authority.
    case ':authority': case 'host': return SRC_AUTHORITY;
    case ':scheme': return SRC_SCHEME;
  }
  return name.startsWith(':') ? SRC_NONE : SRC_HEADER;
}
