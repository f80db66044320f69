// x-forwarded-client-cert as Envoy's mutateXfccRequestHeader: forward_client_cert_details says whether the
// header is removed, kept, appended to or replaced; set_current_client_cert_details which peer facts go in.
import { createHash } from 'node:crypto';
import type { HeaderMap } from '../headers.js';
import type { SslConnectionInfo } from '../../tls/ssl-connection-info.js';

/** HttpConnectionManager.ForwardClientCertDetails. */
export type ForwardClientCert = 'SANITIZE' | 'FORWARD_ONLY' | 'APPEND_FORWARD' | 'SANITIZE_SET' | 'ALWAYS_FORWARD_ONLY';

/** The HCM's XFCC settings (Cert and Chain details are refused at load). */
export interface XfccPolicy {
  readonly forward: ForwardClientCert;
  readonly subject: boolean;
  readonly uri: boolean;
  readonly dns: boolean;
}

const XFCC = 'x-forwarded-client-cert';

/** The details Envoy writes for the connection's peer: By, Hash, then the configured ones. */
function details(policy: XfccPolicy, ssl: SslConnectionInfo, der: Buffer): string {
  const parts: string[] = [];
  for (const uri of ssl.uriSanLocalCertificate) parts.push(`By=${uri}`);
  parts.push(`Hash=${createHash('sha256').update(der).digest('hex')}`);
  if (policy.subject) parts.push(`Subject="${ssl.subjectPeerCertificate}"`);
  if (policy.uri) {
    if (ssl.uriSanPeerCertificate.length === 0) parts.push('URI=');
    for (const uri of ssl.uriSanPeerCertificate) parts.push(`URI=${uri}`);
  }
  if (policy.dns) for (const dns of ssl.dnsSanPeerCertificate) parts.push(`DNS=${dns}`);
  return parts.join(';');
}

/** Applies the policy to a request's headers; `ssl` is the downstream connection's TLS (undefined: plaintext). */
export function mutateXfcc(headers: HeaderMap, policy: XfccPolicy, ssl: SslConnectionInfo | undefined): void {
  const forward = policy.forward;
  if (forward === 'ALWAYS_FORWARD_ONLY') return;
  const der = ssl?.peerCertificateDer;
  if (forward === 'SANITIZE' || ssl === undefined || der === undefined) {
    headers.remove(XFCC);
    return;
  }
  if (forward === 'FORWARD_ONLY') return;
  const mine = details(policy, ssl, der);
  const prev = headers.get(XFCC);
  headers.set(XFCC, forward === 'APPEND_FORWARD' && prev !== undefined ? `${prev},${mine}` : mine);
}
