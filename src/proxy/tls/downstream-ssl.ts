// What a downstream TLS connection tells filters (Envoy's Ssl::ConnectionInfo): whether the
// peer presented a certificate, and the URI SANs of the peer's and our own certificates.
import type { TLSSocket } from 'node:tls';
import { parseSubjectAltNames } from './san-match.js';

/** The TLS facts of a downstream connection. */
export interface DownstreamSsl {
  readonly peerCertificatePresented: boolean;
  readonly uriSanPeerCertificate: readonly string[];
  readonly uriSanLocalCertificate: readonly string[];
}

function uriSans(text: string | undefined): string[] {
  return parseSubjectAltNames(text).filter((s) => s.type === 'URI').map((s) => s.value);
}

/** Reads the facts from an established TLS socket. */
export function downstreamSsl(socket: TLSSocket): DownstreamSsl {
  const peer = socket.getPeerCertificate(false);
  const local = socket.getCertificate();
  return {
    peerCertificatePresented: peer?.raw !== undefined,
    uriSanPeerCertificate: uriSans(peer?.subjectaltname),
    uriSanLocalCertificate: uriSans(local !== null && 'subjectaltname' in local ? local.subjectaltname : undefined),
  };
}
