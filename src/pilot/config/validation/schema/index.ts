// The document schema of every kind Strait reads: apiVersion, kind, metadata and the kind's own
// top-level fields (an Istio kind's spec and its free-form status).
import { any, obj, str, type Schema } from './types.js';
import { objectMeta, KUBERNETES_TOP_LEVEL } from './kubernetes.js';
import { NETWORKING_SPECS } from './networking.js';
import { SECURITY_SPECS } from './security.js';
import { EXTENSIONS_SPECS } from './extensions.js';
import { envoyFilter } from './envoy-filter.js';

const ISTIO_SPECS: Readonly<Record<string, Schema>> = { ...NETWORKING_SPECS, EnvoyFilter: envoyFilter, ...SECURITY_SPECS,
  ...EXTENSIONS_SPECS };

const DOCUMENTS = new Map<string, Schema>([
  ...Object.entries(ISTIO_SPECS).map(([kind, spec]): [string, Schema] => [kind, obj({ apiVersion: str, kind: str, metadata: objectMeta, spec, status: any })]),
  ...Object.entries(KUBERNETES_TOP_LEVEL).map(([kind, fields]): [string, Schema] => [kind, obj({ apiVersion: str, kind: str, metadata: objectMeta, ...fields })]),
]);

/** The schema of a whole document of `kind`, or undefined for a kind without one. */
export function documentSchema(kind: string): Schema | undefined {
  return DOCUMENTS.get(kind);
}
