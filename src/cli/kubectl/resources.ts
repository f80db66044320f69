// The resource types `strait get/describe` know, as kubectl names them: the plural, short names and
// group of each kind, and kubectl's error for a type the server does not have.
import { CliError } from '../cli-error.js';

export interface ResourceType {
  kind: string;
  /** The lower-case plural (the REST resource), e.g. virtualservices. */
  plural: string;
  /** The API group ('' for the core group). */
  group: string;
  shortNames: string[];
}

const t = (kind: string, plural: string, group: string, ...shortNames: string[]): ResourceType => ({ kind, plural, group, shortNames });

export const RESOURCE_TYPES: readonly ResourceType[] = [
  t('Pod', 'pods', '', 'po'),
  t('Service', 'services', '', 'svc'),
  t('ServiceAccount', 'serviceaccounts', '', 'sa'),
  t('ConfigMap', 'configmaps', '', 'cm'),
  t('Secret', 'secrets', ''),
  t('Namespace', 'namespaces', '', 'ns'),
  t('Deployment', 'deployments', 'apps', 'deploy'),
  t('Gateway', 'gateways', 'networking.istio.io', 'gw'),
  t('VirtualService', 'virtualservices', 'networking.istio.io', 'vs'),
  t('DestinationRule', 'destinationrules', 'networking.istio.io', 'dr'),
  t('ServiceEntry', 'serviceentries', 'networking.istio.io', 'se'),
  t('Sidecar', 'sidecars', 'networking.istio.io'),
  t('WorkloadEntry', 'workloadentries', 'networking.istio.io', 'we'),
  t('PeerAuthentication', 'peerauthentications', 'security.istio.io', 'pa'),
  t('RequestAuthentication', 'requestauthentications', 'security.istio.io', 'ra'),
  t('AuthorizationPolicy', 'authorizationpolicies', 'security.istio.io', 'ap'),
  t('Telemetry', 'telemetries', 'telemetry.istio.io', 'telemetry'),
];

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
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}
