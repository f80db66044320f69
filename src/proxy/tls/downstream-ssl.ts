// What a downstream TLS connection tells filters (Envoy's Ssl::ConnectionInfo): whether the peer
// presented a certificate, the URI and DNS SANs of the peer's and our own certificates, the peer's DER.
import type { TLSSocket } from 'node:tls';
import { parseSubjectAltNames } from './san-match.js';

/** The TLS facts of a downstream connection. */
export interface DownstreamSsl {
  readonly peerCertificatePresented: boolean;
  readonly uriSanPeerCertificate: readonly string[];
  readonly dnsSanPeerCertificate: readonly string[];
  readonly uriSanLocalCertificate: readonly string[];
  /** The peer certificate (DER), when presented. */
  readonly peerCertificateDer: Buffer | undefined;
}

function sans(text: string | undefined, type: 'URI' | 'DNS'): string[] {
  return parseSubjectAltNames(text).filter((s) => s.type === type).map((s) => s.value);
}

/** Reads the facts from an established TLS socket. */
export function downstreamSsl(socket: TLSSocket): DownstreamSsl {
  const peer = socket.getPeerCertificate(false);
  const local = socket.getCertificate();
  return {
    peerCertificatePresented: peer?.raw !== undefined,
    uriSanPeerCertificate: sans(peer?.subjectaltname, 'URI'),
    dnsSanPeerCertificate: sans(peer?.subjectaltname, 'DNS'),
    uriSanLocalCertificate: sans(local !== null && 'subjectaltname' in local ? local.subjectaltname : undefined, 'URI'),
    peerCertificateDer: peer?.raw,
  };
}
