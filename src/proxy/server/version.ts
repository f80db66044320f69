// Strait's version string as the admin and `strait version` report it.
// Envoy's shape is <sha>/<version>/<status>/<build type>/<ssl>; ours names the package version.
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../../../../package.json') as { version: string };

/** e.g. `strait/0.1.0/Clean/RELEASE/node-20`. */
export const STRAIT_VERSION = `strait/${pkg.version}/Clean/RELEASE/node-${process.versions.node.split('.')[0]}`;
