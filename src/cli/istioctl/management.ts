// istioctl's describeManagement: the Istio config behind a route or cluster, from its metadata
// filter_metadata.istio.config (`/apis/networking.istio.io/v1alpha3/namespaces/NS/KIND/NAME` -> NAME.NS).
import { obj, str } from './json-access.js';

/** `NAME.NS` for an Istio networking config path, `<unknown>` for another path. */
export function renderConfig(path: string): string {
  if (path.startsWith('/apis/networking.istio.io/v1alpha3/namespaces/')) {
    const pieces = path.split('/');
    return pieces.length === 8 ? `${pieces[7]}.${pieces[5]}` : '';
  }
  return '<unknown>';
}

/** The managing config of an Envoy metadata JSON object, '' when none. */
export function describeManagement(metadata: unknown): string {
  const istio = obj(obj(obj(metadata)['filter_metadata'])['istio']);
  const config = str(istio['config']);
  return config === '' ? '' : renderConfig(config);
}
