// The config objects one push had to leave out because translating them failed: istiod logs and
// skips such an object; strait also keeps which object failed and why (debug, proxy-status, analyze).
import type { ConfigObject } from '../config/object.js';

/** One object left out of the config pushed to proxies, and why. */
export interface ConfigError {
  kind: string;
  namespace: string;
  name: string;
  /** Where the object was read from (as its source names the file) and the line of its document. */
  file?: string;
  line?: number;
  /** What failed, e.g. `cannot encode field google.protobuf.UInt32Value.value to binary: invalid uint32: NaN`. */
  message: string;
  /** The proxy whose config was being built when it failed; '' when indexing the push context. */
  proxy: string;
  /** The version of the push that left it out. */
  version: string;
}

/** `Kind/namespace/name`, the key of an object (and of its error). */
export function configKey(o: Pick<ConfigObject, 'kind' | 'metadata'>): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The message of anything thrown. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The error of `obj`, which failed while building `proxyId`'s config ('' for none) in push `version`. */
export function configErrorOf(obj: ConfigObject, proxyId: string, err: unknown, version: string): ConfigError {
  const e: ConfigError = {
    kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name, message: errorMessage(err), proxy: proxyId, version,
  };
  if (obj.source) {
    e.file = obj.source.file;
    e.line = obj.source.line;
  }
  return e;
}

/** The errors of one push: each object once (its first failure), reported to `onError` as it happens. */
export class ConfigErrorLog {
  private readonly byKey = new Map<string, ConfigError>();

  constructor(private readonly version: string, private readonly onError: (e: ConfigError) => void = () => {}) {}

  /** Records that `obj` failed while building `proxyId`'s config ('' for none). */
  record(obj: ConfigObject, proxyId: string, err: unknown): void {
    const key = configKey(obj);
    if (this.byKey.has(key)) return;
    const e = configErrorOf(obj, proxyId, err, this.version);
    this.byKey.set(key, e);
    this.onError(e);
  }

  /** Whether `obj` has failed in this push. */
  has(obj: ConfigObject): boolean {
    return this.byKey.has(configKey(obj));
  }

  list(): ConfigError[] {
    return [...this.byKey.values()];
  }
}
