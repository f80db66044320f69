// What a downstream TLS connection tells filters (Envoy's Ssl::ConnectionInfo): whether the peer presented
// a certificate, its URI and DNS SANs, subject and DER, and the URI SANs of our own certificate.
import type { TLSSocket } from 'node:tls';
import { parseSubjectAltNames } from './san-match.js';

/** The TLS facts of a downstream connection. */
export interface DownstreamSsl {
  readonly peerCertificatePresented: boolean;
  readonly uriSanPeerCertificate: readonly string[];
  readonly dnsSanPeerCertificate: readonly string[];
  /** The peer certificate's subject in RFC 2253 form (`CN=client,O=Org`), '' without one. */
  readonly subjectPeerCertificate: string;
  readonly uriSanLocalCertificate: readonly string[];
  /** The peer certificate (DER), when presented. */
  readonly peerCertificateDer: Buffer | undefined;
}

function sans(text: string | undefined, type: 'URI' | 'DNS'): string[] {
  return parseSubjectAltNames(text).filter((s) => s.type === type).map((s) => s.value);
}

/** RFC 2253 escaping of one attribute value. */
function escapeRdnValue(v: string): string {
  let out = v.replace(/[,+"\\<>;]/g, (c) => `\\${c}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** Node's subject object (RDNs in certificate order) as OpenSSL's RFC 2253 print: last RDN first. */
export function rfc2253Subject(subject: Record<string, string | string[]> | undefined): string {
  if (subject === undefined) return '';
  const rdns: string[] = [];
  for (const [k, v] of Object.entries(subject)) {
    for (const one of Array.isArray(v) ? v : [v]) rdns.push(`${k}=${escapeRdnValue(one)}`);
  }
  return rdns.reverse().join(',');
}

/** Reads the facts from an established TLS socket. */
export function downstreamSsl(socket: TLSSocket): DownstreamSsl {
  const peer = socket.getPeerCertificate(false);
  const local = socket.getCertificate();
  const presented = peer?.raw !== undefined;
  return {
    peerCertificatePresented: presented,
    uriSanPeerCertificate: sans(peer?.subjectaltname, 'URI'),
    dnsSanPeerCertificate: sans(peer?.subjectaltname, 'DNS'),
    subjectPeerCertificate: presented ? rfc2253Subject(peer.subject as unknown as Record<string, string | string[]>) : '',
    uriSanLocalCertificate: sans(local !== null && 'subjectaltname' in local ? local.subjectaltname : undefined, 'URI'),
    peerCertificateDer: peer?.raw,
  };
}
