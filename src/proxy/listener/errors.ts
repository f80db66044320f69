// Listener configuration errors (filter chains, listener filters, transport sockets): Envoy's
// message plus the field path in the whole config. Thrown only while building a listener.
import { ProxyConfigError } from '../bootstrap/config-error.js';

/** A listener that cannot be built; `path` names the field, e.g. `.static_resources.listeners[0].filter_chains[1]`. */
export class ListenerConfigError extends ProxyConfigError {
  constructor(readonly detail: string, readonly path = '') {
    super(path === '' ? detail : `${path}: ${detail}`);
    this.name = 'ListenerConfigError';
  }
}

/** Throws a ListenerConfigError at `path`. */
export function listenerFail(path: string, detail: string): never {
  throw new ListenerConfigError(detail, path);
}
