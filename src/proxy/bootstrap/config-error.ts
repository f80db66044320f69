// Config errors with a field path and, for files, a line: the one error shape every
// bootstrap check reports, and its `file:line:col: .path: message` rendering.

/** Envoy's message when neither --config-path nor --config-yaml is given. */
export const NO_CONFIG_MESSAGE = 'At least one of --config-path or --config-yaml or Options::configProto() should be non-empty';

/**
 * An error found while building the proxy's objects from config (clusters, listeners, routes, TLS
 * contexts, loggers, xDS settings): the user's config, not a bug. Each area has its subclass.
 */
export class ProxyConfigError extends Error {}

/** One step of a field path: a proto field name, a list index, or a map key. */
export type PathSeg = string | number | { key: string };

/** A config error: where (file, line, column, field path) and what. */
export interface ConfigError {
  file?: string;
  line?: number;
  column?: number;
  /** Field path in proto field names, e.g. `.static_resources.clusters[0].name` ('' = whole config). */
  path: string;
  message: string;
}

/** An error found on the parsed value, before it is placed in a source file. */
export interface PathError {
  path: PathSeg[];
  message: string;
  /** Point at the key rather than the value (e.g. an unknown field). */
  atKey?: boolean;
}

/** Renders a path as `.a.b[0].c["key"]`. */
export function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string') out += `.${seg}`;
    else out += `[${JSON.stringify(seg.key)}]`;
  }
  return out;
}

/** Renders an error like `simple.yaml:27:19: .static_resources.clusters[0].connect_timeout: invalid duration "5"`. */
export function formatConfigError(e: ConfigError): string {
  let where = '';
  if (e.file !== undefined) {
    where = e.file;
    if (e.line !== undefined) where += `:${e.line}` + (e.column !== undefined ? `:${e.column}` : '');
    where += ': ';
  }
  return where + (e.path ? `${e.path}: ` : '') + e.message;
}

/** Envoy's error for an extension it has no implementation of. */
export function missingExtensionMessage(name: string, typeName: string | undefined): string {
  return `Didn't find a registered implementation for '${name}' with type URL: '${typeName ?? ''}'`;
}
