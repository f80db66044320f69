// Turns a failed upstream connect into Envoy's pool failure reason and transport failure text
// ("delayed connect error: Connection refused": Envoy prints strerror() of the socket error; TLS
// failures print as TLS_error:|...:TLS_error_end).
import type { PoolFailureReason } from '../types.js';
import { tlsFailureText } from '../../tls/transport-failure.js';

/** strerror() texts (glibc) for the errors a TCP connect can end with. */
const STRERROR: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ECONNABORTED: 'Software caused connection abort',
  EHOSTUNREACH: 'No route to host',
  EHOSTDOWN: 'Host is down',
  ENETUNREACH: 'Network is unreachable',
  ENETDOWN: 'Network is down',
  ETIMEDOUT: 'Connection timed out',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EPIPE: 'Broken pipe',
};

/** Why a connect attempt failed, in Envoy's words. */
export interface ConnectFailure {
  readonly reason: PoolFailureReason;
  readonly transportFailure: string;
}

/**
 * `timedOut`: connect_timeout fired (no transport text, as Envoy). `closedLocally`: we closed it
 * for another reason. Otherwise the socket error decides; Envoy raises those as remote closes.
 */
export function connectFailure(err: NodeJS.ErrnoException | null, timedOut: boolean,
  closedLocally: boolean): ConnectFailure {
  if (timedOut) return { reason: 'connection timeout', transportFailure: '' };
  if (err === null) {
    return { reason: closedLocally ? 'local connection failure' : 'remote connection failure', transportFailure: '' };
  }
  // A failed TLS handshake or peer verification: Envoy's `TLS_error:|...:TLS_error_end` text.
  const tls = tlsFailureText(err);
  if (tls !== null) return { reason: 'remote connection failure', transportFailure: tls };
  const text = (err.code !== undefined ? STRERROR[err.code] : undefined) ?? err.code ?? err.message;
  return { reason: 'remote connection failure', transportFailure: `delayed connect error: ${text}` };
}
