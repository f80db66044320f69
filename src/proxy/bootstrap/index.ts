// Public face of the bootstrap loader: load + validate an Envoy v3 bootstrap, and render its
// errors. Everything else in this folder is an implementation detail.
export { loadBootstrap, validateBootstrap, CONFIG_YAML_LABEL } from './load.js';
export type { BootstrapSource, LoadResult } from './load.js';
export { formatConfigError, formatPath, NO_CONFIG_MESSAGE } from './config-error.js';
export type { ConfigError, PathError, PathSeg } from './config-error.js';
export { EXTENSIONS, ROUTER_FILTER, findExtension } from './extensions.js';
export type { ExtensionCategory, ExtensionInfo } from './extensions.js';
