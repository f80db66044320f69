// The resource types `strait get/describe` know, as kubectl names them: the plural, short names and
// group of each kind, and kubectl's error for a type the server does not have.
import { CliError } from '../cli-error.js';
import { KINDS, groupResourceOf, pluralOf } from '../../pilot/config/kinds.js';

export interface ResourceType {
  kind: string;
  /** The lower-case plural (the REST resource), e.g. virtualservices. */
  plural: string;
  /** The API group ('' for the core group). */
  group: string;
  shortNames: string[];
}

/** kubectl's short names of the kinds that have them. */
const SHORT_NAMES: Readonly<Record<string, string[]>> = {
  Pod: ['po'], Service: ['svc'], ServiceAccount: ['sa'], ConfigMap: ['cm'], Namespace: ['ns'], Deployment: ['deploy'],
  Gateway: ['gw'], VirtualService: ['vs'], DestinationRule: ['dr'], ServiceEntry: ['se'], WorkloadEntry: ['we'], WorkloadGroup: ['wg'],
  PeerAuthentication: ['pa'], RequestAuthentication: ['ra'], AuthorizationPolicy: ['ap'], Telemetry: ['telemetry'],
};

/** Every kind the mesh keeps, as kubectl names it. */
export const RESOURCE_TYPES: readonly ResourceType[] = KINDS.map((k) => ({
  kind: k.kind, plural: pluralOf(k.kind), group: k.group, shortNames: SHORT_NAMES[k.kind] ?? [],
}));

/** The type `arg` names (singular, plural, short name, any of them with `.group`); kubectl's error otherwise. */
export function resourceType(arg: string): ResourceType {
  const a = arg.toLowerCase();
  const found = RESOURCE_TYPES.find((r) => {
    const names = [r.kind.toLowerCase(), r.plural, ...r.shortNames];
    return names.includes(a) || (r.group !== '' && names.some((n) => a === `${n}.${r.group}`));
  });
  if (!found) throw new CliError(`error: the server doesn't have a resource type "${arg}"`);
  return found;
}

/** kubectl's `-o name` and change-line form: pod/webapp-x, deployment.apps/catalog, virtualservice.networking.istio.io/catalog. */
export function qualifiedName(r: ResourceType, name: string): string {
  return `${r.kind.toLowerCase()}${r.group ? `.${r.group}` : ''}/${name}`;
}

/** The resource as kubectl names it in NotFound errors: pods, deployments.apps, virtualservices.networking.istio.io. */
export function groupResource(r: ResourceType): string {
  return groupResourceOf(r.kind);
}
