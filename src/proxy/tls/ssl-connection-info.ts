// What a TLS connection tells filters and access logs (Envoy's Ssl::ConnectionInfo), for a downstream or an
// upstream connection: the peer's certificate (SANs, subject, issuer, serial, digests, validity), our own, the version and cipher.
import { createHash } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { parseSubjectAltNames } from './san-match.js';

/** The facts access logs print (%DOWNSTREAM_TLS_VERSION%, %UPSTREAM_PEER_ISSUER% ...); '' when not known. */
export interface TlsFacts {
  /** SSL_get_version: `TLSv1.3`, `TLSv1.2`. */
  readonly version: string;
  /** The cipher suite's OpenSSL name (`TLS_AES_128_GCM_SHA256`, `ECDHE-RSA-AES128-GCM-SHA256`). */
  readonly cipher: string;
  readonly subjectLocalCertificate: string;
  readonly dnsSanLocalCertificate: readonly string[];
  readonly issuerPeerCertificate: string;
  /** Lower-case hex, as Envoy's serialNumberPeerCertificate. */
  readonly serialNumberPeerCertificate: string;
  /** Lower-case hex digests of the peer certificate's DER. */
  readonly sha256PeerCertificateDigest: string;
  readonly sha1PeerCertificateDigest: string;
  readonly validFromPeerCertificate: Date | undefined;
  readonly expirationPeerCertificate: Date | undefined;
  /** The peer certificate's PEM, URL-encoded as Envoy's urlEncodedPemEncodedPeerCertificate. */
  readonly urlEncodedPemEncodedPeerCertificate: string;
}

/** The TLS facts of a connection. */
export interface SslConnectionInfo {
  readonly peerCertificatePresented: boolean;
  readonly uriSanPeerCertificate: readonly string[];
  readonly dnsSanPeerCertificate: readonly string[];
  /** The peer certificate's subject in RFC 2253 form (`CN=client,O=Org`), '' without one. */
  readonly subjectPeerCertificate: string;
  readonly uriSanLocalCertificate: readonly string[];
  /** The peer certificate (DER), when presented. */
  readonly peerCertificateDer: Buffer | undefined;
  /** The rest, worked out on first use (absent in values made by hand). */
  readonly facts?: TlsFacts;
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

/** Envoy's URL encoding of a PEM certificate (newlines, spaces, '+', '/', '='). */
function urlEncodePem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
  return pem.replace(/[\n +/=]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

type NodeName = Record<string, string | string[]>;

function tlsFacts(protocol: string | null, cipher: string, peer: DetailedPeerCertificate | undefined,
  local: { subject?: unknown; subjectaltname?: string } | undefined): TlsFacts {
  const der = peer?.raw;
  const date = (s: string | undefined): Date | undefined => (s === undefined ? undefined : new Date(s));
  return {
    version: protocol ?? '',
    cipher,
    subjectLocalCertificate: rfc2253Subject(local?.subject as NodeName | undefined),
    dnsSanLocalCertificate: sans(local?.subjectaltname, 'DNS'),
    issuerPeerCertificate: der ? rfc2253Subject(peer.issuer as unknown as NodeName) : '',
    serialNumberPeerCertificate: der ? (peer.serialNumber ?? '').toLowerCase() : '',
    sha256PeerCertificateDigest: der ? createHash('sha256').update(der).digest('hex') : '',
    sha1PeerCertificateDigest: der ? createHash('sha1').update(der).digest('hex') : '',
    validFromPeerCertificate: der ? date(peer.valid_from) : undefined,
    expirationPeerCertificate: der ? date(peer.valid_to) : undefined,
    urlEncodedPemEncodedPeerCertificate: der ? urlEncodePem(der) : '',
  };
}

/** Reads the facts from an established TLS socket (the ones access logs alone need, on first use). */
export function sslConnectionInfo(socket: TLSSocket): SslConnectionInfo {
  const peer = socket.getPeerCertificate(false);
  const localCert = socket.getCertificate();
  const local = localCert !== null && 'subjectaltname' in localCert ? localCert : undefined;
  const presented = peer?.raw !== undefined;
  const protocol = socket.getProtocol();
  const cipher = socket.getCipher()?.name ?? '';
  let facts: TlsFacts | undefined;
  return {
    peerCertificatePresented: presented,
    uriSanPeerCertificate: sans(peer?.subjectaltname, 'URI'),
    dnsSanPeerCertificate: sans(peer?.subjectaltname, 'DNS'),
    subjectPeerCertificate: presented ? rfc2253Subject(peer.subject as unknown as NodeName) : '',
    uriSanLocalCertificate: sans(local?.subjectaltname, 'URI'),
    peerCertificateDer: peer?.raw,
    get facts(): TlsFacts {
      return facts ??= tlsFacts(protocol, cipher, presented ? peer as DetailedPeerCertificate : undefined, local);
    },
  };
}
