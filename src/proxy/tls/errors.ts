// TLS configuration errors: Envoy's message plus the field (proto names, relative to the TLS
// context) it belongs to. Thrown only while building contexts; handshakes never throw.
import type { PathSeg } from '../bootstrap/config-error.js';
import { ProxyConfigError, formatPath } from '../bootstrap/config-error.js';

/** A TLS context (or transport socket) that cannot be built. */
export class TlsConfigError extends ProxyConfigError {
  constructor(readonly detail: string, readonly path: readonly PathSeg[] = []) {
    super(path.length === 0 ? detail : `${formatPath(path)}: ${detail}`);
    this.name = 'TlsConfigError';
  }
}

/** Throws a TlsConfigError at `path`. */
export function tlsFail(path: readonly PathSeg[], detail: string): never {
  throw new TlsConfigError(detail, path);
}
