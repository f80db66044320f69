// A plugged-in CA for the local mesh, as Istio reads it: the Secret `cacerts` in istio-system with
// ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem (base64 `data` or plain `stringData`).
import type { CaCertFiles } from '../../pilot/ca/mesh-ca.js';
import type { Manifest } from './workloads.js';

/** The cacerts Secret's files among `manifests`, or undefined when there is none. */
export function pluggedInCa(manifests: readonly Manifest[]): CaCertFiles | undefined {
  const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === 'cacerts' && m.metadata.namespace === 'istio-system');
  if (secret === undefined) return undefined;
  const raw = secret as unknown as { data?: Record<string, string>; stringData?: Record<string, string> };
  const file = (name: string): string | undefined =>
    raw.stringData?.[name] ?? (raw.data?.[name] !== undefined ? Buffer.from(raw.data[name]!, 'base64').toString('utf8') : undefined);
  const cert = file('ca-cert.pem');
  const key = file('ca-key.pem');
  const root = file('root-cert.pem');
  if (cert === undefined || key === undefined || root === undefined) {
    throw new Error('secret istio-system/cacerts needs ca-cert.pem, ca-key.pem and root-cert.pem');
  }
  const chain = file('cert-chain.pem');
  return { 'ca-cert.pem': cert, 'ca-key.pem': key, 'root-cert.pem': root, ...(chain !== undefined ? { 'cert-chain.pem': chain } : {}) };
}
