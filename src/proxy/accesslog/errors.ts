// Config errors for access logging: Envoy's message text plus the config field it belongs to.
// Thrown only while building loggers from config; logging a request never throws.
import { ProxyConfigError } from '../bootstrap/config-error.js';

/** A bad access-log config (format string, filter, logger type); `path` names the field. */
export class AccessLogConfigError extends ProxyConfigError {
  /** The message without the field path (Envoy's own wording). */
  readonly detail: string;
  /** The config field, e.g. `.access_log[0].typed_config.log_format.text_format`; '' when unknown. */
  readonly path: string;

  constructor(detail: string, path = '') {
    super(path === '' ? detail : `${path}: ${detail}`);
    this.name = 'AccessLogConfigError';
    this.detail = detail;
    this.path = path;
  }

  /** The same error placed under `path`; keeps an inner path that is already longer. */
  static at(err: unknown, path: string): Error {
    if (err instanceof AccessLogConfigError) {
      return err.path === '' ? new AccessLogConfigError(err.detail, path) : err;
    }
    return err instanceof Error ? new AccessLogConfigError(err.message, path) : new AccessLogConfigError(String(err), path);
  }
}
